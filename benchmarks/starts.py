"""Where should PyVRP start: OR-Tools' first solution or the greedy construction?

For each day and seed, PyVRP runs on one core for the same wall time from each start (the
start's own time included), and the script prints the objective (cost in yuan plus the
penalties of orders left out) of the start and of the search's end.

    python benchmarks/starts.py --county wugong --date 2026-11-29 --time-limit 30 --seeds 0,1
    python benchmarks/starts.py --county lixian --date 2026-10-14 --time-limit 60 \\
        --data-dir ~/.local/share/rural-route
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from routing.model.params import SolveParams
from routing.model.visits import build_nodes
from routing.pipeline import load_day
from routing.solve.construction import greedy_routes
from routing.solve.engines import EngineResult, ortools_engine, pyvrp_engine
from routing.solve.engines.workers import objective

OR_TOOLS_SHARE = 0.05  # of the limit, at most 2 s: what the portfolio gave it until 2026-12-02


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--county", default="wugong")
    ap.add_argument("--date", default="2026-11-29")
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--data-dir", type=Path, default=None)
    a = ap.parse_args()
    day = load_day(a.county, a.date, a.data_dir)
    nm = build_nodes(day.problem)
    print(f"{a.county} {a.date}: {len(day.problem.orders)} orders, {len(nm.nodes)} stops")
    print("seed | start | start s | start objective | objective after search | iterations")
    for seed in (int(s) for s in a.seeds.split(",")):
        for name in ("ortools", "greedy"):
            t = time.perf_counter()
            if name == "ortools":
                start, made = ortools_engine.first_routes(
                    nm, min(2.0, OR_TOOLS_SHARE * a.time_limit), seed
                )
            else:
                start, made = greedy_routes(nm), "greedy"
            took = time.perf_counter() - t
            first = objective(nm, EngineResult(made, start, {}))
            params = SolveParams(time_limit=a.time_limit - took, seed=seed)
            res = pyvrp_engine.solve(nm, params, start)
            print(
                f"{seed} | {name} ({made}) | {took:.2f} | {first:,.1f} | "
                f"{objective(nm, res):,.1f} | {res.stats.get('iterations')}",
                flush=True,
            )


if __name__ == "__main__":
    main()
