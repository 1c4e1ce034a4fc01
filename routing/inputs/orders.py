"""A county's orders: read and check an order file, import a user's file by date, or write
generated demo orders."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from ..atomic import write_atomic
from ..errors import Fault, Faults, InputError
from ..model.records import Order
from ..units import format_hhmm
from .county import County, edit_county, load_county
from .demo_orders import generate_orders
from .locations import data_home
from .tables import ORDER_COLUMNS, check_unique, csv_text, read_records, read_table, shown
from .workbook import is_workbook, read_sheet


def read_orders(
    path: Path, county: County, day: dt.date | None = None, sheet: str | None = None
) -> tuple[Order, ...]:
    """Orders of a file, checked against the county's service points: a CSV file, or a
    workbook (.xlsx: its first sheet, or `sheet`). With `day`, every row must be for that date
    (a per-day file)."""
    name = str(path)
    faults = Faults()
    if is_workbook(path):
        name, rows = read_sheet(path, ORDER_COLUMNS, faults, sheet)
    elif sheet is not None:
        raise InputError(
            Fault("--sheet", f"{path} is not a workbook (.xlsx): only a workbook has sheets")
        )
    else:
        rows = read_table(path, ORDER_COLUMNS, faults)
    return orders_of_rows(rows, name, county, faults, day)


def order_from_cells(cells: dict[str, str], county: County, source: str) -> Order:
    """One order typed in by hand (the desk's form): the cells of an order file's row, by
    column, parsed and checked as a file's row is."""
    faults = Faults()
    header = [c.name for c in ORDER_COLUMNS]
    lines = [(1, header), (2, [str(cells.get(c, "")) for c in header])]
    rows = read_records(lines, ORDER_COLUMNS, source, faults) or []
    try:
        return orders_of_rows(rows, source, county, faults)[0]
    except InputError as exc:  # one order: its fields, no row to name
        raise InputError([replace(f, row=None) for f in exc.faults], exc.total) from None


def orders_of_rows(
    rows: list[dict], name: str, county: County, faults: Faults, day: dt.date | None = None
) -> tuple[Order, ...]:
    """Orders from the parsed rows of an order table, checked against the county and with
    each other; every problem at once (`read_orders`)."""
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
                    name, f"unknown service point {shown(r['point_id'])}", row=k, field="point_id"
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
                    faults.add(
                        name, f"unknown service point {shown(dest)}", row=k, field="destination"
                    )
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
    if day is not None and not rows and not faults:
        faults.add(name, f"has no orders (only a header): nothing to plan on {day.isoformat()}")
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


def import_orders(
    file: Path, county: str, data_dir: Path | None = None, sheet: str | None = None
) -> list[tuple[str, Path, int]]:
    """Check the whole file (a CSV file, or a workbook's first sheet or `sheet`) first; then
    store one CSV file per date (replacing any), all dates at once or none (`edit_county`).
    Returns (date, stored path, orders) per date."""
    c = load_county(county, data_dir)
    orders = read_orders(file, c, sheet=sheet)
    if not orders:
        raise InputError(
            Fault(
                str(file),
                "has no orders (only a header): nothing was stored. Orders are stored under "
                "their dates, so an empty file names no day",
            )
        )
    by_day: dict[str, list[Order]] = defaultdict(list)
    for o in orders:
        by_day[o.date].append(o)
    out = []
    with edit_county(county, data_dir) as stage:
        for day in sorted(by_day):
            name = f"{day}.csv"
            write_atomic(stage / "orders" / name, csv_text(order_rows(by_day[day]), ORDER_COLUMNS))
            out.append((day, name, len(by_day[day])))
    final = data_home(data_dir) / c.slug / "orders"
    return [(day, final / name, n) for day, name, n in out]


def day_orders(c: County, day: dt.date) -> tuple[tuple[Order, ...], Path | None]:
    """A date's orders: its file in the county's orders/ if there is one (and its path), else
    the demand model's demo orders (and None)."""
    file = c.orders_path(day)
    if file.exists():
        return read_orders(file, c, day), file
    seed = int(c.meta.get("seed", 1))
    return tuple(generate_orders(day, c.points, c.demand_rows(), c.meta["adcode"], seed)), None


def generate_to_file(
    county: str, day: dt.date, seed: int | None = None, data_dir: Path | None = None
) -> tuple[Path, list[Order]]:
    """Write the demo orders of a date from the demand model into the county's orders."""
    c = load_county(county, data_dir)
    seed = int(c.meta.get("seed", 1)) if seed is None else seed
    orders = generate_orders(day, c.points, c.demand_rows(), c.meta["adcode"], seed)
    with edit_county(county, data_dir) as stage:
        write_atomic(
            stage / "orders" / f"{day.isoformat()}.csv", csv_text(order_rows(orders), ORDER_COLUMNS)
        )
    return data_home(data_dir) / c.slug / "orders" / f"{day.isoformat()}.csv", orders
