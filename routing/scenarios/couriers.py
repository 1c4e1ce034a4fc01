"""Co-distribution undone: each courier plans its own orders with its own vehicles, the
question behind Wugong's choice of one shared fleet for five couriers.

The shared fleet is divided among the couriers with orders that day in proportion to their
kilograms (deliveries and collections), type by type, so each courier keeps the fleet's mix
where its share allows; a courier whose share of a type rounds to none has none of it (its
cold orders may then go unserved: that is part of the cost of running apart). Every courier
gets at least one vehicle while there are vehicles left. The standing cost of the fleet is
the same either way: the same vehicles and drivers, divided.
"""

from __future__ import annotations

from collections import defaultdict

from ..model.problem import Problem, build_problem
from ..network.matrices import Matrices
from .changes import apportion


def courier_problems(problem: Problem) -> list[tuple[str, Problem]]:
    """(courier, its own problem) for each courier with orders, in name order."""
    kg: dict[str, float] = defaultdict(float)
    for o in problem.orders:
        kg[o.courier] += o.kg
    couriers = sorted(kg)
    if not couriers:
        return []
    share = [kg[c] for c in couriers]
    fleets: dict[str, list] = {c: [] for c in couriers}
    for t in dict.fromkeys(v.type for v in problem.vehicles):
        of_type = [v for v in problem.vehicles if v.type == t]
        for c, n in zip(couriers, apportion(share, len(of_type)), strict=True):
            fleets[c] += of_type[:n]
            of_type = of_type[n:]
    # a courier left with no vehicle takes one from the courier with the most
    for c in couriers:
        if not fleets[c]:
            donor = max(couriers, key=lambda d: (len(fleets[d]), d))
            if len(fleets[donor]) > 1:
                fleets[c].append(fleets[donor].pop())
    matrices = {k: Matrices(k, problem.time_s[k], problem.dist_m[k]) for k in problem.time_s}
    order_of = {v.id: k for k, v in enumerate(problem.vehicles)}
    out = []
    for c in couriers:
        vehicles = tuple(sorted(fleets[c], key=lambda v: order_of[v.id]))
        orders = tuple(o for o in problem.orders if o.courier == c)
        out.append(
            (
                c,
                build_problem(
                    problem.county, problem.date, problem.points, vehicles, orders, matrices
                ),
            )
        )
    return out
