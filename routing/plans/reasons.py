"""Checking the reason a plan gives for an unserved order, from the inputs alone.

The reasons (docs/plan-format.md) and what makes each true:

- `no compatible vehicle`: no vehicle of the fleet may carry the order (cold chain: only
  refrigerated vehicles, and for cold produce bound for a pre-cooling facility also a vehicle
  whose unrefrigerated ride covers the drive there).
- `unreachable`: no vehicle that may carry it can drive from its depot to the order's point
  (and to the produce's facility) and back.
- `capacity`, `time window`, `shift length`: no vehicle could serve the order even on a trip
  of its own, and this is a rule such a trip breaks.
- `fleet full`: some vehicle could serve it alone, but no place in any route of the plan keeps
  every rule, counting the empty route of each idle vehicle: as a stop of its own at any
  position, with produce for a facility unloaded there just before the route returns (on a
  vehicle without refrigeration, cold produce is unloaded at any later stop that keeps its
  ride within the limit: a first-kilometre leg),
  nor as a further trip of its own (first, between two trips or last) of a route whose vehicle
  may make one more. Every rule counts, the unrefrigerated ride of cold produce on a
  first-kilometre leg too: a stop put between another leg's village and its store may make
  that leg too long.
- `not placed by the search`: such a place exists; the search did not find it in its budget.
  Never while a vehicle that could serve the order on a trip of its own stands idle (the
  `idle` rule, `idle_carrier`): a planner would send that vehicle.

Independent of the solver: stops are re-timed here with the documented timing rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..model.problem import UNREACHABLE, Problem
from ..model.records import BREAK_S, Order
from .document import Plan, Route


@dataclass(frozen=True)
class _Call:
    """One stop as the timing and loading rules see it."""

    point: int
    parcels: int
    earliest: int
    latest: int
    out_kg: float  # delivered or unloaded here
    out_l: float
    in_kg: float  # collected here
    in_l: float
    delivered_kg: float  # part of out_* that was on board from the depot
    delivered_l: float
    away_kg: float = 0.0  # part of in_* bound for a facility (it stays on board at a reload)
    away_l: float = 0.0
    reload: bool = False  # back at the centre between two trips
    cold_out: tuple[str, ...] = ()  # cold produce collected here for a pre-cooling store
    cold_in: tuple[str, ...] = ()  # cold produce unloaded here


def _reload_call(problem: Problem, v: int) -> _Call:
    return _Call(
        problem.index[problem.vehicles[v].depot], 0, 0, UNREACHABLE, 0, 0, 0, 0, 0, 0, reload=True
    )


def _calls(r: Route, v: int, problem: Problem, orders: dict[str, Order]) -> list[_Call] | None:
    """The route's stops, or None if it names a point that is not in the county."""
    out = []
    for s in r.stops:
        p = problem.index.get(s.point)
        if p is None:
            return None
        if s.reload:
            out.append(_reload_call(problem, v))
            continue
        pt = problem.points[p]
        earliest, latest, parcels = pt.opens, pt.closes, 0
        d_kg = d_l = u_kg = u_l = c_kg = c_l = a_kg = a_l = 0.0
        cold_out: list[str] = []
        cold_in: list[str] = []
        for role, ids in (("deliver", s.deliver), ("collect", s.collect), ("unload", s.unload)):
            for oid in ids:
                o = orders.get(oid)
                if o is None:
                    continue
                parcels += o.parcels
                if role == "deliver":
                    d_kg, d_l = d_kg + o.kg, d_l + o.litres
                elif role == "collect":
                    c_kg, c_l = c_kg + o.kg, c_l + o.litres
                    if problem.points[problem.index[o.destination]].tier != "hub":
                        a_kg, a_l = a_kg + o.kg, a_l + o.litres
                        if o.cold_chain:
                            cold_out.append(oid)
                else:
                    u_kg, u_l = u_kg + o.kg, u_l + o.litres
                    if o.cold_chain:
                        cold_in.append(oid)
                if role != "unload":
                    earliest, latest = max(earliest, o.earliest), min(latest, o.latest)
        out.append(
            _Call(
                p,
                parcels,
                earliest,
                latest,
                d_kg + u_kg,
                d_l + u_l,
                c_kg,
                c_l,
                d_kg,
                d_l,
                a_kg,
                a_l,
                cold_out=tuple(cold_out),
                cold_in=tuple(cold_in),
            )
        )
    return out


def _order_calls(problem: Problem, o: Order) -> tuple[_Call, _Call | None]:
    """The stop serving `o` alone, and its unload at a facility (None for the hub)."""
    p = problem.index[o.point]
    pt = problem.points[p]
    window = (max(pt.opens, o.earliest), min(pt.closes, o.latest))
    if o.kind == "delivery":
        return _Call(p, o.parcels, *window, o.kg, o.litres, 0.0, 0.0, o.kg, o.litres), None
    dest = problem.index[o.destination]
    if problem.points[dest].tier == "hub":
        return _Call(p, o.parcels, *window, 0.0, 0.0, o.kg, o.litres, 0.0, 0.0), None
    cold = (o.id,) if o.cold_chain else ()
    visit = _Call(
        p, o.parcels, *window, 0.0, 0.0, o.kg, o.litres, 0.0, 0.0, o.kg, o.litres, cold_out=cold
    )
    f = problem.points[dest]
    unload = _Call(dest, o.parcels, f.opens, f.closes, o.kg, o.litres, 0, 0, 0, 0, cold_in=cold)
    return visit, unload


def _breaks(
    problem: Problem,
    v: int,
    calls: list[_Call],
    depart: int | None = None,
    ready: tuple[int, int] = (0, 0),
) -> str | None:
    """The first rule a tour of `calls` on vehicle v breaks, or None; leaving at `depart` if
    given (a route on the road when it was re-planned), else as the timing rule says; a
    reload from position ready[0] on starts no earlier than ready[1] (the re-plan time)."""
    wait_from, ready_at = ready
    veh = problem.vehicles[v]
    if not calls:
        return None
    if 1 + sum(c.reload for c in calls) > veh.max_trips:
        return "trips"
    loading = [[0.0, 0.0]]  # the deliveries each trip loads at the centre
    for c in calls:
        if c.reload:
            loading.append([0.0, 0.0])
        loading[-1][0] += c.delivered_kg
        loading[-1][1] += c.delivered_l
    (kg, litres), trip, away_kg, away_l = loading[0], 0, 0.0, 0.0
    if kg > veh.capacity_kg + 1e-6 or litres > veh.capacity_l + 1e-6:
        return "capacity"
    for c in calls:
        if c.reload:
            trip += 1
            kg, litres = away_kg + loading[trip][0], away_l + loading[trip][1]
        kg += c.in_kg - c.out_kg
        litres += c.in_l - c.out_l
        away_kg += c.away_kg - (c.out_kg - c.delivered_kg)
        away_l += c.away_l - (c.out_l - c.delivered_l)
        if kg > veh.capacity_kg + 1e-6 or litres > veh.capacity_l + 1e-6:
            return "capacity"
    tmat = problem.time_s[veh.profile.key]
    depot = problem.index[veh.depot]

    limit = veh.max_driving_s or UNREACHABLE
    lunch = veh.lunch

    def drive(depart: int):
        """Starts, waits, return and whether cold produce rode too long without refrigeration;
        a 20-minute rest before any leg that would make the driving since the last rest
        exceed the limit (a wait that long is a rest)."""
        t, where, starts, waits, driving, lunched = depart, depot, [], [], 0, False
        left: dict[str, int] = {}  # cold produce on a first-kilometre leg: when it left
        before: tuple[str, ...]
        too_long, before = False, ()  # before: the cold produce the last stop collected
        for i, c in enumerate(calls):
            leg = int(tmat[where, c.point])
            if leg >= UNREACHABLE:
                return None
            if driving and driving + leg > limit:
                t, driving = t + BREAK_S, 0
            left.update(dict.fromkeys(before, t))  # the last stop's departure, after any rest
            road = (leg - 1) // limit if leg > limit else 0  # rests on a very long leg
            driving += leg - road * limit
            arrive = t + leg + road * BREAK_S
            if not veh.cold_chain:
                ride = veh.unrefrigerated_ride_s
                too_long |= any(arrive - left[x] > ride for x in c.cold_in if x in left)
                before = c.cold_out
            setup = problem.points[c.point].service_fixed_s if c.point != where else 0
            earliest = c.earliest
            if c.reload:  # no set-up and no window at the centre's dock
                setup = 0
                earliest = ready_at if i >= wait_from else 0
            start = max(arrive + setup, earliest)
            if start - arrive - setup >= BREAK_S:
                driving = 0
            starts.append(start)
            waits.append(start - arrive - setup)
            work = problem.points[c.point].service_per_parcel_s * c.parcels
            t = start + (veh.reload_s if c.reload else work)
            if lunch and not lunched and lunch[0] <= t <= lunch[1] - lunch[2]:
                t, lunched, driving = t + lunch[2], True, 0
            where = c.point
        back = int(tmat[where, depot])
        if back >= UNREACHABLE:
            return None
        if driving and driving + back > limit:
            t += BREAK_S
        road = (back - 1) // limit if back > limit else 0
        ret = t + back + road * BREAK_S
        # the lunch at a stop, or at the centre before leaving or after coming back
        missed = False
        if lunch is not None and not lunched:
            missed = depart < lunch[0] + lunch[2] and ret > lunch[1] - lunch[2]
        return starts, waits, ret, missed, too_long

    leave = veh.shift_start if depart is None else depart
    first = drive(leave)
    if first is None:
        return "unreachable"
    starts, waits = first[0], first[1]
    if any(s > c.latest for s, c in zip(starts, calls, strict=True)):
        return "time window"
    # the documented departure: as late as the waiting allows and no window forbids (unless
    # leaving later costs a rest or the lunch that leaving at the start gives)
    delay, waited = sum(waits), 0
    for s, w, c in zip(starts, waits, calls, strict=True):
        waited += w
        delay = min(delay, c.latest - s + waited)
    depart = leave + (max(delay, 0) if depart is None else 0)
    again = drive(depart)
    assert again is not None
    late = any(s > c.latest for s, c in zip(again[0], calls, strict=True))
    if depart > leave and (late or again[3] > first[3]):
        depart, again = leave, first
    ret = again[2]
    if ret > veh.shift_end or ret - depart > veh.max_work_s or again[3]:
        return "shift length"
    if again[4]:
        return "cold ride"
    return None


def _leg_only(problem: Problem, v: int, o: Order) -> bool:
    """Vehicle v has no refrigeration, and may carry cold produce `o` only on a first-kilometre
    leg: unloaded at its facility (a pre-cooling store, not the hub) within the vehicle's
    unrefrigerated ride, here the drive straight there."""
    veh = problem.vehicles[v]
    if veh.cold_chain or not o.cold_chain or o.kind != "pickup":
        return False
    dest = problem.index[o.destination]
    if problem.points[dest].tier != "facility":
        return False
    drive = problem.time_s[veh.profile.key][problem.index[o.point], dest]
    return drive <= veh.unrefrigerated_ride_s


def _compatible(problem: Problem, o: Order) -> list[int]:
    """Vehicles that may carry `o`: refrigerated ones or any for goods that are not cold, and
    first-kilometre legs of cold produce."""
    return [
        v
        for v, veh in enumerate(problem.vehicles)
        if veh.cold_chain or not o.cold_chain or _leg_only(problem, v, o)
    ]


def _reaches(problem: Problem, v: int, o: Order) -> bool:
    veh = problem.vehicles[v]
    t = problem.time_s[veh.profile.key]
    d = problem.index[veh.depot]
    targets = [problem.index[o.point]] + ([problem.index[o.destination]] if o.destination else [])
    return all(t[d, q] < UNREACHABLE and t[q, d] < UNREACHABLE for q in targets)


@dataclass(frozen=True)
class Fixed:
    """A route on the road when its plan was re-planned: what a place for another order must
    leave as it is (routing.plans.replan_rule)."""

    first: int  # its first stops stay as they are: other orders go after them
    depart: int | None  # its real departure (None: it leaves as the timing rule says)
    under_way: bool  # the trip after them is under way: its deliveries were loaded
    over: bool  # nothing can be added (a locked route)
    home: bool = False  # every stop behind it (it left the last): a further trip only
    at: int = 0  # the re-plan time: its reloads from `first` on start no earlier


def _place(
    plan: Plan,
    problem: Problem,
    o: Order,
    vehicles: list[int],
    fixed: Mapping[str, Fixed] | None = None,
) -> tuple[str, int] | None:
    """A (vehicle, stop position) where the plan's routes take `o` as a stop of its own; in a
    re-plan, only after each route's `fixed` stops, and a delivery only in a trip that had
    not left the centre."""
    orders = {x.id: x for x in problem.orders}
    by_vehicle = {r.vehicle: r for r in plan.routes}
    visit, unload = _order_calls(problem, o)
    for v in vehicles:
        veh = problem.vehicles[v]
        f = (fixed or {}).get(veh.id)
        if f is not None and f.over:
            continue
        r = by_vehicle.get(veh.id)
        calls = _calls(r, v, problem, orders) if r is not None else []
        if calls is None:
            continue
        first, depart = (f.first, f.depart) if f is not None else (0, None)
        ready = (first, f.at) if f is not None else (0, 0)
        end = first  # the trip under way ends at its reload
        if f is not None and f.under_way:
            end = next((i for i in range(first, len(calls)) if calls[i].reload), len(calls))
        under_way = f is not None and f.under_way
        lo = end + 1 if under_way and o.kind == "delivery" else first
        if f is not None and f.home:  # it left its last stop: a further trip only
            lo = len(calls) + 1
        own = [visit] + ([unload] if unload else [])
        for i in range(lo, len(calls) + 1):
            if unload is None:
                trials = [[*calls[:i], visit, *calls[i:]]]
            elif _leg_only(problem, v, o):  # unloaded at any later stop the ride allows
                trials = [
                    [*calls[:i], visit, *calls[i:j], unload, *calls[j:]]
                    for j in range(i, len(calls) + 1)
                ]
            else:
                trials = [[*calls[:i], visit, *calls[i:], unload]]
            if any(_breaks(problem, v, trial, depart, ready) is None for trial in trials):
                return veh.id, i + 1
        # a further trip of its own, before, between or after the route's trips
        reload = _reload_call(problem, v)
        cuts = [0] + [i + 1 for i, c in enumerate(calls) if c.reload] + [len(calls) + 1]
        if f is not None:
            cuts = [b for b in cuts if b >= 1 and b - 1 >= end]
        for b in cuts if calls else ():
            head, tail = calls[: max(b - 1, 0)], calls[max(b - 1, 0) :]
            trial = [*head, reload, *own, *tail] if b else [*own, reload, *calls]
            if _breaks(problem, v, trial, depart, ready) is None:
                return veh.id, b + 1 if b else 1
    return None


def check_reason(
    plan: Plan,
    problem: Problem,
    o: Order,
    reason: str,
    fixed: Mapping[str, Fixed] | None = None,
) -> str | None:
    """None if `reason` is true of unserved order `o` in this plan, else what is true instead.
    A re-plan passes its routes' `fixed` stops, and a `problem` whose vehicles leave the
    centre no earlier than the re-plan time."""
    names = [v.id for v in problem.vehicles]
    compat = _compatible(problem, o)
    if reason == "no compatible vehicle":
        return f"{names[compat[0]]} may carry it" if compat else None
    if not compat:
        return "no vehicle of the fleet may carry it (the reason is 'no compatible vehicle')"
    reach = [v for v in compat if _reaches(problem, v, o)]
    if reason == "unreachable":
        return f"{names[reach[0]]} can drive there and back" if reach else None
    if not reach:
        return "no vehicle that may carry it can drive there and back (the reason is 'unreachable')"
    visit, unload = _order_calls(problem, o)
    alone = {v: _breaks(problem, v, [visit] + ([unload] if unload else [])) for v in reach}
    able = [v for v in reach if alone[v] is None]
    if reason in ("capacity", "time window", "shift length"):
        if able:
            return f"{names[able[0]]} could serve it on a trip of its own"
        if reason not in alone.values():
            broken = ", ".join(sorted({str(x) for x in alone.values()}))
            return f"no vehicle's trip of its own breaks that rule (they break: {broken})"
        return None
    if not able:
        broken = ", ".join(sorted({str(x) for x in alone.values()}))
        return f"no vehicle could serve it even alone (the reason is the rule broken: {broken})"
    place = _place(plan, problem, o, reach, fixed)
    if reason == "fleet full":
        return f"it fits on {place[0]} as stop {place[1]}" if place else None
    if reason == "not placed by the search":
        return None if place else "no route has room for it (the reason is 'fleet full')"
    return f"unknown reason '{reason}'"


def idle_carrier(plan: Plan, problem: Problem, o: Order) -> str | None:
    """A vehicle with no route in the plan that could serve `o` on a trip of its own, if any."""
    used = {r.vehicle for r in plan.routes}
    visit, unload = _order_calls(problem, o)
    trip = [visit] + ([unload] if unload else [])
    for v in _compatible(problem, o):
        if problem.vehicles[v].id in used or not _reaches(problem, v, o):
            continue
        if _breaks(problem, v, trip) is None:
            return problem.vehicles[v].id
    return None
