"""A county's dataset on disk: find it, load it, validate it.

Layout of `data/<county>/` (data/README.md): county.json, points.csv, fleet.csv, demand.csv,
roads.graphml, boundary.geojson, towns.geojson and orders/YYYY-MM-DD.csv.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import shapely
from shapely.errors import ShapelyError
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from ..atomic import replacing_dir, write_atomic
from ..errors import Fault, Faults, InputError
from ..geo import LocalProjection
from ..model.records import ServicePoint, Vehicle
from ..network.graph import file_sha256
from ..units import format_hhmm
from .budget import check_budget
from .crops import crop_table
from .locations import DEFAULT_COUNTY, data_home, search_path
from .tables import (
    FLEET_COLUMNS,
    POINT_COLUMNS,
    check_unique,
    demand_columns,
    read_table,
    rows_lost,
    shown,
    unknown_crop_column,
)

LUNCH_FIELDS = ("lunch_from", "lunch_to", "lunch_minutes")
BOUNDARY_TOLERANCE_M = 100.0  # points may sit this far outside the county line (digitising error)
# Files written together by one command (`route data build`, `route network import`) that must
# stay together: county.json records their sha256, and loading refuses a mixed set by name.
SEALED_FILES = ("points.csv", "roads.graphml", "boundary.geojson", "towns.geojson")
REQUIRED_FILES = ("county.json", "points.csv", "fleet.csv", "boundary.geojson")


@dataclass(frozen=True)
class County:
    slug: str
    dir: Path
    meta: dict
    points: tuple[ServicePoint, ...]
    fleet: tuple[Vehicle, ...]
    boundary: BaseGeometry
    digests: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    @property
    def graph_path(self) -> Path:
        return self.dir / "roads.graphml"

    @property
    def hub(self) -> ServicePoint:
        return next(p for p in self.points if p.tier == "hub")

    def orders_path(self, day: dt.date) -> Path:
        return self.dir / "orders" / f"{day.isoformat()}.csv"

    def demand_rows(self) -> list[dict]:
        faults = Faults()
        crops = crop_table()
        rows = read_table(
            self.dir / "demand.csv",
            demand_columns(crops),
            faults,
            unknown=unknown_crop_column(crops),
        )
        check_unique(rows, "point_id", str(self.dir / "demand.csv"), faults)
        ids = {p.id for p in self.points}
        for r in rows:
            if "point_id" not in r["_bad"] and r["point_id"] not in ids:
                faults.add(
                    str(self.dir / "demand.csv"),
                    f"unknown service point {shown(r['point_id'])}",
                    row=r["_row"],
                    field="point_id",
                )
        if not rows and not faults:
            faults.add(str(self.dir / "demand.csv"), "no demand rows (only a header)")
        faults.raise_if_any()
        return rows


def read_json(path: Path, faults: Faults, what: str) -> Any:
    """A JSON file's content, or None with a fault that says why it cannot be read."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        faults.add(str(path), f"{what} is missing")
    except UnicodeDecodeError:
        faults.add(str(path), f"{what} is not UTF-8 text")
    except json.JSONDecodeError as exc:
        faults.add(str(path), f"{what} is not valid JSON ({exc.msg}, line {exc.lineno})")
    except OSError as exc:
        faults.add(str(path), f"cannot read {what} ({exc.strerror})")
    return None


def _meta_of(folder: Path) -> dict | None:
    """county.json of a folder, or None if it has none that can be read."""
    meta = read_json(folder / "county.json", Faults(), "county.json")
    return meta if isinstance(meta, dict) else None


def find_county_dir(county: str, data_dir: Path | None = None) -> Path:
    """The folder of a county, by folder name, adcode or name: in the data home first, then
    among the bundled datasets (`routing.inputs.locations`)."""
    q = county.strip().lower()
    known: list[str] = []
    roots = search_path(data_dir)
    for root in roots:
        direct = root / county
        if (direct / "county.json").exists():
            return direct
        if direct.is_dir() and root == roots[0] and any(direct.iterdir()):
            raise InputError(  # never plan the bundled county in place of a broken own one
                Fault(
                    str(direct / "county.json"),
                    "is missing: the folder is not a county dataset (rebuild it with "
                    f"'route data build {county}', or restore county.json)",
                )
            )
    for root in roots:
        for folder in sorted(p.parent for p in root.glob("*/county.json")):
            meta = _meta_of(folder) or {}
            known.append(folder.name)
            names = (str(meta.get("adcode")), str(meta.get("name", "")).lower(), meta.get("slug"))
            if q in names:
                return folder
    hint = f"; known counties: {', '.join(dict.fromkeys(known))}" if known else ""
    raise InputError(
        Fault(
            str(roots[0]),
            f"no dataset for county '{county}' (build it with 'route data build {county}'){hint}",
        )
    )


def seal(folder: Path) -> dict[str, str]:
    """sha256 of each sealed file present in a county folder: what county.json records."""
    return {name: file_sha256(folder / name) for name in SEALED_FILES if (folder / name).exists()}


def _check_seal(folder: Path, meta: dict, faults: Faults) -> dict[str, str]:
    """The sealed files' digests; a file that differs from county.json's record is a fault."""
    recorded = meta.get("files")
    digests = seal(folder)
    if not isinstance(recorded, dict):
        faults.add(
            str(folder / "county.json"),
            "records no file digests (made by an older version); rebuild the county with "
            f"'route data build {folder.name}' or record its files with "
            f"'route data seal {folder.name}'",
            field="files",
        )
        return digests
    for name in SEALED_FILES:
        want, have = recorded.get(name), digests.get(name)
        if want is not None and have is None:
            faults.add(
                str(folder / name),
                "is missing, though county.json records it as part of the dataset; rebuild "
                f"with 'route data build {folder.name}'",
            )
        elif want is not None and have is not None and want != have:
            faults.add(
                str(folder / name),
                "does not belong with the rest of the dataset (its sha256 differs from the "
                "one county.json records): the folder is mixed, perhaps by an interrupted "
                f"copy. Rebuild with 'route data build {folder.name}', or if you changed the "
                f"file on purpose, run 'route data seal {folder.name}'",
            )
    return digests


def write_meta(folder: Path, meta: dict) -> dict:
    """Write county.json with the digests of the folder's sealed files as they are now (call
    it last, once those files are written). Returns what was written."""
    meta = {**meta, "files": seal(folder)}
    text = json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    write_atomic(folder / "county.json", text)
    return meta


@contextlib.contextmanager
def edit_county(county: str, data_dir: Path | None = None) -> Iterator[Path]:
    """A staging copy of a county's folder in the data home, swapped in as a whole (and its
    county.json resealed) when the block ends without error; nothing changes otherwise. A
    county found among the bundled datasets is copied into the data home first."""
    source = find_county_dir(county, data_dir)
    target = data_home(data_dir) / source.name
    own = source.resolve() == target.resolve()
    with replacing_dir(target, start_from=source if own else None) as stage:
        if not own:
            shutil.copytree(source, stage, dirs_exist_ok=True)
        yield stage
        meta = read_json(stage / "county.json", Faults(), "county.json")
        write_meta(stage, meta if isinstance(meta, dict) else {})


def _lunch(r: dict) -> tuple[int, int, int] | None:
    if any(r.get(f) is None for f in LUNCH_FIELDS):
        return None
    return r["lunch_from"], r["lunch_to"], r["lunch_minutes"] * 60


def load_county(county: str = DEFAULT_COUNTY, data_dir: Path | None = None) -> County:
    """A county's points and fleet, checked: every problem of every file in one error."""
    cdir = find_county_dir(county, data_dir)
    faults = Faults()
    for name in REQUIRED_FILES:
        if not (cdir / name).is_file():
            faults.add(str(cdir / name), "file is missing from the county's dataset")
    faults.raise_if_any()
    meta = read_json(cdir / "county.json", faults, "county.json")
    if meta is not None and not isinstance(meta, dict):
        faults.add(str(cdir / "county.json"), "must be a JSON object")
    elif meta is not None:
        _check_meta(cdir / "county.json", meta, faults)
    boundary = _boundary(cdir / "boundary.geojson", faults)
    faults.raise_if_any()
    digests = _check_seal(cdir, meta, faults)
    faults.raise_if_any()
    points = _points(cdir / "points.csv", boundary, faults)
    faults.raise_if_any()
    fleet = _fleet(cdir / "fleet.csv", {p.id: p for p in points}, faults)
    faults.raise_if_any()
    return County(
        slug=cdir.name,
        dir=cdir,
        meta=meta,
        points=points,
        fleet=fleet,
        boundary=boundary,
        digests=MappingProxyType(digests),
    )


def _check_meta(path: Path, meta: dict, faults: Faults) -> None:
    """The fields of county.json that the tool uses: the adcode, the demand seed and the
    budget."""
    adcode = meta.get("adcode")
    if not isinstance(adcode, str | int) or isinstance(adcode, bool) or not str(adcode).isdigit():
        faults.add(str(path), f"adcode {adcode!r:.40} is not a division code", field="adcode")
    seed = meta.get("seed", 1)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        faults.add(str(path), f"seed {seed!r:.40} is not a whole number >= 0", field="seed")
    check_budget(meta, str(path), faults)


def _boundary(path: Path, faults: Faults) -> BaseGeometry:
    """The county polygon of a GeoJSON FeatureCollection (the first feature's geometry), in
    WGS-84 degrees; anything else is a fault, never an exception."""
    doc = read_json(path, faults, "the county boundary")
    if doc is None:
        return Point(0, 0)
    name = str(path)
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list) or not features or not isinstance(features[0], dict):
        faults.add(name, "not a GeoJSON FeatureCollection with the county polygon as a feature")
        return Point(0, 0)
    try:
        geom = shape(features[0].get("geometry"))
    except (KeyError, IndexError, TypeError, ValueError, AttributeError, ShapelyError) as exc:
        faults.add(
            name,
            f"the first feature's geometry is not a GeoJSON polygon ({str(exc)[:200]})",
            field="features[0].geometry",
        )
        return Point(0, 0)
    if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
        kind = "empty" if geom.is_empty else f"a {geom.geom_type}"
        faults.add(name, f"the county boundary is {kind}, not a polygon")
        return Point(0, 0)
    lon0, lat0, lon1, lat1 = geom.bounds
    if not (-180 <= lon0 <= lon1 <= 180 and -90 <= lat0 <= lat1 <= 90):
        faults.add(
            name,
            f"the county boundary spans lon {lon0:g}..{lon1:g}, lat {lat0:g}..{lat1:g}: not "
            "WGS-84 degrees",
        )
        return Point(0, 0)
    if not geom.is_valid:
        try:
            geom = shapely.make_valid(geom)
        except ShapelyError as exc:
            faults.add(name, f"the county boundary is not a valid polygon ({str(exc)[:200]})")
            return Point(0, 0)
    if geom.area == 0:
        faults.add(name, "the county boundary has no area")
    return geom


def _points(path: Path, boundary: BaseGeometry, faults: Faults) -> tuple[ServicePoint, ...]:
    name = str(path)
    rows = read_table(path, POINT_COLUMNS, faults)
    check_unique(rows, "id", name, faults)
    c = boundary.centroid
    proj = LocalProjection(c.x, c.y)
    area = shapely.transform(boundary, lambda a: np.column_stack(proj.to_xy(a[:, 0], a[:, 1])))
    shapely.prepare(area)
    towns = {r["id"] for r in rows if r.get("tier") == "township" and "id" not in r["_bad"]}
    lost = rows_lost(faults, name)  # then a missing town or hub may be in a lost row
    for r in rows:
        bad = r["_bad"]
        if not bad & {"opens", "closes"} and r["closes"] <= r["opens"]:
            faults.add(
                name,
                f"closing time {format_hhmm(r['closes'])} is before opening time "
                f"{format_hhmm(r['opens'])}",
                row=r["_row"],
                field="closes",
            )
        if not bad & {"lon", "lat"}:
            x, y = proj.to_xy(r["lon"], r["lat"])
            gap = area.distance(Point(float(x), float(y)))
            if gap > BOUNDARY_TOLERANCE_M:
                faults.add(
                    name,
                    f"position {r['lon']}, {r['lat']} is outside the county boundary "
                    f"(by {gap / 1000:.1f} km)",
                    row=r["_row"],
                    field="lon",
                )
        if "town" not in bad and r["town"] and r["town"] not in towns and not lost:
            faults.add(
                name,
                f"unknown town {shown(r['town'])} (no township row with that id)",
                row=r["_row"],
                field="town",
            )
    hubs = [r for r in rows if r.get("tier") == "hub"]
    if not rows and not faults:
        faults.add(name, "no service points (the file has a header and nothing else)")
    if rows and len(hubs) != 1 and not (lost and not hubs):
        faults.add(name, f"there must be exactly one hub, found {len(hubs)}", field="tier")
    if faults:
        return ()
    return tuple(
        ServicePoint(**{k: v for k, v in r.items() if not k.startswith("_")}) for r in rows
    )


def _fleet(path: Path, points: dict[str, ServicePoint], faults: Faults) -> tuple[Vehicle, ...]:
    name = str(path)
    rows = read_table(path, FLEET_COLUMNS, faults)
    check_unique(rows, "id", name, faults)
    for r in rows:
        bad = r["_bad"]
        if not bad & {"shift_start", "shift_end"} and r["shift_end"] <= r["shift_start"]:
            faults.add(
                name,
                f"shift end {format_hhmm(r['shift_end'])} is before shift start "
                f"{format_hhmm(r['shift_start'])}",
                row=r["_row"],
                field="shift_end",
            )
        if "depot" not in bad:
            depot = points.get(r["depot"])
            if depot is None:
                faults.add(
                    name, f"unknown service point {shown(r['depot'])}", row=r["_row"], field="depot"
                )
            elif depot.tier != "hub":
                faults.add(
                    name,
                    f"depot '{r['depot']}' is a {depot.tier}, not the hub",
                    row=r["_row"],
                    field="depot",
                )
        given = [f for f in LUNCH_FIELDS if r.get(f) is not None]
        if given and len(given) < len(LUNCH_FIELDS) and not r["_bad"] & set(LUNCH_FIELDS):
            missing = next(f for f in LUNCH_FIELDS if r.get(f) is None)
            faults.add(
                name,
                "a lunch break needs lunch_from, lunch_to and lunch_minutes",
                r["_row"],
                missing,
            )
        elif len(given) == len(LUNCH_FIELDS):
            room = r["lunch_to"] - r["lunch_from"]
            if r["lunch_minutes"] * 60 > room:
                faults.add(
                    name,
                    f"{r['lunch_minutes']} minutes of lunch do not fit between "
                    f"{format_hhmm(r['lunch_from'])} and {format_hhmm(r['lunch_to'])}",
                    r["_row"],
                    "lunch_minutes",
                )
        if (
            (r.get("max_trips") or 1) > 1
            and r.get("reload_minutes") is None
            and not bad
            & {
                "max_trips",
                "reload_minutes",
            }
        ):
            faults.add(
                name,
                f"{r['max_trips']} trips a day need reload_minutes, the time at the centre "
                "between two trips",
                r["_row"],
                "reload_minutes",
            )
    if not rows and not faults:
        faults.add(name, "no vehicles")
    if faults:
        return ()
    return tuple(
        Vehicle(
            id=r["id"],
            type=r["type"],
            capacity_kg=r["capacity_kg"],
            capacity_l=r["capacity_l"],
            shift_start=r["shift_start"],
            shift_end=r["shift_end"],
            max_work_s=int(round(r["max_hours"] * 3600)),
            fixed_cost=r["fixed_cost_yuan"],
            cost_per_km=r["cost_per_km_yuan"],
            cost_per_hour=r["cost_per_hour_yuan"],
            banned_roads=r["banned_roads"],
            cold_chain=r["cold_chain"],
            depot=r["depot"],
            max_speed_kph=r["max_speed_kph"],
            vehicle_day=r.get("vehicle_day_yuan") or 0.0,
            driver_day=r.get("driver_day_yuan") or 0.0,
            salaried_s=int(round((r.get("salaried_hours") or 0.0) * 3600)),
            overtime_per_hour=r.get("overtime_per_hour_yuan") or 0.0,
            insulated=bool(r.get("insulated")),
            lunch=_lunch(r),
            max_trips=r.get("max_trips") or 1,
            reload_s=(r.get("reload_minutes") or 0) * 60,
        )
        for r in rows
    )
