"""Why an order is unserved, in a planner's words: the village by name, its town, and the
concrete cause behind the reason code ("only lane roads reach it; ...").

The reason codes (`UNSERVED_REASONS`) are what `route check` verifies; the words here are
worked out from the same inputs, for people: the terminal summary, plan.json, the sheets'
cover page and the map show them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..model.problem import Problem
from ..model.records import Order
from ..units import format_hhmm
from .document import Unserved

ROAD_WORDS = {  # as data/README.md names the classes
    "motorway": "expressways",
    "trunk": "national roads",
    "primary": "provincial roads",
    "secondary": "county roads",
    "tertiary": "township roads",
    "unclassified": "village roads",
    "residential": "streets",
    "service": "service roads",
    "track": "lane roads",
}
TYPE_WORDS = {"van": "vans", "truck42": "box trucks", "reefer42": "refrigerated trucks"}


def place_label(problem: Problem, point: str) -> str:
    """'田桂村 (Tiangui Cun), 普集街道': the point's name, pinyin and town."""
    q = problem.points[problem.index[point]]
    label = f"{q.name} ({q.name_pinyin})" if q.name_pinyin else q.name
    town = problem.index.get(q.town)
    if town is not None and q.town != q.id:
        label += f", {problem.points[town].name}"
    return label


def _kinds(problem: Problem, vehicles: Sequence[int]) -> str:
    """'refrigerated trucks', 'vans and box trucks': the vehicle types, in words."""
    types = sorted({problem.vehicles[v].type for v in vehicles})
    words = [TYPE_WORDS.get(t, f"{t} vehicles") for t in types]
    return " and ".join([", ".join(words[:-1]), words[-1]] if len(words) > 1 else words)


def _t(kg: float) -> str:
    return f"{kg:,.0f} kg" if kg < 1000 else f"{kg / 1000:,.1f} t"


def _unreachable(problem: Problem, o: Order, allowed: list[int]) -> str:
    stops = [problem.index[o.point]]
    if o.destination and problem.points[problem.index[o.destination]].tier != "hub":
        stops.append(problem.index[o.destination])
    reach = [v for v in range(len(problem.vehicles)) if all(problem.reaches(v, q) for q in stops)]
    if not reach:
        return "no road of the network reaches it from the centre and back"
    if not allowed:
        can = _kinds(problem, reach)
        return f"no vehicle that may carry it can drive there and back ({can} can)"
    banned = sorted({c for v in allowed for c in problem.vehicles[v].banned_roads})
    roads = " or ".join(ROAD_WORDS.get(c, c) for c in banned) or "some roads"
    carrier = "vehicles with refrigeration" if o.cold_chain else "the vehicles that may carry it"
    also = " (none with refrigeration)" if o.cold_chain else ""
    why = (
        f"only {roads} reach it, and {carrier} ({_kinds(problem, allowed)}) may not use "
        f"them; vehicles allowed there: {_kinds(problem, reach)}{also}"
    )
    store = len(stops) > 1 and problem.points[stops[1]].tier == "facility"
    if store and o.cold_chain:  # cold produce for a store: a leg without refrigeration?
        legs = [v for v in reach if not problem.vehicles[v].cold_chain]
        if legs:
            drive = min(problem.travel_s(v, stops[0], stops[1]) for v in legs)
            ride = max(problem.vehicles[v].unrefrigerated_ride_s for v in legs)
            why += (
                f", which may carry it without refrigeration for {ride // 60} min, and the "
                f"drive to {problem.points[stops[1]].name} takes {drive / 60:.0f} min"
            )
    return why


def _setup(problem: Problem, v: int, p: int) -> int:
    """Set-up time on arriving at point p from the vehicle's depot (none at the depot)."""
    return problem.points[p].service_fixed_s if p != problem.depot(v) else 0


def _time_window(problem: Problem, o: Order, allowed: list[int]) -> str:
    p = problem.index[o.point]
    q = problem.points[p]
    lo, hi = max(q.opens, o.earliest), min(q.closes, o.latest)
    if lo > hi:
        return (
            f"its window {format_hhmm(o.earliest)}-{format_hhmm(o.latest)} falls outside the "
            f"point's opening hours {format_hhmm(q.opens)}-{format_hhmm(q.closes)}"
        )
    first = min(
        (
            problem.vehicles[v].shift_start
            + problem.travel_s(v, problem.depot(v), p)
            + _setup(problem, v, p)
            for v in allowed
        ),
        default=None,
    )
    why = f"no vehicle can be there between {format_hhmm(lo)} and {format_hhmm(hi)}"
    if first is not None and first > hi:
        return f"{why}: the earliest a vehicle allowed can start there is {format_hhmm(first)}"
    return f"{why} and keep to the opening hours of its destination and the end of its shift"


def _capacity(problem: Problem, o: Order, allowed: list[int]) -> str:
    kg = max(problem.vehicles[v].capacity_kg for v in allowed)
    litres = max(problem.vehicles[v].capacity_l for v in allowed)
    return (
        f"{o.kg:,.1f} kg and {o.litres:,.0f} L on its own; the largest vehicle allowed "
        f"carries {kg:,.0f} kg and {litres:,.0f} L"
    )


def _trip_s(problem: Problem, v: int, o: Order) -> int:
    """A trip of its own on vehicle v: out, service, the facility if any, and back."""
    depot, p = problem.depot(v), problem.index[o.point]
    handling = problem.points[p].service_per_parcel_s * o.parcels
    t = problem.travel_s(v, depot, p) + _setup(problem, v, p) + handling
    dest = problem.index.get(o.destination) if o.kind == "pickup" else None
    if dest is not None and dest != depot:
        f = problem.points[dest]
        t += problem.travel_s(v, p, dest) + f.service_fixed_s + f.service_per_parcel_s * o.parcels
        p = dest
    return t + problem.travel_s(v, p, depot)


def _shift(problem: Problem, o: Order, allowed: list[int]) -> str:
    trip = min(_trip_s(problem, v, o) for v in allowed)
    longest = max(problem.vehicles[v].max_work_s for v in allowed)
    end = max(problem.vehicles[v].shift_end for v in allowed)
    return (
        f"a trip of its own takes {trip / 3600:.1f} h with its service; the vehicles allowed "
        f"work at most {longest / 3600:g} h, back by {format_hhmm(end)}, and it does not fit "
        "in their shifts"
    )


def _fleet_full(problem: Problem, o: Order) -> str:
    capacity = sum(v.capacity_kg * v.max_trips for v in problem.vehicles)
    trips = sum(v.max_trips for v in problem.vehicles)
    kind = "delivery" if o.kind == "delivery" else "pickup"
    moved = sum(x.kg for x in problem.orders if x.kind == kind)
    what = "deliveries" if kind == "delivery" else "pickups"
    if moved > capacity:
        return f"fleet full: {_t(moved)} of {what} today, {_t(capacity)} of capacity in " + (
            "one trip per vehicle" if trips == len(problem.vehicles) else f"{trips} trips"
        )
    return (
        f"fleet full: no route has room left for its {o.kg:,.1f} kg ({o.litres:,.0f} L) "
        "within the shifts and the windows"
    )


def detail(problem: Problem, u: Unserved, o: Order) -> str:
    """The cause of unserved order `o`, with its place."""
    allowed = [v for v in range(len(problem.vehicles)) if problem.compatible(v, o)]
    stops = [problem.index[o.point]]
    if o.kind == "pickup" and o.destination:
        stops.append(problem.index[o.destination])
    # the vehicles whose limits decide the other reasons: those that may carry it (first
    # kilometre legs included) and can drive there and back
    able = [
        v
        for v in range(len(problem.vehicles))
        if (problem.compatible(v, o) or problem.first_km(v, o))
        and all(problem.reaches(v, q) for q in stops)
    ]
    if u.reason in ("time window", "capacity", "shift length") and not able:
        cause = u.reason  # nothing to compare with: the reason code says it
    elif u.reason == "no compatible vehicle":
        cause = "it needs a refrigerated vehicle and the fleet has none"
    elif u.reason == "unreachable":
        cause = _unreachable(problem, o, allowed)
    elif u.reason == "time window":
        cause = _time_window(problem, o, able)
    elif u.reason == "capacity":
        cause = _capacity(problem, o, able)
    elif u.reason == "shift length":
        cause = _shift(problem, o, able)
    elif u.reason == "fleet full":
        cause = _fleet_full(problem, o)
    elif u.reason == "not placed by the search":
        cause = (
            "a route has room for it, but the search did not find the place within its "
            "time limit (a longer --time-limit may)"
        )
    else:
        cause = u.reason
    goods = o.goods or ("parcels" if o.kind == "delivery" else "produce")
    what = f"{goods}, {'delivery' if o.kind == 'delivery' else 'collection'}"
    return f"{place_label(problem, o.point)} ({what}): {cause}"


def explained(problem: Problem, unserved: Sequence[Unserved]) -> tuple[Unserved, ...]:
    """The unserved orders, each with its detail."""
    orders = {o.id: o for o in problem.orders}
    return tuple(replace(u, detail=detail(problem, u, orders[u.order])) for u in unserved)
