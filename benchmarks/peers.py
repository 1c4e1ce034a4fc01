"""The project against its peers, in one run, on the same instances and time limits.

Engines: this project (`route bench solve`, the default portfolio), OR-Tools as its VRPTW guide
sets it up (Python distance/time callbacks, PATH_CHEAPEST_ARC, guided local search), PyVRP
alone (one core, its own VRPLIB reader) and VROOM through pyvroom (stops by itself). Distances
follow the family's convention (Solomon: DIMACS, one decimal truncated). Prints a side-by-side
gap table to the best-known solutions and a summary per engine.

    python benchmarks/peers.py ../shared/benchmarks/solomon \\
        --bks ../shared/benchmarks/solomon/bks.csv --time-limit 10
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from pathlib import Path

import numpy as np

from routing.bench.readers import Instance, read_instance
from routing.bench.runner import gap, instance_files, read_bks, solve_instance
from routing.model.params import SolveParams

ENGINES = ("project", "ortools-guide", "pyvrp", "vroom")
SCALE = 10  # Solomon / VRPLIB-TW: integer tenths, exact under DIMACS truncation


def _check(inst: Instance, routes: list[list[int]]) -> bool:
    """Every customer once, capacity, windows and the depot's due time (node positions)."""
    seen = sorted(k for r in routes for k in r)
    if seen != list(range(1, len(inst.ids))):
        return False
    for r in routes:
        if sum(inst.delivery[k] for k in r) > inst.capacity + 1e-9:
            return False
        t, where = inst.ready[0], 0
        for k in r:
            t = max(t + inst.dist[where, k], inst.ready[k])
            if t > inst.due[k] + 1e-6:
                return False
            t += inst.service[k]
            where = k
        if t + inst.dist[where, 0] > inst.due[0] + 1e-6:
            return False
    return True


def project(path: Path, seconds: float) -> tuple[list[list[int]] | None, float]:
    t0 = time.perf_counter()
    r = solve_instance(path, SolveParams(time_limit=seconds))
    inst = read_instance(path)
    pos = {int(pid): k for k, pid in enumerate(inst.ids)}
    routes = [[pos[i] for i in route] for route in r.routes]
    return (routes if r.feasible else None), time.perf_counter() - t0


def ortools_guide(inst: Instance, seconds: float) -> tuple[list[list[int]] | None, float]:
    """The setup of OR-Tools' VRPTW guide: Python callbacks, PATH_CHEAPEST_ARC, GLS."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    t0 = time.perf_counter()
    dist = np.rint(inst.dist * SCALE).astype(int).tolist()
    service = np.rint(inst.service * SCALE).astype(int).tolist()
    n = len(inst.ids)
    manager = pywrapcp.RoutingIndexManager(n, inst.vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)

    def distance(i, j):
        return dist[manager.IndexToNode(i)][manager.IndexToNode(j)]

    def duration(i, j):
        a, b = manager.IndexToNode(i), manager.IndexToNode(j)
        return dist[a][b] + service[a]

    def demand(i):
        return int(inst.delivery[manager.IndexToNode(i)])

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(distance))
    horizon = int(inst.due[0] * SCALE)
    routing.AddDimension(routing.RegisterTransitCallback(duration), horizon, horizon, False, "t")
    tdim = routing.GetDimensionOrDie("t")
    for k in range(1, n):
        tdim.CumulVar(manager.NodeToIndex(k)).SetRange(
            int(inst.ready[k] * SCALE), int(inst.due[k] * SCALE)
        )
    routing.AddDimension(
        routing.RegisterUnaryTransitCallback(demand), 0, int(inst.capacity), True, "load"
    )
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    sol = routing.SolveWithParameters(params)
    if sol is None:
        return None, time.perf_counter() - t0
    routes = []
    for v in range(inst.vehicles):
        i, r = sol.Value(routing.NextVar(routing.Start(v))), []
        while not routing.IsEnd(i):
            r.append(manager.IndexToNode(i))
            i = sol.Value(routing.NextVar(i))
        if r:
            routes.append(r)
    return routes, time.perf_counter() - t0


def pyvrp_alone(path: Path, seconds: float) -> tuple[list[list[int]] | None, float]:
    import pyvrp
    from pyvrp.stop import MaxRuntime

    t0 = time.perf_counter()
    data = pyvrp.read(str(path), round_func="dimacs")
    result = pyvrp.solve(data, MaxRuntime(seconds), seed=1, display=False)
    if not result.is_feasible():
        return None, time.perf_counter() - t0
    routes = [
        [data.client(a.idx).location for a in r.schedule() if a.is_client()]
        for r in result.best.routes()
    ]
    return routes, time.perf_counter() - t0


def vroom(inst: Instance) -> tuple[list[list[int]] | None, float]:
    import vroom as vr

    t0 = time.perf_counter()
    matrix = np.rint(inst.dist * SCALE).astype(np.uint32)
    problem = vr.Input()
    problem.set_durations_matrix(profile="car", matrix_input=matrix)
    tw = vr.TimeWindow(int(inst.ready[0] * SCALE), int(inst.due[0] * SCALE))
    for v in range(inst.vehicles):
        problem.add_vehicle(
            vr.Vehicle(v + 1, start=0, end=0, capacity=[int(inst.capacity)], time_window=tw)
        )
    for k in range(1, len(inst.ids)):
        problem.add_job(
            vr.Job(
                k,
                location=k,
                delivery=[int(inst.delivery[k])],
                default_service=int(inst.service[k] * SCALE),
                time_windows=[vr.TimeWindow(int(inst.ready[k] * SCALE), int(inst.due[k] * SCALE))],
            )
        )
    sol = problem.solve(exploration_level=5, nb_threads=1)
    frame = sol.routes
    routes = [list(g[g["type"] == "job"]["id"].astype(int)) for _, g in frame.groupby("vehicle_id")]
    return [r for r in routes if r], time.perf_counter() - t0


def _run(engine: str, path: Path, inst: Instance, seconds: float):
    if engine == "project":
        return project(path, seconds)
    if engine == "ortools-guide":
        return ortools_guide(inst, seconds)
    if engine == "pyvrp":
        return pyvrp_alone(path, seconds)
    return vroom(inst)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("directory", type=Path)
    ap.add_argument("--bks", type=Path, required=True)
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--only", default="", help="comma-separated instance names")
    ap.add_argument("--out", type=Path, default=None, help="per-instance CSV")
    ap.add_argument(
        "--engines",
        default=",".join(ENGINES),
        help=f"comma-separated, of {', '.join(ENGINES)} (default: all)",
    )
    args = ap.parse_args()
    bks = read_bks(args.bks)
    only = set(filter(None, args.only.split(",")))
    files = [
        f
        for f in instance_files(args.directory)
        if f.suffix == ".vrp" and f.stem in bks and (not only or f.stem in only)
    ]
    engines = tuple(e for e in ENGINES if e in args.engines.split(","))
    rows = []
    print(f"{'instance':9}" + "".join(f"{e:>15}" for e in engines) + "   (gap % to BKS)")
    for f in files:
        inst = read_instance(f)
        runs = {e: _run(e, f, inst, args.time_limit) for e in engines}
        row = {"instance": f.stem, "bks": bks[f.stem]}
        for e, (routes, secs) in runs.items():
            ok = routes is not None and _check(inst, routes)
            row[f"{e}_gap"] = round(gap(inst.cost(routes), bks[f.stem]), 3) + 0.0 if ok else None
            row[f"{e}_s"] = round(secs, 2)
        rows.append(row)
        cells = "".join(
            f"{row[f'{e}_gap']:>15.2f}" if row[f"{e}_gap"] is not None else f"{'none':>15}"
            for e in engines
        )
        print(f"{f.stem:9}{cells}", flush=True)
    print(
        f"\n{'engine':15} {'feasible':>9} {'mean gap %':>11} {'median':>8} {'max':>8} {'mean s':>7}"
    )
    for e in engines:
        gaps = [r[f"{e}_gap"] for r in rows if r[f"{e}_gap"] is not None]
        secs = statistics.fmean(r[f"{e}_s"] for r in rows)
        print(
            f"{e:15} {len(gaps):>4} of {len(rows):<3} {statistics.fmean(gaps):>11.3f} "
            f"{statistics.median(gaps):>8.3f} {max(gaps):>8.3f} {secs:>7.1f}"
            if gaps
            else f"{e:15} {0:>4} of {len(rows):<3}"
        )
    if args.out:
        with args.out.open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)


if __name__ == "__main__":
    main()
