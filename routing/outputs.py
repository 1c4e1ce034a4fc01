"""Writing a plan to disk: plan.json (canonical), routes.csv (a row per stop), the drivers'
map.html and sheets.pdf, and, when the orders were generated, the orders.csv it was made from.
Every file is written beside its final name and renamed into place only when all are ready, so
a failure leaves nothing half-written."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from dataclasses import replace
from pathlib import Path

from .county import order_rows
from .exports.formats import to_csv
from .exports.map_html import map_html
from .exports.sheets import cjk_font, write_sheets
from .exports.views import plan_views
from .pipeline import Day
from .plan import Plan
from .tables import ORDER_COLUMNS, csv_text


def write_files(out_dir: Path, files: dict[str, bytes]) -> None:
    """Write all files or none: temporaries first, then one rename each."""
    out_dir.mkdir(parents=True, exist_ok=True)
    temps: list[tuple[str, Path]] = []
    try:
        for name, data in files.items():
            fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.", suffix=".tmp")
            os.chmod(tmp, 0o644)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            temps.append((name, Path(tmp)))
        for name, tmp in temps:
            os.replace(tmp, out_dir / name)
    finally:
        for _, tmp in temps:
            if tmp.exists():
                tmp.unlink()


def map_and_sheets(
    plan: Plan, day: Day, vehicle: str | None = None, page: bool = True, sheets: bool = True
) -> tuple[bytes, bytes, bool]:
    """The drivers' HTML map and PDF route sheets (each only if asked for); the flag says
    whether the sheets could use Chinese names (else pinyin)."""
    routes, _ = plan_views(plan, day.problem, roads=day.roads, nodes=day.nodes)
    if vehicle is not None:
        routes = [r for r in routes if r.vehicle == vehicle]
    title = f"{day.county.meta.get('name', plan.county)} {plan.county} {plan.date}"
    html = map_html(routes, day.roads, title).encode("utf-8") if page else b""
    pdf, chinese = b"", False
    if sheets:
        buf = io.BytesIO()
        chinese = write_sheets(routes, day.roads, buf, title, cjk_font())
        pdf = buf.getvalue()
    return html, pdf, chinese


def write_plan(plan: Plan, day: Day, out_dir: Path, maps: bool = True) -> Plan:
    """Write the plan's files (and, with `maps`, map.html and sheets.pdf); returns the plan as
    written (generated orders get their path)."""
    problem = day.problem
    files: dict[str, bytes] = {}
    if plan.inputs["orders"].get("generated"):
        text = csv_text(order_rows(problem.orders), ORDER_COLUMNS)
        files["orders.csv"] = text.encode("utf-8")
        orders = {
            **plan.inputs["orders"],
            "path": "orders.csv",
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        }
        plan = replace(plan, inputs={**plan.inputs, "orders": orders})
    files["plan.json"] = plan.to_json().encode("utf-8")
    files["routes.csv"] = to_csv(plan_views(plan, problem)[0])
    if maps:
        files["map.html"], files["sheets.pdf"], _ = map_and_sheets(plan, day)
    write_files(out_dir, files)
    return plan
