"""Why an order is unserved, in a planner's words: the village by name, its town, and the
concrete cause behind the reason code ("only lane roads reach it; ...").

The reason codes (`UNSERVED_REASONS`) are what `route check` verifies; the words here are
worked out from the same inputs, for people: the terminal summary, plan.json, the sheets'
cover page and the map show them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..model.problem import UNREACHABLE, Problem
from ..model.records import Order
from ..units import format_hhmm
from .document import Unserved

ROAD_WORDS = {
    "motorway": "expressways",
    "trunk": "trunk roads",
    "primary": "national roads",
    "secondary": "provincial roads",
    "tertiary": "county roads",
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
    banned = sorted({c for v in allowed for c in problem.vehicles[v].banned_roads})
    roads = " or ".join(ROAD_WORDS.get(c, c) for c in banned) or "some roads"
    carrier = "vehicles with refrigeration" if o.cold_chain else "the vehicles that may carry it"
    also = " (none with refrigeration)" if o.cold_chain else ""
    why = (
        f"only {roads} reach it, and {carrier} ({_kinds(problem, allowed)}) may not use "
        f"them; vehicles allowed there: {_kinds(problem, reach)}{also}"
    )
    if len(stops) > 1 and o.cold_chain:  # cold produce for a store: a leg without refrigeration?
        legs = [v for v in reach if not problem.vehicles[v].cold_chain]
        if legs:
            drive = min(problem.travel_s(v, stops[0], stops[1]) for v in legs)
            ride = max(problem.vehicles[v].unrefrigerated_ride_s for v in legs)
            why += (
                f", which may carry it without refrigeration for {ride // 60} min, and the "
                f"drive to {problem.points[stops[1]].name} takes {drive / 60:.0f} min"
            )
    return why


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
            + q.service_fixed_s
            for v in allowed
            if problem.travel_s(v, problem.depot(v), p) < UNREACHABLE
        ),
        default=None,
    )
    why = f"no vehicle can be there between {format_hhmm(lo)} and {format_hhmm(hi)}"
    if first is not None and first > hi:
        return f"{why}: the earliest a vehicle allowed can start there is {format_hhmm(first)}"
    return f"{why} and still be back at the centre within its shift"


def _capacity(problem: Problem, o: Order, allowed: list[int]) -> str:
    kg = max(problem.vehicles[v].capacity_kg for v in allowed)
    litres = max(problem.vehicles[v].capacity_l for v in allowed)
    return (
        f"{o.kg:,.1f} kg and {o.litres:,.0f} L on its own; the largest vehicle allowed "
        f"carries {kg:,.0f} kg and {litres:,.0f} L"
    )


def _shift(problem: Problem, o: Order, allowed: list[int]) -> str:
    p = problem.index[o.point]
    trip = min(
        problem.travel_s(v, problem.depot(v), p) + problem.travel_s(v, p, problem.depot(v))
        for v in allowed
    )
    longest = max(problem.vehicles[v].max_work_s for v in allowed)
    return (
        f"driving there and back takes {trip / 3600:.1f} h with its service; no vehicle "
        f"allowed can fit it in its shift (at most {longest / 3600:g} h)"
    )


def _fleet_full(problem: Problem, o: Order) -> str:
    capacity = sum(v.capacity_kg for v in problem.vehicles)
    kind = "delivery" if o.kind == "delivery" else "pickup"
    moved = sum(x.kg for x in problem.orders if x.kind == kind)
    what = "deliveries" if kind == "delivery" else "produce to collect"
    if moved > capacity:
        return (
            f"fleet full: {_t(moved)} of {what} today, {_t(capacity)} of capacity in one "
            "trip per vehicle"
        )
    return (
        f"fleet full: no route has room left for its {o.kg:,.1f} kg ({o.litres:,.0f} L) "
        "within the shifts and the windows"
    )


def detail(problem: Problem, u: Unserved, o: Order) -> str:
    """The cause of unserved order `o`, with its place."""
    allowed = [v for v in range(len(problem.vehicles)) if problem.compatible(v, o)]
    legs = [v for v in range(len(problem.vehicles)) if problem.first_km(v, o)]
    if legs and u.reason != "unreachable":  # the limits of the vehicles that may carry it
        allowed += legs
    if u.reason == "no compatible vehicle":
        cause = "it needs a refrigerated vehicle and the fleet has none"
    elif u.reason == "unreachable":
        cause = _unreachable(problem, o, allowed)
    elif u.reason == "time window":
        cause = _time_window(problem, o, allowed)
    elif u.reason == "capacity":
        cause = _capacity(problem, o, allowed)
    elif u.reason == "shift length":
        cause = _shift(problem, o, allowed)
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
