"""Solving a day's problem: node model, search, repair, then timed and loaded routes with a
reason for every order left out. Nothing here reads or writes files."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..errors import PlanInvalidError
from ..model.nodes import RELOAD, NodeModel
from ..model.params import SolveParams
from ..model.problem import GRAMS_PER_KG, ML_PER_L, Problem
from ..model.schedule import evaluate
from ..model.visits import build_nodes
from ..plans.document import Route, Stop, Unserved
from .construction import fill_idle
from .engines import portfolio
from .reasons import dropped_reasons
from .repair import (
    place_cold_legs,
    place_leftovers,
    place_on_idle,
    place_set_aside,
    trim_to_rules,
)

# Kept for the steps after the search: 5 % of the limit, or less on small days (measured: 0.05 s
# on Lixian's harvest day with nothing left out, under 4 s with 544 of its 1,569 stops out).
FINISH_SHARE = 0.05
FINISH_BASE_S = 0.05
FINISH_PER_NODE_S = 0.0005
SEARCH_SHARE_WANTED = 0.5  # a limit of which the steps around the search take more is too short


def _kg(grams: int) -> float:
    return round(grams / GRAMS_PER_KG, 3)


def _litres(ml: int) -> float:
    return round(ml / ML_PER_L, 3)


def build_routes(
    nm: NodeModel,
    routes: tuple[tuple[int, ...], ...],
    timing: Sequence[tuple[int | None, tuple[int, int]]] | None = None,
) -> tuple[Route, ...]:
    """Plan routes from node sequences, timed and loaded by `routing.schedule`; `timing`
    gives each vehicle's fixed departure and reload readiness (`evaluate`), for a re-plan."""
    p = nm.problem
    out = []
    for v, seq in enumerate(routes):
        if not seq:
            continue
        ev = evaluate(p, nm.nodes, v, seq, *timing[v]) if timing else evaluate(p, nm.nodes, v, seq)
        if not ev.feasible:
            raise PlanInvalidError(
                f"the search returned an infeasible route for {p.vehicles[v].id} ({ev.violation})"
            )
        ids = lambda ks: tuple(p.orders[k].id for k in ks)  # noqa: E731
        centre = p.points[p.depot(v)].id
        stops = tuple(
            Stop(
                point=centre,
                arrival_s=ev.arrival[i],
                start_s=ev.start[i],
                departure_s=ev.departure[i],
                load_kg=_kg(ev.load_g[i]),
                load_l=_litres(ev.load_ml[i]),
                break_s=ev.rests[i],
                reload=True,
            )
            if k == RELOAD
            else Stop(
                point=p.points[nm.nodes[k].point].id,
                arrival_s=ev.arrival[i],
                start_s=ev.start[i],
                departure_s=ev.departure[i],
                deliver=ids(nm.nodes[k].deliver),
                collect=ids(nm.nodes[k].collect),
                unload=ids(nm.nodes[k].unload),
                load_kg=_kg(ev.load_g[i]),
                load_l=_litres(ev.load_ml[i]),
                break_s=ev.rests[i],
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
    """Search, then turn the node sequences into timed, loaded routes with unserved reasons,
    within `params.time_limit` seconds of wall time for all of it.

    The search gets what the limit leaves after the node model, less a share kept for the
    steps after it: idle vehicles take the visits the search left out (`fill_idle`), orders
    of visits still out get a place one by one (`place_leftovers`), and any order an idle
    vehicle could still serve alone is put on it (`place_on_idle`), so no order is left "not
    placed by the search" beside an idle vehicle that could carry it."""
    params = params or SolveParams()
    t0 = time.perf_counter()
    nm = build_nodes(problem)
    params.progress(
        f"model: {len(problem.orders)} orders in {len(nm.nodes)} stops to place, "
        f"{len(nm.unservable)} orders no vehicle can serve"
    )
    timings = {"model_s": time.perf_counter() - t0}
    reserve = min(
        FINISH_SHARE * params.time_limit, FINISH_BASE_S + FINISH_PER_NODE_S * len(nm.nodes)
    )
    left = params.time_limit - reserve - (time.perf_counter() - t0)
    t = time.perf_counter()
    result = portfolio.solve(nm, replace(params, time_limit=max(left, 0.01)))
    timings["search_s"] = time.perf_counter() - t
    t = time.perf_counter()
    routes = fill_idle(nm, trim_to_rules(nm, result.routes))
    nm, routes = place_leftovers(nm, routes)
    nm, routes = place_cold_legs(nm, routes)
    routes = place_set_aside(nm, routes)
    nm, routes = place_leftovers(nm, routes, set_aside=True)
    reasons = dropped_reasons(nm, routes)
    idle_fits = [o for o, why in reasons.items() if why == "not placed by the search"]
    if idle_fits and any(not seq for seq in routes):
        nm, routes = place_on_idle(nm, routes, idle_fits)
        reasons = dropped_reasons(nm, routes)
    reasons = dict(nm.unservable) | reasons
    unserved = tuple(
        Unserved(order=problem.orders[k].id, reason=reasons[k]) for k in sorted(reasons)
    )
    built = build_routes(nm, routes)
    timings["finish_s"] = time.perf_counter() - t
    stats = {**result.stats, "solve_timings": {k: round(v, 3) for k, v in timings.items()}}
    if nm.overfull:
        stats["overfull"] = list(nm.overfull)
        stats["set_aside"] = len(nm.set_aside)
    fixed = timings["model_s"] + timings["finish_s"] + result.stats.get("construction_s", 0.0)
    if fixed > SEARCH_SHARE_WANTED * params.time_limit:
        # the steps around the search took most of the limit: say what limit would leave the
        # search its share
        stats["limit_too_short"] = math.ceil(fixed / SEARCH_SHARE_WANTED)
    return Solved(built, unserved, result.engine, stats)
