"""Stage timings and plan cost for one Wugong day.

Prints the wall time of each stage (load, graph, snap, matrices cold and cached, solve,
validate, write), the size of the day, and the plan cost at several time limits.

    python benchmarks/plan_wugong.py --date 2026-11-29 --limits 10,30,120
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from routing.exports.plan_outputs import write_plan
from routing.inputs.county import load_county
from routing.inputs.demo_orders import generate_orders
from routing.model.params import SolveParams
from routing.network.graph import read_road_arrays, snap
from routing.network.matrices import matrices_for
from routing.pipeline import load_day, solve_day
from routing.plans.validate import validate
from routing.units import parse_date


def stage(label: str, seconds: float) -> None:
    print(f"  {label:<28} {seconds:8.3f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--date", default="2026-11-29")
    ap.add_argument("--county", default="wugong")
    ap.add_argument("--limits", default="10,30,120", help="comma-separated search seconds")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        print(f"{args.county} {args.date}")
        t = time.perf_counter()
        county = load_county(args.county)
        orders = generate_orders(
            parse_date(args.date),
            county.points,
            county.demand_rows(),
            county.meta["adcode"],
            int(county.meta["seed"]),
        )
        stage("load county + orders", time.perf_counter() - t)
        t = time.perf_counter()
        arrays = read_road_arrays(county.graph_path, cache)
        stage("graph (GraphML parse)", time.perf_counter() - t)
        t = time.perf_counter()
        read_road_arrays(county.graph_path, cache)
        stage("graph (cached arrays)", time.perf_counter() - t)
        lon = np.array([p.lon for p in county.points])
        lat = np.array([p.lat for p in county.points])
        t = time.perf_counter()
        nodes, _ = snap(arrays, [p.id for p in county.points], lon, lat)
        stage("snap", time.perf_counter() - t)
        profiles = [v.profile for v in county.fleet]
        t = time.perf_counter()
        matrices_for(arrays, nodes, profiles, cache)
        stage(f"matrices cold ({len({p.key for p in profiles})} profiles)", time.perf_counter() - t)
        t = time.perf_counter()
        matrices_for(arrays, nodes, profiles, cache)
        stage("matrices cached", time.perf_counter() - t)
        print(
            f"  road nodes {arrays.n_nodes}, service points {len(county.points)}, "
            f"orders {len(orders)}, vehicles {len(county.fleet)}"
        )

        day = load_day(args.county, args.date, cache_dir=cache)
        print(
            "time limit    cost (yuan)   vehicles   km       unserved   solve s   "
            "validate s   write s"
        )
        for limit in (float(x) for x in args.limits.split(",")):
            t = time.perf_counter()
            plan = solve_day(day, SolveParams(time_limit=limit, seed=args.seed))
            solve_s = time.perf_counter() - t
            t = time.perf_counter()
            assert validate(plan, day.problem) == []
            validate_s = time.perf_counter() - t
            t = time.perf_counter()
            write_plan(plan, day, Path(tmp) / f"plan-{limit:g}")
            write_s = time.perf_counter() - t
            s = plan.summary()
            print(
                f"{limit:>8.0f} s   {s['cost_yuan']:>11.2f}   {s['vehicles_used']:>8d}   "
                f"{s['distance_km']:>6.1f}   {s['orders_unserved']:>8d}   {solve_s:>7.1f}   "
                f"{validate_s:>10.4f}   {write_s:>7.3f}"
            )


if __name__ == "__main__":
    main()
