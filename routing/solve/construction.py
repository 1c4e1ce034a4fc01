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
from ..model.problem import UNREACHABLE
from ..model.schedule import evaluate
from ..model.visits import merged_view

CANDIDATES = 8  # nearest candidates tried (in full) before a route is closed
TOUR_KM = 50  # a county tour's length, to rank vehicles by what a tour of them costs


def _vehicle_order(nm: NodeModel) -> list[int]:
    """Cheapest capacity first (a tour's dispatch and distance cost per kg it can carry), so
    the search starts from an economical fleet."""
    p = nm.problem

    def key(v: int) -> tuple[float, int]:
        veh = p.vehicles[v]
        tour = veh.fixed_cost + veh.cost_per_km * TOUR_KM
        return (tour / max(veh.capacity_kg, 1e-9), v)

    return sorted(range(len(p.vehicles)), key=key)


def _with_drops(nodes: tuple[Node, ...], seq: list[int]) -> list[int]:
    """The route's visits followed by the facility drops of the ones that have one."""
    return seq + [nodes[k].pair for k in seq if nodes[k].pair >= 0]


def _build(
    nm: NodeModel,
    nodes: tuple[Node, ...],
    todo: np.ndarray,
    vehicles: list[int],
    deadline: float | None,
) -> list[list[int]]:
    """Routes (node positions, drops at the end) for `vehicles` in turn, each grown by the
    nearest feasible next node among `todo` (updated in place). Candidates that break a rule
    whatever comes after them (no road, a window already missed, deliveries that overfill the
    vehicle) are never tried; of the rest the `CANDIDATES` that can start soonest are, and an
    empty route tries them all before its vehicle is left idle."""
    p = nm.problem
    routes: list[list[int]] = [[] for _ in p.vehicles]
    point = np.array([n.point for n in nodes], dtype=np.int64)
    latest = np.array([n.latest for n in nodes], dtype=np.int64)
    earliest = np.array([n.earliest for n in nodes], dtype=np.int64)
    fixed = np.array(p.handling[0], dtype=np.int64)
    out_g = np.array([n.delivery_g for n in nodes], dtype=np.int64)
    out_ml = np.array([n.delivery_ml for n in nodes], dtype=np.int64)
    allowed = np.zeros((len(p.vehicles), len(nodes)), dtype=bool)
    for k, n in enumerate(nodes):
        allowed[list(n.allowed), k] = True
    for v in vehicles:
        if not todo.any() or (deadline is not None and time.perf_counter() > deadline):
            break
        times = p.legs(v)[0]
        seq: list[int] = []
        where, clock = p.depot(v), p.vehicles[v].shift_start
        room_g, room_ml = p.capacity_g(v), p.capacity_ml(v)
        while deadline is None or time.perf_counter() <= deadline:
            open_ = np.flatnonzero(todo & allowed[v])
            legs = times[where, point[open_]]
            arrive = clock + legs + np.where(point[open_] != where, fixed[point[open_]], 0)
            ok = (legs < UNREACHABLE) & (arrive <= latest[open_])
            ok &= (out_g[open_] <= room_g) & (out_ml[open_] <= room_ml)
            open_, arrive = open_[ok], arrive[ok]
            if not len(open_):
                break
            score = np.maximum(arrive, earliest[open_])
            ranked = open_[np.argsort(score, kind="stable")]
            placed = False
            for k in ranked if not seq else ranked[:CANDIDATES]:
                trial = [*seq, int(k)]
                ev = evaluate(p, nodes, v, _with_drops(nodes, trial))
                if ev.feasible:
                    seq = trial
                    todo[k] = False
                    where = int(point[k])
                    clock = ev.departure[len(trial) - 1]
                    room_g -= int(out_g[k])
                    room_ml -= int(out_ml[k])
                    placed = True
                    break
            if not placed:
                break
        routes[v] = _with_drops(nodes, seq)
    return routes


def greedy_routes(nm: NodeModel, deadline: float | None = None) -> tuple[tuple[int, ...], ...]:
    """Node sequences of `nm` per vehicle, visits kept whole; nodes not placed by `deadline`
    (a perf_counter time) stay out, and so do orders set aside on an over-full day (they are
    offered a place after the search, most urgent first)."""
    merged, expansion = merged_view(nm)
    todo = np.array([not n.unload and nm.set_aside.isdisjoint(n.orders) for n in merged])
    routes = _build(nm, merged, todo, _vehicle_order(nm), deadline)
    return tuple(tuple(x for k in seq for x in expansion[k]) for seq in routes)


def fill_idle(nm: NodeModel, routes: tuple[tuple[int, ...], ...]) -> tuple[tuple[int, ...], ...]:
    """`routes` with the visits no route serves given to the vehicles that stand idle, so that
    no visit is left out while a vehicle able to serve it alone stays in the yard."""
    served = {k for seq in routes for k in seq}
    todo = np.array([not n.unload and k not in served for k, n in enumerate(nm.nodes)])
    idle = [v for v in _vehicle_order(nm) if not routes[v]]
    if not todo.any() or not idle:
        return routes
    extra = _build(nm, nm.nodes, todo, idle, None)
    return tuple(tuple(seq) if seq else tuple(extra[v]) for v, seq in enumerate(routes))
