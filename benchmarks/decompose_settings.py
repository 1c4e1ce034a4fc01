"""The solve stage of a large day under other settings of the group-by-group search.

Runs `solve_problem` (what `route plan` does between loading and writing) on one day, once per
seed and setting, and prints the cost, vehicles used, orders unserved and rounds. A setting is
a space-separated list of `NAME=VALUE` for the constants of `routing.solve.engines.decompose`
(`MIN_GROUP_ROUTES`, `GROUP_SECONDS`, `SPLIT_SHIFT`, `SPARE_VEHICLES`); an empty setting is
the current code.

    python benchmarks/decompose_settings.py --county lixian --date 2026-10-14 \\
        --time-limit 60 --seeds 1,2 "" "GROUP_SECONDS=3" "MIN_GROUP_ROUTES=30"
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from routing.model.params import SolveParams
from routing.pipeline import load_day
from routing.solve.engines import decompose
from routing.solve.solver import solve_problem


def _apply(setting: str) -> dict:
    """Set the constants of `setting`; returns the previous values."""
    saved = {}
    for item in setting.split():
        name, value = item.split("=")
        old = getattr(decompose, name)
        saved.setdefault(name, old)
        setattr(decompose, name, type(old)(value))
    return saved


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("settings", nargs="*", default=[""])
    ap.add_argument("--county", default="lixian")
    ap.add_argument("--date", default="2026-10-14")
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--seeds", default="1,2")
    args = ap.parse_args()
    problem = load_day(args.county, args.date, args.data_dir).problem
    seeds = [int(s) for s in args.seeds.split(",")]
    for setting in args.settings:
        saved = _apply(setting)
        costs = []
        for seed in seeds:
            s = solve_problem(problem, SolveParams(time_limit=args.time_limit, seed=seed))
            cost = sum(r.cost_yuan for r in s.routes)
            costs.append(cost)
            print(
                f"{setting or 'current':45} seed {seed}: {cost:,.2f} yuan, "
                f"{sum(1 for r in s.routes if r.stops)} vehicles, {len(s.unserved)} unserved, "
                f"{s.stats.get('decomposition', {}).get('rounds', 0)} rounds",
                flush=True,
            )
        print(f"{setting or 'current':45} mean {statistics.fmean(costs):,.2f} yuan", flush=True)
        for name, value in saved.items():
            setattr(decompose, name, value)


if __name__ == "__main__":
    main()
