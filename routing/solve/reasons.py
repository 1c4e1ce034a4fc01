"""Why an order was left out, for the orders of the visits the search and the repair left out.

Each such order could be served by some vehicle on a trip of its own (orders that cannot are set
aside earlier, with their rule, by `routing.model.visits`). So the question is only whether the
day's routes had room for it: the order alone is tried as a stop of its own at every position
of every route (an idle vehicle's route is empty), with produce for a facility unloaded there
just before the route returns. If one keeps every rule, the search did not find it in its
budget and the reason says so; otherwise the fleet is full. The validator checks both claims
(`routing.plans.reasons`).
"""

from __future__ import annotations

from ..model.nodes import NodeModel
from ..model.schedule import evaluate, insertions
from ..model.visits import visit_nodes


def _fits(nm: NodeModel, routes: tuple[tuple[int, ...], ...], order: int) -> bool:
    p = nm.problem
    o = p.orders[order]
    part = visit_nodes(p, [order], -1)  # the visit, and its drop at a facility if any
    base = len(nm.nodes)
    nodes = (*nm.nodes, *part)
    visit, drop = base, (base + 1 if len(part) > 1 else None)
    tail = [drop] if drop is not None else []
    for v in sorted(range(len(p.vehicles)), key=lambda v: len(routes[v])):  # idle ones first
        if not p.compatible(v, o):
            continue
        seq = list(routes[v])
        for _, i in insertions(p, nodes, v, seq, visit):
            if evaluate(p, nodes, v, [*seq[:i], visit, *seq[i:], *tail]).feasible:
                return True
    return False


def dropped_reasons(nm: NodeModel, routes: tuple[tuple[int, ...], ...]) -> dict[int, str]:
    """Order position -> reason, for every order of a node that no route serves."""
    served = {k for seq in routes for k in seq}
    out: dict[int, str] = {}
    for k, n in enumerate(nm.nodes):
        if k in served or n.unload:
            continue
        for o in n.orders:
            out[o] = "not placed by the search" if _fits(nm, routes, o) else "fleet full"
    return out
