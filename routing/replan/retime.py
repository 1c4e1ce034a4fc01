"""A planner's edit re-timed: the routes with their stops in the order the planner gave,
timed and loaded by the one timing rule, as `route plan` times its own routes."""

from __future__ import annotations

from dataclasses import replace

from ..model.nodes import RELOAD, Node, NodeModel
from ..model.problem import Problem
from ..model.schedule import evaluate
from ..plans.document import Plan
from ..plans.validate import replay
from ..solve.solver import build_routes
from .model import pair_drops, penalties, problem_at, stop_node
from .state import committed_stops


def retimed(plan: Plan, problem: Problem, source: Plan | None = None) -> Plan:
    """The plan's routes timed by the timing rule, stops in the order given: rests and the
    lunch where the rule places them, each route leaving as late as its windows allow. In a
    re-plan, a route that had left by the re-plan time keeps its departure, its reloads after
    that time start no earlier than it, and the other routes leave no earlier. A route that
    breaks a rule is re-driven as it stands (`replay`), so that the validator names what it
    breaks. A re-plan's `source` (the plan it came from) tells which stops were committed."""
    at = plan.replan["at_s"] if plan.replan else None
    started = {r.vehicle for r in plan.routes if at is not None and r.depart_s <= at}
    committed = {r.vehicle: committed_stops(r, at) for r in source.routes} if source and at else {}
    seen = problem_at(problem, at, started) if at is not None else problem
    pos = {o.id: k for k, o in enumerate(problem.orders)}
    vindex = {v.id: k for k, v in enumerate(problem.vehicles)}
    penalty = penalties(seen)
    nodes: list[Node] = []
    routes: list[tuple[int, ...]] = [()] * len(problem.vehicles)
    timing: list[tuple[int | None, tuple[int, int]]] = [(None, (0, 0))] * len(problem.vehicles)
    timed: set[int] = set()
    for r in plan.routes:
        v = vindex.get(r.vehicle)
        if v is None:
            continue
        seq: list[int] = []
        by_stop: dict[int, int] = {}
        for i, s in enumerate(r.stops):
            node = None if s.reload else stop_node(seen, pos, s, len(nodes), penalty)
            if s.reload:
                seq.append(RELOAD)
            elif node is None or len(node.orders) != len(s.deliver + s.collect + s.unload):
                break  # an order the day does not know: the validator says so
            else:
                by_stop[i] = len(nodes)
                nodes.append(node)
                seq.append(len(nodes) - 1)
        else:
            pair_drops(nodes, r.stops, by_stop, seen)
            routes[v] = tuple(seq)
            if at is not None and r.vehicle in started:  # its reloads once re-planned wait
                timing[v] = (r.depart_s, (committed.get(r.vehicle, 0), at))
            timed.add(v)
    for v in list(timed):
        if not evaluate(seen, nodes, v, routes[v], *timing[v]).feasible:
            timed.discard(v)
    nm = NodeModel(problem=seen, nodes=tuple(nodes))
    keep = tuple(routes[v] if v in timed else () for v in range(len(routes)))
    built = {x.vehicle: x for x in build_routes(nm, keep, timing)}
    replayed = replay(plan, problem)
    return replace(
        plan, routes=tuple(built.get(r.vehicle, r) for r in replayed.routes), stated_summary=None
    )
