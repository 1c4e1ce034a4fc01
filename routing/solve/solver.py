"""Solving a day's problem: node model, search, repair, then timed and loaded routes with a
reason for every order left out. Nothing here reads or writes files."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from ..errors import PlanInvalidError
from ..model.nodes import NodeModel
from ..model.params import SolveParams
from ..model.problem import GRAMS_PER_KG, ML_PER_L, Problem
from ..model.schedule import evaluate
from ..model.visits import build_nodes
from ..plans.document import Route, Stop, Unserved
from .engines import portfolio
from .reasons import dropped_reasons
from .repair import place_leftovers


def _kg(grams: int) -> float:
    return round(grams / GRAMS_PER_KG, 3)


def _litres(ml: int) -> float:
    return round(ml / ML_PER_L, 3)


def build_routes(nm: NodeModel, routes: tuple[tuple[int, ...], ...]) -> tuple[Route, ...]:
    """Plan routes from node sequences, timed and loaded by `routing.schedule`."""
    p = nm.problem
    out = []
    for v, seq in enumerate(routes):
        if not seq:
            continue
        ev = evaluate(p, nm.nodes, v, seq)
        if not ev.feasible:
            raise PlanInvalidError(
                f"the search returned an infeasible route for {p.vehicles[v].id} ({ev.violation})"
            )
        ids = lambda ks: tuple(p.orders[k].id for k in ks)  # noqa: E731
        stops = tuple(
            Stop(
                point=p.points[nm.nodes[k].point].id,
                arrival_s=ev.arrival[i],
                start_s=ev.start[i],
                departure_s=ev.departure[i],
                deliver=ids(nm.nodes[k].deliver),
                collect=ids(nm.nodes[k].collect),
                unload=ids(nm.nodes[k].unload),
                load_kg=_kg(ev.load_g[i]),
                load_l=_litres(ev.load_ml[i]),
            )
            for i, k in enumerate(seq)
        )
        out.append(
            Route(
                vehicle=p.vehicles[v].id,
                depart_s=ev.depart,
                return_s=ev.ret,
                distance_m=ev.dist_m,
                cost_yuan=round(ev.cost, 2),
                start_load_kg=_kg(ev.start_g),
                start_load_l=_litres(ev.start_ml),
                stops=stops,
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class Solved:
    routes: tuple[Route, ...]
    unserved: tuple[Unserved, ...]
    engine: str
    stats: dict


def solve_problem(problem: Problem, params: SolveParams | None = None) -> Solved:
    """Search, then turn the node sequences into timed, loaded routes with unserved reasons."""
    params = params or SolveParams()
    t0 = time.perf_counter()
    nm = build_nodes(problem)
    params.progress(
        f"model: {len(problem.orders)} orders in {len(nm.nodes)} stops to place, "
        f"{len(nm.unservable)} orders no vehicle can serve"
    )
    left = max(0.1, params.time_limit - (time.perf_counter() - t0))
    result = portfolio.solve(nm, replace(params, time_limit=left))
    nm, routes = place_leftovers(nm, result.routes)
    reasons = dict(nm.unservable) | dropped_reasons(nm, routes)
    unserved = tuple(
        Unserved(order=problem.orders[k].id, reason=reasons[k]) for k in sorted(reasons)
    )
    return Solved(build_routes(nm, routes), unserved, result.engine, result.stats)
