"""Times, loads and cost of one vehicle's sequence of model nodes.

The timing rule, shared with the OR-Tools model and restated by the validator:
arriving at a point other than the one the vehicle is at costs the point's fixed service time
(parking, hand-over set-up); handling starts after that, not before the window opens, and must
start by the window's end; handling takes the point's time per parcel. The vehicle leaves the
depot as late as it can without arriving anywhere later, so no minute is spent waiting that
need not be.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .nodes import Node
from .problem import UNREACHABLE, Problem


@dataclass(frozen=True)
class RouteEval:
    feasible: bool
    violation: str | None  # first rule broken: capacity, time window, shift length, unreachable
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


def _forward(problem: Problem, nodes, v: int, seq, depart: int):
    depot = problem.depot(v)
    pts = problem.points
    arrival, start, departure, waits = [], [], [], []
    where, t, dist = depot, depart, 0
    for k in seq:
        n = nodes[k]
        travel = problem.travel_s(v, where, n.point)
        if travel >= UNREACHABLE:
            return None
        dist += problem.travel_m(v, where, n.point)
        a = t + travel
        setup = pts[n.point].service_fixed_s if n.point != where else 0
        s = max(a + setup, n.earliest)
        arrival.append(a)
        start.append(s)
        waits.append(s - a - setup)
        t = s + pts[n.point].service_per_parcel_s * n.parcels
        departure.append(t)
        where = n.point
    back = problem.travel_s(v, where, depot)
    if back >= UNREACHABLE:
        return None
    dist += problem.travel_m(v, where, depot)
    return arrival, start, departure, waits, t + back, dist


def evaluate(problem: Problem, nodes: Sequence[Node], v: int, seq: Sequence[int]) -> RouteEval:
    veh = problem.vehicles[v]
    if not seq:
        return RouteEval(
            True, None, veh.shift_start, veh.shift_start, (), (), (), (), (), 0, 0, 0, 0.0
        )
    cap_g, cap_ml = problem.capacity_g(v), problem.capacity_ml(v)
    g = sum(nodes[k].delivery_g for k in seq)
    ml = sum(nodes[k].delivery_ml for k in seq)
    start_g, start_ml = g, ml
    violation = None
    if g > cap_g or ml > cap_ml:
        violation = "capacity"
    loads_g, loads_ml = [], []
    seen = set()
    for k in seq:
        n = nodes[k]
        if n.pair >= 0 and n.unload and n.pair not in seen:
            violation = violation or "precedence"
        seen.add(k)
        g += n.pickup_g - n.delivery_g - n.unload_g
        ml += n.pickup_ml - n.delivery_ml - n.unload_ml
        loads_g.append(g)
        loads_ml.append(ml)
        if g > cap_g or ml > cap_ml:
            violation = violation or "capacity"

    first = _forward(problem, nodes, v, seq, veh.shift_start)
    if first is None:
        return RouteEval(
            False,
            "unreachable",
            veh.shift_start,
            veh.shift_start,
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
    _, start, _, waits, _, _ = first
    # Leave later by as much waiting as the windows allow to absorb (shortest duration).
    delay, waited = sum(waits), 0
    for i, k in enumerate(seq):
        waited += waits[i]
        delay = min(delay, nodes[k].latest - start[i] + waited)
    delay = max(delay, 0)
    arrival, start, departure, _, ret, dist = _forward(
        problem, nodes, v, seq, veh.shift_start + delay
    )
    depart = veh.shift_start + delay
    if any(s > nodes[k].latest for k, s in zip(seq, start, strict=True)):
        violation = violation or "time window"
    if ret > veh.shift_end or ret - depart > veh.max_work_s:
        violation = violation or "shift length"
    cost = (
        veh.fixed_cost
        + veh.cost_per_km * dist / 1000.0
        + veh.cost_per_hour * (ret - depart) / 3600.0
    )
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
    )
