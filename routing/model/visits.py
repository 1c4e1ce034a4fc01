"""From orders to the nodes a vehicle visits: one visit per service point where possible.

All orders at a point that one vehicle can take form one visit. A point's orders are split only
where no single vehicle can carry them (capacity, a refrigerated vehicle for part of them,
windows that do not overlap). Produce bound for a facility is unloaded at a drop node paired
with its visit. Orders that no vehicle could serve even on a trip of their own are set aside
here with their reason, before any search.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from types import MappingProxyType

import numpy as np

from .admission import set_aside
from .nodes import Node, NodeModel
from .problem import Problem
from .schedule import evaluate

# Penalty for leaving an order unserved, by priority: a multiple of what serving it could cost
# at most (see `serve_bound`), so an order is dropped only when no feasible plan serves it,
# and urgent ones go last.
PRIORITY_WEIGHT = {1: 1.0, 2: 2.0, 3: 4.0}


def visit_nodes(
    problem: Problem, orders: list[int], group: int, penalty=lambda k: 0.0
) -> list[Node]:
    """Nodes of one physical visit, one per kind of work that may have to go its own way:
    refrigerated and ambient goods apart (when the refrigerated trucks are full a van still
    takes the ambient part); within each, deliveries with produce for the hub (simultaneous
    pickup and delivery), and produce for each facility apart, paired with a drop node there
    (the shape both engines take: PyVRP clients and shipments). Each node keeps its own orders'
    window. First solutions start from the merged visit (`merged_view`); the search splits it
    only when that pays: a split costs a second trip and a second fixed service time. Orders of
    a node the search leaves out get a second chance one by one (`routing.repair`)."""
    p = problem.orders
    point = problem.index[p[orders[0]].point]
    hub_id = problem.points[problem.hub].id
    parts: list[list[int]] = []
    for cold in (True, False):
        mine = [k for k in orders if p[k].cold_chain == cold]
        by_dest: dict[str, list[int]] = defaultdict(list)
        for k in mine:
            if p[k].kind == "pickup" and p[k].destination != hub_id:
                by_dest[p[k].destination].append(k)
        dests = sorted(by_dest, key=lambda d: (-sum(p[k].kg for k in by_dest[d]), d))
        parts.append([k for k in mine if p[k].kind == "delivery" or p[k].destination == hub_id])
        parts += [by_dest[d] for d in dests]
    nodes: list[Node] = []
    for part in parts:
        if not part:
            continue
        deliver = tuple(k for k in part if p[k].kind == "delivery")
        collect = tuple(k for k in part if p[k].kind == "pickup")
        nodes.append(
            Node(
                point=point,
                group=group,
                deliver=deliver,
                collect=collect,
                delivery_g=sum(problem.grams(p[k]) for k in deliver),
                delivery_ml=sum(problem.millilitres(p[k]) for k in deliver),
                pickup_g=sum(problem.grams(p[k]) for k in collect),
                pickup_ml=sum(problem.millilitres(p[k]) for k in collect),
                parcels=sum(p[k].parcels for k in part),
                earliest=max(problem.window(p[k])[0] for k in part),
                latest=min(problem.window(p[k])[1] for k in part),
                penalty=sum(penalty(k) for k in part),
                cold=p[part[0]].cold_chain,
            )
        )
        away = tuple(k for k in collect if p[k].destination != hub_id)
        if away:
            fac = problem.index[p[away[0]].destination]
            f = problem.points[fac]
            nodes.append(
                Node(
                    point=fac,
                    group=group,
                    unload=away,
                    unload_g=sum(problem.grams(p[k]) for k in away),
                    unload_ml=sum(problem.millilitres(p[k]) for k in away),
                    parcels=sum(p[k].parcels for k in away),
                    earliest=f.opens,
                    latest=f.closes,
                )
            )
    return nodes


def serve_bound(problem: Problem, point: str, destination: str) -> float:
    """More than serving an order at `point` (for `destination`) can ever add to a plan's cost:
    a vehicle of its own, round trips to both, and a whole horizon of driver time (detours are
    shorter than round trips on shortest-path matrices). Only vehicles that can drive there
    count: one that cannot would never serve it, and its unreachable legs would make the
    penalty a million yuan for a village behind a lane."""
    stops = [problem.index[point]] + ([problem.index[destination]] if destination else [])
    worst = 0.0
    horizon = max(v.shift_end for v in problem.vehicles)
    seen = set()
    for v, veh in enumerate(problem.vehicles):
        tariff = (
            problem.profile(v),
            problem.depot(v),
            veh.fixed_cost,
            veh.cost_per_km,
            veh.cost_per_hour,
            veh.salaried_s,
            veh.overtime_per_hour,
        )
        if tariff in seen or not all(problem.reaches(v, q) for q in stops):
            continue
        seen.add(tariff)
        d = problem.depot(v)
        metres = sum(problem.travel_m(v, d, q) + problem.travel_m(v, q, d) for q in stops)
        worst = max(
            worst,
            veh.route_cost(metres, horizon),
        )
    return 2.0 * worst


def link(nodes: list[Node], offset: int) -> list[Node]:
    """Set pair indices (visit <-> its drop) for nodes that will sit at `offset` onwards."""
    out = list(nodes)
    for i, n in enumerate(nodes):
        if n.unload:
            out[i] = replace(n, pair=offset + i - 1)
            out[i - 1] = replace(out[i - 1], pair=offset + i)
    return out


def _solo(problem: Problem, nodes: list[Node], vehicles) -> tuple[list[int], str | None]:
    """Vehicles that could serve these nodes on a trip of their own, else the reason none can."""
    seq = list(range(len(nodes)))
    linked = tuple(link(nodes, 0))
    ok, reasons = [], []
    verdict: dict[int, str | None] = {}
    for v in vehicles:
        sig = problem.vehicle_class[v]
        if sig not in verdict:
            verdict[sig] = evaluate(problem, linked, v, seq).violation
        if verdict[sig] is None:
            ok.append(v)
        else:
            reasons.append(verdict[sig])
    if ok:
        return ok, None
    for r in ("unreachable", "capacity", "time window", "shift length"):
        if r in reasons:
            return [], r
    return [], "time window"


def penalties(problem: Problem) -> Callable[[int], float]:
    """Leaving order k out costs a multiple (by priority) of what serving it could."""
    bounds: dict[tuple[str, str], float] = {}

    def penalty(k: int) -> float:
        o = problem.orders[k]
        key = (o.point, o.destination)
        if key not in bounds:
            bounds[key] = serve_bound(problem, *key)
        return PRIORITY_WEIGHT[o.priority] * bounds[key]

    return penalty


def carriers(problem: Problem, orders: Sequence[int]) -> tuple[int, ...]:
    """Vehicles that may carry all these orders: anywhere on a route (refrigerated where they
    must be), or on a first-kilometre leg."""
    return tuple(
        v
        for v in range(len(problem.vehicles))
        if all(
            problem.compatible(v, problem.orders[k]) or problem.first_km(v, problem.orders[k])
            for k in orders
        )
    )


def alone(problem: Problem, k: int) -> tuple[list[int], str | None]:
    """Vehicles that could serve order k on a trip of its own, else the reason none can (an
    unserved reason: no compatible vehicle, unreachable, or the rule such a trip breaks)."""
    o = problem.orders[k]
    able = carriers(problem, [k])
    if not able:
        return [], "no compatible vehicle"
    reach = [
        v
        for v in able
        if problem.reaches(v, problem.index[o.point])
        and (o.kind == "delivery" or problem.reaches(v, problem.index[o.destination]))
    ]
    if not reach:
        return [], "unreachable"
    lo, hi = problem.window(o)
    if lo > hi:
        return [], "time window"
    return _solo(problem, visit_nodes(problem, [k], 0), reach)


def build_nodes(problem: Problem) -> NodeModel:
    orders = problem.orders
    penalty = penalties(problem)
    unservable: dict[int, str] = {}
    candidates: dict[int, list[int]] = {}
    first_km: set[int] = set()
    for k, o in enumerate(orders):
        ok, why = alone(problem, k)
        if why is not None:
            unservable[k] = why
            continue
        anywhere = [v for v in ok if problem.compatible(v, o)]
        if anywhere:
            candidates[k] = anywhere
        else:
            first_km.add(k)

    aside, overfull = set_aside(problem, candidates)

    def priced(k: int) -> float:
        """Set-aside orders are worth nothing to the search: it leaves them to the repair."""
        return 0.0 if k in aside else penalty(k)

    by_point: dict[str, list[int]] = defaultdict(list)
    for k in candidates:
        by_point[orders[k].point].append(k)
    nodes: list[Node] = []
    group = 0
    for point in sorted(by_point, key=problem.index.__getitem__):
        ks = sorted(
            by_point[point], key=lambda k: (not orders[k].cold_chain, -orders[k].kg, orders[k].id)
        )
        bins: list[tuple[list[int], list[int]]] = []  # (orders, vehicles able to serve them alone)
        for k in ks:
            for b in bins:
                if (b[0][0] in aside) != (k in aside):  # set-aside orders visit apart
                    continue
                shared = [v for v in b[1] if v in candidates[k]]
                if not shared:
                    continue
                trial = b[0] + [k]
                ok, _ = _solo(problem, visit_nodes(problem, trial, 0), shared)
                if ok:
                    b[0].append(k)
                    b[1][:] = ok
                    break
            else:
                bins.append(([k], list(candidates[k])))
        for members, vehicles in bins:
            part = link(visit_nodes(problem, members, group, priced), len(nodes))
            for i, n in enumerate(part):
                if n.unload:
                    continue
                # Each node may go on any vehicle able to serve it (with its drop) alone.
                own = [n, part[i + 1]] if n.pair >= 0 else [n]
                ok, _ = _solo(
                    problem,
                    [replace(x, pair=-1) for x in own],
                    [
                        v
                        for v in range(len(problem.vehicles))
                        if all(problem.compatible(v, problem.orders[k]) for k in n.orders)
                    ],
                )
                allowed = tuple(ok or vehicles)
                part[i] = replace(n, allowed=allowed)
                if n.pair >= 0:
                    part[i + 1] = replace(part[i + 1], allowed=allowed)
            nodes += part
            group += 1
    return NodeModel(
        problem=problem,
        nodes=tuple(nodes),
        unservable=MappingProxyType(unservable),
        set_aside=aside,
        overfull=overfull,
        first_km=frozenset(first_km),
    )


def merged_view(nm: NodeModel) -> tuple[tuple[Node, ...], tuple[tuple[int, ...], ...]]:
    """The node model with each visit's parts merged back into one node where one vehicle can
    serve them all (a node carries at most one drop, so parts with their own facility drop stay
    apart). Used to build first solutions that keep visits whole; `expansion[i]` lists the
    model's nodes that merged node i stands for, in visiting order (a drop stands for itself).
    The merged node's window is where every part it stands for starts in time without waiting."""
    p = nm.problem
    by_group: dict[int, list[int]] = defaultdict(list)
    for k, n in enumerate(nm.nodes):
        by_group[n.group].append(k)
    out: list[Node] = []
    expansion: list[tuple[int, ...]] = []
    for group in sorted(by_group):
        ks = by_group[group]
        visits = [k for k in ks if not nm.nodes[k].unload]
        plain = [k for k in visits if nm.nodes[k].pair < 0]
        dropped = [k for k in visits if nm.nodes[k].pair >= 0]
        merged_parts = plain + dropped[:1]
        merged = None
        if len(merged_parts) > 1:
            parts = [nm.nodes[k] for k in merged_parts]
            last = parts[-1]
            # Part i starts after the handling of the parts before it (h_before[i]); starting
            # the merged node in [max(e_i - h), min(l_i - h)] means no part waits or is late.
            h_before = np.cumsum(
                [0] + [p.points[x.point].service_per_parcel_s * x.parcels for x in parts[:-1]]
            )
            candidate = replace(
                last,
                deliver=sum((x.deliver for x in parts), ()),
                collect=sum((x.collect for x in parts), ()),
                **{
                    f: sum(getattr(x, f) for x in parts)
                    for f in (
                        "delivery_g",
                        "delivery_ml",
                        "pickup_g",
                        "pickup_ml",
                        "parcels",
                        "penalty",
                    )
                },
                earliest=int(max(x.earliest - h for x, h in zip(parts, h_before, strict=True))),
                latest=int(min(x.latest - h for x, h in zip(parts, h_before, strict=True))),
                pair=-1,
            )
            shared = [v for v in parts[0].allowed if all(v in x.allowed for x in parts[1:])]
            own = [candidate] + ([nm.nodes[last.pair]] if last.pair >= 0 else [])
            ok, _ = _solo(p, own, shared) if candidate.latest >= candidate.earliest else ([], None)
            if ok:
                merged = replace(candidate, allowed=tuple(ok))
        if merged is None:
            singles = visits
        else:
            singles = [k for k in visits if k not in merged_parts]
            out.append(merged)
            expansion.append(tuple(merged_parts))
            if nm.nodes[merged_parts[-1]].pair >= 0:
                d = nm.nodes[merged_parts[-1]].pair
                out[-1] = replace(out[-1], pair=len(out))
                out.append(replace(nm.nodes[d], pair=len(out) - 1, allowed=merged.allowed))
                expansion.append((d,))
        for k in singles:
            n = nm.nodes[k]
            if n.pair >= 0:
                out.append(replace(n, pair=len(out) + 1))
                expansion.append((k,))
                out.append(replace(nm.nodes[n.pair], pair=len(out) - 1))
                expansion.append((n.pair,))
            else:
                out.append(n)
                expansion.append((k,))
    return tuple(out), tuple(expansion)
