"""From a plan, a re-plan time and the planner's changes to the search state (`Board`).

Every stop of the plan becomes one node (its orders as the plan lists them, less the
cancelled ones), so the committed heads are timed exactly as the plan timed them. Orders to
place (new ones, and those the plan left unserved) become one visit per point, split as the
day's model splits them (`visits.visit_nodes`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from ..model.nodes import RELOAD, Node
from ..model.problem import Problem
from ..model.visits import carriers, link, penalties, visit_nodes
from ..plans.document import Plan, Stop
from .board import Board, tidy_tail
from .state import Lock, position


def problem_at(problem: Problem, at: int, started: set[str]) -> Problem:
    """The day as seen at the re-plan time: a vehicle that has not left cannot leave before it
    (one on the road keeps its shift: its departure is fixed)."""
    vehicles = tuple(
        v if v.id in started else replace(v, shift_start=max(v.shift_start, at))
        for v in problem.vehicles
    )
    return replace(problem, vehicles=vehicles)


def stop_node(problem: Problem, pos: dict[str, int], s: Stop, group: int, penalty) -> Node | None:
    deliver = tuple(pos[o] for o in s.deliver if o in pos)
    collect = tuple(pos[o] for o in s.collect if o in pos)
    unload = tuple(pos[o] for o in s.unload if o in pos)
    orders = problem.orders
    if not (deliver or collect or unload):
        return None
    point = problem.index[s.point]
    if unload:  # a drop at a facility: its window is the facility's hours
        pt = problem.points[point]
        lo, hi = pt.opens, pt.closes
    else:
        windows = [problem.window(orders[k]) for k in (*deliver, *collect)]
        lo, hi = max(w[0] for w in windows), min(w[1] for w in windows)
    grams = lambda ks: sum(problem.grams(orders[k]) for k in ks)  # noqa: E731
    millis = lambda ks: sum(problem.millilitres(orders[k]) for k in ks)  # noqa: E731
    return Node(
        point=point,
        group=group,
        deliver=deliver,
        collect=collect,
        unload=unload,
        delivery_g=grams(deliver),
        delivery_ml=millis(deliver),
        pickup_g=grams(collect),
        pickup_ml=millis(collect),
        unload_g=grams(unload),
        unload_ml=millis(unload),
        parcels=sum(orders[k].parcels for k in (*deliver, *collect, *unload)),
        earliest=lo,
        latest=hi,
        penalty=sum(penalty(k) for k in (*deliver, *collect)),
        allowed=carriers(problem, (*deliver, *collect, *unload)),
        cold=bool(collect or deliver) and orders[(*deliver, *collect)[0]].cold_chain,
    )


def build_board(
    source: Plan,
    problem: Problem,
    at: int,
    locks: Sequence[Lock],
    to_place: Sequence[int],
) -> Board:
    """The search state: `problem` holds the day's orders after the changes (cancelled ones
    gone, new ones in), already seen at the re-plan time (`problem_at`); `to_place` are the
    positions of the orders no route holds yet."""
    pos = {o.id: k for k, o in enumerate(problem.orders)}
    vindex = {v.id: k for k, v in enumerate(problem.vehicles)}
    penalty = penalties(problem)
    n_vehicles = len(problem.vehicles)
    nodes: list[Node] = []
    heads: list[tuple[int, ...]] = [()] * n_vehicles
    tails: list[list[int]] = [[] for _ in range(n_vehicles)]
    depart: list[int | None] = [None] * n_vehicles
    over = [False] * n_vehicles
    closed = [False] * n_vehicles
    pinned: list[frozenset[int]] = [frozenset()] * n_vehicles
    locked: list[tuple[int, ...]] = [()] * n_vehicles
    home = [False] * n_vehicles
    whole = {lk.vehicle for lk in locks if lk.stop is None}
    stop_locks = defaultdict(set)
    for lk in locks:
        if lk.stop is not None:
            stop_locks[lk.vehicle].add(lk.stop - 1)
    for r in source.routes:
        v = vindex[r.vehicle]
        here = position(r, at, r.vehicle in whole)
        seq: list[int] = []
        by_stop: dict[int, int] = {}
        for i, s in enumerate(r.stops):
            if s.reload:
                seq.append(RELOAD)
                continue
            node = stop_node(problem, pos, s, len(nodes), penalty)
            if node is None:  # every order of it cancelled
                continue
            by_stop[i] = len(nodes)
            nodes.append(node)
            seq.append(len(nodes) - 1)
        pair_drops(nodes, r.stops, by_stop, problem)
        cut = sum(1 for i, s in enumerate(r.stops[: here.committed]) if s.reload or i in by_stop)
        heads[v], tails[v] = tuple(seq[:cut]), tidy_tail(seq[:cut], seq[cut:])
        if here.started or r.vehicle in whole:  # on the road, or locked as it is
            depart[v] = r.depart_s
        over[v], home[v] = here.over, here.home
        closed[v] = here.under_way
        on_board = {by_stop[i] for i in range(here.committed, here.closed_until) if i in by_stop}
        on_board = {k for k in on_board if nodes[k].deliver}
        held = [by_stop[i] for i in sorted(stop_locks[r.vehicle]) if i in by_stop]
        held = [k for k in held if k not in heads[v]]
        # drops of produce collected in the head are on board: they stay on this vehicle
        carried = {nodes[k].pair for k in heads[v] if k != RELOAD and nodes[k].pair >= 0}
        carried -= set(heads[v])
        pinned[v] = frozenset(on_board | set(held) | carried)
        locked[v] = tuple(held)
    board = Board(problem, nodes, heads, tails, depart, over, closed, pinned, locked, home, at)
    add_visits(board, to_place, penalty)
    return board


def pair_drops(nodes: list[Node], stops: Sequence[Stop], by_stop: dict[int, int], problem):
    """Link each visit collecting produce for a facility with the stop that unloads it."""
    unloaded_at = {
        o: i for i, s in enumerate(stops) if i in by_stop for o in nodes[by_stop[i]].unload
    }
    for k in by_stop.values():
        n = nodes[k]
        drops = {unloaded_at[o] for o in n.collect if o in unloaded_at}
        if len(drops) == 1:
            (j,) = drops
            d = by_stop[j]
            nodes[k] = replace(n, pair=d)
            nodes[d] = replace(nodes[d], pair=k, allowed=nodes[k].allowed)


def add_visits(board: Board, orders: Sequence[int], penalty) -> list[int]:
    """New nodes for these orders, one visit per point (split as the day's model splits a
    visit), unassigned; returns their visit nodes."""
    problem = board.problem
    by_point: dict[int, list[int]] = defaultdict(list)
    for k in orders:
        by_point[problem.index[problem.orders[k].point]].append(k)
    out = []
    group = max((n.group for n in board.nodes), default=-1) + 1
    for point in sorted(by_point):
        part = link(visit_nodes(problem, by_point[point], group, penalty), len(board.nodes))
        group += 1
        for n in part:
            n = replace(n, allowed=carriers(problem, n.orders))
            if n.unload:
                visit = board.nodes[n.pair]
                n = replace(n, allowed=visit.allowed)
            board.nodes.append(n)
            if not n.unload:
                board.unassigned.add(len(board.nodes) - 1)
                out.append(len(board.nodes) - 1)
    return out
