"""Wall time of writing the drivers' map and sheets, for a planned day and for larger fleets.

Plans each date once (an iteration budget: the same plan on any machine), then times, per
route set: the views (road lines of every route), the map page and the PDF sheets, each
through `drivers_files` as `route plan` calls it. The larger sets repeat the day's routes under
other vehicle ids (issue 10's 600-village county will run 89 vehicles).

    python benchmarks/drivers_outputs.py                       # 2026-11-29 and 2026-10-14
    python benchmarks/drivers_outputs.py --dates 2026-10-14 --sizes 30,90 --repeat 3
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from functools import partial
from pathlib import Path

from click.testing import CliRunner

from cli import main as route
from routing.exports.files import _opened, _roads
from routing.exports.plan_outputs import drivers_files, title_of
from routing.exports.views import Catalogue, plan_views


def _plan(date: str, out: Path, iterations: int) -> Path:
    args = ["plan", "--date", date, "--iterations", str(iterations), "--time-limit", "600"]
    result = CliRunner().invoke(route, [*args, "--quiet", "--no-maps", "--out", str(out)])
    if result.exit_code != 0:
        raise SystemExit(result.output)
    return out / "plan.json"


def _fleet(plan, cat: Catalogue, size: int):
    """The plan's routes repeated to `size`, each copy on a copy of its vehicle."""
    routes, vehicles = [], dict(cat.vehicles)
    for k in range(size):
        r = plan.routes[k % len(plan.routes)]
        vid = r.vehicle if k < len(plan.routes) else f"{r.vehicle}-{k}"
        vehicles[vid] = replace(cat.vehicles[r.vehicle], id=vid)
        routes.append(replace(r, vehicle=vid))
    return replace(plan, routes=tuple(routes)), Catalogue.of(
        cat.points.values(), vehicles.values(), cat.orders.values()
    )


def _best(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dates", default="2026-11-29,2026-10-14")
    ap.add_argument("--sizes", default="30,90", help="route set sizes besides the day's own")
    ap.add_argument("--iterations", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3, help="runs per figure; the best is shown")
    args = ap.parse_args()
    n = args.repeat
    print(f"{'date':10} {'routes':>6} {'stops':>6} {'views s':>8} {'map s':>7} {'sheets s':>9}")
    print("(map and sheets: beyond the views they both start from)")
    with tempfile.TemporaryDirectory() as tmp:
        for date in args.dates.split(","):
            pf, cat = _opened(_plan(date, Path(tmp) / date, args.iterations))
            roads, road_node = _roads(pf)
            title = title_of(pf.plan, pf.county.meta)
            sizes = [len(pf.plan.routes), *(int(s) for s in args.sizes.split(",") if s)]
            for size in sizes:
                plan, c = _fleet(pf.plan, cat, size)
                files = partial(drivers_files, plan, c, roads, road_node, title)
                views, _ = _best(partial(plan_views, plan, c, "wgs84", roads, road_node), n)
                page, _ = _best(partial(files, sheets=False), n)
                pdf, _ = _best(partial(files, page=False), n)
                stops = sum(len(r.stops) for r in plan.routes)
                print(
                    f"{date:10} {size:6d} {stops:6d} {views:8.2f} {page - views:7.2f} "
                    f"{pdf - views:9.2f}"
                )


if __name__ == "__main__":
    main()
