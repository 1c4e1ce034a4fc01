"""Times, loads and cost of one vehicle's sequence of model nodes.

The timing rule, shared with the OR-Tools model and restated by the validator:
arriving at a point other than the one the vehicle is at costs the point's fixed service time
(parking, hand-over set-up); handling starts after that, not before the window opens, and must
start by the window's end; handling takes the point's time per parcel. The vehicle leaves the
depot as late as it can without arriving anywhere later, so no minute is spent waiting that
need not be. Breaks: before a leg that would take the driving since the last rest past 4
hours, the driver rests 20 minutes at the stop just served (waiting 20 minutes or more for a
window is a rest too; a leg longer than 4 hours has a 20-minute rest on the road every 4 hours
of it, in its arrival time); a vehicle with a lunch break takes it at the first stop whose
service ends in its window with room for it, or at the centre before leaving or after coming
back, and a tour that allows neither breaks its shift. The engines plan with that time held
back where they are likely (`Problem.break_reserve`). Trips: a reload (`nodes.RELOAD`) drives
back to the centre, takes the vehicle's reload time there with no fixed service time and no
window, unloads the produce bound for the centre and loads the next trip's deliveries; produce
bound for a facility stays on board. The reload is not a rest (the driver is loading), but the
lunch may be taken there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .nodes import RELOAD, Node, trips_of
from .problem import UNREACHABLE, Problem
from .records import BREAK_S


@dataclass(frozen=True)
class RouteEval:
    feasible: bool
    violation: str | None  # first rule broken: trips, capacity, precedence, time window, shift
    # length, cold ride, unreachable
    depart: int
    ret: int
    arrival: tuple[int, ...]
    start: tuple[int, ...]
    departure: tuple[int, ...]
    load_g: tuple[int, ...]  # on board after each node
    load_ml: tuple[int, ...]
    start_g: int  # on board when leaving the depot
    start_ml: int
    dist_m: int
    cost: float  # yuan, including the fixed cost (0 for an empty route)
    rests: tuple[int, ...] = ()  # seconds of break taken after each node, before leaving


def _forward(problem: Problem, nodes, v: int, seq, depart: int, ready: tuple[int, int] = (0, 0)):
    """Times along `seq` from `depart`; `ready` = (i, t): a reload at position i or later
    starts no earlier than t (in a re-plan, the re-plan time: what a vehicle loads for its
    next trip is decided then)."""
    wait_from, ready_at = ready
    depot = problem.depot(v)
    times, metres = problem.legs(v)
    t_at, m_at = times.item, metres.item
    fixed, per_parcel = problem.handling
    veh = problem.vehicles[v]
    limit = veh.max_driving_s or UNREACHABLE  # driving between rests
    lunch, lunched = veh.lunch, False
    arrival: list[int] = []
    start: list[int] = []
    departure: list[int] = []
    waits: list[int] = []
    rests: list[int] = []  # break after each node
    where, t, dist, driving = depot, depart, 0, 0
    for i, k in enumerate(seq):
        if k == RELOAD:  # back to the centre: unload and reload at the dock, no window
            q, earliest, work = depot, ready_at if i >= wait_from else 0, veh.reload_s
        else:
            n = nodes[k]
            q, earliest, work = n.point, n.earliest, per_parcel[n.point] * n.parcels
        travel = t_at(where, q)
        if travel >= UNREACHABLE:
            return None
        if driving and driving + travel > limit:  # a break before this leg
            t += BREAK_S
            departure[-1] = t
            rests[-1] = BREAK_S
            driving = 0
        roadside = max(travel - 1, 0) // limit  # a leg longer than the limit: rests on the way
        driving = driving + travel - roadside * limit
        dist += m_at(where, q)
        a = t + travel + roadside * BREAK_S
        setup = fixed[q] if q != where and k != RELOAD else 0
        s = a + setup
        if s < earliest:
            s = earliest
        if s - a - setup >= BREAK_S:  # waiting this long is a rest
            driving = 0
        arrival.append(a)
        start.append(s)
        waits.append(s - a - setup)
        t = s + work
        rests.append(0)
        if lunch and not lunched and lunch[0] <= t <= lunch[1] - lunch[2]:
            t += lunch[2]  # lunch at the first stop served in its window
            rests[-1], lunched, driving = lunch[2], True, 0
        departure.append(t)
        where = q
    back = t_at(where, depot)
    if back >= UNREACHABLE:
        return None
    if driving and driving + back > limit:
        t += BREAK_S
        departure[-1] = t
        rests[-1] = BREAK_S
    dist += m_at(where, depot)
    ret = t + back + roadside_s(back, limit)
    # no lunch out on the road, and none at the centre before leaving or after coming back
    missed = (
        lunch is not None
        and not lunched
        and depart < lunch[0] + lunch[2]
        and ret > lunch[1] - lunch[2]
    )
    return arrival, start, departure, waits, ret, dist, rests, missed


def roadside_s(leg: int, limit: int) -> int:
    """Rest time taken on the road during a leg longer than the driving limit."""
    return (leg - 1) // limit * BREAK_S if leg > 0 else 0


def _rides_too_long(nodes, seq, departure, arrival, veh) -> bool:
    """Cold produce on a vehicle without refrigeration (a first-kilometre leg) reaches its
    facility later than the vehicle's unrefrigerated ride after leaving its village."""
    if not any(k != RELOAD and nodes[k].cold for k in seq):  # the usual case: nothing cold
        return False
    at = {k: i for i, k in enumerate(seq)}
    return any(
        arrival[at[nodes[k].pair]] - departure[i] > veh.unrefrigerated_ride_s
        for i, k in enumerate(seq)
        if k != RELOAD and nodes[k].cold and nodes[k].pair in at and not nodes[k].unload
    )


def evaluate(
    problem: Problem,
    nodes: Sequence[Node],
    v: int,
    seq: Sequence[int],
    depart: int | None = None,
    ready: tuple[int, int] = (0, 0),
) -> RouteEval:
    """Times, loads and cost of vehicle v driving `seq`, leaving as late as the windows allow;
    or, given `depart`, at that moment (a route already on the road when it is re-planned:
    `routing.replan`), its reloads from position ready[0] on starting no earlier than
    ready[1] (the re-plan time)."""
    veh = problem.vehicles[v]
    if not seq:
        return RouteEval(
            True, None, veh.shift_start, veh.shift_start, (), (), (), (), (), 0, 0, 0, 0.0
        )
    cap_g, cap_ml = problem.capacity_g(v), problem.capacity_ml(v)
    trips = trips_of(seq)
    loading = [
        (sum(nodes[k].delivery_g for k in t), sum(nodes[k].delivery_ml for k in t)) for t in trips
    ]
    g, ml = start_g, start_ml = loading[0]
    violation = "trips" if len(trips) > veh.max_trips else None
    if g > cap_g or ml > cap_ml:
        violation = violation or "capacity"
    loads_g, loads_ml = [], []
    away_g = away_ml = 0  # produce on board for a facility: it stays on board at a reload
    trip = 0
    seen = set()
    for k in seq:
        if k == RELOAD:
            trip += 1
            g, ml = away_g + loading[trip][0], away_ml + loading[trip][1]
        else:
            n = nodes[k]
            if n.pair >= 0 and n.unload and n.pair not in seen:
                violation = violation or "precedence"
            seen.add(k)
            g += n.pickup_g - n.delivery_g - n.unload_g
            ml += n.pickup_ml - n.delivery_ml - n.unload_ml
            if n.facility_bound:
                away_g, away_ml = away_g + n.pickup_g, away_ml + n.pickup_ml
            away_g, away_ml = away_g - n.unload_g, away_ml - n.unload_ml
        loads_g.append(g)
        loads_ml.append(ml)
        if g > cap_g or ml > cap_ml:
            violation = violation or "capacity"

    leave = veh.shift_start if depart is None else depart
    first = _forward(problem, nodes, v, seq, leave, ready)
    if first is None:
        return RouteEval(
            False,
            "unreachable",
            leave,
            leave,
            (),
            (),
            (),
            (),
            (),
            start_g,
            start_ml,
            0,
            0.0,
        )
    _, start, _, waits, _, _, _, _ = first
    # Leave later by as much waiting as the windows allow to absorb (shortest duration).
    delay, waited = sum(waits), 0
    for i, k in enumerate(seq):
        waited += waits[i]
        if k != RELOAD:
            delay = min(delay, nodes[k].latest - start[i] + waited)
    delay = max(delay, 0) if depart is None else 0
    later = _forward(problem, nodes, v, seq, leave + delay, ready)
    assert later is not None  # the same legs as `first`
    late = any(k != RELOAD and x > nodes[k].latest for k, x in zip(seq, later[1], strict=True))
    if delay and (late or later[7] > first[7]):  # leaving later cost a rest or the lunch
        delay, later = 0, first
    arrival, start, departure, _, ret, dist, rests, missed = later
    depart = leave + delay
    if any(k != RELOAD and s > nodes[k].latest for k, s in zip(seq, start, strict=True)):
        violation = violation or "time window"
    if ret > veh.shift_end or ret - depart > veh.max_work_s:
        violation = violation or "shift length"
    if not veh.cold_chain and _rides_too_long(nodes, seq, departure, arrival, veh):
        violation = violation or "cold ride"
    if missed:  # the shift does not fit the lunch break
        violation = violation or "shift length"
    cost = veh.route_cost(dist, ret - depart)
    return RouteEval(
        feasible=violation is None,
        violation=violation,
        depart=depart,
        ret=ret,
        arrival=tuple(arrival),
        start=tuple(start),
        departure=tuple(departure),
        load_g=tuple(loads_g),
        load_ml=tuple(loads_ml),
        start_g=start_g,
        start_ml=start_ml,
        dist_m=dist,
        cost=cost,
        rests=tuple(rests),
    )


def insertions(
    problem: Problem, nodes: Sequence[Node], v: int, seq: Sequence[int], k: int
) -> list[tuple[float, int]]:
    """Where node k could go in vehicle v's route `seq`: (a lower bound on the cost it adds,
    position), cheapest first.

    Positions left out break a rule whatever the rest of the route does: a leg the vehicle
    cannot drive, deliveries that overfill it at the start of the trip, or service that would
    start after the window even if the vehicle left at the start of its shift. The bound is the
    fixed cost of a first stop plus the distance cost of the detour (road matrices are shortest
    paths, so a detour is never negative, nor is the time it adds). Trying the positions in
    this order, and stopping once the bound passes the best added cost found, finds the
    cheapest feasible insertion with a fraction of the `evaluate` calls. Positions from
    len(seq)+1 on stand for a further trip of its own, before, between or after the route's
    trips, where the vehicle may make one more (`inserted` builds the sequence of any
    position)."""
    n = nodes[k]
    veh = problem.vehicles[v]
    cap_g, cap_ml = problem.capacity_g(v), problem.capacity_ml(v)
    room = [  # whether each trip's deliveries leave room for the node's
        sum(nodes[j].delivery_g for j in t) + n.delivery_g <= cap_g
        and sum(nodes[j].delivery_ml for j in t) + n.delivery_ml <= cap_ml
        for t in trips_of(seq)
    ]
    fresh = len(room) < veh.max_trips and n.delivery_g <= cap_g and n.delivery_ml <= cap_ml
    if not any(room) and not (seq and fresh):
        return []
    times, metres = problem.legs(v)
    depot = problem.depot(v)
    departures = [veh.shift_start]  # the earliest the vehicle can leave each stop
    if seq:
        forward = _forward(problem, nodes, v, seq, veh.shift_start)
        if forward is None:
            return []
        departures += forward[2]
    where = [depot] + [depot if j == RELOAD else nodes[j].point for j in seq] + [depot]
    q = n.point
    fixed_s = problem.handling[0][q]
    first = veh.fixed_cost if not seq else 0.0
    out = []
    trip = 0
    for i in range(len(seq) + 1):
        if i and seq[i - 1] == RELOAD:
            trip += 1
        if not room[trip]:
            continue
        a, b = where[i], where[i + 1]
        t_in, t_out = times.item(a, q), times.item(q, b)
        if t_in >= UNREACHABLE or t_out >= UNREACHABLE:
            continue
        if departures[i] + t_in + (fixed_s if q != a else 0) > n.latest:
            continue
        detour = metres.item(a, q) + metres.item(q, b) - metres.item(a, b)
        out.append((first + veh.cost_per_km * max(detour, 0) / 1000.0, i))
    if seq and fresh:
        # a further trip of its own: first, between two trips, or last
        t_in, t_out = times.item(depot, q), times.item(q, depot)
        if t_in < UNREACHABLE and t_out < UNREACHABLE:
            ready = [veh.shift_start]
            ready += [departures[i + 1] for i, j in enumerate(seq) if j == RELOAD]
            ready.append(departures[-1] + times.item(where[-2], depot) + veh.reload_s)
            there = veh.cost_per_km * (metres.item(depot, q) + metres.item(q, depot)) / 1000.0
            for b, t0 in enumerate(ready):
                if t0 + t_in + fixed_s <= n.latest:
                    out.append((there, len(seq) + 1 + b))
    out.sort()
    return out


def inserted(seq: Sequence[int], i: int, *ks: int) -> list[int]:
    """`seq` with nodes `ks` at a position `insertions` gives: len(seq) + 1 + b stands for a
    trip of their own at trip boundary b (0: before the first trip)."""
    if i <= len(seq):
        return [*seq[:i], *ks, *seq[i:]]
    trips = trips_of(seq)
    trips.insert(i - len(seq) - 1, list(ks))
    return [x for t in trips for x in (RELOAD, *t)][1:]


def with_visit(seq: Sequence[int], i: int, k: int, drop: int) -> list[list[int]]:
    """`seq` with visit `k` at position `i` of `insertions`, and its `drop` (if any, >= 0) at
    each later point: produce for a facility stays on board until any later stop, and a
    first-kilometre leg's ride limit is judged by `evaluate`."""
    visited = inserted(seq, i, k)
    if drop < 0:
        return [visited]
    at = visited.index(k)
    return [[*visited[: j + 1], drop, *visited[j + 1 :]] for j in range(at, len(visited))]
