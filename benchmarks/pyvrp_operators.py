"""PyVRP operator sets, measured on Wugong days: PyVRP's default operators against the project's
(the defaults less the moves that take an optional node out of a route).

Each run is the project's PyVRP engine on one core, from OR-Tools' first solution, as in the
default portfolio. Prints the objective (cost plus penalties of unserved orders, yuan) per seed
and the mean per setting and day; two runs go side by side on two cores.

    python benchmarks/pyvrp_operators.py --dates 2026-11-29,2026-10-14,2026-11-16 \\
        --seeds 0,1,2,3 --time-limit 30
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics

from routing.model.params import SolveParams
from routing.model.visits import build_nodes
from routing.pipeline import load_day
from routing.solve.engines import pyvrp_engine
from routing.solve.engines.portfolio import first_solution
from routing.solve.engines.workers import objective

SETTINGS = {
    "pyvrp-default-operators": frozenset(),
    "project": pyvrp_engine.SKIPPED_OPERATORS,
}
_MODELS: dict = {}


def run(job: tuple[str, str, int, float]) -> tuple[str, str, int, float, int]:
    date, setting, seed, seconds = job
    nm = _MODELS[date]
    params = SolveParams(time_limit=seconds, seed=seed)
    first, _ = first_solution(nm, params)
    result = pyvrp_engine.solve(
        nm, params, initial=first, search=pyvrp_engine.Search(skip=SETTINGS[setting])
    )
    return date, setting, seed, objective(nm, result), result.stats["iterations"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--county", default="wugong")
    ap.add_argument("--dates", default="2026-11-29,2026-10-14")
    ap.add_argument("--seeds", default="0,1,2,3")
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    dates = args.dates.split(",")
    seeds = [int(s) for s in args.seeds.split(",")]
    for d in dates:
        _MODELS[d] = build_nodes(load_day(args.county, d).problem)
    jobs = [(d, s, k, args.time_limit) for d in dates for s in SETTINGS for k in seeds]
    with mp.get_context("fork").Pool(args.workers) as pool:
        results = pool.map(run, jobs, chunksize=1)
    print(f"{'date':11} {'setting':24} {'mean':>10} {'iterations':>11}  per seed")
    for d in dates:
        for s in SETTINGS:
            mine = [(o, it) for dd, ss, _, o, it in results if (dd, ss) == (d, s)]
            objs = [o for o, _ in mine]
            print(
                f"{d:11} {s:24} {statistics.fmean(objs):10.2f} "
                f"{statistics.fmean(it for _, it in mine):11.0f}  "
                + " ".join(f"{o:.2f}" for o in objs),
                flush=True,
            )


if __name__ == "__main__":
    main()
