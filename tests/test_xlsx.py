"""Excel in and out: orders from a workbook (`route orders import X.xlsx [--sheet S]`), checked
as a CSV file is, and a plan as a workbook (`route export --format xlsx`) read back with
openpyxl, as a planner's spreadsheet program would read it."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from cli import main
from routing.errors import Faults, InputError
from routing.exports.xlsx import SUMMARY_SHEET, UNSERVED_TITLE, sheet_names
from routing.inputs import workbook
from routing.inputs.county import load_county
from routing.inputs.demo_orders import generate_orders
from routing.inputs.orders import order_rows, read_orders
from routing.inputs.tables import ORDER_COLUMNS, read_table
from routing.units import format_hhmmss

from .conftest import WUGONG

BROKEN = Path(__file__).parent / "data" / "broken"
DAY = "2026-11-29"
SHEET = "订单"


def _cell(name: str, value):
    """An order value as a spreadsheet holds it: a date, times of day, numbers, yes/no."""
    if name == "date":
        return dt.date.fromisoformat(value)
    if name in ("earliest", "latest"):
        return dt.time(value // 3600, value % 3600 // 60) if value < 24 * 3600 else "24:00"
    return value


def _write_orders(path: Path, sheets: dict[str, list]) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for title, orders in sheets.items():
        ws = wb.create_sheet(title)
        ws.append([c.name for c in ORDER_COLUMNS])
        for r in order_rows(orders):
            ws.append([_cell(c.name, r[c.name]) for c in ORDER_COLUMNS])
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def demo_orders():
    """The first 40 of Wugong's demo orders of DAY (deliveries and produce pickups)."""
    c = load_county("wugong")
    day = dt.date.fromisoformat(DAY)
    seed = int(c.meta.get("seed", 1))
    orders = generate_orders(day, c.points, c.demand_rows(), c.meta["adcode"], seed)
    return orders[:40]


def _data_dir(base: Path) -> Path:
    data = base / "data"
    shutil.copytree(WUGONG, data / "wugong", ignore=shutil.ignore_patterns("orders"))
    return data


def _route(*args) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory, demo_orders):
    """Orders workbook -> route orders import -> route plan -> route export --format xlsx."""
    base = tmp_path_factory.mktemp("xlsx")
    data = _data_dir(base)
    # and one no vehicle can serve: due before any shift starts
    orders = [*demo_orders, replace(demo_orders[0], id="TOO-EARLY", earliest=0, latest=600)]
    book = _write_orders(base / "orders.xlsx", {SHEET: orders})
    code, out = _route("orders", "import", book, "--county", "wugong", "--data-dir", data)
    assert code == 0, out
    plan_dir = base / "plan"
    code, out = _route(
        "plan", "--date", DAY, "--iterations", 30, "--time-limit", 600, "--no-maps", "--quiet",
        "--data-dir", data, "--out", plan_dir,
    )  # fmt: skip
    assert code == 0, out
    target = base / "routes.xlsx"
    code, out = _route("export", plan_dir / "plan.json", "--format", "xlsx", "--out", target)
    assert code == 0, out
    plan = json.loads((plan_dir / "plan.json").read_text(encoding="utf-8"))
    return plan, load_workbook(target), orders, plan_dir / "plan.json"


def _block(ws, title: str) -> list[tuple]:
    """The table under the row whose first cell is `title` (its header row first), to the
    next blank row."""
    rows = list(ws.iter_rows(values_only=True))
    at = next(k for k, r in enumerate(rows) if r and r[0] == title)
    out = []
    for r in rows[at + 1 :]:
        if not any(v is not None for v in r):
            break
        out.append(r)
    return out


def _stop_table(ws) -> tuple[dict[str, object], list[dict]]:
    """A vehicle sheet's header block (label -> value) and its stop rows (header -> value)."""
    rows = list(ws.iter_rows(values_only=True))
    blank = next(k for k, r in enumerate(rows) if not any(v is not None for v in r))
    head = {r[0]: r[1] for r in rows[:blank]}
    header = rows[blank + 1]
    return head, [dict(zip(header, r, strict=True)) for r in rows[blank + 2 :]]


def _ids(v) -> list[str]:
    return [] if v is None else str(v).split(";")


def test_summary_sheet_comes_first_with_the_plans_figures(round_trip):
    plan, wb, _, _ = round_trip
    assert wb.sheetnames[0] == SUMMARY_SHEET
    figures = {r[2]: r[1] for r in _block(wb[SUMMARY_SHEET], "项目")}  # under the header
    assert figures.pop("county") == plan["county"] and figures.pop("date") == DAY
    assert figures == plan["summary"]
    assert figures["orders_served"] > 0


def test_one_sheet_per_route_with_the_plans_stops(round_trip):
    plan, wb, _, _ = round_trip
    routes = plan["routes"]
    assert wb.sheetnames[1:] == sheet_names([r["vehicle"] for r in routes])
    assert len(routes) > 1
    for r, title in zip(routes, wb.sheetnames[1:], strict=True):
        head, stops = _stop_table(wb[title])
        assert head["车辆"] == r["vehicle"]
        assert head["出发"] == format_hhmmss(r["depart_s"])[:5]
        inner = stops[1:-1]  # the depot departure and return around the stops
        assert [s["序号"] for s in stops] == list(range(len(r["stops"]) + 2))
        assert [s["服务点"] for s in inner] == [s["point"] for s in r["stops"]]
        assert [s["到达"] for s in inner] == [format_hhmmss(s["arrival_s"]) for s in r["stops"]]
        assert [s["离开"] for s in inner] == [format_hhmmss(s["departure_s"]) for s in r["stops"]]
        assert [_ids(s["送货单"]) for s in inner] == [s["deliver"] for s in r["stops"]]
        assert [_ids(s["取货单"]) for s in inner] == [s["collect"] for s in r["stops"]]
        assert [_ids(s["卸货单"]) for s in inner] == [s["unload"] for s in r["stops"]]
        assert all(isinstance(s["名称"], str) and s["名称"] for s in stops)


def test_every_order_of_the_workbook_is_served_or_unserved_once(round_trip):
    _, wb, orders, _ = round_trip
    served = []
    for title in wb.sheetnames[1:]:
        _, stops = _stop_table(wb[title])
        served += [o for s in stops for o in _ids(s["送货单"]) + _ids(s["取货单"])]
    unserved_rows = _block(wb[SUMMARY_SHEET], UNSERVED_TITLE)[1:]
    unserved = [r[0] for r in unserved_rows]
    assert "TOO-EARLY" in unserved
    assert all(r[1] and r[6] for r in unserved_rows)  # each with its reason and detail
    assert sorted(served + unserved) == sorted(o.id for o in orders)


def test_the_first_sheet_by_default_and_sheet_picks_one(tmp_path, demo_orders):
    data = _data_dir(tmp_path)
    book = _write_orders(
        tmp_path / "two.xlsx", {"第一": demo_orders[:5], "第二": demo_orders[5:12]}
    )
    stored = data / "wugong" / "orders" / f"{DAY}.csv"
    for args, expected in (([], demo_orders[:5]), (["--sheet", "第二"], demo_orders[5:12])):
        code, out = _route("orders", "import", book, *args, "--data-dir", data)
        assert code == 0, out
        rows = read_table(stored, ORDER_COLUMNS, Faults())
        assert [r["order_id"] for r in rows] == [o.id for o in expected]


def test_read_orders_takes_a_workbook_as_it_takes_the_csv(tmp_path, demo_orders):
    c = load_county("wugong")
    csv_orders = read_orders(Path(__file__).parent / "data" / "orders_ok.csv", c)
    book = _write_orders(tmp_path / "ok.xlsx", {SHEET: list(csv_orders)})
    assert read_orders(book, c) == csv_orders


def test_spreadsheet_cells_become_the_text_a_csv_holds():
    cell = workbook.cell_text
    assert [cell(v) for v in (None, 3, 4.0, 4.5, True, "08:30")] == [
        "", "3", "4", "4.5", "true", "08:30",
    ]  # fmt: skip
    assert cell(dt.time(8, 29, 59, 999_999)) == "08:30"  # a fraction of a day, rounded
    assert cell(dt.datetime(2026, 11, 29)) == "2026-11-29"
    assert cell(dt.date(2026, 11, 29)) == "2026-11-29"
    assert cell(dt.datetime(1899, 12, 30, 17, 0)) == "17:00"  # a time with a date format
    assert cell(dt.datetime(1899, 12, 31)) == "24:00"
    assert cell(dt.datetime(2026, 11, 29, 8, 30)) == "2026-11-29 08:30"  # not a date: says so


@pytest.mark.parametrize(
    "fixture, args, where, message",
    [
        ("orders_missing_column.xlsx", [], ", sheet 订单, row 1: ", "missing column 'kg'"),
        (
            "orders_text_weight.xlsx",
            [],
            ", sheet 订单, row 2, field 'kg': ",
            "'12kg' is not a number",
        ),
        (
            "orders_empty_sheet.xlsx",
            [],
            ", sheet 订单, row 1: ",
            "the sheet is empty: it needs a header row (the workbook's other sheets: '数据')",
        ),
        (
            "orders_too_many_rows.xlsx",
            [],
            ", sheet 订单, row 1048577: ",
            "has rows beyond row 1,048,576, the last a spreadsheet has; reading stopped here",
        ),
        (
            "orders_text_weight.xlsx",
            ["--sheet", "价格"],
            ": ",
            "has no sheet '价格'; its sheets: '订单', '说明'",
        ),
        (
            "orders_not_a_workbook.xlsx",
            [],
            ": ",
            "not a readable Excel workbook (.xlsx) (BadZipFile: File is not a zip file)",
        ),
    ],
)
def test_a_broken_workbook_names_file_sheet_row_and_column(tmp_path, fixture, args, where, message):
    data = _data_dir(tmp_path)
    code, out = _route("orders", "import", BROKEN / fixture, *args, "--data-dir", data)
    assert code == 3, out
    assert f"{BROKEN / fixture}{where}{message}" in out
    assert not (data / "wugong" / "orders").exists()  # nothing stored


def test_every_bad_weight_is_reported_at_once(tmp_path):
    code, out = _route(
        "orders", "import", BROKEN / "orders_text_weight.xlsx", "--data-dir", _data_dir(tmp_path)
    )
    assert code == 3
    assert "2 problems in the input" in out
    assert "sheet 订单, row 3, field 'kg': 'heavy' is not a number" in out


def test_a_sheet_larger_than_a_csv_table_may_be_is_refused(tmp_path, monkeypatch, demo_orders):
    book = _write_orders(tmp_path / "big.xlsx", {SHEET: demo_orders})
    monkeypatch.setattr(workbook, "MAX_SHEET_CHARS", 2_000)  # 40 orders: about 3,000
    with pytest.raises(InputError) as err:
        read_orders(book, load_county("wugong"))
    (fault,) = err.value.faults
    assert (fault.file, fault.message) == (
        f"{book}, sheet {SHEET}",
        "the sheet's cells hold more than 2,000 characters, the most a table of this kind may "
        "(as a CSV file); reading stopped here",
    )
    assert fault.row is not None and 2 < fault.row < 40


def test_sheet_is_for_workbooks_only(tmp_path):
    code, out = _route(
        "orders", "import", Path(__file__).parent / "data" / "orders_ok.csv", "--sheet", "x",
        "--data-dir", _data_dir(tmp_path),
    )  # fmt: skip
    assert code == 3
    assert "only a workbook has sheets" in out


def test_sheet_names_are_valid_and_unique():
    names = sheet_names(["VAN-01", "a/b:c*d?[e]\\f", "汇总", "x" * 40, "X" * 40])
    assert names[0] == "VAN-01"
    assert names[1] == "a_b_c_d__e__f"
    assert names[2] != "汇总" and names[2].startswith("汇总")
    assert all(len(n) <= 31 for n in names)
    assert len({n.casefold() for n in names}) == len(names)


def test_the_same_plan_gives_the_same_workbook(round_trip, tmp_path):
    """Dated by the plan, not by the moment of saving: exports of one plan are identical."""
    import zipfile

    plan, _, _, plan_file = round_trip
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    for target in (first, second):
        code, out = _route("export", plan_file, "--format", "xlsx", "--out", target)
        assert code == 0, out
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as book:
        core = book.read("docProps/core.xml").decode()
        assert {i.date_time[:3] for i in book.infolist()} == {
            tuple(int(x) for x in plan["date"].split("-"))
        }
    assert core.count(f"{plan['date']}T00:00:00Z") == 2  # created and modified
