"""A visit calendar against daily visits, over one week: the routes' cost, km, vehicles and
village visits of each, and how long parcels waited for their village's visit.

The calendar is made (`route schedule`) for the week and the one before it, so the week's
first days carry the orders deferred from the days before. Each day is planned twice in one
process, with and without the calendar (same seed and time limit), into a scratch data home.

    python benchmarks/visit_calendar.py --from 2026-03-02 --time-limit 10
    python benchmarks/visit_calendar.py --from 2026-10-05 --time-limit 10
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--from", dest="start", required=True, help="the week's first day")
    ap.add_argument("--county", default="wugong")
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--max-wait", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["ROUTE_DATA_DIR"] = home
        run(args, Path(home))


def run(args, home: Path) -> None:
    from routing.calendars.schedule import make_calendar
    from routing.model.params import SolveParams
    from routing.pipeline import load_day, solve_day

    first = dt.date.fromisoformat(args.start)
    last = first + dt.timedelta(days=args.days - 1)
    s = make_calendar(args.county, first - dt.timedelta(days=7), last, args.max_wait)
    print(
        f"calendar {s.path.name}: daily {s.count('daily')}, mon-wed-fri "
        f"{s.count('mon-wed-fri')}, tue-thu-sat {s.count('tue-thu-sat')} villages; "
        f"{s.visits_saved:.0%} fewer village visits a week"
    )
    params = SolveParams(time_limit=args.time_limit)
    total = {True: [0.0, 0.0, 0, 0, 0, 0.0, 0], False: [0.0, 0.0, 0, 0, 0, 0.0, 0]}
    print(
        f"{'date':10} {'mode':8} {'orders':>6} {'visits':>6} {'veh':>4} {'km':>7} "
        f"{'cost':>9} {'unserved':>8} {'wait mean/max':>13}"
    )
    for k in range(args.days):
        day = (first + dt.timedelta(days=k)).isoformat()
        for cal in (False, True):
            d = load_day(args.county, day, calendar=cal)
            plan = solve_day(d, params)
            stops = sum(len({s.point for s in r.stops}) for r in plan.routes)
            km = plan.distance_m / 1000
            w = plan.stats.get("calendar", {}).get("parcel_wait_days", {"mean": 0.0, "max": 0})
            parcels = sum(o.parcels for o in d.problem.orders if o.kind == "delivery")
            t = total[cal]
            t[0] += plan.cost_yuan
            t[1] += km
            t[2] += len(plan.routes)
            t[3] += stops
            t[4] += len(plan.unserved)
            t[5] += w["mean"] * parcels
            t[6] = max(t[6], w["max"])
            t.append(parcels)
            mode = "calendar" if cal else "daily"
            print(
                f"{day:10} {mode:8} {len(d.problem.orders):6d} {stops:6d} {len(plan.routes):4d} "
                f"{km:7.1f} {plan.cost_yuan:9.2f} {len(plan.unserved):8d} "
                f"{w['mean']:6.2f}/{w['max']}"
            )
    for cal in (False, True):
        t = total[cal]
        parcels = sum(t[7:])
        print(
            f"week {'calendar' if cal else 'daily':8}: cost {t[0]:,.2f} yuan, {t[1]:,.0f} km, "
            f"{t[2]} vehicle-days, {t[3]} place visits, {t[4]} unserved; parcels waited "
            f"{t[5] / parcels if parcels else 0:.2f} days on average, at most {t[6]}"
        )
    saved = 1 - total[True][0] / total[False][0]
    print(f"calendar against daily: {saved:+.1%} cost saved")


if __name__ == "__main__":
    main()
