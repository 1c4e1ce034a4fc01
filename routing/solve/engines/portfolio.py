"""Engine choice and the default portfolio: diversified searches side by side on the machine's
cores, the best plan kept.

`auto` runs PyVRP (the stronger search, measured in docs/benchmarks.md) with a different seed on
each core: the first from the construction, with produce for a facility dropped wherever the
search puts it; the second from PyVRP's own start, with every such drop at the end of its route
(`pyvrp_engine.build_data`). Where PyVRP cannot model the day, OR-Tools runs instead, seeded
likewise. With three or more cores OR-Tools also takes one. Large days with much produce for
facilities are instead improved group by group, a group of routes per core (`decompose`).
Workers are forked processes that share the node model copy-on-write. The winner is the lowest
objective (cost plus the penalty of every unserved order), ties to the lowest worker number, so
a fixed seed and iteration budget give the same plan every time.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import time
from dataclasses import replace
from typing import NamedTuple

from ...errors import EngineError
from ...model.nodes import NodeModel
from ...model.params import SolveParams, silent
from ..construction import greedy_routes
from . import EngineResult, decompose, ortools_engine, pyvrp_engine
from .workers import forked_pool, objective

MIN_SEARCH_S = 0.2  # with less time left after the construction, no search is started
ORTOOLS_START_SHARE = 0.05  # of the limit, at most 2 s, for OR-Tools' first solution
# Beyond this OR-Tools' insertion does not finish in its 2 s: cut off with visits left out on
# G&H 1,000 (2.4 s, 7-12 times the greedy objective) and Lixian; 0.7 s on 523 stops
ORTOOLS_START_MAX_NODES = 800
# One search alone drops produce at the end of its routes when this share of the stops or more
# are visits whose produce goes to a facility (docs/benchmarks.md: Wugong's harvest day 0.30,
# Lixian's 0.30, an ordinary day 0.01).
DROPS_AT_END_MIN_SHARE = 0.1
# Large days with such produce, on two cores or more, are improved group by group, a group of
# routes per core (`decompose`): on Lixian's harvest day (1,569 stops) 1.0 % above the best
# 20-minute result after 60 s (mean of 3 seeds), against 6.5 % for PyVRP on the whole day
# (docs/benchmarks.md).
DECOMPOSE_MIN_NODES = 1000
# The groups' plan levels off after a minute or two (21,291 yuan after 93 s, 21,214 after 667 s
# on Lixian), while PyVRP on the whole day goes on improving (20,911 after 20 minutes): beyond
# this time the whole day is searched, from the groups' plan.
DECOMPOSE_MAX_S = 90.0
WHOLE_DAY_MIN_S = 10.0  # less is not worth PyVRP's start on a day this size
_SHARED: dict = {}  # the node model, inherited by forked workers


class Job(NamedTuple):
    """One search of the portfolio."""

    engine: str
    seed: int
    warm: bool  # from the construction, else from the engine's own start
    drops_at_end: bool = False  # PyVRP: produce for a facility dropped at the end of the route

    def run(self, nm: NodeModel, params: SolveParams, initial) -> EngineResult:
        params = replace(params, seed=self.seed)
        if self.engine == "pyvrp":
            return pyvrp_engine.solve(
                nm, params, initial, drops_at_end=self.drops_at_end, warm=self.warm
            )
        return ortools_engine.solve(nm, params, initial=initial if self.warm else None)


def _worker(job: Job, params: SolveParams) -> EngineResult:
    updates = _SHARED["updates"]

    def report(elapsed: float, cost: float, unserved: int) -> None:
        updates.put((unserved, cost))

    return job.run(_SHARED["nm"], replace(params, on_improve=report), _SHARED["initial"])


def plan_jobs(nm: NodeModel, seed: int, workers: int) -> list[Job]:
    """The searches, one per worker. The two PyVRP searches differ in their start and in where
    produce is dropped: the construction can anchor the search (tight-window benchmark days)
    and PyVRP's start can miss where the construction does not; drops at the end search harvest
    days far faster and better, but force every vehicle that could carry produce for a facility
    past it (docs/benchmarks.md). Where no produce goes to a facility the two models are the
    same. On an over-full day both drop freely: capacity binds there, and a vehicle that
    unloads mid-route can collect more (at 1,000 iterations on Wugong's 2026-11-16, drops at the
    end left out orders the fleet had room for). One search alone drops at the end as
    `alone_drops_at_end` says."""
    if pyvrp_engine.supports(nm) is not None:
        return [Job("ortools", seed + k, True) for k in range(workers)]
    if workers == 1:
        return [Job("pyvrp", seed, True, alone_drops_at_end(nm))]
    jobs = [Job("pyvrp", seed, True), Job("pyvrp", seed + 1, False, not nm.overfull)]
    jobs += [Job("ortools", seed + k, True) for k in range(2, workers)]
    return jobs


def _much_produce_for_facilities(nm: NodeModel) -> bool:
    visits = sum(1 for n in nm.nodes if n.facility_bound)
    return visits >= DROPS_AT_END_MIN_SHARE * len(nm.nodes)


def alone_drops_at_end(nm: NodeModel) -> bool:
    """Whether a PyVRP search on its own drops produce at the end of its routes: where much
    produce goes to facilities, unless the day is over-full (capacity binds there, and a
    vehicle that unloads mid-route can collect more)."""
    return _much_produce_for_facilities(nm) and not nm.overfull


def _in_parallel(
    nm: NodeModel, jobs: list[Job], params: SolveParams, initial, t0: float, on_improve
) -> list[EngineResult]:
    """Each job in a forked worker process that dies with this one; the best cost seen by any
    worker is reported as it improves."""
    _SHARED["nm"] = nm
    _SHARED["initial"] = initial
    _SHARED["updates"] = updates = mp.get_context("fork").Queue()
    try:
        with forked_pool(len(jobs)) as pool:
            pending = [pool.apply_async(_worker, (job, params)) for job in jobs]
            best = (float("inf"), float("inf"))
            while not all(p.ready() for p in pending):
                try:
                    found = updates.get(timeout=0.2)
                except queue.Empty:
                    continue
                if found < best and on_improve:
                    best = found
                    on_improve(time.perf_counter() - t0, found[1], found[0])
            return [p.get() for p in pending]
    finally:
        _SHARED.clear()


def solve(nm: NodeModel, params: SolveParams) -> EngineResult:
    """The day's routes by `params.engine`, within `params.time_limit` seconds of wall time:
    one engine, or the portfolio (`auto`). PyVRP and the portfolio search from the greedy
    construction, which always completes; when the time left after it is too short to search,
    the construction is the result (engine "construction")."""
    engine = params.engine
    if engine == "pyvrp" and (why := pyvrp_engine.supports(nm)):
        raise EngineError(f"PyVRP cannot model this day ({why}); use --engine ortools or auto")
    t0 = time.perf_counter()
    if engine == "ortools":
        return ortools_engine.solve(nm, params)
    initial, how = first_solution(nm, params)
    built = {"construction": how, "construction_s": round(time.perf_counter() - t0, 3)}
    params.progress(f"first solution: {how} construction in {built['construction_s']:.1f} s")
    left = params.time_limit - (time.perf_counter() - t0)
    if not nm.nodes or left < MIN_SEARCH_S:
        return EngineResult("construction", initial, {**built, "search": "skipped"})
    if engine == "pyvrp":
        result = pyvrp_engine.solve(
            nm, replace(params, time_limit=left), initial, drops_at_end=alone_drops_at_end(nm)
        )
        return EngineResult(result.engine, result.routes, {**built, **result.stats})
    workers = params.workers or os.cpu_count() or 1
    jobs = plan_jobs(nm, params.seed, workers)
    grouped = None
    if workers > 1 and _decompose(nm):
        phase = min(left, DECOMPOSE_MAX_S)
        result = decompose.improve(nm, initial, replace(params, time_limit=phase), workers)
        left = params.time_limit - (time.perf_counter() - t0)
        built.update(result.stats)
        if left < WHOLE_DAY_MIN_S and not params.iterations:
            return EngineResult(result.engine, result.routes, built)
        # then PyVRP on the whole day from the groups' plan, a seed per core
        grouped, initial, how = result, result.routes, "decomposition"
        jobs = [Job("pyvrp", params.seed + k, True, True) for k in range(2)] + jobs[2:]
    if len(jobs) == 1:
        results = [jobs[0].run(nm, replace(params, time_limit=left), initial)]
    else:
        quiet = replace(params, time_limit=left, on_improve=None, progress=silent)  # picklable
        results = _in_parallel(nm, jobs, quiet, initial, t0, params.on_improve)
    scored = [(objective(nm, r), i) for i, r in enumerate(results)]
    best, winner = min(scored)
    chosen = results[winner]
    if grouped and objective(nm, grouped) <= best:  # the whole-day searches found nothing better
        chosen, winner = grouped, -1
    stats = {
        **built,
        **chosen.stats,
        "engine": "auto",
        "winner": winner,
        "workers": [
            {
                "engine": j.engine,
                "seed": j.seed,
                "start": how if j.warm else j.engine,
                "drops": "at the end" if j.drops_at_end else "free",
                "objective": round(o, 2),
            }
            for j, (o, _) in zip(jobs, scored, strict=True)
        ],
    }
    return EngineResult(chosen.engine, chosen.routes, stats)


def _decompose(nm: NodeModel) -> bool:
    return (
        len(nm.nodes) >= DECOMPOSE_MIN_NODES
        and _much_produce_for_facilities(nm)
        and pyvrp_engine.supports(nm) is None
    )


def first_solution(nm: NodeModel, params: SolveParams) -> tuple[tuple[tuple[int, ...], ...], str]:
    """The better (lower objective) of the greedy construction and, on days of up to
    `ORTOOLS_START_MAX_NODES` stops, OR-Tools' parallel cheapest insertion within
    `ORTOOLS_START_SHARE` of the limit (at most 2 s). Measured (docs/benchmarks.md): the
    greedy start is far better on harvest days, where the insertion is cut off with visits
    left out; on tight-window benchmarks the insertion can be the better one."""
    greedy = greedy_routes(nm)
    if not nm.nodes or len(nm.nodes) > ORTOOLS_START_MAX_NODES:
        return greedy, "greedy"
    seconds = min(2.0, ORTOOLS_START_SHARE * params.time_limit)
    inserted, how = ortools_engine.first_routes(nm, seconds, params.seed)
    mine = objective(nm, EngineResult("greedy", greedy, {}))
    theirs = objective(nm, EngineResult(how, inserted, {}))
    return (inserted, how) if theirs < mine else (greedy, "greedy")
