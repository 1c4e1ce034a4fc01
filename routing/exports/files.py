"""Export commands as library calls: a plan file in, route files out (written atomically)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from ..errors import Fault, InputError
from ..outputs import map_and_sheets, write_files
from ..pipeline import load_plan
from .formats import to_csv, to_geojson, to_gpkg, to_gpx, to_kml
from .views import plan_views

FORMATS = ("json", "csv", "geojson", "gpx", "kml", "gpkg")  # each also the file extension


def _target(plan_file: Path, out: Path | None, default: str) -> Path:
    return Path(out) if out is not None else Path(plan_file).resolve().parent / default


def export_plan(plan_file: Path, fmt: str, crs: str = "wgs84", out: Path | None = None) -> Path:
    """Write the plan in `fmt`; returns the path written."""
    if fmt not in FORMATS:
        raise InputError(Fault("--format", f"unknown format {fmt!r}"))
    plan, day = load_plan(plan_file)
    path = _target(plan_file, out, f"routes.{fmt}")
    if fmt == "json":  # the canonical plan: ids only, no coordinates to convert
        data = plan.to_json().encode("utf-8")
    else:
        routes, unserved = plan_views(plan, day.problem, crs, day.roads, day.nodes)
        if fmt == "gpkg":
            with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
                staged = Path(tmp) / path.name
                to_gpkg(routes, unserved, staged, crs)
                data = staged.read_bytes()
        else:
            data = {
                "csv": lambda: to_csv(routes),
                "gpx": lambda: to_gpx(routes),
                "kml": lambda: to_kml(routes),
                "geojson": lambda: to_geojson(routes, unserved, crs),
            }[fmt]()
    write_files(path.parent, {path.name: data})
    return path


def write_map(plan_file: Path, vehicle: str | None = None, out: Path | None = None) -> Path:
    plan, day = load_plan(plan_file)
    _known_vehicle(plan, vehicle)
    page, _, _ = map_and_sheets(plan, day, vehicle, sheets=False)
    path = _target(plan_file, out, "map.html")
    write_files(path.parent, {path.name: page})
    return path


def write_route_sheets(
    plan_file: Path, vehicle: str | None = None, out: Path | None = None
) -> tuple[Path, bool]:
    plan, day = load_plan(plan_file)
    _known_vehicle(plan, vehicle)
    _, pdf, chinese = map_and_sheets(plan, day, vehicle, page=False)
    path = _target(plan_file, out, "sheets.pdf")
    write_files(path.parent, {path.name: pdf})
    return path, chinese


def _known_vehicle(plan, vehicle: str | None) -> None:
    if vehicle is not None and vehicle not in {r.vehicle for r in plan.routes}:
        used = ", ".join(r.vehicle for r in plan.routes)
        raise InputError(
            Fault("--vehicle", f"no route for vehicle '{vehicle}' in the plan (routes: {used})")
        )
