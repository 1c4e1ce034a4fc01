"""The day's plan end to end: county data -> matrices -> problem -> search -> plan -> check.

`plan()` is the Python API the command line calls. Each stage is timed; nothing is written
here (see `routing.outputs`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import __version__
from .county import County, load_county, read_orders
from .demand import generate_orders
from .diagnose import dropped_reasons
from .engines import portfolio
from .errors import Fault, InputError, PlanInvalidError
from .matrices import default_cache_dir, matrices_for
from .network import RoadArrays, check_connected, file_sha256, read_road_arrays, snap
from .plan import Plan, Route, Stop, Unserved, read_plan
from .problem import GRAMS_PER_KG, ML_PER_L, Problem, build_problem
from .repair import place_leftovers
from .schedule import evaluate
from .units import parse_date
from .validate import validate
from .visits import NodeModel, build_nodes

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Day:
    """Everything a day's plan is made from, with how long loading it took."""

    county: County
    problem: Problem
    orders_path: Path | None  # None when the orders were generated
    orders_seed: int | None
    snap_m: np.ndarray  # per point, metres to its road node
    roads: RoadArrays = field(repr=False)
    nodes: np.ndarray = field(repr=False)  # per point, its road node (position in `roads`)
    timings: dict = field(default_factory=dict)


def load_day(
    county: str,
    date: str,
    data_dir: Path | None = None,
    cache_dir: Path | None = None,
    orders_file: Path | None = None,
    progress: Progress = lambda m: None,
) -> Day:
    day = parse_date(date)
    timings: dict[str, float] = {}
    t = time.perf_counter()
    c = load_county(county, data_dir)
    orders_seed = None
    path = orders_file or c.orders_path(day)
    if orders_file is not None or path.exists():
        orders = read_orders(path, c, day)
        progress(f"orders: {len(orders)} from {path}")
    else:
        orders_seed = int(c.meta.get("seed", 1))
        orders = tuple(
            generate_orders(day, c.points, c.demand_rows(), c.meta["adcode"], orders_seed)
        )
        path = None
        progress(
            f"orders: no file {c.orders_path(day)}; using {len(orders)} generated demo "
            f"orders (seed {orders_seed})"
        )
    timings["load_s"] = time.perf_counter() - t

    t = time.perf_counter()
    cache = cache_dir if cache_dir is not None else default_cache_dir()
    arrays = read_road_arrays(c.graph_path, cache)
    timings["graph_s"] = time.perf_counter() - t
    t = time.perf_counter()
    ids = [p.id for p in c.points]
    nodes, snap_m = snap(
        arrays, ids, np.array([p.lon for p in c.points]), np.array([p.lat for p in c.points])
    )
    check_connected(arrays, ids, nodes, ids.index(c.hub.id))
    timings["snap_s"] = time.perf_counter() - t
    progress(
        f"road graph: {arrays.n_nodes} nodes; {len(ids)} points snapped, farthest "
        f"{snap_m.max():.0f} m"
    )
    t = time.perf_counter()
    mats = matrices_for(arrays, nodes, [v.profile for v in c.fleet], cache, progress)
    timings["matrices_s"] = time.perf_counter() - t
    problem = build_problem(c.slug, day.isoformat(), c.points, c.fleet, orders, mats)
    return Day(
        county=c,
        problem=problem,
        orders_path=path,
        orders_seed=orders_seed,
        snap_m=snap_m,
        timings=timings,
        roads=arrays,
        nodes=nodes,
    )


def _kg(grams: int) -> float:
    return round(grams / GRAMS_PER_KG, 3)


def _litres(ml: int) -> float:
    return round(ml / ML_PER_L, 3)


def build_routes(nm: NodeModel, routes: tuple[tuple[int, ...], ...]) -> tuple[Route, ...]:
    """Plan routes from node sequences, timed and loaded by `routing.schedule`."""
    p = nm.problem
    out = []
    for v, seq in enumerate(routes):
        if not seq:
            continue
        ev = evaluate(p, nm.nodes, v, seq)
        if not ev.feasible:
            raise PlanInvalidError(
                f"the search returned an infeasible route for {p.vehicles[v].id} ({ev.violation})"
            )
        ids = lambda ks: tuple(p.orders[k].id for k in ks)  # noqa: E731
        stops = tuple(
            Stop(
                point=p.points[nm.nodes[k].point].id,
                arrival_s=ev.arrival[i],
                start_s=ev.start[i],
                departure_s=ev.departure[i],
                deliver=ids(nm.nodes[k].deliver),
                collect=ids(nm.nodes[k].collect),
                unload=ids(nm.nodes[k].unload),
                load_kg=_kg(ev.load_g[i]),
                load_l=_litres(ev.load_ml[i]),
            )
            for i, k in enumerate(seq)
        )
        out.append(
            Route(
                vehicle=p.vehicles[v].id,
                depart_s=ev.depart,
                return_s=ev.ret,
                distance_m=ev.dist_m,
                cost_yuan=round(ev.cost, 2),
                start_load_kg=_kg(ev.start_g),
                start_load_l=_litres(ev.start_ml),
                stops=stops,
            )
        )
    return tuple(out)


def inputs_of(day: Day) -> dict:
    c = day.county
    files = {"points": c.dir / "points.csv", "fleet": c.dir / "fleet.csv", "roads": c.graph_path}
    out = {k: {"path": str(v.resolve()), "sha256": file_sha256(v)} for k, v in files.items()}
    if day.orders_path is not None:
        out["orders"] = {
            "path": str(day.orders_path.resolve()),
            "sha256": file_sha256(day.orders_path),
            "generated": False,
        }
    else:
        out["orders"] = {"path": None, "sha256": None, "generated": True, "seed": day.orders_seed}
    return out


@dataclass(frozen=True)
class Solved:
    routes: tuple[Route, ...]
    unserved: tuple[Unserved, ...]
    engine: str
    stats: dict


def solve_problem(
    problem: Problem,
    time_limit: float = 30.0,
    seed: int = 0,
    iterations: int | None = None,
    progress: Progress = lambda m: None,
    on_improve: Callable[[float, float], None] | None = None,
    engine: str = "auto",
) -> Solved:
    """Search, then turn the node sequences into timed, loaded routes with unserved reasons."""
    nm = build_nodes(problem)
    progress(
        f"model: {len(problem.orders)} orders in {len(nm.nodes)} stops to place, "
        f"{len(nm.unservable)} orders no vehicle can serve"
    )
    result = portfolio.solve(nm, time_limit, seed, iterations, on_improve, engine)
    nm, routes = place_leftovers(nm, result.routes)
    reasons = dict(nm.unservable) | dropped_reasons(nm, routes)
    unserved = tuple(
        Unserved(order=problem.orders[k].id, reason=reasons[k]) for k in sorted(reasons)
    )
    return Solved(build_routes(nm, routes), unserved, result.engine, result.stats)


def solve_day(
    day: Day,
    time_limit: float = 30.0,
    seed: int = 0,
    iterations: int | None = None,
    progress: Progress = lambda m: None,
    on_improve: Callable[[float, float], None] | None = None,
    engine: str = "auto",
) -> Plan:
    """The validated plan of a loaded day; a plan that breaks a rule raises, never returns."""
    p = day.problem
    t = time.perf_counter()
    solved = solve_problem(p, time_limit, seed, iterations, progress, on_improve, engine)
    timings = dict(day.timings)
    timings["solve_s"] = time.perf_counter() - t
    plan = Plan(
        county=day.county.slug,
        adcode=str(day.county.meta.get("adcode", "")),
        date=p.date,
        engine=solved.engine,
        seed=seed,
        time_limit_s=time_limit,
        iterations=iterations,
        inputs=inputs_of(day),
        routes=solved.routes,
        unserved=solved.unserved,
        stats={
            "tool": f"rural-route {__version__}",
            **solved.stats,
            "timings": timings,
            "snap_m": {
                "max": round(float(day.snap_m.max()), 1),
                "mean": round(float(day.snap_m.mean()), 1),
                "farthest": p.points[int(day.snap_m.argmax())].id,
            },
        },
    )
    t = time.perf_counter()
    violations = validate(plan, p)
    timings["validate_s"] = time.perf_counter() - t
    if violations:
        raise PlanInvalidError(
            "the plan failed validation and was not written:\n"
            + "\n".join(f"  - {v}" for v in violations[:20])
        )
    return plan


def plan(
    county: str = "wugong",
    date: str | None = None,
    time_limit: float = 30.0,
    seed: int = 0,
    iterations: int | None = None,
    data_dir: Path | None = None,
    cache_dir: Path | None = None,
    orders_file: Path | None = None,
    progress: Progress = lambda m: None,
    engine: str = "auto",
) -> Plan:
    """The day's routes for a county fleet, validated. `date` defaults to today; `engine` is
    auto (the portfolio), ortools or pyvrp."""
    day = load_day(
        county, date or dt.date.today().isoformat(), data_dir, cache_dir, orders_file, progress
    )
    return solve_day(day, time_limit, seed, iterations, progress, engine=engine)


def load_plan(
    path: Path, cache_dir: Path | None = None, progress: Progress = lambda m: None
) -> tuple[Plan, Day]:
    """A plan file and the day it was made for, from the inputs it names (which must be
    unchanged)."""
    plan_ = read_plan(path)
    base = Path(path).resolve().parent
    faults = []
    resolved: dict[str, Path] = {}
    for name in ("points", "fleet", "roads", "orders"):
        ref = plan_.inputs.get(name) or {}
        if not ref.get("path"):
            faults.append(
                Fault(str(path), f"the plan does not name its {name} file", field=f"inputs.{name}")
            )
            continue
        p = Path(ref["path"])
        p = p if p.is_absolute() else base / p
        if not p.exists():
            faults.append(Fault(str(p), f"{name} file named by the plan is missing"))
        elif ref.get("sha256") and file_sha256(p) != ref["sha256"]:
            faults.append(
                Fault(str(p), f"{name} file changed since the plan was made (its sha256 differs)")
            )
        resolved[name] = p
    if faults:
        raise InputError(faults)
    county_dir = resolved["points"].parent
    day = load_day(
        county_dir.name, plan_.date, county_dir.parent, cache_dir, resolved["orders"], progress
    )
    return plan_, day


def check_plan(
    path: Path, cache_dir: Path | None = None, progress: Progress = lambda m: None
) -> tuple[Plan, Problem, list]:
    """Re-validate a plan file against the inputs it names (which must be unchanged)."""
    plan_, day = load_plan(path, cache_dir, progress)
    return plan_, day.problem, validate(plan_, day.problem)
