"""One scenario on one date with one seed: the base county's day changed as the scenario says,
planned, every plan validated, and the day's KPIs. The unit of work `route compare` hands to
an executor (`routing.executors`): a picklable `Task` in, a plain dict out.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from ..model.params import SolveParams
from ..model.records import Order, ServicePoint
from ..pipeline import Day, day_of_orders, load_day, solve_day
from ..plans.document import Plan
from .access import OPEN_TIERS, AccessResult, access, population_of
from .changes import fleet_of, points_of, repointed, scaled
from .couriers import courier_problems
from .scenario_file import Scenario, check_against, read_scenario
from .tiers import StationFleet, station_matrices, township_transfer


@dataclass(frozen=True)
class Task:
    scenario: Path
    date: str
    seed: int
    time_limit: float
    iterations: int | None
    data_dir: Path | None = None
    cache_dir: Path | None = None


def run_task(task: Task) -> dict:
    """The KPIs of the scenario's day (see `routing.scenarios.compare.KPIS`)."""
    s = read_scenario(task.scenario)
    params = SolveParams(
        time_limit=task.time_limit, seed=task.seed, iterations=task.iterations, workers=1
    )
    base = load_day(s.county, task.date, task.data_dir, task.cache_dir)
    check_against(s, base.county)
    points = points_of(s, base.county.points)
    reach = access_of(base, points)
    orders = scaled(s.demand, base.problem.orders, int(task.date[5:7]))
    shares = {u.unit: dict(u.shares) for u in reach.units}
    orders = _to_open(repointed(orders, shares), points, base.county.points)
    county = replace(base.county, points=points, fleet=fleet_of(s, base.county.fleet))
    day = day_of_orders(county, task.date, orders, task.cache_dir)
    if s.co_distribution == "separate":
        plans = [
            solve_day(replace(day, problem=p), params) for _, p in courier_problems(day.problem)
        ]
        figures = _of_plans(plans)
    elif s.tiers == "township":
        figures = _two_echelons(s, day, params, task.cache_dir)
    else:
        figures = _of_plans([solve_day(day, params)])
    return kpis(s, task, figures, orders, reach)


@dataclass(frozen=True)
class Figures:
    """What the day's plans add up to, however many there are."""

    vehicles: int
    km: float
    hours: float
    cost_yuan: float  # the routes' marginal cost
    standing_yuan: float
    served: frozenset[str]  # order ids
    unserved: dict[str, int]  # reason -> orders


def _of_plans(plans: list[Plan]) -> Figures:
    return Figures(
        vehicles=sum(len(p.routes) for p in plans),
        km=sum(p.distance_m for p in plans) / 1000,
        hours=sum(r.duration_s for p in plans for r in p.routes) / 3600,
        cost_yuan=sum(p.cost_yuan for p in plans),
        standing_yuan=sum(p.standing_cost_yuan or 0.0 for p in plans),
        served=frozenset(
            o for p in plans for r in p.routes for st in r.stops for o in (*st.deliver, *st.collect)
        ),
        unserved=dict(Counter(u.reason for p in plans for u in p.unserved)),
    )


def _two_echelons(s: Scenario, day: Day, params: SolveParams, cache_dir: Path | None) -> Figures:
    """Trucks to the township stations, station vehicles on to the villages
    (`routing.scenarios.tiers`), every echelon validated."""
    fleet = StationFleet(per_station=s.station_vehicles)
    two = township_transfer(
        day.problem, params, fleet, s.transfer_s, matrices=station_matrices(day, fleet, cache_dir)
    )
    total = two.summary()["total"]
    return Figures(
        vehicles=int(total["vehicles_used"]),
        km=total["distance_km"],
        hours=total["hours"],
        cost_yuan=total["cost_yuan"],
        standing_yuan=total["standing_cost_yuan"],
        served=frozenset(o.order for o in two.outcomes if o.how != "unserved"),
        unserved=dict(Counter(o.reason for o in two.unserved)),
    )


def _parcel_wait(orders: tuple[Order, ...], served: frozenset[str], date: str) -> float:
    """Days the parcels delivered today waited since their order's date, parcel-weighted: 0
    without a visit calendar; under one, what the orders carried from earlier days waited
    (the day's orders come as the county's calendar plans them: `load_day`)."""
    day = dt.date.fromisoformat(date)
    waits = [
        ((day - dt.date.fromisoformat(o.date)).days, o.parcels)
        for o in orders
        if o.kind == "delivery" and o.id in served
    ]
    parcels = sum(n for _, n in waits)
    return round(sum(w * n for w, n in waits) / parcels, 3) if parcels else 0.0


def kpis(
    s: Scenario, task: Task, f: Figures, orders: tuple[Order, ...], reach: AccessResult
) -> dict:
    """A scenario-day's row of `route compare` (`kpi_table.KPIS`)."""
    parcels = sum(o.parcels for o in orders if o.id in f.served)
    day_cost = f.cost_yuan + f.standing_yuan
    return {
        "scenario": s.name,
        "date": task.date,
        "seed": task.seed,
        "vehicles": f.vehicles,
        "km": round(f.km, 3),
        "hours": round(f.hours, 3),
        "day_cost_yuan": round(day_cost, 2),
        "cost_yuan": round(f.cost_yuan, 2),
        "cost_per_parcel": round(day_cost / parcels, 4) if parcels else None,
        "on_time_pct": round(100.0 * len(f.served) / len(orders), 2) if orders else 100.0,
        "wait_days": _parcel_wait(orders, f.served, task.date),
        "unserved": sum(f.unserved.values()),
        "unserved_by_reason": f.unserved,
        "access_mean_m": round(reach.stats.mean_m, 1),
        "access_p95_m": round(reach.stats.p95_m, 1),
        "within_2km_pct": round(100.0 * reach.stats.within_2km, 2),
        "within_5km_pct": round(100.0 * reach.stats.within_5km, 2),
        "orders": len(orders),
        "served": len(f.served),
        "parcels": parcels,
    }


def access_of(base: Day, points: tuple[ServicePoint, ...]) -> AccessResult:
    """Villagers' access to the scenario's open points (`routing.scenarios.access`)."""
    population = population_of(base.county, base.roads)
    return access(population, [p for p in points if p.tier in OPEN_TIERS])


def _to_open(
    orders: tuple[Order, ...], points: tuple[ServicePoint, ...], base: tuple[ServicePoint, ...]
) -> tuple[Order, ...]:
    """Orders still at a closed point (a township station's own orders: stations have no
    residents of their own) go to the nearest open point of its tier, else of any tier that
    villagers use, as the crow flies."""
    here = {p.id for p in points}
    was = {p.id: p for p in base}
    out = []
    for o in orders:
        if o.point not in here:
            gone = was[o.point]
            same = [p for p in points if p.tier == gone.tier] or [
                p for p in points if p.tier in OPEN_TIERS
            ]
            near = min(
                same, key=lambda p: ((p.lon - gone.lon) ** 2 + (p.lat - gone.lat) ** 2, p.id)
            )
            o = replace(o, point=near.id)
        out.append(o)
    return tuple(out)
