"""Writing a plan to disk: plan.json (canonical), routes.csv (a row per stop) and, when the
orders were generated, the orders.csv it was made from. Every file is written beside its final
name and renamed into place only when all are ready, so a failure leaves nothing half-written."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import tempfile
from dataclasses import replace
from pathlib import Path

from .county import order_rows
from .plan import Plan
from .problem import Problem
from .tables import ORDER_COLUMNS, csv_text
from .units import format_hhmmss

ROUTE_COLUMNS = (
    "vehicle",
    "sequence",
    "stop_id",
    "name",
    "tier",
    "town",
    "lon",
    "lat",
    "arrival",
    "start",
    "departure",
    "parcels_delivered",
    "kg_delivered",
    "parcels_collected",
    "kg_collected",
    "kg_unloaded",
    "load_kg",
    "load_l",
    "orders_delivered",
    "orders_collected",
    "orders_unloaded",
)


def routes_csv(plan: Plan, problem: Problem) -> str:
    """One row per stop, with the depot departure (sequence 0) and return rows around them."""
    pts = {p.id: p for p in problem.points}
    orders = {o.id: o for o in problem.orders}
    vehicles = {v.id: v for v in problem.vehicles}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(ROUTE_COLUMNS)

    def row(
        vehicle,
        seq,
        point,
        arrival,
        start,
        departure,
        deliver=(),
        collect=(),
        unload=(),
        load_kg=0.0,
        load_l=0.0,
    ):
        p = pts[point]
        kg = lambda ids: round(sum(orders[o].kg for o in ids), 3)  # noqa: E731
        parcels = lambda ids: sum(orders[o].parcels for o in ids)  # noqa: E731
        clock = lambda s: format_hhmmss(s) if s is not None else ""  # noqa: E731
        w.writerow(
            [
                vehicle,
                seq,
                p.id,
                p.name,
                p.tier,
                p.town,
                p.lon,
                p.lat,
                clock(arrival),
                clock(start),
                clock(departure),
                parcels(deliver),
                kg(deliver),
                parcels(collect),
                kg(collect),
                kg(unload),
                load_kg,
                load_l,
                ";".join(deliver),
                ";".join(collect),
                ";".join(unload),
            ]
        )

    for r in plan.routes:
        depot = vehicles[r.vehicle].depot
        row(
            r.vehicle,
            0,
            depot,
            None,
            None,
            r.depart_s,
            load_kg=r.start_load_kg,
            load_l=r.start_load_l,
        )
        for k, s in enumerate(r.stops, start=1):
            row(
                r.vehicle,
                k,
                s.point,
                s.arrival_s,
                s.start_s,
                s.departure_s,
                s.deliver,
                s.collect,
                s.unload,
                s.load_kg,
                s.load_l,
            )
        last = r.stops[-1] if r.stops else None
        row(
            r.vehicle,
            len(r.stops) + 1,
            depot,
            r.return_s,
            None,
            None,
            load_kg=last.load_kg if last else r.start_load_kg,
            load_l=last.load_l if last else r.start_load_l,
        )
    return buf.getvalue()


def write_files(out_dir: Path, files: dict[str, str]) -> None:
    """Write all files or none: temporaries first, then one rename each."""
    out_dir.mkdir(parents=True, exist_ok=True)
    temps: list[tuple[str, Path]] = []
    try:
        for name, text in files.items():
            fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.", suffix=".tmp")
            os.chmod(tmp, 0o644)
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
            temps.append((name, Path(tmp)))
        for name, tmp in temps:
            os.replace(tmp, out_dir / name)
    finally:
        for _, tmp in temps:
            if tmp.exists():
                tmp.unlink()


def write_plan(plan: Plan, problem: Problem, out_dir: Path) -> Plan:
    """Write the plan's files; returns the plan as written (generated orders get their path)."""
    files: dict[str, str] = {}
    if plan.inputs["orders"].get("generated"):
        text = csv_text(order_rows(problem.orders), ORDER_COLUMNS)
        files["orders.csv"] = text
        orders = {
            **plan.inputs["orders"],
            "path": "orders.csv",
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        }
        plan = replace(plan, inputs={**plan.inputs, "orders": orders})
    files["plan.json"] = plan.to_json()
    files["routes.csv"] = routes_csv(plan, problem)
    write_files(out_dir, files)
    return plan
