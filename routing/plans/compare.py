"""`route import`: a courier company's own routes for a day, checked by the validator and
compared with the optimised plan for the same orders.

Routes come as our CSV (docs/route-files.md: a row per stop, optional depot rows with the
departure time) or as a plan.json. Their times, loads and cost are recomputed under the rules
(`validate.replay`), so they compare with ours whatever the courier's system stated.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from ..errors import KEPT_FAULTS, Faults, InputError
from ..inputs.tables import ROUTE_COLUMNS, read_table, shown
from ..model.problem import Problem
from .document import Plan, Route, Stop
from .reader import read_plan, references
from .validate import Violation, replay, validate


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


def read_route_csv(path: Path, problem: Problem) -> Plan:
    """Routes from a CSV in our columns (`ROUTE_COLUMNS`); every fault at once, each naming
    the file, row and field."""
    name = str(path)
    faults = Faults()
    rows = read_table(path, ROUTE_COLUMNS, faults)
    if not rows and not faults:
        faults.add(name, "has no routes (only a header)")
    vehicles = {v.id: v for v in problem.vehicles}
    orders = {o.id for o in problem.orders}
    rows_by_vehicle: dict[str, list[tuple[int, dict, dict[str, int]]]] = defaultdict(list)
    first_of: dict[tuple[str, int], int] = {}
    for r in rows:
        k, bad = r["_row"], r["_bad"]
        if "vehicle" not in bad and r["vehicle"] not in vehicles:
            faults.add(name, f"unknown vehicle {shown(r['vehicle'])}", row=k, field="vehicle")
            bad.add("vehicle")
        if "stop_id" not in bad and r["stop_id"] not in problem.index:
            faults.add(name, f"unknown service point {shown(r['stop_id'])}", row=k, field="stop_id")
            bad.add("stop_id")
        if not bad & {"vehicle", "sequence"}:
            key = (r["vehicle"], r["sequence"])
            if key in first_of:
                faults.add(
                    name,
                    f"{r['vehicle']} has sequence {r['sequence']} twice (first on row "
                    f"{first_of[key]})",
                    row=k,
                    field="sequence",
                )
            first_of.setdefault(key, k)
        for f in ("orders_delivered", "orders_collected", "orders_unloaded"):
            unknown = [o for o in r.get(f) or () if o not in orders]
            if unknown:
                faults.add(name, f"unknown order {shown(unknown[0])}", row=k, field=f)
        if not bad:
            times = {f: r[f] for f in ("arrival", "start", "departure") if r[f] is not None}
            rows_by_vehicle[r["vehicle"]].append((r["sequence"], r, times))
    faults.raise_if_any()

    routes = []
    for vid, stop_rows in rows_by_vehicle.items():
        stop_rows.sort(key=lambda t: t[0])
        depot = vehicles[vid].depot
        _, first, first_times = stop_rows[0]
        depart = first_times.get("departure") if first["stop_id"] == depot else None
        stops = []
        for i, (_, r, times) in enumerate(stop_rows):
            reload = _reload(r, depot, i in (0, len(stop_rows) - 1), name, faults)
            if reload is None:
                continue  # the depot rows around a route, or a centre row marked no reload
            stops.append(
                Stop(
                    point=r["stop_id"],
                    arrival_s=times.get("arrival", 0),
                    start_s=times.get("start", 0),
                    departure_s=times.get("departure", 0),
                    deliver=r["orders_delivered"],
                    collect=r["orders_collected"],
                    unload=r["orders_unloaded"],
                    break_s=int(round((r.get("break_min") or 0) * 60)),
                    reload=reload,
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
    faults.raise_if_any()
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


def _reload(row: dict, depot: str, end: bool, name: str, faults: Faults) -> bool | None:
    """Whether a row is a reload between two trips; None: a depot row to leave out (the
    departure and return rows, or a centre row marked `reload` false). A row at the vehicle's
    centre with no orders, between stops, is a reload unless marked otherwise."""
    k, marked = row["_row"], row.get("reload")
    orders = next(
        (f for f in ("orders_delivered", "orders_collected", "orders_unloaded") if row[f]), None
    )
    if marked:
        if row["stop_id"] != depot:
            faults.add(
                name,
                f"a reload at {shown(row['stop_id'])}: a reload is at the vehicle's centre "
                f"{shown(depot)}",
                row=k,
                field="stop_id",
            )
        elif orders:
            faults.add(name, "a reload lists orders: a reload row has none", row=k, field=orders)
        elif end:
            faults.add(
                name, "a reload comes between two trips, not first or last", row=k, field="reload"
            )
        return True
    if row["stop_id"] == depot and not orders:
        return None if end or marked is False else True
    return False


def read_courier_routes(path: Path, problem: Problem) -> Plan:
    """A courier's routes (CSV or plan.json), every id checked against the day, with their
    figures recomputed under the rules."""
    if path.suffix.lower() == ".json":
        plan = read_plan(path, courier=True)
        faults = references(
            plan,
            {v.id for v in problem.vehicles},
            problem.index,
            {o.id for o in problem.orders},
            str(path),
        )
        if faults:
            raise InputError(faults[:KEPT_FAULTS], len(faults))
    else:
        plan = read_route_csv(path, problem)
    return replay(plan, problem)


def compare(courier: Plan, problem: Problem, optimised: Plan) -> Comparison:
    return Comparison(courier=courier, violations=validate(courier, problem), optimised=optimised)
