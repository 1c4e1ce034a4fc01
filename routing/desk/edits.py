"""A planner's change to a plan: move a place visit to another vehicle or position, then
re-time every route by the timing rule (`replan.retime`), restate each unserved order's
reason, and check the result with the validator, as `route check` would. A valid change
becomes the current plan (the previous one kept in `history/` for undo); an invalid one is
answered with its violations and nothing is written."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import Fault, InputError
from ..exports.formats import to_csv
from ..exports.plan_outputs import drivers_files, title_of, write_plan_files
from ..exports.views import Catalogue, plan_views
from ..inputs.plan_file import replan_source
from ..model.problem import Problem
from ..plans.document import UNSERVED_REASONS, Plan, Route, Unserved, visit_spans
from ..plans.explain import explained
from ..plans.reasons import check_reason
from ..plans.replan_rule import replan_view
from ..plans.validate import AtTime
from ..replan.retime import retimed
from ..replan.run import SOURCE_NAME
from .days import Days, Opened
from .locks import Locks, orders_of
from .store import pop_history, push_history


class Refused(InputError):
    """A change the desk will not try (a locked stop, a reload): answered 409."""


@dataclass(frozen=True)
class Verdict:
    plan: Plan  # the changed plan, re-timed, reasons restated
    violations: tuple[str, ...]  # the validator's, in words; empty when valid
    cost_before: float  # yuan, the routes' (marginal) cost
    cost_after: float

    @property
    def ok(self) -> bool:
        return not self.violations

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "verdict": "OK" if self.ok else f"{len(self.violations)} violation(s)",
            "violations": list(self.violations),
            "cost_before_yuan": self.cost_before,
            "cost_after_yuan": self.cost_after,
            "cost_change_yuan": round(self.cost_after - self.cost_before, 2),
        }


def _route_of(plan: Plan, vehicle: str) -> Route:
    for r in plan.routes:
        if r.vehicle == vehicle:
            return r
    raise InputError(Fault("vehicle", f"no route for vehicle {vehicle!r} in the plan"))


def move_visit(
    plan: Plan,
    vehicle: str,
    stop: int,
    to_vehicle: str,
    position: int,
    fleet: dict[str, int],
    locks: Locks,
) -> Plan:
    """The plan with the place visit holding stop `stop` (1-based in `vehicle`'s stop list) of
    `vehicle` moved to be visit `position` (1-based, reloads counted) of `to_vehicle`'s route:
    every stop of the visit moves together, with the unload of produce it collected for a
    facility. `fleet` maps each vehicle id to its shift start, for a vehicle that had no
    route. Times are left as they were: `retimed` re-times them."""
    source = _route_of(plan, vehicle)
    if to_vehicle not in fleet:
        raise InputError(Fault("to_vehicle", f"no vehicle {to_vehicle!r} in the county's fleet"))
    if not 1 <= stop <= len(source.stops):
        raise InputError(Fault("stop", f"{vehicle} has stops 1 to {len(source.stops)}, not {stop}"))
    span = next(s for s in visit_spans(source.stops) if stop - 1 in s)
    first = source.stops[span[0]]
    if first.reload:
        raise Refused(Fault("stop", "a reload between trips is not a stop that can be moved"))
    if locks.stop_locked(vehicle, first.point, orders_of(source, span)):
        what = "its route is locked" if locks.route_locked(vehicle) else "the stop is locked"
        raise Refused(Fault("stop", f"{vehicle} stop {stop} cannot move: {what}"))
    if to_vehicle != vehicle and locks.route_locked(to_vehicle):
        raise Refused(Fault("to_vehicle", f"{to_vehicle}'s route is locked: nothing moves in"))
    moved = [source.stops[i] for i in span]
    # produce collected for a facility goes with its visit: its unload moves to the end of
    # the target route (it stays on board until then, across reloads)
    away = {o for s in moved for o in s.collect}
    drops = [i for i, s in enumerate(source.stops) if i not in span and set(s.unload) & away]
    rest = [s for i, s in enumerate(source.stops) if i not in span and i not in drops]
    if to_vehicle == vehicle:
        target_stops = rest
    else:
        target = next((r for r in plan.routes if r.vehicle == to_vehicle), None)
        target_stops = list(target.stops) if target else []
    visits = visit_spans(target_stops)
    if not 1 <= position <= len(visits) + 1:
        raise InputError(
            Fault("position", f"{to_vehicle} can take it at positions 1 to {len(visits) + 1}")
        )
    at = visits[position - 1][0] if position <= len(visits) else len(target_stops)
    target_stops[at:at] = moved
    target_stops += [source.stops[i] for i in drops]
    routes = []
    for r in plan.routes:
        if r.vehicle == to_vehicle:
            routes.append(replace(r, stops=tuple(target_stops)))
        elif r.vehicle == vehicle:
            routes.append(replace(r, stops=tuple(rest)))
        else:
            routes.append(r)
    if to_vehicle not in {r.vehicle for r in plan.routes}:
        new = Route(to_vehicle, fleet[to_vehicle], 0, 0, 0.0, 0.0, 0.0, tuple(target_stops))
        routes.append(new)
    kept = tuple(r for r in routes if any(not s.reload for s in r.stops))
    return replace(plan, routes=kept)


def restate_reasons(plan: Plan, problem: Problem, at: AtTime | None = None) -> Plan:
    """Each unserved order with the first reason of UNSERVED_REASONS the validator confirms
    in this plan (an edit that frees room must not leave a stale reason), in words; a
    re-plan's judged as the validator judges them (`at`: `replan_rule.replan_view`)."""
    seen, fixed = (at.seen, at.fixed) if at else (problem, None)
    orders = {o.id: o for o in problem.orders}
    out = []
    for u in plan.unserved:
        o = orders.get(u.order)
        reason = u.reason
        if o is not None:
            confirmed = (
                r for r in UNSERVED_REASONS if check_reason(plan, seen, o, r, fixed) is None
            )
            reason = next(confirmed, u.reason)
        out.append(Unserved(u.order, reason))
    known = [u for u in out if u.order in orders]
    details = {u.order: u for u in explained(problem, known)}
    return replace(plan, unserved=tuple(details.get(u.order, u) for u in out))


def judge(opened: Opened, changed: Plan) -> Verdict:
    """The changed plan re-timed, its reasons restated, and the validator's verdict on it."""
    problem = opened.day.problem
    source = replan_source(opened.file) if changed.replan else None
    at = replan_view(changed, problem, source) if source else None
    timed = restate_reasons(retimed(changed, problem, source), problem, at)
    edits = int(opened.plan.stats.get("desk_edits", 0)) + 1
    timed = replace(timed, stats={**timed.stats, "desk_edits": edits})
    violations = tuple(str(v) for v in opened.check(timed))
    return Verdict(timed, violations, opened.plan.cost_yuan, timed.cost_yuan)


def plan_files(opened: Opened, plan: Plan) -> dict[str, bytes]:
    """The files `route plan` writes for `plan`: plan.json, routes.csv, the drivers' map and
    sheets, and the orders.csv beside it when the plan names it (unchanged)."""
    pf = opened.file
    cat = Catalogue.of(pf.county.points, pf.county.fleet, pf.orders)
    files = {
        "plan.json": plan.to_json().encode("utf-8"),
        "routes.csv": to_csv(plan_views(plan, cat)[0]),
    }
    files["map.html"], files["sheets.pdf"], _ = drivers_files(
        plan, cat, opened.day.roads, opened.road_node, title_of(plan, pf.county.meta)
    )
    for name in ("orders.csv", SOURCE_NAME):  # the inputs it names beside it, unchanged
        beside = opened.path.parent / name
        if beside.is_file():
            files[name] = beside.read_bytes()
    return files


def save(opened: Opened, plan: Plan) -> None:
    """Make `plan` the current plan: the one it replaces goes to history/, then every plan
    file is swapped in at once."""
    folder = opened.path.parent
    files = plan_files(opened, plan)
    push_history(folder)
    write_plan_files(folder, files)


def undo(days: Days, path: Path) -> bool:
    """Bring back the version the last change replaced, with the files it names beside it
    (a re-plan's orders and source); False when there is none."""
    folder = Path(path).parent
    files = pop_history(folder)
    if files is None:
        return False
    write_plan_files(folder, files)
    days.forget(path)
    return True
