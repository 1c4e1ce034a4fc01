"""A first solution that always exists: routes built one vehicle at a time by the nearest
feasible next visit, every node optional.

It backs up OR-Tools' first-solution phase, which can return nothing when the time it is given
runs out before every node is placed. Whatever the deadline, this returns feasible routes
(possibly empty ones: leaving every order unserved is a plan, the worst one). Visits start
whole (`merged_view`); produce for a facility is unloaded at the end of the route, the
most forgiving place.
"""

from __future__ import annotations

import time

import numpy as np

from ..model.nodes import Node, NodeModel
from ..model.schedule import evaluate
from ..model.visits import merged_view

CANDIDATES = 8  # nearest candidates tried (in full) before a route is closed


def _vehicle_order(nm: NodeModel) -> list[int]:
    """Cheapest capacity first, so the search starts from an economical fleet."""
    p = nm.problem

    def key(v: int) -> tuple[float, int]:
        veh = p.vehicles[v]
        return (veh.fixed_cost / max(veh.capacity_kg, 1e-9), v)

    return sorted(range(len(p.vehicles)), key=key)


def _with_drops(nodes: tuple[Node, ...], seq: list[int]) -> list[int]:
    """The route's visits followed by the facility drops of the ones that have one."""
    return seq + [nodes[k].pair for k in seq if nodes[k].pair >= 0]


def greedy_routes(nm: NodeModel, deadline: float | None = None) -> tuple[tuple[int, ...], ...]:
    """Node sequences of `nm` per vehicle; nodes not placed by `deadline` (a perf_counter
    time) stay out."""
    p = nm.problem
    merged, expansion = merged_view(nm)
    n_veh = len(p.vehicles)
    routes: list[list[int]] = [[] for _ in range(n_veh)]
    todo = np.array([not n.unload for n in merged])
    point = np.array([n.point for n in merged], dtype=np.int64)
    allowed = np.zeros((n_veh, len(merged)), dtype=bool)
    for k, n in enumerate(merged):
        allowed[list(n.allowed), k] = True
    for v in _vehicle_order(nm):
        if not todo.any() or (deadline is not None and time.perf_counter() > deadline):
            break
        times = p.time_s[p.profile(v)]
        seq: list[int] = []
        where, clock = p.depot(v), p.vehicles[v].shift_start
        while True:
            if deadline is not None and time.perf_counter() > deadline:
                break
            open_ = np.flatnonzero(todo & allowed[v])
            if not len(open_):
                break
            earliest = np.array([merged[k].earliest for k in open_])
            score = np.maximum(clock + times[where, point[open_]], earliest) - clock
            placed = False
            for k in open_[np.argsort(score, kind="stable")][:CANDIDATES]:
                trial = [*seq, int(k)]
                ev = evaluate(p, merged, v, _with_drops(merged, trial))
                if ev.feasible:
                    seq = trial
                    todo[k] = False
                    where = int(point[k])
                    clock = ev.departure[len(trial) - 1]
                    placed = True
                    break
            if not placed:
                break
        routes[v] = _with_drops(merged, seq)
    return tuple(tuple(x for k in seq for x in expansion[k]) for seq in routes)
