"""Engine choice and the default portfolio: diversified searches side by side on the machine's
cores, the best plan kept.

`auto` runs PyVRP (the stronger search, measured in docs/benchmarks.md) with a different seed on
each core, the first from the construction, the second from PyVRP's own start; where PyVRP
cannot model the day, OR-Tools runs instead, seeded likewise. With three
or more cores OR-Tools also takes one. Workers are forked processes that share the node model
copy-on-write. The winner is the lowest objective (cost plus the penalty of every unserved
order), ties to the lowest worker number, so a fixed seed and iteration budget give the same
plan every time.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import time
from dataclasses import replace

from ...errors import EngineError
from ...model.nodes import NodeModel
from ...model.params import SolveParams, silent
from ..construction import greedy_routes
from . import EngineResult, decompose, ortools_engine, pyvrp_engine
from .workers import forked_pool, objective

MIN_SEARCH_S = 0.2  # with less time left after the construction, no search is started
ORTOOLS_START_SHARE = 0.05  # of the limit, at most 2 s, for OR-Tools' first solution
ORTOOLS_START_MAX_NODES = 1000  # beyond this it is cut off with visits left out (Lixian)
# Large days whose produce goes to facilities are improved group by group (`decompose`): PyVRP's
# shipment moves, 88 % of its search time there, make whole-day iterations so slow (37 ms on
# Lixian's harvest day, 1,569 stops) that it stalls. Without such pickups (the 1,000-customer
# benchmarks) PyVRP on the whole day is far better (docs/benchmarks.md).
DECOMPOSE_MIN_NODES = 1000
DECOMPOSE_MIN_SHIPMENT_SHARE = 0.1  # of the stops, visits whose produce goes to a facility
_SHARED: dict = {}  # the node model, inherited by forked workers


def _run(engine: str, nm: NodeModel, params: SolveParams, initial=None) -> EngineResult:
    if engine == "pyvrp":
        return pyvrp_engine.solve(nm, params, initial)
    return ortools_engine.solve(nm, params, initial=initial)


def _worker(job: tuple[str, SolveParams, bool]) -> EngineResult:
    engine, params, warm = job
    updates = _SHARED["updates"]

    def report(elapsed: float, cost: float, unserved: int) -> None:
        updates.put((unserved, cost))

    initial = _SHARED.get("initial") if warm else None
    return _run(engine, _SHARED["nm"], replace(params, on_improve=report), initial)


def plan_jobs(nm: NodeModel, seed: int, workers: int) -> list[tuple[str, int, bool]]:
    """(engine, seed, from the construction?) per worker. The second PyVRP worker starts from
    PyVRP's own start instead: the construction can anchor the search (tight-window benchmark
    days), PyVRP's start can miss where the construction does not (harvest days)."""
    if pyvrp_engine.supports(nm) is not None:
        return [("ortools", seed + k, True) for k in range(workers)]
    jobs = [("pyvrp", seed + k, k == 0) for k in range(min(workers, 2))]
    jobs += [("ortools", seed + k, True) for k in range(workers - len(jobs))]
    return jobs


def _in_parallel(
    nm: NodeModel, jobs: list[tuple[str, SolveParams, bool]], initial, t0: float, on_improve
) -> list[EngineResult]:
    """Each job in a forked worker process that dies with this one; the best cost seen by any
    worker is reported as it improves."""
    _SHARED["nm"] = nm
    _SHARED["initial"] = initial
    _SHARED["updates"] = updates = mp.get_context("fork").Queue()
    try:
        with forked_pool(len(jobs)) as pool:
            pending = [pool.apply_async(_worker, (job,)) for job in jobs]
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
        result = pyvrp_engine.solve(nm, replace(params, time_limit=left), initial)
        return EngineResult(result.engine, result.routes, {**built, **result.stats})
    workers = params.workers or os.cpu_count() or 1
    if _decompose(nm):
        result = decompose.improve(nm, initial, replace(params, time_limit=left), workers)
        return EngineResult(result.engine, result.routes, {**built, **result.stats})
    jobs = plan_jobs(nm, params.seed, workers)
    if len(jobs) == 1:
        e, s, _ = jobs[0]
        results = [_run(e, nm, replace(params, seed=s, time_limit=left), initial)]
    else:
        quiet = replace(params, on_improve=None, progress=silent)  # picklable for the workers
        runs = [(e, replace(quiet, seed=s, time_limit=left), w) for e, s, w in jobs]
        results = _in_parallel(nm, runs, initial, t0, params.on_improve)
    scored = [(objective(nm, r), i) for i, r in enumerate(results)]
    _, winner = min(scored)
    chosen = results[winner]
    stats = {
        **built,
        **chosen.stats,
        "engine": "auto",
        "winner": winner,
        "workers": [
            {"engine": e, "seed": s, "start": how if w else e, "objective": round(o, 2)}
            for (e, s, w), (o, _) in zip(jobs, scored, strict=True)
        ],
    }
    return EngineResult(chosen.engine, chosen.routes, stats)


def _decompose(nm: NodeModel) -> bool:
    shipments = sum(1 for n in nm.nodes if n.unload)
    return (
        len(nm.nodes) >= DECOMPOSE_MIN_NODES
        and shipments >= DECOMPOSE_MIN_SHIPMENT_SHARE * len(nm.nodes)
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
