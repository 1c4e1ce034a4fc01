"""Why an order was left out, for the orders of the visits the search and the repair left out.

Each such order could be served by some vehicle on a trip of its own (orders that cannot are set
aside earlier, with their rule, by `routing.model.visits`). So the question is only whether the
day's routes had room for it: the order alone is tried as a stop of its own at every position
of every route (an idle vehicle's route is empty) or as a further trip at its end, with produce
for a facility unloaded there just before the route returns (on a first-kilometre leg of a
vehicle without refrigeration: at any later stop, the ride within its limit). If one keeps
every rule, the
search did not find it in its budget and the reason says so; otherwise the fleet is full. The
validator checks both claims (`routing.plans.reasons`).
"""

from __future__ import annotations

from ..model.nodes import NodeModel, visits_of
from ..model.schedule import evaluate, inserted, insertions, with_visit
from ..model.visits import link, visit_nodes


def _fits(nm: NodeModel, routes: tuple[tuple[int, ...], ...], order: int) -> bool:
    p = nm.problem
    o = p.orders[order]
    base = len(nm.nodes)
    part = link(visit_nodes(p, [order], -1), base)  # the visit, and its drop at a facility if any
    nodes = (*nm.nodes, *part)
    visit, drop = base, (base + 1 if len(part) > 1 else None)
    for v in sorted(range(len(p.vehicles)), key=lambda v: len(routes[v])):  # idle ones first
        if p.compatible(v, o):

            def placed(seq: list[int], i: int) -> list[list[int]]:
                return [inserted(seq, i, visit) + ([drop] if drop is not None else [])]
        elif p.first_km(v, o) and drop is not None:  # a first-kilometre leg: the drop later

            def placed(seq: list[int], i: int) -> list[list[int]]:
                return with_visit(seq, i, visit, drop)
        else:
            continue
        seq = list(routes[v])
        for _, i in insertions(p, nodes, v, seq, visit):
            if any(evaluate(p, nodes, v, trial).feasible for trial in placed(seq, i)):
                return True
    return False


def dropped_reasons(nm: NodeModel, routes: tuple[tuple[int, ...], ...]) -> dict[int, str]:
    """Order position -> reason, for every order of a node that no route serves and every
    first-kilometre order no leg took."""
    served = {k for seq in routes for k in seq}
    left = [o for k, n in enumerate(nm.nodes) if k not in served and not n.unload for o in n.orders]
    carried = {o for seq in routes for k in visits_of(seq) for o in nm.nodes[k].orders}
    left += sorted(nm.first_km - carried)
    return {o: "not placed by the search" if _fits(nm, routes, o) else "fleet full" for o in left}
