"""`route import`: a courier company's own routes for a day, checked by the validator and
compared with the optimised plan for the same orders.

Routes come as our CSV (docs/route-files.md: a row per stop, optional depot rows with the
departure time) or as a plan.json. Their times, loads and cost are recomputed under the rules
(`validate.replay`), so they compare with ours whatever the courier's system stated.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from ..errors import Fault, Faults, InputError
from ..model.problem import Problem
from ..units import parse_hhmmss
from .document import Plan, Route, Stop
from .reader import read_plan
from .validate import Violation, replay, validate

REQUIRED = (
    "vehicle",
    "sequence",
    "stop_id",
    "orders_delivered",
    "orders_collected",
    "orders_unloaded",
)


@dataclass(frozen=True)
class Comparison:
    courier: Plan  # replayed: figures recomputed under the rules
    violations: list[Violation]
    optimised: Plan

    def rows(self) -> list[tuple[str, float, float, float | None]]:
        """(measure, courier, optimised, difference % of optimised)."""
        out = []
        for label, a, b in (
            ("vehicles", len(self.courier.routes), len(self.optimised.routes)),
            ("km", self.courier.distance_m / 1000, self.optimised.distance_m / 1000),
            (
                "hours",
                sum(r.duration_s for r in self.courier.routes) / 3600,
                sum(r.duration_s for r in self.optimised.routes) / 3600,
            ),
            ("cost (yuan)", self.courier.cost_yuan, self.optimised.cost_yuan),
            (
                "orders served",
                self.courier.summary()["orders_served"],
                self.optimised.summary()["orders_served"],
            ),
        ):
            out.append(
                (label, round(a, 2), round(b, 2), round(100.0 * (a - b) / b, 2) if b else None)
            )
        return out


def _ids(cell: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in cell.split(";") if x.strip())


def read_route_csv(path: Path, problem: Problem) -> Plan:
    """Routes from a CSV in our columns; faults name the file, row and field."""
    name = str(path)
    faults = Faults()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(Fault(name, "file not found")) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    for c in missing:
        faults.add(name, f"missing column '{c}'", row=1)
    faults.raise_if_any()
    vehicles = {v.id: v for v in problem.vehicles}
    rows_by_vehicle: dict[str, list[tuple[int, dict, dict[str, int]]]] = defaultdict(list)
    for k, row in enumerate(reader, start=2):
        vid = (row.get("vehicle") or "").strip()
        if vid not in vehicles:
            faults.add(name, f"unknown vehicle '{vid}'", row=k, field="vehicle")
            continue
        try:
            seq = int(row["sequence"])
        except ValueError:
            faults.add(name, f"'{row['sequence']}' is not a whole number", row=k, field="sequence")
            continue
        if row["stop_id"] not in problem.index:
            faults.add(name, f"unknown service point '{row['stop_id']}'", row=k, field="stop_id")
            continue
        times = {}  # the stated clock times of the row, seconds
        for f in ("arrival", "start", "departure"):
            if row.get(f):
                try:
                    times[f] = parse_hhmmss(row[f])
                except ValueError as exc:
                    faults.add(name, str(exc), row=k, field=f)
        rows_by_vehicle[vid].append((seq, row, times))
    faults.raise_if_any()

    routes = []
    for vid, rows in rows_by_vehicle.items():
        rows.sort(key=lambda t: t[0])
        depot = vehicles[vid].depot
        _, first, first_times = rows[0]
        depart = first_times.get("departure") if first["stop_id"] == depot else None
        stops = []
        for _, r, times in rows:
            deliver = _ids(r["orders_delivered"])
            collect = _ids(r["orders_collected"])
            unload = _ids(r["orders_unloaded"])
            if r["stop_id"] == depot and not (deliver or collect or unload):
                continue  # the depot rows around a route
            stops.append(
                Stop(
                    point=r["stop_id"],
                    arrival_s=times.get("arrival", 0),
                    start_s=times.get("start", 0),
                    departure_s=times.get("departure", 0),
                    deliver=deliver,
                    collect=collect,
                    unload=unload,
                )
            )
        routes.append(
            Route(
                vehicle=vid,
                depart_s=depart if depart is not None else vehicles[vid].shift_start,
                return_s=0,
                distance_m=0,
                cost_yuan=0.0,
                start_load_kg=0.0,
                start_load_l=0.0,
                stops=tuple(stops),
            )
        )
    return Plan(
        county=problem.county,
        adcode="",
        date=problem.date,
        engine="imported",
        seed=0,
        time_limit_s=0.0,
        iterations=None,
        inputs={},
        routes=tuple(routes),
        unserved=(),
    )


def read_courier_routes(path: Path, problem: Problem) -> Plan:
    """A courier's routes (CSV or plan.json) with their figures recomputed under the rules."""
    if path.suffix.lower() == ".json":
        plan = read_plan(path, courier=True)
    else:
        plan = read_route_csv(path, problem)
    return replay(plan, problem)


def compare(courier: Plan, problem: Problem, optimised: Plan) -> Comparison:
    return Comparison(courier=courier, violations=validate(courier, problem), optimised=optimised)
