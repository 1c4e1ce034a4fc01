"""Trips against one trip per vehicle, on the same days in one process: the plan's marginal
cost, vehicles, trips, km, hours and unserved orders by reason, each plan validated.

The fleet as its `fleet.csv` says (Wugong: two trips, 30 minutes at the dock), then the same
fleet with `max_trips` = 1, same seed and time limit.

    python benchmarks/trips.py --dates 2026-11-16,2026-11-29,2026-10-14 --time-limit 30
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from dataclasses import replace


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dates", default="2026-11-16")
    ap.add_argument("--county", default="wugong")
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    from routing.model.params import SolveParams
    from routing.pipeline import load_day, solve_day
    from routing.plans.validate import validate

    params = SolveParams(time_limit=args.time_limit, seed=args.seed)
    print(
        f"{'date':10} {'fleet':9} {'veh':>4} {'trips':>5} {'km':>7} {'hours':>6} "
        f"{'cost':>9} {'wall s':>6}  unserved"
    )
    for date in args.dates.split(","):
        day = load_day(args.county, date)
        one = replace(
            day.problem,
            vehicles=tuple(replace(v, max_trips=1) for v in day.problem.vehicles),
        )
        for label, d in (("trips", day), ("one trip", replace(day, problem=one))):
            t = time.perf_counter()
            plan = solve_day(d, params)
            wall = time.perf_counter() - t
            bad = validate(plan, d.problem)
            s = plan.summary()
            why = Counter(u.reason for u in plan.unserved)
            print(
                f"{date:10} {label:9} {s['vehicles_used']:>4} "
                f"{sum(r.trips for r in plan.routes):>5} {s['distance_km']:>7.1f} "
                f"{s['hours']:>6.1f} {s['cost_yuan']:>9.2f} {wall:>6.1f}  "
                f"{dict(why) or 0}{'  INVALID: ' + str(bad[0]) if bad else ''}"
            )


if __name__ == "__main__":
    main()
