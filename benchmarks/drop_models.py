"""One PyVRP search per model of the produce bound for a facility, side by side.

For each day and seed, runs PyVRP's search alone (the solve stage's first solution, then
`pyvrp_engine.solve`) four ways: produce dropped freely (shipments) or at the end of each route,
each from the construction and from PyVRP's own start. Two searches run at a time, one per
core, as in the portfolio. Prints the cost in yuan, the objective (cost plus the penalties of
visits left out), orders left out, vehicles used and PyVRP's iterations.

    python benchmarks/drop_models.py --days wugong:2026-11-29,wugong:2026-10-14 --seeds 1,2
    python benchmarks/drop_models.py --days lixian:2026-10-14 --data-dir DATA --time-limit 60
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time
from pathlib import Path

from routing.model.params import SolveParams
from routing.model.schedule import evaluate
from routing.model.visits import build_nodes
from routing.pipeline import load_day
from routing.solve.engines import pyvrp_engine
from routing.solve.engines.portfolio import first_solution
from routing.solve.engines.workers import objective


def run(county: str, date: str, data_dir, limit: float, at_end: bool, warm: bool, seed: int):
    nm = build_nodes(load_day(county, date, data_dir).problem)
    t0 = time.perf_counter()
    params = SolveParams(time_limit=limit, seed=seed)
    start, how = first_solution(nm, params) if warm else (None, "pyvrp")
    left = limit - (time.perf_counter() - t0)
    result = pyvrp_engine.solve(
        nm, SolveParams(time_limit=left, seed=seed), start, drops_at_end=at_end
    )
    cost = sum(evaluate(nm.problem, nm.nodes, v, q).cost for v, q in enumerate(result.routes) if q)
    served = {k for q in result.routes for k in q}
    out = sum(len(n.orders) for k, n in enumerate(nm.nodes) if k not in served and not n.unload)
    return (
        f"{county} {date} seed {seed} drops {'at the end' if at_end else 'free':10} "
        f"start {how:8}: cost {cost:,.2f} objective {objective(nm, result):,.2f} "
        f"left out {out} vehicles {sum(1 for q in result.routes if q)} "
        f"iterations {result.stats['iterations']}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", default="wugong:2026-11-29,wugong:2026-11-16,wugong:2026-10-14")
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--seeds", default="1,2")
    args = ap.parse_args()
    ctx = mp.get_context("fork")
    with ctx.Pool(2) as pool:
        for day in args.days.split(","):
            county, date = day.split(":")
            for seed in (int(s) for s in args.seeds.split(",")):
                for at_end in (True, False):
                    jobs = [
                        (county, date, args.data_dir, args.time_limit, at_end, warm, seed)
                        for warm in (True, False)
                    ]
                    for line in pool.starmap(run, jobs):
                        print(line, flush=True)


if __name__ == "__main__":
    main()
