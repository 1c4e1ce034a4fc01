"""The independent validator: every rule of a plan rechecked from the input data alone.

It shares nothing with the solver but the problem's inputs (points, vehicles, orders and the
travel matrices of the road graph). `trace` re-drives each route from its departure with the
timing rule of docs/plan-format.md and rebuilds the load after every stop; then one small
function per rule compares the plan with what really happens. The rule names are those of the
table in docs/plan-format.md (`RULES`).

One error gives one line: a rule reports its first breach on a route and counts the further
ones there. A route that cannot be driven (a leg with no road the vehicle may use, a stop at an
unknown point) is reported once; its times, windows, return and cost cannot be recomputed and
are not checked, while its loads, capacity and orders still are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from ..model.problem import UNREACHABLE, Problem
from ..model.records import BREAK_S, Order
from ..units import format_hhmmss
from .document import UNSERVED_REASONS, Plan, Route, day_costs
from .reasons import Fixed, check_reason, idle_carrier


@dataclass(frozen=True)
class AtTime:
    """A re-plan's view of its day (routing.plans.replan_rule): `seen`, the vehicles leaving no
    earlier than the re-plan time `at`; `fixed`, the stops of each route on the road that stay
    as they are."""

    seen: Problem
    fixed: Mapping[str, Fixed]
    at: int

    def ready(self, vehicle: str) -> tuple[int, int]:
        """(i, t): the route's reloads from stop i on start no earlier than t."""
        f = self.fixed.get(vehicle)
        return (f.first if f else 0), self.at


TIME_TOLERANCE_S = 1
LOAD_TOLERANCE = 0.001  # kg or litres, for rounding in plan.json
COST_TOLERANCE_YUAN = 0.01

RULES = {
    "input": "the plan is for the date of the orders it is checked against",
    "vehicle": "every route's vehicle is in the fleet, and drives one route",
    "point": "every stop is at a service point of the county",
    "order": "every order is served exactly once, at its own point and in the right list "
    "(deliver, collect), or listed as unserved; produce for a facility is unloaded there later "
    "on the same route",
    "road": "every leg can be driven by the vehicle (its banned road classes removed)",
    "times": "arrival, service start, departure and return are those of the timing rule",
    "time window": "service starts within the orders' windows and the point's opening hours",
    "shift": "the tour leaves after its shift starts, returns before it ends, and lasts no "
    "longer than the vehicle's maximum",
    "load": "the load stated on leaving the depot and each stop is the recomputed one",
    "capacity": "the load never exceeds the vehicle's capacity, in kg and in litres",
    "compatibility": "cold-chain orders ride on refrigerated vehicles",
    "cost": "distance and cost are the recomputed ones",
    "reason": "each unserved order's reason is true (see the reasons table)",
    "idle": "no order is left 'not placed by the search' while a vehicle that could serve it on "
    "a trip of its own stands idle",
    "trips": "a reload is at the vehicle's centre and lists no orders, and a route makes no more "
    "trips than its vehicle may",
    "breaks": "no more than 4 hours of driving without a rest of 20 minutes",
    "summary": "the summary block adds up the plan's routes and unserved orders",
    "calendar": "under a visit calendar, only orders that may wait are deferred, and the "
    "earlier orders planned are the ones due today",
    # a re-plan, against the plan it came from (routing.plans.replan_rule)
    "replan served": "the stops a vehicle had set off for by the re-plan time are as they were, "
    "and a route on the road keeps its departure",
    "replan locked": "a locked route is unchanged; a locked stop stays on its vehicle, in order",
    "replan continuity": "every other stop is set off for after the re-plan time, from where the "
    "vehicle is; a vehicle that left its last stop may only reload, no earlier than then",
    "replan on board": "the deliveries on board at the re-plan time are made on that trip, and "
    "nothing else is delivered on it",
    "replan orders": "the cancelled orders are gone, the added ones are in, and no other changed",
}


@dataclass(frozen=True)
class Violation:
    rule: str  # a key of RULES
    message: str
    vehicle: str | None = None
    stop: int | None = None  # 1-based position in the route
    order: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.vehicle:
            where = f"{self.vehicle}" + (f" stop {self.stop}" if self.stop else "") + ": "
        return f"[{self.rule}] {where}{self.message}"


@dataclass(frozen=True)
class StopTrace:
    arrival: int
    start: int
    departure: int
    latest: int  # the last moment service may start
    load_kg: float  # on board when leaving
    load_l: float


@dataclass(frozen=True)
class Trace:
    """What a route really does: recomputed times, loads, distance and cost."""

    start_kg: float
    start_l: float
    stops: tuple[StopTrace, ...]
    ret: int
    dist: int
    cost: float
    undriven: tuple[int, ...]  # stops (1-based; len+1 = the return) reached by no road
    unknown_points: tuple[int, ...]


def _orders_of(s, orders: dict[str, Order]) -> Iterator[tuple[str, str, Order]]:
    for role, ids in (("deliver", s.deliver), ("collect", s.collect), ("unload", s.unload)):
        for oid in ids:
            if oid in orders:
                yield role, oid, orders[oid]


def _on_the_road(leg: int, veh) -> int:
    """Rests taken on the road in a leg longer than the driving limit: 20 minutes for each
    full limit's worth of it (docs/plan-format.md, "Rests")."""
    limit = veh.max_driving_s
    return (leg - 1) // limit * BREAK_S if limit and leg > limit else 0


def trace(
    r: Route, v: int, problem: Problem, orders: dict[str, Order], ready: tuple[int, int] = (0, 0)
) -> Trace:
    """Re-drive route `r` on vehicle `v` from its stated departure, by the timing rule; in a
    re-plan, a reload from stop ready[0] (0-based) on starts no earlier than ready[1]."""
    wait_from, ready_at = ready
    veh = problem.vehicles[v]
    key = veh.profile.key
    tmat, dmat = problem.time_s[key], problem.dist_m[key]
    depot = problem.index[veh.depot]
    centre = problem.points[depot].id
    # the deliveries each trip loads at the centre (trips are cut at reload stops)
    loading = [[0.0, 0.0]]
    for s in r.stops:
        if s.reload:
            loading.append([0.0, 0.0])
        for role, _, o in _orders_of(s, orders):
            if role == "deliver":
                loading[-1][0] += o.kg
                loading[-1][1] += o.litres
    (kg, litres), trip = loading[0], 0
    start_kg, start_l = kg, litres
    away_kg = away_l = 0.0  # produce on board for a facility: it stays on board at a reload
    t, where, dist = r.depart_s, depot, 0
    stops, undriven, unknown = [], [], []
    for k, s in enumerate(r.stops, start=1):
        p = problem.index.get(s.point)
        parcels, earliest, latest = 0, 0, UNREACHABLE
        if p is not None and not s.reload:
            pt = problem.points[p]
            earliest, latest = pt.opens, pt.closes
        elif s.reload and k - 1 >= wait_from:  # loading for a trip decided at the re-plan time
            earliest = ready_at
        if s.reload:  # produce for the centre comes off, the next trip's deliveries go on
            trip += 1
            kg, litres = away_kg + loading[trip][0], away_l + loading[trip][1]
        for role, _, o in _orders_of(s, orders):
            parcels += o.parcels
            sign = {"deliver": -1, "collect": 1, "unload": -1}[role]
            kg += sign * o.kg
            litres += sign * o.litres
            if role == "collect" and o.kind == "pickup" and o.destination != centre:
                away_kg, away_l = away_kg + o.kg, away_l + o.litres
            if role == "unload":
                away_kg, away_l = away_kg - o.kg, away_l - o.litres
            if role != "unload":
                earliest, latest = max(earliest, o.earliest), min(latest, o.latest)
        if p is None:
            unknown.append(k)
        if p is None or where is None or tmat[where, p] >= UNREACHABLE:
            if p is not None and where is not None:
                undriven.append(k)
            # the times cannot be recomputed from here on (nor are they checked: see `drivable`)
            stops.append(StopTrace(s.arrival_s, s.start_s, s.departure_s, latest, kg, litres))
            t, where = s.departure_s, p
            continue
        arrival = t + int(tmat[where, p]) + _on_the_road(int(tmat[where, p]), veh)
        dist += int(dmat[where, p])
        setup = problem.points[p].service_fixed_s if p != where and not s.reload else 0
        start = max(arrival + setup, earliest)
        work = veh.reload_s if s.reload else problem.points[p].service_per_parcel_s * parcels
        departure = start + work + s.break_s
        stops.append(StopTrace(arrival, start, departure, latest, kg, litres))
        t, where = departure, p
    if where is None or tmat[where, depot] >= UNREACHABLE:
        if where is not None:
            undriven.append(len(r.stops) + 1)
        ret = r.return_s
    else:
        ret = t + int(tmat[where, depot]) + _on_the_road(int(tmat[where, depot]), veh)
        dist += int(dmat[where, depot])
    cost = veh.route_cost(dist, ret - r.depart_s)
    return Trace(
        start_kg,
        start_l,
        tuple(stops),
        ret,
        dist,
        cost,
        tuple(undriven),
        tuple(unknown),
    )


# --- one function per rule of a route ----------------------------------------------------------
class _Route:
    """A route, its vehicle and its trace: what the rule functions read."""

    def __init__(
        self,
        r: Route,
        v: int,
        problem: Problem,
        orders: dict[str, Order],
        ready: tuple[int, int] = (0, 0),
    ):
        self.r, self.v, self.problem, self.orders = r, v, problem, orders
        self.veh = problem.vehicles[v]
        self.t = trace(r, v, problem, orders, ready)

    @property
    def drivable(self) -> bool:
        return not (self.t.undriven or self.t.unknown_points)

    def bad(self, rule: str, msg: str, stop: int | None = None, order: str | None = None):
        return Violation(rule, msg, self.r.vehicle, stop, order)


def _first_and_more(breaches: Sequence[tuple[int | None, str]], what: str) -> str:
    """'message' for the first breach, with how many more the route has."""
    _, msg = breaches[0]
    more = len(breaches) - 1
    return msg + (f" (and {more} more {what} on this route)" if more else "")


def rule_point(x: _Route) -> list[Violation]:
    return [
        x.bad("point", f"unknown service point '{x.r.stops[k - 1].point}'", k)
        for k in x.t.unknown_points
    ]


def rule_road(x: _Route) -> list[Violation]:
    names = [x.problem.points[x.problem.index[x.veh.depot]].id] + [s.point for s in x.r.stops]
    breaches: list[tuple[int | None, str]] = []
    for k in x.t.undriven:
        to = names[0] if k > len(x.r.stops) else names[k]
        stop = k if k <= len(x.r.stops) else None
        breaches.append((stop, f"no road this vehicle may use from '{names[k - 1]}' to '{to}'"))
    if not breaches:
        return []
    return [x.bad("road", _first_and_more(breaches, "such legs"), breaches[0][0])]


def rule_order(x: _Route) -> list[Violation]:
    out: list[Violation] = []
    on_board: dict[str, str] = {}  # collected for a facility -> the facility
    hub_id = x.problem.points[x.problem.index[x.veh.depot]].id
    for k, s in enumerate(x.r.stops, start=1):
        for role, ids in (("deliver", s.deliver), ("collect", s.collect), ("unload", s.unload)):
            for oid in ids:
                o = x.orders.get(oid)
                if o is None:
                    out.append(x.bad("order", f"unknown order '{oid}'", k, oid))
                    continue
                if role == "unload":
                    if on_board.pop(oid, None) != s.point:
                        out.append(
                            x.bad(
                                "order",
                                f"order '{oid}' is unloaded at '{s.point}' but was not "
                                "collected earlier on this route for that destination",
                                k,
                                oid,
                            )
                        )
                    continue
                want = "delivery" if role == "deliver" else "pickup"
                if o.kind != want:
                    out.append(
                        x.bad(
                            "order",
                            f"order '{oid}' is a {o.kind} but is listed under {role}",
                            k,
                            oid,
                        )
                    )
                if o.point != s.point:
                    out.append(
                        x.bad("order", f"order '{oid}' is for '{o.point}', not '{s.point}'", k, oid)
                    )
                if role == "collect" and o.kind == "pickup" and o.destination != hub_id:
                    on_board[oid] = o.destination
    out += [
        x.bad("order", f"order '{oid}' collected for '{dest}' is never unloaded there", order=oid)
        for oid, dest in on_board.items()
    ]
    return out


def rule_compatibility(x: _Route) -> list[Violation]:
    """Cold-chain orders ride refrigerated, except cold produce on its first kilometre: a
    vehicle without refrigeration may take it to its pre-cooling facility (not the hub)
    within the vehicle's unrefrigerated ride, from leaving the village to reaching the store
    (data/README.md, "Cold chain")."""
    if x.veh.cold_chain:
        return []
    limit = x.veh.unrefrigerated_ride_s
    unloaded = {
        oid: k for k, s in enumerate(x.r.stops, start=1) for oid in s.unload if oid in x.orders
    }
    breaches = []
    for k, s in enumerate(x.r.stops, start=1):
        for role, oid, o in _orders_of(s, x.orders):
            if not o.cold_chain or role == "unload":
                continue
            dest = x.problem.index.get(o.destination)
            if role == "deliver" or dest is None or x.problem.points[dest].tier != "facility":
                where = "a delivery" if role == "deliver" else "produce for the hub"
                breaches.append((k, f"cold-chain order '{oid}' ({where}) without refrigeration"))
                continue
            if oid not in unloaded or not x.drivable:
                continue  # never unloaded: the `order` rule says so; undrivable: `road`
            left = x.t.stops[k - 1].departure
            reached = x.t.stops[unloaded[oid] - 1].arrival
            if reached - left > limit:
                breaches.append(
                    (
                        k,
                        f"cold-chain order '{oid}' rides {(reached - left) / 60:.0f} min without "
                        f"refrigeration to its store (at most {limit // 60} min on this vehicle)",
                    )
                )
    if not breaches:
        return []
    return [x.bad("compatibility", _first_and_more(breaches, "such orders"), breaches[0][0])]


def rule_breaks(x: _Route) -> list[Violation]:
    """No more than 4 hours of driving without a rest of 20 minutes or more: a stated break,
    or a wait for a window that long (Road Traffic Safety Law Implementing Regulations,
    Art. 62; data/README.md, "Breaks"). Judged on the re-driven legs."""
    limit = x.veh.max_driving_s
    if not x.drivable or not limit:
        return []
    tmat = x.problem.time_s[x.veh.profile.key]
    depot = x.problem.index[x.veh.depot]
    where, driving = depot, 0
    for k, (s, st) in enumerate(zip(x.r.stops, x.t.stops, strict=True), start=1):
        p = x.problem.index[s.point]
        leg = int(tmat[where, p])
        driving += leg - _on_the_road(leg, x.veh) // BREAK_S * limit
        if driving > limit:
            why = f"{driving / 3600:.2f} h of driving without a 20-minute rest on reaching it"
            return [x.bad("breaks", why, k)]
        setup = x.problem.points[p].service_fixed_s if p != where else 0
        if st.start - st.arrival - setup >= BREAK_S or s.break_s >= BREAK_S:
            driving = 0
        where = p
    leg = int(tmat[where, depot])
    driving += leg - _on_the_road(leg, x.veh) // BREAK_S * limit
    if driving > limit:
        why = f"{driving / 3600:.2f} h of driving without a 20-minute rest on the way back"
        return [x.bad("breaks", why)]
    return _lunch(x)


def _lunch(x: _Route) -> list[Violation]:
    """A vehicle with a lunch break takes it in its window: at a stop (its stated rest, long
    enough, starting in the window with room), or at the centre before leaving or after
    coming back."""
    if x.veh.lunch is None or not x.drivable:
        return []
    lo, hi, minutes = x.veh.lunch
    for s, st in zip(x.r.stops, x.t.stops, strict=True):
        if s.break_s >= minutes and lo <= st.departure - s.break_s <= hi - minutes:
            return []
    if x.r.depart_s >= lo + minutes or x.t.ret <= hi - minutes:
        return []
    why = (
        f"no {minutes // 60}-minute lunch break between {format_hhmmss(lo)} and {format_hhmmss(hi)}"
    )
    return [x.bad("breaks", why)]


def rule_times(x: _Route) -> list[Violation]:
    if not x.drivable:
        return []
    breaches: list[tuple[int | None, str]] = []
    for k, (s, st) in enumerate(zip(x.r.stops, x.t.stops, strict=True), start=1):
        for label, stated, real in (
            ("arrival", s.arrival_s, st.arrival),
            ("start", s.start_s, st.start),
            ("departure", s.departure_s, st.departure),
        ):
            if abs(stated - real) > TIME_TOLERANCE_S:
                breaches.append(
                    (k, f"{label} stated {format_hhmmss(stated)}, recomputed {format_hhmmss(real)}")
                )
                break
    if abs(x.t.ret - x.r.return_s) > TIME_TOLERANCE_S:
        breaches.append(
            (
                None,
                f"return stated {format_hhmmss(x.r.return_s)}, recomputed {format_hhmmss(x.t.ret)}",
            )
        )
    if not breaches:
        return []
    return [x.bad("times", _first_and_more(breaches, "stops with other times"), breaches[0][0])]


def rule_time_window(x: _Route) -> list[Violation]:
    if not x.drivable:
        return []
    breaches = [
        (
            k,
            f"service at '{s.point}' starts {format_hhmmss(st.start)}, after "
            f"{format_hhmmss(st.latest)}",
        )
        for k, (s, st) in enumerate(zip(x.r.stops, x.t.stops, strict=True), start=1)
        if st.start > st.latest
    ]
    if not breaches:
        return []
    return [x.bad("time window", _first_and_more(breaches, "late stops"), breaches[0][0])]


def rule_shift(x: _Route) -> list[Violation]:
    r, veh, ret = x.r, x.veh, x.t.ret
    out = []
    if r.depart_s < veh.shift_start:
        out.append(
            x.bad(
                "shift",
                f"departs {format_hhmmss(r.depart_s)} before the shift starts "
                f"{format_hhmmss(veh.shift_start)}",
            )
        )
    if not x.drivable:
        return out
    if ret > veh.shift_end:
        out.append(
            x.bad(
                "shift",
                f"returns {format_hhmmss(ret)}, after the shift ends "
                f"{format_hhmmss(veh.shift_end)}",
            )
        )
    if ret - r.depart_s > veh.max_work_s:
        out.append(
            x.bad(
                "shift",
                f"tour lasts {(ret - r.depart_s) / 3600:.2f} h, more than the "
                f"{veh.max_work_s / 3600:g} h allowed",
            )
        )
    return out


def _off(stated_kg: float, stated_l: float, kg: float, litres: float) -> bool:
    return abs(kg - stated_kg) > LOAD_TOLERANCE or abs(litres - stated_l) > LOAD_TOLERANCE


def rule_load(x: _Route) -> list[Violation]:
    r, t = x.r, x.t
    breaches: list[tuple[int | None, str]] = []
    if _off(r.start_load_kg, r.start_load_l, t.start_kg, t.start_l):
        breaches.append(
            (
                None,
                f"start load stated {r.start_load_kg} kg / {r.start_load_l} L, recomputed "
                f"{t.start_kg:.3f} kg / {t.start_l:.3f} L",
            )
        )
    for k, (s, st) in enumerate(zip(r.stops, t.stops, strict=True), start=1):
        if _off(s.load_kg, s.load_l, st.load_kg, st.load_l):
            breaches.append(
                (
                    k,
                    f"load stated {s.load_kg} kg / {s.load_l} L, recomputed "
                    f"{st.load_kg:.3f} kg / {st.load_l:.3f} L",
                )
            )
    if not breaches:
        return []
    return [x.bad("load", _first_and_more(breaches, "stops with other loads"), breaches[0][0])]


def rule_capacity(x: _Route) -> list[Violation]:
    veh = x.veh
    moments = [(None, x.t.start_kg, x.t.start_l)] + [
        (k, st.load_kg, st.load_l) for k, st in enumerate(x.t.stops, start=1)
    ]
    breaches = [
        (
            k,
            (
                f"leaves the depot with {kg:.1f} kg / {litres:.1f} L"
                if k is None
                else f"{kg:.1f} kg / {litres:.1f} L on board after the stop"
            )
            + f", capacity {veh.capacity_kg:g} kg / {veh.capacity_l:g} L",
        )
        for k, kg, litres in moments
        if kg > veh.capacity_kg + LOAD_TOLERANCE or litres > veh.capacity_l + LOAD_TOLERANCE
    ]
    if not breaches:
        return []
    return [x.bad("capacity", _first_and_more(breaches, "overloaded moments"), breaches[0][0])]


def rule_cost(x: _Route) -> list[Violation]:
    if not x.drivable:
        return []  # reported by `road` or `point`; the distance cannot be known
    out = []
    if x.t.dist != x.r.distance_m:
        out.append(x.bad("cost", f"distance stated {x.r.distance_m} m, recomputed {x.t.dist} m"))
    if abs(x.t.cost - x.r.cost_yuan) > COST_TOLERANCE_YUAN:
        out.append(
            x.bad("cost", f"cost stated {x.r.cost_yuan:.2f} yuan, recomputed {x.t.cost:.2f} yuan")
        )
    return out


def rule_trips(x: _Route) -> list[Violation]:
    """Reloads (docs/plan-format.md, "Trips"): at the vehicle's own centre, with no order
    listed (what is unloaded and loaded there follows from the trips), and no more trips than
    the fleet file's `max_trips`."""
    out = []
    for k, s in enumerate(x.r.stops, start=1):
        if not s.reload:
            continue
        if s.point != x.veh.depot:
            out.append(x.bad("trips", f"a reload at '{s.point}', not at its centre", k))
        if s.deliver or s.collect or s.unload:
            out.append(x.bad("trips", "a reload lists orders (a reload stop has none)", k))
    if x.r.trips > x.veh.max_trips:
        out.append(x.bad("trips", f"{x.r.trips} trips, but the vehicle may make {x.veh.max_trips}"))
    return out


ROUTE_RULES = (
    rule_point,
    rule_road,
    rule_order,
    rule_trips,
    rule_compatibility,
    rule_times,
    rule_time_window,
    rule_shift,
    rule_breaks,
    rule_load,
    rule_capacity,
    rule_cost,
)


# --- rules of the whole plan -------------------------------------------------------------------
def rule_vehicles(plan: Plan, problem: Problem) -> list[Violation]:
    known = {v.id for v in problem.vehicles}
    used = Counter(r.vehicle for r in plan.routes)
    out = [
        Violation("vehicle", f"unknown vehicle '{r.vehicle}'", r.vehicle)
        for r in plan.routes
        if r.vehicle not in known
    ]
    return out + [
        Violation("vehicle", f"vehicle used by {n} routes", v) for v, n in used.items() if n > 1
    ]


def rule_conservation(plan: Plan, problem: Problem) -> list[Violation]:
    orders = {o.id for o in problem.orders}
    seen: Counter[str] = Counter()
    for r in plan.routes:
        for s in r.stops:
            seen.update(oid for oid in (*s.deliver, *s.collect) if oid in orders)
    out = []
    for u in plan.unserved:
        if u.order in orders:
            seen[u.order] += 1
        else:
            out.append(
                Violation(
                    "order", f"unserved order '{u.order}' is not an order of the day", order=u.order
                )
            )
    for oid in orders:
        if seen[oid] == 0:
            out.append(
                Violation(
                    "order", f"order '{oid}' is neither served nor listed as unserved", order=oid
                )
            )
        elif seen[oid] > 1:
            out.append(Violation("order", f"order '{oid}' appears {seen[oid]} times", order=oid))
    return out


def rule_reasons(plan: Plan, problem: Problem, at: AtTime | None = None) -> list[Violation]:
    seen, fixed = (at.seen, at.fixed) if at else (problem, None)
    orders = {o.id: o for o in problem.orders}
    out = []
    for u in plan.unserved:
        if u.reason not in UNSERVED_REASONS:
            out.append(
                Violation(
                    "reason", f"order '{u.order}' has unknown reason '{u.reason}'", order=u.order
                )
            )
        elif u.order in orders:
            why = check_reason(plan, seen, orders[u.order], u.reason, fixed)
            if why:
                out.append(
                    Violation(
                        "reason", f"order '{u.order}' is not '{u.reason}': {why}", order=u.order
                    )
                )
    return out


def rule_idle(plan: Plan, problem: Problem, at: AtTime | None = None) -> list[Violation]:
    seen = at.seen if at else problem
    orders = {o.id: o for o in problem.orders}
    out = []
    for u in plan.unserved:
        if u.reason != "not placed by the search" or u.order not in orders:
            continue
        if (v := idle_carrier(plan, seen, orders[u.order])) is not None:
            out.append(
                Violation(
                    "idle",
                    f"order '{u.order}' is left out ('{u.reason}') while {v} stands idle and "
                    "could serve it on a trip of its own",
                    vehicle=v,
                    order=u.order,
                )
            )
    return out


def recomputed_summary(plan: Plan, problem: Problem, at: AtTime | None = None) -> dict:
    """The summary block as the routes really are (re-driven by `trace`; a route that cannot be
    driven keeps its stated figures), with the same rounding as the plan's own."""
    orders = {o.id: o for o in problem.orders}
    vehicles = {v.id: k for k, v in enumerate(problem.vehicles)}
    dist, seconds, cost = 0, 0, 0.0
    for r in plan.routes:
        ready = at.ready(r.vehicle) if at else (0, 0)
        t = trace(r, vehicles[r.vehicle], problem, orders, ready) if r.vehicle in vehicles else None
        if t is None or t.undriven or t.unknown_points:
            dist, seconds, cost = dist + r.distance_m, seconds + r.duration_s, cost + r.cost_yuan
        else:
            dist, seconds = dist + t.dist, seconds + t.ret - r.depart_s
            cost += round(t.cost, 2)
    stated = plan.stated_summary or {}
    states_standing = plan.standing_cost_yuan is not None or bool(
        {"standing_cost_yuan", "day_cost_yuan"} & set(stated)
    )
    return {
        **plan.summary(),
        "distance_km": round(dist / 1000, 3),
        "hours": round(seconds / 3600, 3),
        "cost_yuan": round(cost, 2),
        **day_costs(round(cost, 2), standing_cost(problem) if states_standing else None),
    }


def standing_cost(problem: Problem) -> float:
    """Yuan the fleet costs on the day whatever the plan: every vehicle and driver, used or not."""
    return round(sum(v.standing_cost for v in problem.vehicles), 2)


def rule_standing(plan: Plan, problem: Problem) -> list[Violation]:
    """A stated standing cost is the fleet's, whichever vehicles the plan uses."""
    standing, real = plan.standing_cost_yuan, standing_cost(problem)
    if standing is None or abs(standing - real) <= COST_TOLERANCE_YUAN:
        return []
    return [
        Violation(
            "cost",
            f"standing_cost_yuan stated {standing:.2f}, but the fleet's vehicles and drivers "
            f"cost {real:.2f} yuan a day",
        )
    ]


def rule_summary(plan: Plan, problem: Problem, at: AtTime | None = None) -> list[Violation]:
    """The stated summary against the one recomputed from the routes."""
    stated = plan.stated_summary
    if stated is None:
        return []
    real = recomputed_summary(plan, problem, at)
    tolerance = {"distance_km": 0.0015, "hours": 0.0015}
    for key in ("cost_yuan", "standing_cost_yuan", "day_cost_yuan"):
        tolerance[key] = COST_TOLERANCE_YUAN
    out = []
    for key, value in real.items():
        claim = stated.get(key)
        if claim is None or abs(float(claim) - float(value)) > tolerance.get(key, 0):
            out.append(
                Violation("summary", f"{key} stated {claim}, but the plan's routes give {value}")
            )
    return out


def validate(plan: Plan, problem: Problem, at: AtTime | None = None) -> list[Violation]:
    """Every rule broken by the plan, one line per error (module docstring). A re-plan passes
    `at`: the day as seen at the re-plan time and its routes' fixed stops, which the unserved
    reasons are judged by (routing.plans.replan_rule)."""
    out: list[Violation] = []
    if plan.date != problem.date:
        out.append(Violation("input", f"plan date {plan.date} but orders for {problem.date}"))
    out += rule_vehicles(plan, problem)
    orders = {o.id: o for o in problem.orders}
    vehicles = {v.id: k for k, v in enumerate(problem.vehicles)}
    for r in plan.routes:
        if r.vehicle in vehicles:
            ready = at.ready(r.vehicle) if at else (0, 0)
            x = _Route(r, vehicles[r.vehicle], problem, orders, ready)
            for rule in ROUTE_RULES:
                out += rule(x)
    out += rule_conservation(plan, problem)
    out += rule_reasons(plan, problem, at)
    out += rule_idle(plan, problem, at)
    out += rule_standing(plan, problem)
    out += rule_summary(plan, problem, at)
    return out


def replay(plan: Plan, problem: Problem) -> Plan:
    """The plan with every stated time, load, distance and cost replaced by what the routes
    really do under the rules (routes with a leg that cannot be driven keep their stated
    figures): how a courier's own routes, which state no such figures or other ones, become
    comparable."""
    orders = {o.id: o for o in problem.orders}
    vehicles = {v.id: k for k, v in enumerate(problem.vehicles)}
    routes = []
    for r in plan.routes:
        t = trace(r, vehicles[r.vehicle], problem, orders) if r.vehicle in vehicles else None
        if t is None or t.undriven or t.unknown_points:
            routes.append(r)
            continue
        stops = tuple(
            replace(
                s,
                arrival_s=st.arrival,
                start_s=st.start,
                departure_s=st.departure,
                load_kg=round(st.load_kg, 3),
                load_l=round(st.load_l, 3),
            )
            for s, st in zip(r.stops, t.stops, strict=True)
        )
        routes.append(
            replace(
                r,
                return_s=t.ret,
                distance_m=t.dist,
                cost_yuan=round(t.cost, 2),
                start_load_kg=round(t.start_kg, 3),
                start_load_l=round(t.start_l, 3),
                stops=stops,
            )
        )
    return replace(plan, routes=tuple(routes))
