"""Large days: improve routes by re-solving groups of neighbouring routes, one per core.

A single PyVRP search uses one core, and on Lixian's harvest day (1,569 stops) it converges
slowly: 6.5 % above its 20-minute result after 60 s (docs/benchmarks.md). Each round here
splits the routes into as many groups as there are workers (at least `MIN_GROUP_ROUTES` routes
a group), side by side by the angle of their centre around the depot, with a few idle vehicles
as spares; solves the groups in parallel for `GROUP_SECONDS`, with produce dropped at the end
of each route (`pyvrp_engine.build_data`); and keeps each group's result if it costs less (cost
plus the penalties of the group's visits left out). The next round shifts the split by
`SPLIT_SHIFT` of a group, so visits move across the old boundaries. Visits no route serves
join the group whose centre is nearest.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

from ...model.nodes import NodeModel
from ...model.params import SolveParams, silent
from ...model.schedule import evaluate
from . import EngineResult, pyvrp_engine
from .workers import forked_pool

MIN_GROUP_ROUTES = 12  # smaller groups did worse on Lixian (docs/benchmarks.md)
SPARE_VEHICLES = 2  # idle vehicles offered to each group
GROUP_SECONDS = 2.0  # time per group solve
SPLIT_SHIFT = 0.5  # each round moves the split by this share of a group
ROUNDS_WITH_ITERATIONS = 2  # rounds when an iteration budget, not the clock, ends the search
_SHARED: dict = {}  # the node model, inherited by forked workers

Routes = tuple[tuple[int, ...], ...]
Group = tuple[tuple[int, ...], tuple[int, ...]]  # (vehicles, nodes)


def _sub_model(nm: NodeModel, vehicles: tuple[int, ...], nodes: tuple[int, ...]) -> NodeModel:
    """The node model of one group: its nodes, its vehicles, indices renumbered."""
    vpos = {v: i for i, v in enumerate(vehicles)}
    kpos = {k: i for i, k in enumerate(nodes)}
    sub = []
    for k in nodes:
        n = nm.nodes[k]
        sub.append(
            replace(
                n,
                pair=kpos[n.pair] if n.pair >= 0 else -1,
                allowed=tuple(vpos[v] for v in n.allowed if v in vpos),
            )
        )
    problem = replace(nm.problem, vehicles=tuple(nm.problem.vehicles[v] for v in vehicles))
    return NodeModel(problem=problem, nodes=tuple(sub))


def _group_value(nm: NodeModel, group: Group, routes: dict[int, tuple[int, ...]]) -> float:
    vehicles, nodes = group
    served = {k for v in vehicles for k in routes[v]}
    cost = sum(evaluate(nm.problem, nm.nodes, v, routes[v]).cost for v in vehicles if routes[v])
    return cost + sum(nm.nodes[k].penalty for k in nodes if k not in served)


def _solve_group(job: tuple[Group, Routes, SolveParams]) -> dict[int, tuple[int, ...]] | None:
    """Routes of the group's vehicles (global indices) if the group's solve improves them."""
    (vehicles, nodes), routes, params = job
    nm = _SHARED["nm"]
    kpos = {k: i for i, k in enumerate(nodes)}
    sub = _sub_model(nm, vehicles, nodes)
    start = tuple(tuple(kpos[k] for k in routes[v]) for v in vehicles)
    result = pyvrp_engine.solve(sub, params, start, drops_at_end=True)
    new = {v: tuple(nodes[j] for j in seq) for v, seq in zip(vehicles, result.routes, strict=True)}
    old = {v: routes[v] for v in vehicles}
    group = (vehicles, nodes)
    return new if _group_value(nm, group, new) < _group_value(nm, group, old) - 1e-6 else None


def group_size(used: int, workers: int) -> int:
    """Routes a group: the day's routes shared among the workers, at least `MIN_GROUP_ROUTES`."""
    return max(MIN_GROUP_ROUTES, math.ceil(used / max(1, workers)))


def _groups(nm: NodeModel, routes: Routes, round_no: int, workers: int) -> list[Group]:
    p = nm.problem
    hub = p.points[p.hub]
    used = [v for v, seq in enumerate(routes) if seq]
    idle = [v for v, seq in enumerate(routes) if not seq]

    def angle(ks) -> float:
        xs = [p.points[nm.nodes[k].point].lon for k in ks]
        ys = [p.points[nm.nodes[k].point].lat for k in ks]
        return math.atan2(sum(ys) / len(ys) - hub.lat, sum(xs) / len(xs) - hub.lon)

    angles = {v: angle(routes[v]) for v in used}
    order = sorted(used, key=lambda v: (angles[v], v))
    size = group_size(len(used), workers)
    if order:
        shift = int(round_no * size * SPLIT_SHIFT) % len(order)
        order = order[shift:] + order[:shift]
    chunks = [order[i : i + size] for i in range(0, len(order), size)]
    if not chunks:
        return []
    centres = [sum(angles[v] for v in c) / len(c) for c in chunks]
    served = {k for seq in routes for k in seq}
    extra: list[list[int]] = [[] for _ in chunks]
    for k, n in enumerate(nm.nodes):
        if k in served or n.unload:
            continue
        a = angle([k])
        g = min(range(len(chunks)), key=lambda i: abs(math.remainder(a - centres[i], math.tau)))
        extra[g] += [k] + ([n.pair] if n.pair >= 0 else [])
    out = []
    for i, chunk in enumerate(chunks):
        spares = idle[i * SPARE_VEHICLES : (i + 1) * SPARE_VEHICLES]
        vehicles = tuple(chunk + spares)
        nodes = tuple([k for v in chunk for k in routes[v]] + extra[i])
        out.append((vehicles, nodes))
    return out


def improve(nm: NodeModel, routes: Routes, params: SolveParams, workers: int) -> EngineResult:
    """`routes` improved group by group until `params.time_limit` (or, with an iteration
    budget, for `ROUNDS_WITH_ITERATIONS` rounds of that many iterations per group)."""
    t0 = time.perf_counter()
    deadline = t0 + params.time_limit
    current = tuple(routes)
    rounds = improved = 0
    _SHARED["nm"] = nm
    try:
        with forked_pool(max(1, workers)) as pool:
            while True:
                left = deadline - time.perf_counter()
                if params.iterations and rounds >= ROUNDS_WITH_ITERATIONS:
                    break
                if left < 0.5:
                    break
                groups = _groups(nm, current, rounds, workers)
                per_group = min(GROUP_SECONDS, left)
                if not params.iterations:
                    # every group gets the same time; a round of more groups than workers
                    # shares what is left
                    waves = math.ceil(len(groups) / max(1, workers))
                    per_group = max(0.2, min(GROUP_SECONDS, left / max(1, waves)))
                sub = replace(
                    params,
                    time_limit=per_group,
                    seed=params.seed + rounds,
                    on_improve=None,
                    progress=silent,
                )
                jobs = [(g, current, sub) for g in groups]
                results = pool.map(_solve_group, jobs)
                better = [new for new in results if new]
                improved += len(better)
                out = list(current)
                for new in better:
                    for v, seq in new.items():
                        out[v] = seq
                current = tuple(out)
                rounds += 1
                if params.on_improve and better:  # progress only when the plan improved
                    served = {k for seq in current for k in seq}
                    value = sum(
                        evaluate(nm.problem, nm.nodes, v, seq).cost
                        for v, seq in enumerate(current)
                        if seq
                    )
                    left_out = sum(
                        len(n.orders)
                        for k, n in enumerate(nm.nodes)
                        if k not in served and not n.unload
                    )
                    params.on_improve(time.perf_counter() - t0, value, left_out)
    finally:
        _SHARED.clear()
    stats = {"decomposition": {"rounds": rounds, "groups_improved": improved}}
    return EngineResult("pyvrp", current, stats)
