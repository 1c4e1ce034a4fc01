"""Engine choice and the default portfolio: diversified searches side by side on the machine's
cores, the best plan kept.

`auto` runs PyVRP (the stronger search, measured in docs/benchmarks.md) with a different seed on
each core; where PyVRP cannot model the day, OR-Tools runs instead, seeded likewise. With three
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
from collections.abc import Callable

import numpy as np

from ..errors import EngineError
from ..schedule import evaluate
from ..visits import NodeModel
from . import EngineResult, ortools_engine, pyvrp_engine

ENGINES = ("auto", "ortools", "pyvrp")
WARM_START_SHARE = 0.05  # of the time limit, at most 2 s, for the shared first solution
_SHARED: dict = {}  # the node model, inherited by forked workers


def objective(nm: NodeModel, result: EngineResult) -> float:
    """Cost in yuan plus the penalties of the nodes left out: what every engine minimises."""
    served = {k for seq in result.routes for k in seq}
    cost = 0.0
    for v, seq in enumerate(result.routes):
        if seq:
            ev = evaluate(nm.problem, nm.nodes, v, seq)
            if not ev.feasible:
                return float("inf")
            cost += ev.cost
    return cost + sum(n.penalty for k, n in enumerate(nm.nodes) if k not in served)


def _run(
    engine: str,
    nm: NodeModel,
    time_limit: float,
    seed: int,
    iterations: int | None,
    progress,
    initial=None,
) -> EngineResult:
    if engine == "pyvrp":
        return pyvrp_engine.solve(nm, time_limit, seed, iterations, progress, initial)
    return ortools_engine.solve(nm, time_limit, seed, iterations, progress)


def _worker(job: tuple) -> EngineResult:
    engine, seed, time_limit, iterations = job
    updates = _SHARED["updates"]

    def progress(elapsed: float, cost: float) -> None:
        updates.put(cost)

    return _run(
        engine, _SHARED["nm"], time_limit, seed, iterations, progress, _SHARED.get("initial")
    )


def plan_jobs(nm: NodeModel, seed: int, workers: int) -> list[tuple[str, int]]:
    """(engine, seed) per worker."""
    if pyvrp_engine.supports(nm) is not None:
        return [("ortools", seed + k) for k in range(workers)]
    jobs = [("pyvrp", seed + k) for k in range(min(workers, 2))]
    jobs += [("ortools", seed + k) for k in range(workers - len(jobs))]
    return jobs


def solve(
    nm: NodeModel,
    time_limit: float,
    seed: int = 0,
    iterations: int | None = None,
    progress: Callable[[float, float], None] | None = None,
    engine: str = "auto",
    workers: int | None = None,
) -> EngineResult:
    if engine not in ENGINES:
        raise EngineError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    if engine == "pyvrp" and (why := pyvrp_engine.supports(nm)):
        raise EngineError(f"PyVRP cannot model this day ({why}); use --engine ortools or auto")
    if engine != "auto":
        return _run(engine, nm, time_limit, seed, iterations, progress)
    workers = workers or os.cpu_count() or 1
    jobs = plan_jobs(nm, seed, workers)
    t0 = time.perf_counter()
    initial = None
    if any(e == "pyvrp" for e, _ in jobs) and nm.nodes:
        # PyVRP starts from OR-Tools' first solution, which never fails: PyVRP alone can end
        # a short search with no feasible solution at all (seen on small random days).
        initial, _ = ortools_engine.first_routes(
            nm, min(2.0, WARM_START_SHARE * time_limit), np.random.default_rng(seed), seed
        )
        time_limit = max(0.1, time_limit - (time.perf_counter() - t0))
    if len(jobs) == 1:
        result = _run(jobs[0][0], nm, time_limit, jobs[0][1], iterations, progress, initial)
        results = [result]
    else:
        ctx = mp.get_context("fork")
        _SHARED["nm"] = nm
        _SHARED["initial"] = initial
        _SHARED["updates"] = updates = ctx.Queue()
        try:
            with ctx.Pool(len(jobs)) as pool:
                pending = [
                    pool.apply_async(_worker, ((e, s, time_limit, iterations),)) for e, s in jobs
                ]
                best = float("inf")
                while not all(p.ready() for p in pending):
                    try:
                        cost = updates.get(timeout=0.2)
                    except queue.Empty:
                        continue
                    if cost < best and progress:
                        best = cost
                        progress(time.perf_counter() - t0, cost)
                results = [p.get() for p in pending]
        finally:
            _SHARED.clear()
    scored = [(objective(nm, r), i) for i, r in enumerate(results)]
    _, winner = min(scored)
    chosen = results[winner]
    stats = {
        **chosen.stats,
        "engine": "auto",
        "winner": winner,
        "workers": [
            {"engine": e, "seed": s, "objective": round(o, 2)}
            for (e, s), (o, _) in zip(jobs, scored, strict=True)
        ],
    }
    return EngineResult(chosen.engine, chosen.routes, stats)
