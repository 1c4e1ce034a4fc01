"""`route replan`: the rest of the day re-planned from a time, with new, cancelled and locked
orders, validated against the plan it came from, and written as a plan folder of its own."""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..errors import Fault, InputError, PlanInvalidError
from ..inputs.orders import order_rows, read_orders
from ..inputs.plan_file import PlanFile, open_plan
from ..inputs.tables import ORDER_COLUMNS, csv_text
from ..model.nodes import NodeModel
from ..model.params import SolveParams
from ..model.problem import Problem, limit_faults
from ..model.records import Order
from ..model.visits import alone, penalties
from ..network.graph import file_sha256
from ..plans.document import Plan, Route, Unserved
from ..plans.explain import explained
from ..plans.replan_rule import replan_violations
from ..plans.validate import standing_cost
from ..solve.solver import build_routes
from ..units import format_hhmm, parse_date
from .board import Board
from .model import build_board, problem_at
from .search import improve, place_all, split_unplaced
from .state import Lock, check_cancellations, parse_locks, position

if TYPE_CHECKING:
    from ..pipeline import Day

SOURCE_NAME = "source-plan.json"  # the plan a re-plan came from, kept beside it
ORDERS_NAME = "orders.csv"  # the day's orders after the changes
DEFAULT_TIME_LIMIT_S = 5.0


@dataclass(frozen=True)
class Replanned:
    plan: Plan
    problem: Problem  # the day's orders after the changes (vehicles as in the county)
    source: PlanFile
    day: Day  # the source's day: county, roads, matrices
    orders_csv: str  # the day's orders after the changes, as written beside the plan


def new_orders_from(path: Path, pf: PlanFile) -> tuple[Order, ...]:
    """A file of orders to add to the plan's day: checked like any order file, and no id may
    be one the day already has."""
    orders = read_orders(path, pf.county, parse_date(pf.plan.date))
    return _unique(orders, pf, str(path))


def _unique(orders: Sequence[Order], pf: PlanFile, source: str) -> tuple[Order, ...]:
    known = {o.id for o in pf.orders}
    faults = [
        Fault(source, f"order id '{o.id}' is already an order of the plan", field="order_id")
        for o in orders
        if o.id in known
    ]
    faults += limit_faults(source, (), (), tuple(orders))
    if faults:
        raise InputError(faults)
    return tuple(orders)


def replan(
    source: Path,
    at_s: int,
    new_orders: Sequence[Order] | Path = (),
    cancel: Sequence[str] = (),
    lock: Sequence[str] = (),
    params: SolveParams | None = None,
    place_only: bool = False,
    cache_dir: Path | None = None,
    progress: Callable[[str], None] = lambda m: None,
) -> Replanned:
    """The rest of the day from `at_s` (seconds since midnight): committed stops kept, the
    cancelled orders out, the new ones (records, or an order file) placed where they fit,
    `lock` tokens (`VEHICLE` or `VEHICLE:N`) held, and the tails searched within `params`
    (iterations or time limit; none with `place_only`: a planner's one change, answered at
    once). Raises PlanInvalidError if the result breaks a rule (never returns an invalid
    plan)."""
    from ..pipeline import day_of  # the solver's side of the pipeline: loaded on use

    params = params or SolveParams(time_limit=DEFAULT_TIME_LIMIT_S)
    t0 = time.perf_counter()
    pf = open_plan(source)
    plan0 = pf.plan
    if not 0 <= at_s < 48 * 3600:
        raise InputError(Fault("--at", f"{at_s} s is not a time of the plan's day"))
    before = (plan0.replan or {}).get("at_s")
    if before is not None and at_s < before:
        raise InputError(
            Fault(
                "--at",
                f"{format_hhmm(at_s)} is before {format_hhmm(before)}, when this plan was "
                "re-planned: what was under way then is fixed; re-plan from that time or later",
            )
        )
    locks = parse_locks(lock, plan0)
    check_cancellations(cancel, plan0, at_s, locks)
    if isinstance(new_orders, Path):  # an order file (CSV or .xlsx)
        added = new_orders_from(new_orders, pf)
    else:
        added = _unique(new_orders, pf, "new orders")
    day = day_of(pf, cache_dir, progress)
    gone = set(cancel)
    kept = tuple(o for o in pf.planned if o.id not in gone)
    real = replace(day.problem, orders=kept + added)
    load_s = time.perf_counter() - t0
    deadline = time.perf_counter() + params.time_limit - load_s
    routes, unserved, stats = replan_problem(
        plan0, real, at_s, locks, params, place_only, deadline, progress
    )
    stats["timings"] = {"load_s": round(load_s, 3), **stats["timings"]}
    info = {
        "source": SOURCE_NAME,
        "source_sha256": file_sha256(Path(source)),
        "at_s": at_s,
        "at": format_hhmm(at_s),
        "cancelled": sorted(gone),
        "added": [o.id for o in added],
        "locked": [str(lk) for lk in locks],
    }
    text = csv_text(order_rows(tuple(_all_orders(pf, kept + added))), ORDER_COLUMNS)
    inputs = {
        **{k: _absolute(v, pf.path) for k, v in plan0.inputs.items() if k != "orders"},
        "orders": {
            "path": ORDERS_NAME,
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "generated": False,
        },
    }
    plan = Plan(
        county=plan0.county,
        adcode=plan0.adcode,
        date=plan0.date,
        engine="replan",
        seed=params.seed,
        time_limit_s=params.time_limit,
        iterations=params.iterations,
        inputs=inputs,
        routes=routes,
        unserved=explained(real, unserved),
        standing_cost_yuan=standing_cost(real),
        deferred=plan0.deferred,
        replan=info,
        stats={"tool": f"rural-route {__version__}", **stats},
    )
    progress("validating the re-plan against its source ...")
    violations = replan_violations(plan, real, plan0)
    if violations:
        raise PlanInvalidError(
            "the re-plan failed validation and was not written:\n"
            + "\n".join(f"  - {v}" for v in violations[:20])
        )
    return Replanned(plan, real, pf, replace(day, problem=real), text)


def write_replan(
    result: Replanned,
    out_dir: Path,
    maps: bool = True,
    progress: Callable[[str], None] = lambda m: None,
) -> None:
    """The re-plan's folder, swapped in whole: the plan files of `route plan`, the orders
    after the changes, and the plan it came from (`route check` compares the two)."""
    from ..exports.plan_outputs import plan_files, write_plan_files

    source = result.source.path.read_bytes()  # before the folder may be replaced
    day = replace(result.day, orders_path=None, calendar=None)
    _, files = plan_files(result.plan, day, maps, progress)
    files[ORDERS_NAME] = result.orders_csv.encode("utf-8")
    files[SOURCE_NAME] = source
    write_plan_files(out_dir, files)


def replan_problem(
    source: Plan,
    real: Problem,
    at_s: int,
    locks: Sequence[Lock],
    params: SolveParams,
    place_only: bool = False,
    deadline: float | None = None,
    progress: Callable[[str], None] = lambda m: None,
) -> tuple[tuple[Route, ...], tuple[Unserved, ...], dict]:
    """The re-planned routes of `real` (the day's orders after the changes: cancelled ones
    gone, new ones in), their unserved orders with reasons, and the search's figures."""
    started = {
        r.vehicle for r in source.routes if position(r, at_s).started or Lock(r.vehicle) in locks
    }
    seen = problem_at(real, at_s, started)
    in_routes = {o for r in source.routes for s in r.stops for o in (*s.deliver, *s.collect)}
    to_place = [k for k, o in enumerate(seen.orders) if o.id not in in_routes]
    board = build_board(source, seen, at_s, locks, to_place)
    _keep_feasible(board)
    progress(
        f"re-plan at {format_hhmm(at_s)}: {sum(map(len, board.heads))} stops fixed, "
        f"{len(board.unassigned)} visits to place"
    )
    t = time.perf_counter()
    end = deadline if deadline is not None else t + params.time_limit
    stats = improve(board, 0 if place_only else params.iterations, max(end, t + 0.1), params.seed)
    split_unplaced(board, penalties(seen))
    place_all(board, random.Random(params.seed))
    search_s = time.perf_counter() - t
    progress(
        f"search: {stats.rounds} rounds, {stats.kept} improvements, {search_s:.1f} s; "
        f"{len(board.unassigned)} visits left out"
    )
    nm = NodeModel(problem=seen, nodes=tuple(board.nodes))
    routes = build_routes(nm, board.routes(), [board.timing(v) for v in range(len(board.tails))])
    figures = {
        "replan": {
            "rounds": stats.rounds,
            "improvements": stats.kept,
            "source_cost_yuan": source.cost_yuan,
            "first_placement_yuan": round(stats.start_cost, 2),
        },
        "timings": {"search_s": round(search_s, 3)},
    }
    return routes, _unserved(board, seen, at_s), figures


def _absolute(ref: dict, plan_path: Path) -> dict:
    """An input reference that still holds from another folder."""
    if not ref.get("path"):
        return ref
    p = Path(ref["path"])
    return {**ref, "path": str(p if p.is_absolute() else (plan_path.resolve().parent / p))}


def _all_orders(pf: PlanFile, planned: Sequence[Order]) -> list[Order]:
    """The orders written beside the re-plan: those planned, and those the calendar deferred."""
    deferred = {d.order for d in pf.plan.deferred}
    return sorted(
        [*planned, *(o for o in pf.orders if o.id in deferred)], key=lambda o: (o.date, o.id)
    )


def _keep_feasible(board: Board) -> None:
    """A route the cancellations left breaking a rule (rare: a lunch that no stop now falls
    in) loses visits from the end of its tail until it keeps them all."""
    for v, tail in enumerate(board.tails):
        while tail and board.evaluate(v, tail) is None:
            out = [k for k in board.movable() if k in tail and k not in board.owner]
            if not out:
                raise PlanInvalidError(
                    f"{board.problem.vehicles[v].id}'s committed and locked stops break a rule "
                    "once re-timed; unlock its stops and re-plan"
                )
            board.remove(out[-1])
            tail = board.tails[v]


def _unserved(board: Board, seen: Problem, at: int) -> tuple[Unserved, ...]:
    """Each order left out, with the reason the validator checks: judged as the day is seen
    at the re-plan time (a trip of its own leaves the centre no earlier than it). An order
    some vehicle could serve alone is 'fleet full': the search offered it every place."""
    later = problem_at(seen, at, set())
    out = []
    for k in sorted({o for n in board.unassigned for o in board.nodes[n].orders}):
        _, why = alone(later, k)
        out.append(Unserved(seen.orders[k].id, why or "fleet full"))
    return tuple(sorted(out, key=lambda u: u.order))
