"""Export commands as library calls: a plan file in, route files out (written atomically).

They read what the plan file holds and the county and orders it names; the road graph is
loaded only where a format draws the roads, and travel matrices never.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ..atomic import write_atomic
from ..errors import Fault, InputError
from ..inputs.plan_file import PlanFile, open_plan
from ..network.graph import read_road_arrays, snap_points
from ..network.matrices import default_cache_dir
from ..plans.reader import references
from .formats import to_csv, to_geojson, to_gpkg, to_gpx, to_kml
from .plan_outputs import drivers_files, title_of
from .views import Catalogue, plan_views
from .xlsx import to_xlsx

FORMATS = ("json", "csv", "geojson", "gpx", "kml", "gpkg", "xlsx")  # each the extension
ROAD_FORMATS = ("geojson", "gpx", "kml", "gpkg")  # formats that draw the route along the roads


def _target(plan_file: Path, out: Path | None, default: str) -> Path:
    return Path(out) if out is not None else Path(plan_file).resolve().parent / default


def _opened(plan_file: Path) -> tuple[PlanFile, Catalogue]:
    """The plan file, and the catalogue its ids refer to; unknown ids are input errors."""
    pf = open_plan(plan_file)
    cat = Catalogue.of(pf.county.points, pf.county.fleet, pf.orders)
    faults = references(pf.plan, cat.vehicles, cat.points, cat.orders, str(plan_file))
    if faults:
        raise InputError(faults)
    return pf, cat


def _roads(pf: PlanFile):
    roads = read_road_arrays(
        pf.county.graph_path, default_cache_dir(), pf.county.digests.get("roads.graphml")
    )
    nodes, _ = snap_points(roads, pf.county.points)
    return roads, {q.id: int(n) for q, n in zip(pf.county.points, nodes, strict=True)}


def export_plan(plan_file: Path, fmt: str, crs: str = "wgs84", out: Path | None = None) -> Path:
    """Write the plan in `fmt`; returns the path written."""
    if fmt not in FORMATS:
        raise InputError(Fault("--format", f"unknown format {fmt!r}"))
    path = _target(plan_file, out, f"routes.{fmt}")
    pf, cat = _opened(plan_file)
    if fmt == "json":  # the canonical plan: ids only, no coordinates to convert
        data = pf.plan.to_json().encode("utf-8")
    else:
        roads, road_node = _roads(pf) if fmt in ROAD_FORMATS else (None, None)
        routes, unserved = plan_views(pf.plan, cat, crs, roads, road_node)
        if fmt == "gpkg":
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=path.parent, prefix=".gpkg-") as tmp:
                staged = Path(tmp) / path.name
                to_gpkg(routes, unserved, staged, crs)
                data = staged.read_bytes()
        else:
            data = {
                "csv": lambda: to_csv(routes),
                "gpx": lambda: to_gpx(routes),
                "kml": lambda: to_kml(routes),
                "geojson": lambda: to_geojson(routes, unserved, crs),
                "xlsx": lambda: to_xlsx(
                    pf.plan, title_of(pf.plan, pf.county.meta), routes, unserved
                ),
            }[fmt]()
    write_atomic(path, data)
    return path


def write_map(plan_file: Path, vehicle: str | None = None, out: Path | None = None) -> Path:
    pf, cat = _opened(plan_file)
    _known_vehicle(pf, vehicle)
    roads, road_node = _roads(pf)
    page, _, _ = drivers_files(
        pf.plan, cat, roads, road_node, title_of(pf.plan, pf.county.meta), vehicle, sheets=False
    )
    path = _target(plan_file, out, "map.html")
    write_atomic(path, page)
    return path


def write_route_sheets(
    plan_file: Path, vehicle: str | None = None, out: Path | None = None
) -> tuple[Path, bool]:
    pf, cat = _opened(plan_file)
    _known_vehicle(pf, vehicle)
    roads, road_node = _roads(pf)
    _, pdf, chinese = drivers_files(
        pf.plan, cat, roads, road_node, title_of(pf.plan, pf.county.meta), vehicle, page=False
    )
    path = _target(plan_file, out, "sheets.pdf")
    write_atomic(path, pdf)
    return path, chinese


def _known_vehicle(pf: PlanFile, vehicle: str | None) -> None:
    if vehicle is not None and vehicle not in {r.vehicle for r in pf.plan.routes}:
        used = ", ".join(r.vehicle for r in pf.plan.routes)
        raise InputError(
            Fault("--vehicle", f"no route for vehicle '{vehicle}' in the plan (routes: {used})")
        )
