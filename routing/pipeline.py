"""The day's plan end to end: county data -> matrices -> problem -> search -> plan -> check.

`plan()` is the Python API the command line calls. Each stage is timed; nothing is written
here (see `routing.exports.plan_outputs`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from . import __version__
from .calendars.calendar_file import find_calendar, read_calendar
from .calendars.day import CalendarDay, apply_calendar, calendar_stats
from .errors import PlanInvalidError
from .inputs.county import County, load_county
from .inputs.demo_orders import generate_orders
from .inputs.orders import read_orders
from .inputs.plan_file import PlanFile, open_plan, replan_source
from .model.params import SolveParams
from .model.problem import Problem, build_problem
from .model.records import Order
from .network.graph import RoadArrays, file_sha256, read_road_arrays, snap_points
from .network.matrices import default_cache_dir, matrices_for
from .plans.calendar_rule import rule_calendar
from .plans.document import Deferred, Plan
from .plans.explain import explained
from .plans.replan_rule import replan_view, replan_violations
from .plans.validate import Violation, recomputed_summary, standing_cost, validate
from .solve.solver import solve_problem
from .units import parse_date

Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    """Progress that says nothing."""


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
    calendar: CalendarDay | None = None  # the visit calendar the day follows, if any

    @property
    def all_orders(self) -> tuple[Order, ...]:
        """What the plan answers for: the orders planned, and those deferred by the calendar."""
        deferred = tuple(o for o, _ in self.calendar.deferred) if self.calendar else ()
        return tuple(sorted((*self.problem.orders, *deferred), key=lambda o: (o.date, o.id)))


def load_day(
    county: str,
    date: str,
    data_dir: Path | None = None,
    cache_dir: Path | None = None,
    orders_file: Path | None = None,
    progress: Progress = _quiet,
    calendar: bool = True,
) -> Day:
    """Everything a day's plan is made from: the county, the date's orders (its file, else the
    demo orders of the demand model) under the county's visit calendar for the date, if it has
    one and `calendar`, and the travel matrices."""
    day = parse_date(date)
    t = time.perf_counter()
    c = load_county(county, data_dir)
    file = orders_file or c.orders_path(day)
    seed = None
    if orders_file is not None or file.exists():
        orders = read_orders(file, c, day)
        progress(f"orders: {len(orders)} from {file}")
        path: Path | None = file
    else:
        seed = int(c.meta.get("seed", 1))
        orders = tuple(generate_orders(day, c.points, c.demand_rows(), c.meta["adcode"], seed))
        progress(f"orders: no file {file}; using {len(orders)} generated demo orders (seed {seed})")
        path = None
    found = find_calendar(c, day) if calendar else None
    if found is None:
        return _day(c, day.isoformat(), orders, path, seed, cache_dir, progress, t)
    cal = apply_calendar(c, day, orders, read_calendar(found, c))
    progress(
        f"calendar {found.name}: {len(cal.deferred)} orders wait for their village's next "
        f"visit, {len(cal.carried)} of earlier days are due today"
    )
    return _day(c, day.isoformat(), cal.planned, path, seed, cache_dir, progress, t, cal)


def day_of_orders(
    county: County,
    date: str,
    orders: tuple[Order, ...],
    cache_dir: Path | None = None,
    progress: Progress = _quiet,
) -> Day:
    """A day of `county` with the given orders: a county a scenario changed (its points, its
    fleet) and the orders it moved or scaled."""
    return _day(county, date, orders, None, None, cache_dir, progress, time.perf_counter())


def _day(
    c: County,
    date: str,
    orders: tuple[Order, ...],
    orders_path: Path | None,
    orders_seed: int | None,
    cache_dir: Path | None,
    progress: Progress,
    t: float,
    calendar: CalendarDay | None = None,
) -> Day:
    timings = {"load_s": time.perf_counter() - t}
    t = time.perf_counter()
    cache = cache_dir if cache_dir is not None else default_cache_dir()
    progress("road graph ...")
    arrays = read_road_arrays(c.graph_path, cache, c.digests.get("roads.graphml"))
    timings["graph_s"] = time.perf_counter() - t
    t = time.perf_counter()
    nodes, snap_m = snap_points(arrays, c.points)
    timings["snap_s"] = time.perf_counter() - t
    progress(
        f"road graph: {arrays.n_nodes} nodes; {len(c.points)} points snapped, farthest "
        f"{snap_m.max():.0f} m"
    )
    t = time.perf_counter()
    mats = matrices_for(arrays, nodes, [v.profile for v in c.fleet], cache, progress)
    timings["matrices_s"] = time.perf_counter() - t
    problem = build_problem(c.slug, date, c.points, c.fleet, orders, mats)
    return Day(
        county=c,
        problem=problem,
        orders_path=orders_path,
        orders_seed=orders_seed,
        snap_m=snap_m,
        timings=timings,
        roads=arrays,
        nodes=nodes,
        calendar=calendar,
    )


def inputs_of(day: Day) -> dict:
    c = day.county
    files = {"points": c.dir / "points.csv", "fleet": c.dir / "fleet.csv", "roads": c.graph_path}
    out: dict[str, dict] = {
        k: {"path": str(v.resolve()), "sha256": file_sha256(v)} for k, v in files.items()
    }
    if day.orders_path is not None:
        out["orders"] = {
            "path": str(day.orders_path.resolve()),
            "sha256": file_sha256(day.orders_path),
            "generated": False,
        }
    else:
        out["orders"] = {"path": None, "sha256": None, "generated": True, "seed": day.orders_seed}
    if day.calendar is not None:  # the orders planned come from several days: written beside
        out["orders"] = {**out["orders"], "path": None, "sha256": None}
        path = day.calendar.calendar.path
        out["calendar"] = {"path": str(path.resolve()), "sha256": file_sha256(path)}
    return out


def solve_day(day: Day, params: SolveParams | None = None) -> Plan:
    """The validated plan of a loaded day; a plan that breaks a rule raises, never returns."""
    params = params or SolveParams()
    p = day.problem
    t = time.perf_counter()
    solved = solve_problem(p, params)
    timings = dict(day.timings)
    timings["solve_s"] = time.perf_counter() - t
    plan = Plan(
        county=day.county.slug,
        adcode=str(day.county.meta.get("adcode", "")),
        date=p.date,
        engine=solved.engine,
        seed=params.seed,
        time_limit_s=params.time_limit,
        iterations=params.iterations,
        inputs=inputs_of(day),
        routes=solved.routes,
        unserved=explained(p, solved.unserved),
        standing_cost_yuan=standing_cost(p),
        deferred=tuple(Deferred(o.id, visit.isoformat()) for o, visit in day.calendar.deferred)
        if day.calendar
        else (),
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
    cal = day.calendar
    if cal is not None:
        served = {o for r in plan.routes for s in r.stops for o in (*s.deliver, *s.collect)}
        plan = replace(plan, stats={**plan.stats, "calendar": calendar_stats(cal, served)})
    params.progress("validating the plan ...")
    t = time.perf_counter()
    violations = validate(plan, p) + rule_calendar(
        plan,
        p,
        cal.calendar if cal else None,
        {o.id: o for o, _ in cal.deferred} if cal else {},
    )
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
    params: SolveParams | None = None,
    data_dir: Path | None = None,
    cache_dir: Path | None = None,
    orders_file: Path | None = None,
) -> Plan:
    """The day's routes for a county fleet, validated. `date` defaults to today; `params` sets
    the search (time limit, seed, iterations, engine)."""
    params = params or SolveParams()
    day = load_day(
        county,
        date or dt.date.today().isoformat(),
        data_dir,
        cache_dir,
        orders_file,
        params.progress,
    )
    return solve_day(day, params)


def day_of(pf: PlanFile, cache_dir: Path | None = None, progress: Progress = _quiet) -> Day:
    """The day a plan file was made for, with its matrices (what checking it needs)."""
    t = time.perf_counter()
    return _day(pf.county, pf.plan.date, pf.planned, pf.orders_path, None, cache_dir, progress, t)


@dataclass(frozen=True)
class CheckReport:
    plan: Plan
    problem: Problem
    violations: list[Violation]
    recomputed: dict  # the summary as the routes really are


def check_plan(
    path: Path, cache_dir: Path | None = None, progress: Progress = _quiet
) -> CheckReport:
    """Re-validate a plan file against the inputs it names (which must be unchanged)."""
    pf = open_plan(path)
    day = day_of(pf, cache_dir, progress)
    progress("checking every rule ...")
    violations = plan_violations(pf, pf.plan, day.problem)
    at = replan_view(pf.plan, day.problem, replan_source(pf)) if pf.plan.replan else None
    real = recomputed_summary(pf.plan, day.problem, at)
    return CheckReport(pf.plan, day.problem, violations, real)


def plan_violations(pf: PlanFile, plan: Plan, problem: Problem) -> list[Violation]:
    """Every rule `route check` applies to `plan`, made from the inputs of plan file `pf` (the
    plan itself, or a planner's edit of it): a re-plan's rules against the plan it came from,
    and the visit calendar's."""
    deferred = {d.order for d in plan.deferred}
    if plan.replan is not None:  # a re-plan: its own rules, against the plan it came from
        rules = replan_violations(plan, problem, replan_source(pf))
    else:
        rules = validate(plan, problem)
    return rules + rule_calendar(
        plan, problem, pf.calendar, {o.id: o for o in pf.orders if o.id in deferred}
    )
