"""A second chance for the orders of visits the search left out, one order at a time.

The engines place whole nodes: all deliveries and hub-bound produce of a visit together. On an
over-full day that can drop a visit because of one order that does not fit. Here the orders of
each dropped node are offered again, most urgent first: an order is kept if the part of the
visit built so far, plus it, fits somewhere (cheapest feasible place among all routes of the
vehicles allowed to serve the visit). Orders that part cannot take start a further part, on
another vehicle or as a second visit of one already holding a part. What still does not fit
stays unserved with its reason.
"""

from __future__ import annotations

from dataclasses import replace

from ..model.nodes import Node, NodeModel, tidy, visits_of
from ..model.schedule import evaluate, inserted, insertions, with_visit
from ..model.visits import link, visit_nodes

Routes = tuple[tuple[int, ...], ...]


def _cheapest_place(
    nm: NodeModel, nodes: list[Node], routes: list[list[int]], k: int, vehicles
) -> tuple[int, int, float] | None:
    """(vehicle, position, added cost) of the cheapest feasible place for node k."""
    p = nm.problem
    candidates = sorted(
        (bound, v, i) for v in vehicles for bound, i in insertions(p, nodes, v, routes[v], k)
    )
    best = None
    before: dict[int, float] = {}
    for bound, v, i in candidates:
        if best is not None and bound >= best[2]:
            break
        seq = routes[v]
        if v not in before:
            before[v] = evaluate(p, nodes, v, seq).cost if seq else 0.0
        ev = evaluate(p, nodes, v, inserted(seq, i, k))
        if ev.feasible and (best is None or ev.cost - before[v] < best[2]):
            best = (v, i, ev.cost - before[v])
    return best


def trim_to_rules(nm: NodeModel, routes: Routes) -> Routes:
    """Each route that breaks a rule loses visits from its end (with their drops) until it
    keeps them all. An engine's model leaves out what only the timing rule adds (a rest after
    four hours' driving where the shift holds no reserve for it: `Problem.break_reserve`), so a
    route it calls feasible can come back a few minutes over its shift; the visits taken off
    get their second chance in the repairs that follow."""
    p = nm.problem
    out = []
    for v, seq in enumerate(routes):
        kept = list(seq)
        while kept and not evaluate(p, nm.nodes, v, kept).feasible:
            last = next(k for k in reversed(visits_of(kept)) if not nm.nodes[k].unload)
            gone = {last, nm.nodes[last].pair}
            kept = tidy([k for k in kept if k not in gone])
        out.append(tuple(kept))
    return tuple(out)


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
    slot = None  # (vehicle, node index) of the part placed so far
    for o in todo:
        able = [v for v in ([slot[0]] if slot else vehicles) if p.compatible(v, p.orders[o])]
        if not able:
            continue
        (part,) = visit_nodes(p, [*kept, o], n.group)
        trial = len(nodes)
        nodes.append(replace(part, allowed=tuple(able)))
        saved: list[int] = list(out[slot[0]]) if slot else []
        if slot is not None:  # grow the placed part: take it out, then place the bigger one
            out[slot[0]] = tidy([k for k in out[slot[0]] if k != slot[1]])
        place = _cheapest_place(nm, nodes, out, trial, able)
        if place is None:
            nodes.pop()
            if slot is not None:
                out[slot[0]] = saved
            continue
        v, i, _ = place
        out[v] = inserted(out[v], i, trial)
        if slot is not None:  # the smaller part is superseded: it keeps no orders
            nodes[slot[1]] = _empty(nodes[slot[1]])
        kept.append(o)
        slot = (v, trial)
    return kept, (slot[0] if slot else None)


def place_leftovers(
    nm: NodeModel, routes: Routes, set_aside: bool = False
) -> tuple[NodeModel, Routes]:
    """The node model and routes with what could be placed of the dropped nodes' orders: of
    the visits the search was given, or (`set_aside`) of those set aside on an over-full day,
    which get the room only after the others.

    A visit is rebuilt part by part: the first part takes what one vehicle can, and only the
    orders it cannot take are offered to a further part on another vehicle (a split visit,
    as when no single vehicle can carry a point's produce)."""
    served = {k for seq in routes for k in seq}
    nodes = list(nm.nodes)
    out = [list(seq) for seq in routes]
    p = nm.problem
    for k, n in enumerate(nm.nodes):
        if k in served or n.unload or n.pair >= 0 or not n.orders:
            continue
        if nm.set_aside.isdisjoint(n.orders) == set_aside:
            continue
        todo = sorted(
            n.orders, key=lambda o: (-p.orders[o].priority, p.orders[o].kg, p.orders[o].id)
        )
        # the first part tries the vehicles the search was offered first; later parts may use
        # any vehicle able to take one of the orders left, one already holding a part too (a
        # second visit, as for orders whose windows do not meet)
        vehicles = list(n.allowed)
        tried: set[int] = set()  # vehicles that took none of the orders left
        while todo and vehicles:
            kept, used = _grow_part(nm, nodes, out, n, todo, vehicles)
            if not kept or used is None:  # none of these takes any order left: try the others
                tried.update(vehicles)
            else:
                todo = [o for o in todo if o not in kept]
            vehicles = [v for v in range(len(p.vehicles)) if v not in tried]
        if len(todo) < len(n.orders):
            nodes[k] = (
                replace(visit_nodes(p, todo, n.group)[0], allowed=n.allowed) if todo else _empty(n)
            )
    return replace(nm, nodes=tuple(nodes)), tuple(tuple(seq) for seq in out)


def place_on_idle(nm: NodeModel, routes: Routes, orders: list[int]) -> tuple[NodeModel, Routes]:
    """The node model and routes with each of `orders` (most urgent first) served by a vehicle
    that stood idle, where one can serve it alone: no order is left out while such a vehicle
    stays in the yard. An order joins a route started here where it fits (produce for a
    facility aside, which keeps its own trip), else starts a trip on the idle vehicle that
    serves it most cheaply."""
    p = nm.problem
    nodes = list(nm.nodes)
    out = [list(seq) for seq in routes]
    started: list[int] = []  # vehicles that were idle and now serve something
    placed: set[int] = set()
    group = 1 + max((n.group for n in nodes), default=-1)
    for o in sorted(orders, key=lambda o: (-p.orders[o].priority, p.orders[o].id)):
        base = len(nodes)
        part = link(visit_nodes(p, [o], group), base)
        trip = list(range(base, base + len(part)))
        able = [v for v in range(len(p.vehicles)) if p.compatible(v, p.orders[o])]
        nodes += [replace(n, allowed=tuple(able)) for n in part]
        joined = None
        if len(part) == 1:
            joined = _cheapest_place(nm, nodes, out, base, [v for v in started if v in able])
        if joined is not None:
            v, i, _ = joined
            out[v] = inserted(out[v], i, base)
            placed.add(o)
            group += 1
            continue
        costs = [
            (ev.cost, v)
            for v in able
            if not out[v] and (ev := evaluate(p, nodes, v, trip)).feasible
        ]
        if not costs:
            del nodes[base:]
            continue
        _, v = min(costs)
        out[v] = trip
        started.append(v)
        placed.add(o)
        group += 1
    return _without(nm, nodes, out, placed)


def _without(
    nm: NodeModel, nodes: list[Node], out: list[list[int]], placed: set[int]
) -> tuple[NodeModel, Routes]:
    """The model and routes once `placed` orders ride on nodes of their own: the unserved
    nodes they came from keep only the others."""
    p = nm.problem
    served = {k for seq in out for k in seq}
    for k, n in enumerate(nm.nodes):
        if k in served or n.unload or not placed.intersection(n.orders):
            continue
        rest = [o for o in n.orders if o not in placed]
        nodes[k] = (
            replace(visit_nodes(p, rest, n.group)[0], pair=n.pair, allowed=n.allowed)
            if rest
            else _empty(n)
        )
    return replace(nm, nodes=tuple(nodes)), tuple(tuple(seq) for seq in out)


def place_cold_legs(nm: NodeModel, routes: Routes) -> tuple[NodeModel, Routes]:
    """Cold produce no refrigerated vehicle carries, each put on a first-kilometre leg where
    one fits: collected by a vehicle without refrigeration and unloaded at its pre-cooling
    store at any later stop that keeps the ride within the vehicle's limit (`Problem.first_km`),
    at the cheapest feasible place, most urgent first. These are the orders only such legs
    can serve (`NodeModel.first_km`) and cold orders the search left out."""
    p = nm.problem
    served = {o for seq in routes for k in visits_of(seq) for o in nm.nodes[k].orders}
    todo = set(nm.first_km) | {
        o
        for n in nm.nodes
        for o in n.collect
        if o not in served and p.orders[o].cold_chain and o not in nm.set_aside
    }
    nodes = list(nm.nodes)
    out = [list(seq) for seq in routes]
    placed: set[int] = set()
    group = 1 + max((n.group for n in nodes), default=-1)
    for o in sorted(todo, key=lambda o: (-p.orders[o].priority, p.orders[o].id)):
        able = [v for v in range(len(p.vehicles)) if p.first_km(v, p.orders[o])]
        if not able:
            continue
        base = len(nodes)
        nodes += [replace(n, allowed=tuple(able)) for n in link(visit_nodes(p, [o], group), base)]
        best = None
        for v in able:
            seq = out[v]
            before = None
            for bound, i in insertions(p, nodes, v, seq, base):
                if best is not None and bound >= best[0]:
                    break
                if before is None:
                    before = evaluate(p, nodes, v, seq).cost if seq else 0.0
                for trial in with_visit(seq, i, base, base + 1):
                    ev = evaluate(p, nodes, v, trial)
                    if ev.feasible and (best is None or ev.cost - before < best[0]):
                        best = (ev.cost - before, v, trial)
        if best is None:
            del nodes[base:]
            continue
        out[best[1]] = best[2]
        placed.add(o)
        group += 1
    return _without(nm, nodes, out, placed)


def place_set_aside(nm: NodeModel, routes: Routes) -> Routes:
    """`routes` with the visits of orders set aside on an over-full day (`model/admission`)
    each put at its cheapest feasible place, most urgent first; produce for a facility is
    unloaded there at any later point of the route. Those that fit nowhere stay out."""
    p = nm.problem
    served = {k for seq in routes for k in seq}
    waiting = [
        k
        for k, n in enumerate(nm.nodes)
        if k not in served and not n.unload and not nm.set_aside.isdisjoint(n.orders)
    ]

    def urgency(k: int) -> tuple:
        os_ = [p.orders[o] for o in nm.nodes[k].orders]
        return (-max(o.priority for o in os_), sum(o.kg for o in os_), min(o.id for o in os_))

    out = [list(seq) for seq in routes]
    for k in sorted(waiting, key=urgency):
        n = nm.nodes[k]
        best = None
        for v in n.allowed:
            seq = out[v]
            base = None
            for bound, i in insertions(p, nm.nodes, v, seq, k):
                if best is not None and bound >= best[0]:
                    break
                if base is None:
                    base = evaluate(p, nm.nodes, v, seq).cost if seq else 0.0
                for trial in with_visit(seq, i, k, n.pair):
                    ev = evaluate(p, nm.nodes, v, trial)
                    if ev.feasible and (best is None or ev.cost - base < best[0]):
                        best = (ev.cost - base, v, trial)
        if best is not None:
            _, v, trial = best
            out[v] = trial
    return tuple(tuple(seq) for seq in out)
