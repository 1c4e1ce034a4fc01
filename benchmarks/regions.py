"""A region's day planned as `route plan --region` plans it, once per executor, each run
into a fresh output folder (so every county is planned), then the national estimate.

Prints, per run: wall time, counties planned and failed, the seconds of each stage summed
over the counties and their median and slowest, core use, the region's totals; and, from the
per-county figures of the last run, the cluster needed to plan N county centres before a
deadline and what it costs at the list prices given. The first run builds any county that
has no dataset yet in the data home (its build seconds are printed apart).

    python benchmarks/regions.py --region longnan --time-limit 30 --runs local
    python benchmarks/regions.py --region shaanxi --raw ../shared/data/raw/vonng_adcode \\
        --time-limit 10 --runs local,dask --data-dir /tmp/regions-home
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

STAGES = ("build_s", "load_s", "solve_s", "files_s")
PRICES = [
    # AWS EC2 on-demand, Linux, us-east-1 (16 vCPU, 32 GiB), billed per second
    "0.68:USD:c6i.4xlarge:16:AWS us-east-1 on-demand",
    # Alibaba Cloud elastic container instance, mainland rates: 16 x 0.1764 + 32 x 0.0221 CNY/h
    "3.53:CNY:ECI 16 vCPU 32 GiB:16:Alibaba Cloud mainland pay-as-you-go",
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--region", default="longnan")
    ap.add_argument("--date", default="2026-11-29")
    ap.add_argument("--raw", type=Path, default=None, help="Vonng/adcode division data")
    ap.add_argument("--data-dir", type=Path, default=None, help="where counties are built")
    ap.add_argument("--time-limit", type=float, default=30.0, help="seconds per county")
    ap.add_argument("--runs", default="local", help="comma-separated: local, dask")
    ap.add_argument("--workers", type=int, default=2, help="local processes / Dask workers")
    ap.add_argument("--keep", type=Path, default=None, help="copy each run's output here")
    ap.add_argument("--progress", action="store_true", help="a line per county as it ends")
    ap.add_argument("--centres", type=int, default=1000, help="national estimate: centres")
    ap.add_argument("--villages", type=int, default=30000, help="and their village points")
    ap.add_argument("--window-h", default="1,0.5", help="hours from cut-off to 06:00")
    ap.add_argument("--estimate-limits", default="10,30,60", help="search seconds a county")
    ap.add_argument(
        "--estimate-from", type=Path, default=None, help="a kept run's folder: estimate only"
    )
    ap.add_argument(
        "--price",
        action="append",
        default=None,
        help="list price of one machine, PRICE_PER_HOUR:CURRENCY:NAME:VCPUS:WHERE (repeatable; "
        "default: the two of docs/scale.md)",
    )
    args = ap.parse_args()
    args.price = args.price or PRICES
    if args.estimate_from:
        estimate(args.estimate_from, args)
        return

    from routing.regions.county_run import CountyTask
    from routing.regions.region import resolve_region
    from routing.regions.run import run_region

    region = resolve_region(args.region, args.data_dir)

    def say(msg: str) -> None:
        if args.progress:
            print(msg, flush=True)

    task = CountyTask(
        county=region.counties[0],
        date=args.date,
        raw_dir=args.raw.resolve() if args.raw else None,
        data_dir=args.data_dir.resolve() if args.data_dir else None,
        cache_dir=None,
        time_limit=args.time_limit,
        maps=True,
    )
    print(
        f"{region.name} {region.slug} ({region.adcode}): {len(region.counties)} counties, "
        f"{args.date}, {args.time_limit:g} s per county, {args.workers} workers, "
        f"{os.cpu_count()} cores here",
        flush=True,
    )
    runs = args.runs.split(",")
    for n, kind in enumerate(runs, 1):
        with tempfile.TemporaryDirectory() as out:
            t = time.perf_counter()
            if kind == "dask":
                from distributed import LocalCluster

                with LocalCluster(
                    n_workers=args.workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                ) as cluster:
                    address = cluster.scheduler_address
                    run = run_region(region, task, Path(out), scheduler=address, progress=say)
            else:
                run = run_region(region, task, Path(out), workers=args.workers, progress=say)
            wall = time.perf_counter() - t
            report(kind, run, wall, args.workers)
            if args.keep:
                shutil.copytree(out, args.keep / kind, dirs_exist_ok=True)
            if n == len(runs):  # the per-county figures are read from the run's folders
                estimate(Path(out), args)


def _seconds(run, stage: str) -> list[float]:
    out = []
    for row in run.rows:
        if row["status"] != "planned":
            continue
        record = json.loads((run.out_dir / row["folder"] / "county-run.json").read_text())
        out.append(float(record["seconds"].get(stage, 0.0)))
    return out


def report(kind: str, run, wall: float, workers: int) -> None:
    from routing.regions.summary import totals

    t = totals(run.rows)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\n== {kind}: wall {wall:.0f} s; {t['planned']} planned, {t['failed']} failed")
    busy = sum(_seconds(run, "wall_s"))
    for stage in (*STAGES, "wall_s"):
        xs = _seconds(run, stage)
        if xs:
            print(
                f"  {stage[:-2]:6} sum {sum(xs):8.0f} s  median {statistics.median(xs):6.1f} s  "
                f"slowest {max(xs):6.1f} s"
            )
    print(
        f"  workers busy {busy / (wall * workers):.0%} of {workers} x wall; "
        f"largest process seen here {peak:.0f} MB"
    )
    print(
        f"  totals: {t['orders']:,.0f} orders, {t['unserved']:,.0f} unserved, "
        f"{t['vehicles']:,.0f} of {t['fleet']:,.0f} vehicles, {t['km']:,.0f} km, "
        f"{t['cost_yuan']:,.2f} yuan"
    )
    for row in run.failed:
        print(f"  FAILED {row['folder']} {row['county']}: {row['error'].splitlines()[0]}")


def estimate(folder: Path, args) -> None:
    """Cores for N centres before the deadline, from the per-county seconds recorded in a
    region run's folder: each county's overhead (load, validation, files: its wall time less
    the build, done once, and the search, which keeps to the limit) plus a chosen limit. The
    tasks are packed on the cores; the window must also hold the longest task at its end."""
    overhead = []
    for record_path in sorted(folder.glob("*/county-run.json")):
        rec = json.loads(record_path.read_text(encoding="utf-8"))
        if rec["status"] == "planned":
            sec = rec["seconds"]
            overhead.append(sec["wall_s"] - sec.get("build_s", 0.0) - sec["solve_s"])
    if not overhead:
        return
    mean, worst = statistics.fmean(overhead), max(overhead)
    print(
        f"\n== national estimate: {args.centres:,} centres, {args.villages:,} village points "
        f"({args.villages / args.centres:.0f} a centre), from {len(overhead)} counties of "
        f"{folder}: overhead a county (load, validation, files) mean {mean:.1f} s, "
        f"slowest {worst:.1f} s, plus the search's limit"
    )
    for limit in (float(x) for x in args.estimate_limits.split(",")):
        for hours in (float(x) for x in args.window_h.split(",")):
            work = args.centres * (mean + limit)
            cores = math.ceil(work / (hours * 3600 - (worst + limit)))
            print(
                f"  limit {limit:g} s, within {hours:g} h: {work / 3600:.1f} core-hours, "
                f"{cores} cores"
            )
            for entry in args.price:
                price, currency, name, vcpus, where = entry.split(":", 4)
                machines = math.ceil(cores / int(vcpus))
                cost = machines * float(price) * hours
                print(
                    f"    {machines} x {name} ({where}) for {hours:g} h: {cost:,.2f} {currency} "
                    f"a night, {cost * 365:,.0f} {currency} a year"
                )


if __name__ == "__main__":
    main()
