"""Does PyVRP need OR-Tools' first solution? Measured on random small, tight days.

For each of N random problems (3-7 villages, 1-3 vehicles, tight windows and capacities,
cold-chain orders and produce for a facility), PyVRP runs for a short time limit twice, from
its own random start and from OR-Tools' first solution, and the script counts the runs that end
with no feasible plan and the orders each leaves out that the other serves.

    python benchmarks/warm_start.py --problems 200 --time-limit 0.3
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from routing.model.params import SolveParams
from routing.model.problem import build_problem
from routing.model.records import Order, ServicePoint, Vehicle
from routing.model.visits import build_nodes
from routing.network.matrices import Matrices
from routing.solve.engines import ortools_engine, pyvrp_engine

H = 3600


def random_problem(rng: np.random.Generator):
    def pt(pid, tier, x, y):
        opens = int(rng.integers(6, 10)) * H if tier == "village" else 0
        return ServicePoint(
            pid,
            pid,
            pid,
            tier,
            "",
            x,
            y,
            "generated",
            opens,
            opens + int(rng.integers(4, 12)) * H if tier == "village" else 24 * H,
            int(rng.integers(0, 600)),
            int(rng.integers(0, 20)),
        )

    n = int(rng.integers(3, 8))
    points = [pt("HUB", "hub", 0.0, 0.0), pt("FAC", "facility", *rng.uniform(-5, 5, 2))]
    points += [pt(f"P{k}", "village", *rng.uniform(-6, 6, 2)) for k in range(n)]
    vehicles = []
    for k in range(int(rng.integers(1, 4))):
        start = int(rng.integers(6, 10)) * H
        vehicles.append(
            Vehicle(
                f"V{k}",
                "test",
                float(rng.integers(40, 200)),
                float(rng.integers(60, 300)),
                start,
                start + int(rng.integers(3, 10)) * H,
                int(rng.integers(2, 8)) * H,
                5.0,
                0.5,
                float(rng.integers(0, 30)),
                frozenset(),
                bool(rng.random() < 0.5),
                "HUB",
                60.0,
            )
        )
    orders = []
    for k in range(n):
        p = points[k + 2]
        for j in range(int(rng.integers(1, 3))):
            kind = "pickup" if rng.random() < 0.5 else "delivery"
            e = p.opens + int(rng.integers(0, 3 * H))
            dest = ("FAC" if rng.random() < 0.4 else "HUB") if kind == "pickup" else ""
            orders.append(
                Order(
                    f"o{k}{j}",
                    "2026-11-29",
                    "ZTO",
                    p.id,
                    kind,
                    dest,
                    int(rng.integers(1, 8)),
                    float(rng.integers(5, 70)),
                    float(rng.integers(1, 50)),
                    e,
                    e + int(rng.integers(H // 2, 6 * H)),
                    bool(rng.random() < 0.3),
                    int(rng.integers(1, 4)),
                )
            )
    xy = np.array([[p.lon, p.lat] for p in points]) * 1000.0
    dist = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))
    key = vehicles[0].profile.key
    mats = {key: Matrices(key, dist / (60 / 3.6), dist)}
    return build_problem(
        "random", "2026-11-29", tuple(points), tuple(vehicles), tuple(orders), mats
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--problems", type=int, default=200)
    ap.add_argument("--time-limit", type=float, default=0.3)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    infeasible = {"cold": 0, "warm": 0}
    worse = {"cold": 0, "warm": 0}
    t0 = time.perf_counter()
    for _ in range(args.problems):
        nm = build_nodes(random_problem(rng))
        if not nm.nodes:
            continue
        start, _ = ortools_engine.first_routes(nm, 0.05, 0)
        served = {}
        for mode, init in (("cold", None), ("warm", start)):
            r = pyvrp_engine.solve(nm, SolveParams(time_limit=args.time_limit, seed=1), init)
            if not r.stats["feasible"]:
                infeasible[mode] += 1
            served[mode] = sum(len(nm.nodes[k].orders) for seq in r.routes for k in seq)
        if served["cold"] < served["warm"]:
            worse["cold"] += 1
        elif served["warm"] < served["cold"]:
            worse["warm"] += 1
    print(
        f"{args.problems} random days, PyVRP {args.time_limit} s each "
        f"({time.perf_counter() - t0:.0f} s in all)"
    )
    print(f"{'start':6} {'no feasible plan':>17} {'serves fewer orders':>20}")
    for mode in ("cold", "warm"):
        print(f"{mode:6} {infeasible[mode]:>17} {worse[mode]:>20}")


if __name__ == "__main__":
    main()
