"""A second chance for the orders of visits the search left out, one order at a time.

The engines place whole nodes: all deliveries and hub-bound produce of a visit together. On an
over-full day that can drop a visit because of one order that does not fit. Here the orders of
each dropped node are offered again, most urgent first: an order is kept if the part of the
visit built so far, plus it, fits somewhere (cheapest feasible place among all routes of the
vehicles allowed to serve the visit). Orders that part cannot take start a further part on
another vehicle. What still does not fit stays unserved with its reason.
"""

from __future__ import annotations

from dataclasses import replace

from ..model.nodes import Node, NodeModel
from ..model.schedule import evaluate
from ..model.visits import visit_nodes

Routes = tuple[tuple[int, ...], ...]


def _cheapest_place(
    nm: NodeModel, nodes: list[Node], routes: list[list[int]], k: int, vehicles
) -> tuple[int, int, float] | None:
    """(vehicle, position, added cost) of the cheapest feasible place for node k."""
    best = None
    for v in vehicles:
        seq = routes[v]
        before = evaluate(nm.problem, nodes, v, seq).cost if seq else 0.0
        for i in range(len(seq) + 1):
            ev = evaluate(nm.problem, nodes, v, [*seq[:i], k, *seq[i:]])
            if ev.feasible and (best is None or ev.cost - before < best[2]):
                best = (v, i, ev.cost - before)
    return best


def _empty(n: Node) -> Node:
    """A node that stands for no order (superseded by a bigger part)."""
    return replace(
        n,
        deliver=(),
        collect=(),
        delivery_g=0,
        delivery_ml=0,
        pickup_g=0,
        pickup_ml=0,
        parcels=0,
        penalty=0.0,
    )


def _grow_part(
    nm: NodeModel, nodes: list[Node], out: list[list[int]], n: Node, todo: list[int], vehicles
) -> tuple[list[int], int | None]:
    """Place one part of visit `n` on one route, offering the orders `todo` one at a time:
    (orders kept, vehicle used)."""
    p = nm.problem
    kept: list[int] = []
    slot = None  # (vehicle, node index, position) of the part placed so far
    for o in todo:
        able = [v for v in ([slot[0]] if slot else vehicles) if p.compatible(v, p.orders[o])]
        if not able:
            continue
        (part,) = visit_nodes(p, [*kept, o], n.group)
        trial = len(nodes)
        nodes.append(replace(part, allowed=tuple(able)))
        if slot is not None:  # grow the placed part: take it out, then place the bigger one
            out[slot[0]].remove(slot[1])
        place = _cheapest_place(nm, nodes, out, trial, able)
        if place is None:
            nodes.pop()
            if slot is not None:
                out[slot[0]].insert(slot[2], slot[1])
            continue
        v, i, _ = place
        out[v].insert(i, trial)
        if slot is not None:  # the smaller part is superseded: it keeps no orders
            nodes[slot[1]] = _empty(nodes[slot[1]])
        kept.append(o)
        slot = (v, trial, i)
    return kept, (slot[0] if slot else None)


def place_leftovers(nm: NodeModel, routes: Routes) -> tuple[NodeModel, Routes]:
    """The node model and routes with what could be placed of the dropped nodes' orders.

    A visit is rebuilt part by part: the first part takes what one vehicle can, and only the
    orders it cannot take are offered to a further part on another vehicle (a split visit,
    as when no single vehicle can carry a point's produce)."""
    served = {k for seq in routes for k in seq}
    nodes = list(nm.nodes)
    out = [list(seq) for seq in routes]
    p = nm.problem
    for k, n in enumerate(nm.nodes):
        if k in served or n.unload or n.pair >= 0 or len(n.orders) < 2:
            continue
        todo = sorted(
            n.orders, key=lambda o: (-p.orders[o].priority, p.orders[o].kg, p.orders[o].id)
        )
        # the first part tries the vehicles the search was offered first; later parts may use
        # any other vehicle able to take one of the orders left
        vehicles = list(n.allowed)
        parts: list[int] = []  # vehicles holding a part of this visit
        tried: set[int] = set()  # vehicles that took none of the orders left
        while todo and vehicles:
            kept, used = _grow_part(nm, nodes, out, n, todo, vehicles)
            if not kept or used is None:  # none of these takes any order left: try the others
                tried.update(vehicles)
                vehicles = [v for v in range(len(p.vehicles)) if v not in parts and v not in tried]
                continue
            todo = [o for o in todo if o not in kept]
            vehicles = [
                v for v in range(len(p.vehicles)) if v != used and v not in parts and v not in tried
            ]
            parts.append(used)
        if len(todo) < len(n.orders):
            nodes[k] = (
                replace(visit_nodes(p, todo, n.group)[0], allowed=n.allowed) if todo else _empty(n)
            )
    return replace(nm, nodes=tuple(nodes)), tuple(tuple(seq) for seq in out)
