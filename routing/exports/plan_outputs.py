"""Writing a plan to disk: plan.json (canonical), routes.csv (a row per stop), the drivers'
map.html and sheets.pdf, and, when the orders were generated, the orders.csv it was made from.

The files are staged in a folder beside the output folder and swapped in as a whole
(`routing.atomic.replacing_dir`): a run that fails or is killed leaves the previous plan's
folder as it was, never a mix of old and new files.
"""

from __future__ import annotations

import hashlib
import io
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..atomic import replacing_dir, write_atomic
from ..errors import Fault, InputError
from ..inputs.orders import order_rows
from ..inputs.tables import ORDER_COLUMNS, csv_text
from ..network.graph import RoadArrays
from ..plans.document import Plan
from .fonts import FontChain
from .formats import to_csv
from .map_html import map_html
from .sheets import Cover, write_sheets
from .views import Catalogue, RouteView, UnservedView, plan_views

if TYPE_CHECKING:  # the pipeline loads the solver: an export must not pay for it
    from ..pipeline import Day

Views = tuple[list[RouteView], list[UnservedView]]
PLAN_FILES = ("plan.json", "routes.csv", "orders.csv", "map.html", "sheets.pdf", "source-plan.json")


def check_out_dir(out_dir: Path) -> None:
    """Refuse an `--out` that is a file, before any work."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(Fault(str(out_dir), "--out must be a folder, and this is a file"))


def drivers_files(
    plan: Plan,
    cat: Catalogue,
    roads: RoadArrays,
    road_node,
    title: str,
    vehicle: str | None = None,
    page: bool = True,
    sheets: bool = True,
    system_fonts: Sequence[Path] | None = None,
    views: Views | None = None,
) -> tuple[bytes, bytes, bool]:
    """The drivers' HTML map and PDF route sheets (each only if asked for); the flag says
    whether every name on the sheets is in Chinese (else some are in pinyin). Chinese comes
    from the bundled CJK subset; `system_fonts` lists the installed CJK fonts to fall back on
    for a character it lacks (None: look them up; an empty list: none, as on a bare machine).
    `views`: the plan's views along the roads, if the caller has them already."""
    routes, unserved = views or plan_views(plan, cat, roads=roads, road_node=road_node)
    cover = None
    if vehicle is not None:  # one driver's map and sheets: the day's overview is not theirs
        routes, unserved = [r for r in routes if r.vehicle == vehicle], []
    else:
        cover = day_cover(plan, len(cat.vehicles), unserved)
    fonts = FontChain(system_fonts)
    html = map_html(routes, roads, title, fonts, unserved).encode("utf-8") if page else b""
    pdf, chinese = b"", True
    if sheets:
        buf = io.BytesIO()
        chinese = write_sheets(routes, roads, buf, title, fonts, cover)
        pdf = buf.getvalue()
    return html, pdf, chinese


def day_cover(plan: Plan, fleet: int, unserved: Sequence[UnservedView]) -> Cover:
    """The dispatcher's first page of the sheets: the day in figures, every unserved order
    with its place and cause."""
    served = plan.summary()["orders_served"]
    lines = [
        f"{len(plan.routes)} of {fleet} vehicles out, {plan.distance_m / 1000:,.1f} km, "
        f"{sum(r.duration_s for r in plan.routes) / 3600:,.1f} h on tour",
        f"orders: {served} served, {len(plan.unserved)} unserved",
        f"cost of the routes: {plan.cost_yuan:,.2f} yuan",
    ]
    if plan.standing_cost_yuan is not None:
        lines.append(
            f"standing cost (vehicles and drivers, used or not): {plan.standing_cost_yuan:,.2f}"
            f" yuan; cost of the day: {plan.cost_yuan + plan.standing_cost_yuan:,.2f} yuan"
        )
    lines.append(f"engine {plan.engine}, {plan.time_limit_s:g} s, seed {plan.seed}")
    told = tuple(f"{u.order} ({u.reason}): {u.detail or u.name}" for u in unserved)
    return Cover(tuple(lines), told)


def title_of(plan: Plan, county_meta: dict) -> str:
    return f"{county_meta.get('name', plan.county)} {plan.county} {plan.date}"


def write_plan(
    plan: Plan,
    day: Day,
    out_dir: Path,
    maps: bool = True,
    progress: Callable[[str], None] = lambda m: None,
) -> Plan:
    """Write the plan's files (and, with `maps`, map.html and sheets.pdf) into `out_dir`,
    replacing the folder as a whole; returns the plan as written (generated orders get their
    path)."""
    check_out_dir(out_dir)
    plan, files = plan_files(plan, day, maps, progress)
    write_plan_files(out_dir, files)
    return plan


def road_views(plan: Plan, day: Day) -> Views:
    """The plan's routes along the roads and its unserved orders, as every export shows them
    (the road paths are the slow part: compute them once per plan)."""
    problem = day.problem
    cat = Catalogue.of(problem.points, problem.vehicles, problem.orders)
    road_node = {q.id: int(n) for q, n in zip(problem.points, day.nodes, strict=True)}
    return plan_views(plan, cat, roads=day.roads, road_node=road_node)


def plan_files(
    plan: Plan,
    day: Day,
    maps: bool = True,
    progress: Callable[[str], None] = lambda m: None,
    views: Views | None = None,
) -> tuple[Plan, dict[str, bytes]]:
    """The plan's files by name, as `write_plan` writes them, and the plan as written
    (generated orders get their path): a region's worker makes them, its client writes them.
    `views`: `road_views` of the plan, if the caller has them already."""
    problem = day.problem
    cat = Catalogue.of(problem.points, problem.vehicles, problem.orders)
    files: dict[str, bytes] = {}
    if plan.inputs["orders"].get("generated") or day.calendar is not None:
        # generated orders, or orders of several days under a calendar: kept beside the plan
        text = csv_text(order_rows(day.all_orders), ORDER_COLUMNS)
        files["orders.csv"] = text.encode("utf-8")
        orders = {
            **plan.inputs["orders"],
            "path": "orders.csv",
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        }
        plan = replace(plan, inputs={**plan.inputs, "orders": orders})
    files["plan.json"] = plan.to_json().encode("utf-8")
    files["routes.csv"] = to_csv(plan_views(plan, cat)[0])
    if maps:
        t = time.perf_counter()
        progress(f"writing the drivers' map and sheets for {len(plan.routes)} routes ...")
        road_node = {q.id: int(n) for q, n in zip(problem.points, day.nodes, strict=True)}
        files["map.html"], files["sheets.pdf"], _ = drivers_files(
            plan, cat, day.roads, road_node, title_of(plan, day.county.meta), views=views
        )
        progress(f"map and sheets: {time.perf_counter() - t:.1f} s")
    return plan, files


def write_plan_files(out_dir: Path, files: dict[str, bytes]) -> None:
    """Swap `files` into `out_dir` as a whole, starting from a hard-link copy of it: the
    user's own files stay, and a previous plan's outputs are all replaced or removed
    together."""
    check_out_dir(out_dir)
    with replacing_dir(out_dir, start_from=out_dir) as stage:
        for name in PLAN_FILES:
            (stage / name).unlink(missing_ok=True)
        for name, data in files.items():
            write_atomic(stage / name, data)
