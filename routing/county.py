"""A county's dataset on disk: find it, load it, validate it.

Layout of `data/<county>/` (data/README.md): county.json, points.csv, fleet.csv, demand.csv,
roads.graphml, boundary.geojson, towns.geojson and orders/YYYY-MM-DD.csv.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from .errors import Fault, Faults, InputError
from .geo import LocalProjection
from .model import Order, ServicePoint, Vehicle
from .tables import (
    DEMAND_COLUMNS,
    FLEET_COLUMNS,
    ORDER_COLUMNS,
    POINT_COLUMNS,
    check_unique,
    read_table,
)
from .units import format_hhmm

DEFAULT_COUNTY = "wugong"
BOUNDARY_TOLERANCE_M = 100.0  # points may sit this far outside the county line (digitising error)


def default_data_dir() -> Path:
    """$ROUTE_DATA_DIR, else the project's own data/ folder."""
    env = os.environ.get("ROUTE_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class County:
    slug: str
    dir: Path
    meta: dict
    points: tuple[ServicePoint, ...]
    fleet: tuple[Vehicle, ...]
    boundary: BaseGeometry

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
        rows = read_table(self.dir / "demand.csv", DEMAND_COLUMNS, faults)
        ids = {p.id for p in self.points}
        for r in rows:
            if "point_id" not in r["_bad"] and r["point_id"] not in ids:
                faults.add(
                    str(self.dir / "demand.csv"),
                    f"unknown service point '{r['point_id']}'",
                    row=r["_row"],
                    field="point_id",
                )
        faults.raise_if_any()
        return rows


def find_county_dir(data_dir: Path, county: str) -> Path:
    """data/<slug>, or the folder whose county.json has this adcode or name."""
    direct = data_dir / county
    if (direct / "county.json").exists():
        return direct
    q = county.strip().lower()
    known = []
    for meta_path in sorted(data_dir.glob("*/county.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        known.append(meta_path.parent.name)
        if q in (str(meta.get("adcode")), str(meta.get("name", "")).lower(), meta.get("slug")):
            return meta_path.parent
    hint = f"; built counties: {', '.join(known)}" if known else ""
    raise InputError(
        Fault(
            str(data_dir),
            f"no dataset for county '{county}' (build it with 'route data build {county}'){hint}",
        )
    )


def load_county(county: str = DEFAULT_COUNTY, data_dir: Path | None = None) -> County:
    cdir = find_county_dir(data_dir or default_data_dir(), county)
    faults = Faults()
    meta = json.loads((cdir / "county.json").read_text(encoding="utf-8"))
    boundary = shape(
        json.loads((cdir / "boundary.geojson").read_text(encoding="utf-8"))["features"][0][
            "geometry"
        ]
    )
    points = _points(cdir / "points.csv", boundary, faults)
    faults.raise_if_any()
    fleet = _fleet(cdir / "fleet.csv", {p.id: p for p in points}, faults)
    faults.raise_if_any()
    return County(
        slug=cdir.name, dir=cdir, meta=meta, points=points, fleet=fleet, boundary=boundary
    )


def _points(path: Path, boundary: BaseGeometry, faults: Faults) -> tuple[ServicePoint, ...]:
    name = str(path)
    rows = read_table(path, POINT_COLUMNS, faults)
    check_unique(rows, "id", name, faults)
    c = boundary.centroid
    proj = LocalProjection(c.x, c.y)
    area = shapely.transform(boundary, lambda a: np.column_stack(proj.to_xy(a[:, 0], a[:, 1])))
    shapely.prepare(area)
    towns = {r["id"] for r in rows if r.get("tier") == "township" and "id" not in r["_bad"]}
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
        if "town" not in bad and r["town"] and r["town"] not in towns:
            faults.add(
                name,
                f"unknown town '{r['town']}' (no township row with that id)",
                row=r["_row"],
                field="town",
            )
    hubs = [r for r in rows if r.get("tier") == "hub"]
    if rows and len(hubs) != 1:
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
                    name, f"unknown service point '{r['depot']}'", row=r["_row"], field="depot"
                )
            elif depot.tier != "hub":
                faults.add(
                    name,
                    f"depot '{r['depot']}' is a {depot.tier}, not the hub",
                    row=r["_row"],
                    field="depot",
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
        )
        for r in rows
    )


def read_orders(path: Path, county: County, day: dt.date | None = None) -> tuple[Order, ...]:
    """Orders of a file, checked against the county's service points. With `day`, every row
    must be for that date (a per-day file)."""
    name = str(path)
    faults = Faults()
    rows = read_table(path, ORDER_COLUMNS, faults)
    check_unique(rows, "order_id", name, faults)
    points = {p.id: p for p in county.points}
    max_kg = max(v.capacity_kg for v in county.fleet)
    max_l = max(v.capacity_l for v in county.fleet)
    for r in rows:
        bad = r["_bad"]
        k = r["_row"]
        if "point_id" not in bad:
            p = points.get(r["point_id"])
            if p is None:
                faults.add(
                    name, f"unknown service point '{r['point_id']}'", row=k, field="point_id"
                )
            elif p.tier == "hub":
                faults.add(
                    name,
                    f"'{p.id}' is the hub; orders are served at other points",
                    row=k,
                    field="point_id",
                )
        if "destination" not in bad and "kind" not in bad:
            dest = r["destination"]
            if r["kind"] == "delivery" and dest:
                faults.add(
                    name,
                    "deliveries leave from the hub; leave destination empty",
                    row=k,
                    field="destination",
                )
            elif r["kind"] == "pickup" and dest:
                d = points.get(dest)
                if d is None:
                    faults.add(name, f"unknown service point '{dest}'", row=k, field="destination")
                elif d.tier not in ("hub", "facility"):
                    faults.add(
                        name,
                        f"destination '{dest}' is a {d.tier}; produce goes to the hub "
                        "or a facility",
                        row=k,
                        field="destination",
                    )
        if not bad & {"earliest", "latest"} and r["latest"] < r["earliest"]:
            faults.add(
                name,
                f"impossible window: latest {format_hhmm(r['latest'])} is before "
                f"earliest {format_hhmm(r['earliest'])}",
                row=k,
                field="latest",
            )
        if (
            not bad & {"parcels", "kg", "litres"}
            and r["parcels"] == 0
            and r["kg"] == 0
            and r["litres"] == 0
        ):
            faults.add(
                name,
                "the order carries nothing (parcels, kg and litres are all 0)",
                row=k,
                field="kg",
            )
        for field, cap, unit in (("kg", max_kg, "kg"), ("litres", max_l, "L")):
            if field not in bad and r[field] > cap:
                faults.add(
                    name,
                    f"{r[field]:g} {unit} is more than any vehicle carries "
                    f"(largest {cap:g} {unit})",
                    row=k,
                    field=field,
                )
        if day is not None and "date" not in bad and r["date"] != day.isoformat():
            faults.add(
                name,
                f"date {r['date']} does not match the file's date {day.isoformat()}",
                row=k,
                field="date",
            )
    faults.raise_if_any()
    hub = county.hub.id
    return tuple(
        Order(
            id=r["order_id"],
            date=r["date"],
            courier=r["courier"],
            point=r["point_id"],
            kind=r["kind"],
            destination=(r["destination"] or hub) if r["kind"] == "pickup" else "",
            parcels=r["parcels"],
            kg=r["kg"],
            litres=r["litres"],
            earliest=r["earliest"],
            latest=r["latest"],
            cold_chain=r["cold_chain"],
            priority=r["priority"],
            goods=r["goods"],
        )
        for r in rows
    )


def order_rows(orders: tuple[Order, ...] | list[Order]) -> list[dict]:
    """Orders as rows of the order CSV (inverse of `read_orders`)."""
    return [
        {
            "order_id": o.id,
            "date": o.date,
            "courier": o.courier,
            "point_id": o.point,
            "kind": o.kind,
            "destination": o.destination,
            "goods": o.goods,
            "parcels": o.parcels,
            "kg": o.kg,
            "litres": o.litres,
            "earliest": o.earliest,
            "latest": o.latest,
            "cold_chain": o.cold_chain,
            "priority": o.priority,
        }
        for o in orders
    ]
