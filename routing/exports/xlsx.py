"""A plan as an Excel workbook for planners and courier offices: the summary sheet first (汇总:
the day's figures, a row per route, every unserved order with its reason), then a sheet per
vehicle with its header block and a row per stop.

The stop rows are routes.csv's (`formats._stop_row`, from the same views), under Chinese
headers: the same names, times (HH:MM:SS text, as in the CSV) and order ids. The summary's
figures are `Plan.summary()`'s, each with its plan.json key beside it.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from typing import Any

from ..plans.document import Plan
from ..units import format_hhmm
from .formats import CSV_COLUMNS, _stop_row
from .views import RouteView, UnservedView

SUMMARY_SHEET = "汇总"
MAX_SHEET_NAME = 31  # Excel's limit
SHEET_NAME_BANNED = re.compile(r"[\[\]:*?/\\]")
DATED = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*")  # in docProps/core.xml
MAX_WIDTH = 60  # a column's width in characters; longer cells (details, order lists) wrap off

STOP_HEADERS = {  # routes.csv's columns under Chinese headers (vehicle: the sheet's own)
    "sequence": "序号",
    "stop_id": "服务点",
    "name": "名称",
    "tier": "层级",
    "town": "乡镇",
    "lon": "经度",
    "lat": "纬度",
    "arrival": "到达",
    "start": "开始服务",
    "departure": "离开",
    "parcels_delivered": "送件数",
    "kg_delivered": "送货kg",
    "parcels_collected": "取件数",
    "kg_collected": "取货kg",
    "kg_unloaded": "卸货kg",
    "load_kg": "载重kg",
    "load_l": "容积L",
    "break_min": "休息分钟",
    "orders_delivered": "送货单",
    "orders_collected": "取货单",
    "orders_unloaded": "卸货单",
    "trip": "趟次",
    "reload": "回中心装卸",
}
assert set(STOP_HEADERS) == set(CSV_COLUMNS) - {"vehicle"}, "a routes.csv column has no header"

SUMMARY_LABELS = {  # Plan.summary()'s keys
    "vehicles_used": "出车数",
    "distance_km": "里程km",
    "hours": "时长h",
    "cost_yuan": "路线成本(元)",
    "orders_served": "已服务订单",
    "orders_unserved": "未服务订单",
    "trips": "趟数",
    "orders_deferred": "延后订单",
    "standing_cost_yuan": "固定成本(元)",
    "day_cost_yuan": "当日总成本(元)",
}
ROUTE_HEADERS = ("车辆", "工作表", "车型", "出发", "返回", "里程km", "时长h", "成本(元)", "站点数")
UNSERVED_TITLE = "未服务订单明细"  # then their count
UNSERVED_HEADERS = ("订单", "原因", "服务点", "名称", "类型", "重量kg", "说明")


def sheet_names(vehicles: Sequence[str]) -> list[str]:
    """A sheet name per vehicle: its id with the characters Excel refuses replaced by '_', at
    most 31 characters, unique and never the summary's."""
    taken = {SUMMARY_SHEET.casefold()}
    out = []
    for v in vehicles:
        base = SHEET_NAME_BANNED.sub("_", v).strip("'") or "_"
        name, k = base[:MAX_SHEET_NAME], 1
        while name.casefold() in taken:  # Excel compares sheet names without case
            k += 1
            suffix = f"~{k}"
            name = base[: MAX_SHEET_NAME - len(suffix)] + suffix
        taken.add(name.casefold())
        out.append(name)
    return out


def _width(v: Any) -> int:
    """Display width of a cell: East Asian wide characters take two columns."""
    text = "" if v is None else str(v)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _blank(v: Any) -> Any:
    return None if v == "" else v


def to_xlsx(plan: Plan, title: str, routes: list[RouteView], unserved: list[UnservedView]) -> bytes:
    """The workbook's bytes (written in memory: the caller writes them atomically)."""
    from openpyxl import Workbook  # only `route export --format xlsx` pays for it
    from openpyxl.styles import Font

    bold = Font(bold=True)
    wb = Workbook()
    names = sheet_names([r.vehicle for r in routes])

    def table(ws, headers: Sequence[str], rows: list[list[Any]]) -> None:
        ws.append(list(headers))
        for c in ws[ws.max_row]:
            c.font = bold
        for row in rows:
            ws.append([_blank(v) for v in row])

    def widths(ws) -> None:
        for col in ws.columns:
            w = max((_width(c.value) for c in col), default=0)
            ws.column_dimensions[col[0].column_letter].width = min(MAX_WIDTH, max(8, w + 2))

    ws = wb.active
    ws.title = SUMMARY_SHEET
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    summary = plan.summary()
    table(
        ws,
        ("项目", "数值", "plan.json"),
        [["县", plan.county, "county"], ["日期", plan.date, "date"]]
        + [[SUMMARY_LABELS.get(k, k), v, k] for k, v in summary.items()],
    )
    ws.append([])
    ws.append(["路线"])
    ws.cell(ws.max_row, 1).font = bold
    table(
        ws,
        ROUTE_HEADERS,
        [
            [
                r.vehicle,
                name,
                r.type,
                format_hhmm(r.depart_s),
                format_hhmm(r.return_s),
                r.km,
                r.hours,
                r.cost_yuan,
                sum(not s.reload for s in r.stops[1:-1]),
            ]
            for r, name in zip(routes, names, strict=True)
        ],
    )
    ws.append([])
    ws.append([UNSERVED_TITLE, len(unserved)])
    ws.cell(ws.max_row, 1).font = bold
    table(
        ws,
        UNSERVED_HEADERS,
        [[u.order, u.reason, u.point, u.name, u.kind, u.kg, u.detail] for u in unserved],
    )
    widths(ws)

    for r, name in zip(routes, names, strict=True):
        ws = wb.create_sheet(name)
        for label, value in (
            ("车辆", r.vehicle),
            ("车型", r.type + (" (冷链)" if r.cold_chain else "")),
            ("出发", format_hhmm(r.depart_s)),
            ("返回", format_hhmm(r.return_s)),
            ("里程km", r.km),
            ("时长h", r.hours),
            ("成本(元)", r.cost_yuan),
            ("趟数", r.trips),
        ):
            ws.append([label, value])
            ws.cell(ws.max_row, 1).font = bold
        ws.append([])
        keys = [k for k in CSV_COLUMNS if k != "vehicle"]
        rows = [_stop_row(r, s) for s in r.stops]
        table(ws, [STOP_HEADERS[k] for k in keys], [[row[k] for k in keys] for row in rows])
        ws.freeze_panes = ws.cell(ws.max_row - len(r.stops) + 1, 1)
        widths(ws)

    buf = io.BytesIO()
    wb.save(buf)
    return _stamped(buf.getvalue(), plan.date)


def _stamped(data: bytes, date: str) -> bytes:
    """The workbook dated by its plan (its created and modified properties, and every part
    of its zip) instead of the moment it was saved: the same plan gives the same bytes."""
    stamp = f"{date}T00:00:00Z".encode()
    when = (*(int(x) for x in date.split("-")), 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "docProps/core.xml":
                body = DATED.sub(rb"\g<1>" + stamp, body)
            part = zipfile.ZipInfo(info.filename, date_time=when)  # type: ignore[arg-type]
            part.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(part, body)
    return out.getvalue()
