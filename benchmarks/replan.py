"""Re-planning during the day on the Wugong default day: wall time, validity and cost.

The day is planned in the morning (`route plan`, default 30 s). At the re-plan time, urgent
orders arrive (copies of the day's orders at randomly drawn villages, under new ids). The
benchmark times `route replan` end to end as a planner runs it (a fresh process: loading, the
search, validation, writing the folder with map and sheets), checks the result with
`route check`, and compares its cost with placing the changes only (`--iterations 0`) and with
a plan made from scratch in the morning with every order known (`route plan --orders`).

    python benchmarks/replan.py --date 2026-11-29 --at 10:30 --new 20 --limits 2,5,8
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path


def route(*args: str, env: dict) -> tuple[float, subprocess.CompletedProcess]:
    exe = shutil.which("route") or "route"
    t = time.perf_counter()
    done = subprocess.run([exe, *args], env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    if done.returncode not in (0, 1):
        raise SystemExit(f"route {' '.join(args)} failed:\n{done.stderr}")
    return wall, done


def urgent(orders: Path, out: Path, n: int, seed: int) -> None:
    rows = list(csv.DictReader(orders.open(encoding="utf-8")))
    picked = random.Random(seed).sample(rows, n)
    with out.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows({**r, "order_id": f"URG-{i:02d}"} for i, r in enumerate(picked, 1))


def cost(plan: Path) -> tuple[float, int, int]:
    d = json.loads(plan.read_text(encoding="utf-8"))
    s = d["summary"]
    return s["cost_yuan"], s["orders_served"], s["orders_unserved"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--date", default="2026-11-29")
    ap.add_argument("--at", default="10:30")
    ap.add_argument("--new", type=int, default=20, help="urgent orders arriving")
    ap.add_argument("--limits", default="2,5,8", help="re-plan time limits, seconds")
    ap.add_argument("--plan-limit", default="30", help="the morning plan's time limit")
    ap.add_argument("--seed", type=int, default=1, help="which villages the urgent orders are at")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = {**os.environ, "ROUTE_CACHE_DIR": str(root / "cache")}
        _, _ = route("plan", "--date", args.date, "--out", str(root / "plan"), "--quiet",
                     "--time-limit", args.plan_limit, env=env)  # fmt: skip
        source = root / "plan" / "plan.json"
        new = root / "urgent.csv"
        urgent(root / "plan" / "orders.csv", new, args.new, args.seed)
        c0, served0, _ = cost(source)
        print(f"wugong {args.date}: morning plan {c0:,.2f} yuan, {served0} orders served")
        print(f"re-plan at {args.at} with {args.new} urgent orders (seed {args.seed})")
        print(f"{'run':<24}{'wall s':>8}{'cost yuan':>12}{'served':>8}{'unserved':>10}  check")
        runs = [("place only (--iterations 0)", ["--iterations", "0"])]
        runs += [(f"--time-limit {x}", ["--time-limit", x]) for x in args.limits.split(",")]
        for label, extra in runs:
            out = root / f"replan-{len(extra)}-{extra[-1]}"
            wall, _ = route("replan", str(source), "--at", args.at, "--orders", str(new),
                            "--out", str(out), "--quiet", *extra, env=env)  # fmt: skip
            _, check = route("check", str(out / "plan.json"), "--quiet", env=env)
            verdict = "OK" if check.returncode == 0 else "FAILED"
            c, served, unserved = cost(out / "plan.json")
            print(f"{label:<24}{wall:8.1f}{c:12,.2f}{served:8}{unserved:10}  {verdict}")
        both = root / "all-orders.csv"
        rows = list(csv.DictReader((root / "plan" / "orders.csv").open(encoding="utf-8")))
        rows += list(csv.DictReader(new.open(encoding="utf-8")))
        with both.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, list(rows[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
        wall, _ = route("plan", "--date", args.date, "--orders", str(both), "--quiet",
                        "--out", str(root / "scratch"), "--time-limit", args.plan_limit,
                        env=env)  # fmt: skip
        c, served, unserved = cost(root / "scratch" / "plan.json")
        label = f"from scratch ({args.plan_limit} s)"
        print(f"{label:<24}{wall:8.1f}{c:12,.2f}{served:8}{unserved:10}  (every order known)")


if __name__ == "__main__":
    main()
