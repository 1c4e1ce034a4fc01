"""Over-full days: which orders wait, decided before the search, least urgent first.

When a day's deliveries (or its produce) weigh or fill more than the whole fleet can carry on
its tours, some orders must wait whatever the routes. Left to the search, which ones wait
depends on the seed. Here the least urgent are set aside first (lowest priority, then the
largest, which frees the most room per order, then by id), until what is left fits within
`FILL` of the fleet's capacity, the room the routes can use in practice. Set-aside orders are
not lost: after the search each is offered a place, most urgent first, and only those that
fit nowhere stay unserved, as "fleet full" (`solve/repair.place_set_aside`).
"""

from __future__ import annotations

from .problem import Problem

# Of the fleet's capacity, what the orders left for the search may take on an over-full day
# (measured on Wugong's Double-11 peak: docs/benchmarks.md).
FILL = 0.97


def _urgency(problem: Problem, k: int, size) -> tuple:
    o = problem.orders[k]
    return (o.priority, -size(o), o.id)


def _trips(trips: int, vehicles: int) -> str:
    return "one trip each" if trips == vehicles else f"{trips} trips"


def set_aside(
    problem: Problem, candidates: dict[int, list[int]]
) -> tuple[frozenset[int], tuple[str, ...]]:
    """(orders set aside, one sentence per over-full load) for the servable `candidates`
    (order -> the vehicles able to serve it on a trip of its own).

    Each vehicle makes at most `max_trips` trips, so the orders that only a set S of vehicles
    can serve cannot all be served if their deliveries (or their produce) weigh or fill more
    than S's summed capacity times their trips. Checked for every distinct S (the whole
    fleet, the refrigerated vehicles, the vans that alone reach the lane villages...), the
    smallest first, in kg and in litres."""
    orders = problem.orders
    vehicles = problem.vehicles

    def trips_of(v: int) -> int:
        return vehicles[v].max_trips

    sets = {frozenset(vs) for vs in candidates.values()}
    out: set[int] = set()
    why: list[str] = []
    for fleet in sorted(sets, key=lambda s: (sum(vehicles[v].capacity_kg for v in s), sorted(s))):
        trips = sum(vehicles[v].max_trips for v in fleet)
        for kind, noun in (("delivery", "deliveries"), ("pickup", "pickups")):
            members = [
                k for k, vs in candidates.items() if orders[k].kind == kind and fleet.issuperset(vs)
            ]
            for unit, size, cap in (
                (
                    "kg",
                    lambda o: o.kg,
                    sum(vehicles[v].capacity_kg * vehicles[v].max_trips for v in fleet),
                ),
                (
                    "L",
                    lambda o: o.litres,
                    sum(vehicles[v].capacity_l * vehicles[v].max_trips for v in fleet),
                ),
            ):
                left = [k for k in members if k not in out]
                load = sum(size(orders[k]) for k in left)
                if load <= cap:
                    continue
                before, total = len(out), load
                for k in sorted(left, key=lambda k: _urgency(problem, k, size)):
                    if load <= FILL * cap:
                        break
                    out.add(k)
                    load -= size(orders[k])
                who = (
                    "the fleet"
                    if len(fleet) == len(vehicles)
                    else f"the {len(fleet)} vehicles able to serve them"
                )
                why.append(
                    f"{noun} of {total:,.0f} {unit} exceed the {cap:,.0f} {unit} {who} can "
                    f"carry in {_trips(trips, len(fleet))}: {len(out) - before} least urgent "
                    "orders were set aside first"
                )
    return frozenset(out), tuple(why)
