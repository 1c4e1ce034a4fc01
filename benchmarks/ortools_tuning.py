"""OR-Tools search settings, measured: first-solution strategy, metaheuristic and operators.

Runs the project's OR-Tools engine (same model, same first-solution phases) under each
setting on the same instances and time limit, and prints the mean and max gap to the
best-known solutions. The defaults in `routing.engines.ortools_engine.DEFAULT_TUNING` are the
winner of this script's last run (docs/benchmarks.md).

    python benchmarks/ortools_tuning.py ../shared/benchmarks/solomon \\
        --bks ../shared/benchmarks/solomon/bks.csv --time-limit 10 --only C101,R101,...
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from routing.bench.readers import read_instance, to_problem
from routing.bench.runner import gap, instance_files, read_bks
from routing.model.params import SolveParams
from routing.model.visits import build_nodes
from routing.solve.engines import ortools_engine
from routing.solve.engines.ortools_engine import Tuning

SETTINGS = {
    "or-tools-defaults": Tuning(),
    "gls-lambda-0.3": Tuning(gls_lambda=0.3),
    "simulated-annealing": Tuning(metaheuristic="SIMULATED_ANNEALING"),
    "tabu-search": Tuning(metaheuristic="TABU_SEARCH"),
    "savings-first": Tuning(first_solution="SAVINGS"),
    "path-cheapest-arc-first": Tuning(first_solution="PATH_CHEAPEST_ARC"),
    "gls+more-operators": Tuning(
        operators=(
            ("use_relocate_neighbors", True),
            ("use_cross_exchange", True),
            ("use_extended_swap_active", True),
            ("use_path_lns", True),
        )
    ),
    "gls-no-lns": Tuning(operators=ortools_engine.NO_INSERTION_LNS),  # the project's default
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("directory", type=Path)
    ap.add_argument("--bks", type=Path, required=True)
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--only", default="", help="comma-separated instance names")
    ap.add_argument("--settings", default=",".join(SETTINGS))
    args = ap.parse_args()
    bks = read_bks(args.bks)
    only = set(filter(None, args.only.split(",")))
    files = [
        f
        for f in instance_files(args.directory)
        if f.stem in bks and (not only or f.stem in only) and f.suffix != ".txt"
    ]
    names = args.settings.split(",")
    gaps: dict[str, list[float]] = {n: [] for n in names}
    dropped: dict[str, int] = dict.fromkeys(names, 0)
    for f in files:
        inst = read_instance(f)
        nm = build_nodes(to_problem(inst))
        cells = []
        for name in names:
            params = SolveParams(time_limit=args.time_limit)
            result = ortools_engine.solve(nm, params, tuning=SETTINGS[name])
            served = {k for seq in result.routes for k in seq}
            # problem points keep the instance's node order, so a node's point is its position
            routes = [[nm.nodes[k].point for k in seq] for seq in result.routes if seq]
            if len(served) < len(nm.nodes):
                dropped[name] += 1
                cells.append(f"{'dropped':>10}")
                continue
            g = gap(inst.cost(routes), bks[f.stem])
            gaps[name].append(g)
            cells.append(f"{g:10.2f}")
        print(f"{f.stem:8}" + "".join(cells), flush=True)
    print(f"\n{'setting':26} {'complete':>9} {'mean gap %':>11} {'max':>8}")
    for name in names:
        g = gaps[name]
        print(
            f"{name:26} {len(g):>4} of {len(files):<3} "
            f"{statistics.fmean(g) if g else float('nan'):>11.3f} "
            f"{max(g) if g else float('nan'):>8.3f}"
        )


if __name__ == "__main__":
    main()
