"""The tiers question: township stations as transfer points, or vans straight to the villages.

The direct day is the ordinary plan: the centre's fleet drives to every village. The tiered day
(`township_transfer`) plans two echelons from the same orders and adds up their costs:

- **Echelon 1**, the centre's own fleet, in two waves solved one after the other:
  *deliver*: each village delivery rides to its township station (the same order, re-pointed
  at the station, due there by `deliver_by` and early enough for the last mile), together with
  every order that stays direct; *collect*: the produce and parcels the station vehicles
  brought in go on from the station to their own destination (the hub or a facility), in a
  window that opens when the town's last station vehicle is back plus the transfer time. The
  collect wave's vehicles are the centre's, each starting where its deliver-wave tour left it
  (after its reload time; the driver's day runs on: the time since its first departure counts
  against its salaried day and its longest tour, the dispatch is not paid twice, and a vehicle
  with no trip or hour left does not go).
- **Echelon 2**, one problem per town (the engines plan from one depot, `Problem.hub`, so a
  town's problem has its station as its hub): the station's own vehicles take the village
  deliveries that reached it to the villages and bring the villages' produce and parcels back
  to the station. They start when the last truck that brought the town's deliveries has left
  the station plus the transfer time (`transfer_s`: unloading is in the truck's stop; this is
  the sorting into rounds), and are back by `collect_by` less the transfer time, so the
  collect wave reaches every station in its opening hours and within the trucks' shifts.

What stays direct (served in the deliver wave, from the centre): orders at the hub, facilities
and stations themselves; cold-chain orders (a station tricycle has no refrigeration, and
re-handling breaks the chain); orders of villages with no station in the problem, or that the
station vehicles cannot reach from their station.

Order ids are kept verbatim in every echelon: an order transferred at a station appears in an
echelon-1 plan and in its town's echelon-2 plan, and `TwoEchelon.outcomes` says, once per
original order, how it went. Every echelon's plan is checked by `routing.plans.validate`
against its own problem before it is returned.

The default station fleet (`TRICYCLE`, `StationFleet`) is an electric cargo tricycle sized
per station to the town's load; its figures are assumptions, stated where they are set. Sized
to one day's load, it suits a single day; to compare days, fix `StationFleet.per_station`.
Standing costs count every vehicle of both fleets, used or not: the centre's fleet is the
problem's, so a tiered county that needs fewer centre vehicles is asked with a problem whose
fleet has fewer.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from ..costs.tariff import (
    SALARIED_HOURS,
    driver_day_yuan,
    overtime_per_hour_yuan,
    vehicle_day_yuan,
)
from ..errors import Fault, InputError, PlanInvalidError
from ..model.params import SolveParams
from ..model.problem import UNREACHABLE, Problem, build_problem
from ..model.records import Order, Vehicle
from ..network.matrices import Matrices
from ..plans.document import Plan, Unserved
from ..plans.explain import explained
from ..plans.validate import standing_cost, validate
from ..solve.solver import solve_problem
from ..units import format_hhmmss

if TYPE_CHECKING:
    from ..pipeline import Day

H = 3600
TRANSFER_S = 30 * 60  # sorting a truck's load into the station vehicles' rounds
DELIVER_BY = 10 * H  # the deliver wave hands the stations their loads by 10:00
# ... and the collect wave may take their produce from 18:00 at the latest: the station
# vehicles are back by then less the transfer time, so the centre's trucks (shifts to 19:00)
# still reach every station before it closes (19:00) and come home within their shift
COLLECT_BY = 18 * H
END_OF_DAY = 24 * H
# Station vehicles per station when sized to the load: the trips the town's heavier direction
# needs (kg or litres, deliveries or collections) over the trips a vehicle may make, with this
# margin for the time the trips take and for loads that do not pack exactly.
SIZING_MARGIN = 1.25

# An electric cargo tricycle with a closed box (assumptions, like data/README.md "Costs"):
# 18,000 yuan, written off over 5 years (batteries and frames wear faster than a van's 8),
# 300 yuan a year of insurance and registration; a station courier at 4,000 yuan a month gross;
# 0.15 yuan/km of electricity (about 6 kWh/100 km), tyres and battery wear. 25 km/h and no
# motorways (Road Traffic Safety Law Art. 67: no tricycles on expressways). Four trips a day
# from the station, 15 minutes to reload: villages are a few km from their station.
_PRICE, _LIFE_YEARS, _INSURANCE, _WAGE = 18_000, 5, 300, 4_000
TRICYCLE = Vehicle(
    id="",
    type="etricycle",
    capacity_kg=300.0,
    capacity_l=1_500.0,
    shift_start=8 * H,
    shift_end=18 * H,
    max_work_s=10 * H,
    fixed_cost=0.0,
    cost_per_km=0.15,
    cost_per_hour=0.0,
    banned_roads=frozenset({"motorway"}),
    cold_chain=False,
    depot="",
    max_speed_kph=25.0,
    vehicle_day=vehicle_day_yuan(_PRICE, _INSURANCE, _LIFE_YEARS),
    driver_day=driver_day_yuan(_WAGE),
    salaried_s=int(SALARIED_HOURS * H),
    overtime_per_hour=overtime_per_hour_yuan(_WAGE),
    max_trips=4,
    reload_s=15 * 60,
)


@dataclass(frozen=True)
class StationFleet:
    """The vehicles of each township station: copies of `vehicle` (its id and depot are set
    per station), `per_station` of them, or when None as many as the town's load needs
    (`SIZING_MARGIN`), at least one."""

    vehicle: Vehicle = TRICYCLE
    per_station: int | None = None

    def count(self, kg: float, litres: float) -> int:
        if self.per_station is not None:
            return self.per_station
        v = self.vehicle
        trips = max(kg / v.capacity_kg, litres / v.capacity_l)
        return max(1, math.ceil(SIZING_MARGIN * trips / max(1, v.max_trips)))


@dataclass(frozen=True)
class Leg:
    """One solved and validated problem of the tiered day."""

    name: str  # "deliver", "collect", or the station's id
    problem: Problem
    plan: Plan


@dataclass(frozen=True)
class Outcome:
    """How one original order went: served via its station (echelon 2 and the echelon-1 legs
    to or from the station), served directly from the centre, or not served, with the
    reason (one of `UNSERVED_REASONS`) and the echelon that left it out."""

    order: str
    how: Literal["station", "direct", "unserved"]
    echelon: int  # where it was served last, or left out
    reason: str = ""
    detail: str = ""


def _sum(plans: list[Plan], attr: str) -> float:
    return sum(getattr(p, attr) for p in plans)


@dataclass(frozen=True)
class TwoEchelon:
    echelon1: tuple[Leg, ...]  # the deliver wave, then the collect wave (when it has orders)
    echelon2: tuple[Leg, ...]  # one per station with orders
    outcomes: tuple[Outcome, ...]  # one per original order, in the problem's order
    transfer_s: int
    standing1_yuan: float  # the centre's fleet, used or not
    standing2_yuan: float  # every station vehicle, used or not
    # per station: its vehicles, their start, and when the collect wave may take its produce
    stats: dict = field(default_factory=dict, compare=False)

    def _echelon(self, legs: tuple[Leg, ...], standing: float) -> dict:
        plans = [leg.plan for leg in legs]
        used = {r.vehicle for p in plans for r in p.routes}
        cost = round(_sum(plans, "cost_yuan"), 2)
        return {
            "vehicles_used": len(used),
            "distance_km": round(_sum(plans, "distance_m") / 1000, 3),
            "hours": round(sum(r.duration_s for p in plans for r in p.routes) / 3600, 3),
            "cost_yuan": cost,
            "standing_cost_yuan": round(standing, 2),
            "day_cost_yuan": round(cost + standing, 2),
        }

    @property
    def unserved(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.how == "unserved")

    def summary(self) -> dict:
        """Per echelon and for the day, in the figures of `Plan.summary`: vehicles used (a
        centre vehicle out in both waves counts once), km, hours on tour (the wait between
        waves is not a tour), marginal cost, standing cost (the centre's fleet and every
        station vehicle, used or not) and the day's cost."""
        one = self._echelon(self.echelon1, self.standing1_yuan)
        two = self._echelon(self.echelon2, self.standing2_yuan)
        total = {k: round(one[k] + two[k], 3) for k in one}
        total["orders_unserved"] = len(self.unserved)
        total["orders_via_station"] = sum(o.how == "station" for o in self.outcomes)
        total["orders_direct"] = sum(o.how == "direct" for o in self.outcomes)
        return {"echelon1": one, "echelon2": two, "total": total}

    @property
    def cost_yuan(self) -> float:
        return self.summary()["total"]["cost_yuan"]

    @property
    def day_cost_yuan(self) -> float:
        return self.summary()["total"]["day_cost_yuan"]


# --- the parts ---------------------------------------------------------------------------------
def station_matrices(
    day: Day, fleet: StationFleet = StationFleet(), cache_dir: Path | None = None
) -> dict[str, Matrices]:
    """The station vehicles' matrices over a loaded day's points (`routing.pipeline.Day`), for
    `township_transfer(..., matrices=...)` when the county's fleet has no such profile."""
    from ..network.matrices import default_cache_dir, matrices_for

    cache = cache_dir if cache_dir is not None else default_cache_dir()
    return matrices_for(day.roads, day.nodes, [fleet.vehicle.profile], cache)


def _integer(a) -> np.ndarray:
    """Seconds or metres as `build_problem` holds them: whole, UNREACHABLE where no road."""
    a = np.asarray(a, dtype=float)
    return np.rint(np.where(np.isfinite(a), np.minimum(a, UNREACHABLE), UNREACHABLE)).astype(
        np.int64
    )


def _legs(
    problem: Problem, v: Vehicle, matrices: Mapping[str, Matrices] | None
) -> tuple[np.ndarray, np.ndarray]:
    key = v.profile.key
    if key in problem.time_s:
        return problem.time_s[key], problem.dist_m[key]
    if matrices and key in matrices:
        m = matrices[key]
        n = len(problem.points)
        if np.shape(m.time_s) != (n, n):
            raise InputError(Fault("tiers", f"matrices of {key} are not over the {n} points"))
        return _integer(m.time_s), _integer(m.dist_m)
    raise InputError(
        Fault(
            "tiers",
            f"no travel matrices for the station vehicles' profile {key}: pass "
            "matrices=station_matrices(day) (routing.scenarios.tiers)",
        )
    )


@dataclass(frozen=True)
class _Split:
    direct: tuple[Order, ...]
    by_station: Mapping[str, tuple[Order, ...]]  # station id -> its villages' orders


def _split(problem: Problem, tmat: np.ndarray) -> _Split:
    """Which orders go via a station (module docstring) and which stay direct."""
    stations = {p.id for p in problem.points if p.tier == "township"}
    direct: list[Order] = []
    by_station: dict[str, list[Order]] = defaultdict(list)
    for o in problem.orders:
        pt = problem.points[problem.index[o.point]]
        s = problem.index.get(pt.town) if pt.town in stations else None
        k = problem.index[o.point]
        if (
            pt.tier != "village"
            or s is None
            or o.cold_chain
            or tmat[s, k] >= UNREACHABLE
            or tmat[k, s] >= UNREACHABLE
        ):
            direct.append(o)
        else:
            by_station[pt.town].append(o)
    return _Split(tuple(direct), {k: tuple(v) for k, v in by_station.items()})


def _matrices(problem: Problem) -> dict[str, Matrices]:
    return {k: Matrices(k, problem.time_s[k], problem.dist_m[k]) for k in problem.time_s}


def _solved(name: str, problem: Problem, params: SolveParams, standing: bool) -> Leg:
    """Solve, build the plan and check it; a plan that breaks a rule raises."""
    solved = solve_problem(problem, params)
    plan = Plan(
        county=problem.county,
        adcode="",
        date=problem.date,
        engine=solved.engine,
        seed=params.seed,
        time_limit_s=params.time_limit,
        iterations=params.iterations,
        inputs={},
        routes=solved.routes,
        unserved=explained(problem, solved.unserved),
        standing_cost_yuan=standing_cost(problem) if standing else None,
        stats={"tiers": name},
    )
    violations = validate(plan, problem)
    if violations:
        raise PlanInvalidError(
            f"the tiers plan '{name}' failed validation:\n"
            + "\n".join(f"  - {v}" for v in violations[:20])
        )
    return Leg(name, problem, plan)


def _served(plan: Plan) -> dict[str, tuple[str, int, int]]:
    """Order id -> (point, arrival, departure) of the stop serving it."""
    return {
        oid: (s.point, s.arrival_s, s.departure_s)
        for r in plan.routes
        for s in r.stops
        for oid in (*s.deliver, *s.collect)
    }


def _deliver_wave(
    problem: Problem, split: _Split, tmat: np.ndarray, transfer_s: int, deliver_by: int
) -> Problem:
    """Echelon 1's first wave: village deliveries re-pointed at their station, due there in
    time for the sorting and the ride out (and by `deliver_by`), and the direct orders."""
    moved = []
    for station, orders in split.by_station.items():
        s = problem.index[station]
        for o in orders:
            if o.kind != "delivery":
                continue
            ride = int(tmat[s, problem.index[o.point]])
            due = min(deliver_by, o.latest - transfer_s - ride)
            moved.append(replace(o, point=station, earliest=0, latest=max(0, due)))
    orders = tuple(split.direct) + tuple(moved)
    return build_problem(
        problem.county, problem.date, problem.points, problem.vehicles, orders, _matrices(problem)
    )


def _town(
    problem: Problem,
    station: str,
    orders: list[Order],
    fleet: StationFleet,
    start: int,
    end: int,
    legs: tuple[np.ndarray, np.ndarray],
) -> Problem:
    """Echelon 2 of one town: its station (as the problem's hub) and villages, its vehicles
    on shift from `start` (or their own start, if later) to `end` (or their own end, if
    earlier), pickups bound for the station."""
    s = problem.index[station]
    villages = sorted({problem.index[o.point] for o in orders})
    at = [s, *villages]
    points = (replace(problem.points[s], tier="hub"), *(problem.points[k] for k in villages))
    kg = max(sum(o.kg for o in orders if o.kind == kind) for kind in ("delivery", "pickup"))
    litres = max(sum(o.litres for o in orders if o.kind == kind) for kind in ("delivery", "pickup"))
    template = fleet.vehicle
    vehicles = tuple(
        replace(
            template,
            id=f"{station}-{template.type}-{k:02d}",
            depot=station,
            shift_start=max(template.shift_start, start),
            shift_end=min(template.shift_end, end),
        )
        for k in range(1, fleet.count(kg, litres) + 1)
    )
    mine = tuple(replace(o, destination=station) if o.kind == "pickup" else o for o in orders)
    key = template.profile.key
    sub = np.ix_(at, at)
    mats = {key: Matrices(key, legs[0][sub], legs[1][sub])}
    return build_problem(problem.county, problem.date, points, vehicles, mine, mats)


def _collect_wave(
    problem: Problem, deliver: Plan, moved: list[Order], opens: Mapping[str, int]
) -> Problem:
    """Echelon 1's second wave: what the station vehicles brought in, from the station to its
    own destination once `opens[station]`; the centre's vehicles carry on from their first
    wave (module docstring)."""
    first = {r.vehicle: r for r in deliver.routes}
    vehicles = []
    for v in problem.vehicles:
        r = first.get(v.id)
        if r is None:
            vehicles.append(v)
            continue
        start = max(v.shift_start, r.return_s + v.reload_s)
        span = start - r.depart_s
        if r.trips >= v.max_trips or span >= v.max_work_s or start >= v.shift_end:
            continue
        vehicles.append(
            replace(
                v,
                shift_start=start,
                max_work_s=v.max_work_s - span,
                salaried_s=max(0, v.salaried_s - span),
                fixed_cost=0.0,
                max_trips=v.max_trips - r.trips,
            )
        )
    orders = tuple(
        replace(o, earliest=opens[o.point], latest=max(END_OF_DAY, opens[o.point])) for o in moved
    )
    return build_problem(
        problem.county, problem.date, problem.points, tuple(vehicles), orders, _matrices(problem)
    )


def township_transfer(
    problem: Problem,
    params: SolveParams,
    station_fleet: StationFleet = StationFleet(),
    transfer_s: int = TRANSFER_S,
    deliver_by: int = DELIVER_BY,
    collect_by: int = COLLECT_BY,
    matrices: Mapping[str, Matrices] | None = None,
) -> TwoEchelon:
    """The tiered day of `problem` (the direct day's problem): both echelons planned, each
    plan validated against its own problem, every original order accounted for once (module
    docstring). Times are seconds: `transfer_s` at the station between the echelons,
    `deliver_by` the time of day the stations' loads arrive by, `collect_by` the latest their
    produce is ready for the collect wave. `matrices` gives the station vehicles' travel
    matrices over the problem's points when the problem has none for their profile
    (`station_matrices`)."""
    if transfer_s < 0:
        raise ValueError(f"transfer_s must be >= 0 seconds, got {transfer_s}")
    legs = _legs(problem, station_fleet.vehicle, matrices)
    split = _split(problem, legs[0])
    deliver = _solved(
        "deliver",
        _deliver_wave(problem, split, legs[0], transfer_s, deliver_by),
        params,
        standing=True,
    )
    at_station = _served(deliver.plan)

    towns: list[Leg] = []
    second: dict[str, tuple[Leg, str]] = {}  # order id -> its town's leg, station
    opens: dict[str, int] = {}
    stations: dict[str, dict] = {}  # what each station's echelon 2 was given, for reports
    for station in sorted(split.by_station):
        orders = [o for o in split.by_station[station] if o.kind == "pickup" or o.id in at_station]
        if not orders:
            continue
        arrived = [at_station[o.id][2] for o in orders if o.kind == "delivery"]
        start = max(arrived) + transfer_s if arrived else 0
        leg = _solved(
            station,
            _town(problem, station, orders, station_fleet, start, collect_by - transfer_s, legs),
            params,
            standing=True,
        )
        towns.append(leg)
        second.update((o.id, (leg, station)) for o in orders)
        back = max((r.return_s for r in leg.plan.routes), default=start)
        opens[station] = back + transfer_s
        stations[station] = {
            "vehicles": len(leg.problem.vehicles),
            "start": format_hhmmss(leg.problem.vehicles[0].shift_start),
            "collect_from": format_hhmmss(opens[station]),
        }

    by_id = {o.id: o for o in problem.orders}
    brought = []
    for leg in towns:
        for r in leg.plan.routes:
            for s in r.stops:
                brought += [replace(by_id[k], point=leg.name) for k in s.collect]
    collect = None
    if brought:
        collect = _solved(
            "collect", _collect_wave(problem, deliver.plan, brought, opens), params, False
        )
    outcomes = _outcomes(problem, split, deliver, second, collect)
    standing2 = sum(standing_cost(leg.problem) for leg in towns)
    return TwoEchelon(
        echelon1=(deliver,) + ((collect,) if collect else ()),
        echelon2=tuple(towns),
        outcomes=outcomes,
        transfer_s=transfer_s,
        standing1_yuan=standing_cost(problem),
        standing2_yuan=round(standing2, 2),
        stats={"stations": stations},
    )


def _outcomes(
    problem: Problem,
    split: _Split,
    deliver: Leg,
    second: Mapping[str, tuple[Leg, str]],
    collect: Leg | None,
) -> tuple[Outcome, ...]:
    """One outcome per original order: the last echelon it reached decides."""
    out1 = {u.order: u for u in deliver.plan.unserved}
    out2 = {u.order: u for leg, _ in second.values() for u in leg.plan.unserved}
    out3 = {u.order: u for u in collect.plan.unserved} if collect else {}
    direct = {o.id for o in split.direct}
    result = []

    def left(o: Order, u: Unserved, echelon: int, where: str) -> Outcome:
        return Outcome(o.id, "unserved", echelon, u.reason, f"{where}: {u.detail}".strip(": "))

    for o in problem.orders:
        if o.id in direct:
            u = out1.get(o.id)
            result.append(left(o, u, 1, "direct") if u else Outcome(o.id, "direct", 1))
        elif o.id in out1:
            result.append(left(o, out1[o.id], 1, "to its township station"))
        elif o.id not in second:  # cannot happen: each is served or unserved in the wave
            raise PlanInvalidError(f"order '{o.id}' is in no echelon of the tiered plan")
        elif o.id in out2:
            result.append(left(o, out2[o.id], 2, f"from station {second[o.id][1]}"))
        elif o.id in out3:
            result.append(left(o, out3[o.id], 1, "from its township station"))
        else:
            result.append(Outcome(o.id, "station", 2))
    return tuple(result)
