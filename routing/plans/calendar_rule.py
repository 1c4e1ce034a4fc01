"""The `calendar` rule of `route check`: a plan that follows a visit calendar defers only what
may wait for its village's next visit, and plans exactly the earlier orders due today."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from ..calendars.calendar_file import Calendar
from ..calendars.patterns import may_wait, next_visit
from ..model.problem import Problem
from ..model.records import Order
from .document import Plan
from .validate import Violation

LONGEST_WAIT_DAYS = 6


def rule_calendar(
    plan: Plan, problem: Problem, cal: Calendar | None, deferred: Mapping[str, Order]
) -> list[Violation]:
    """`deferred`: the orders the plan lists as deferred, by id (from its orders file)."""
    if cal is None:
        if plan.deferred:
            return [Violation("calendar", "the plan defers orders but names no calendar")]
        return []
    day = dt.date.fromisoformat(plan.date)
    out = []
    handled = {o for r in plan.routes for s in r.stops for o in (*s.deliver, *s.collect)}
    handled |= {u.order for u in plan.unserved}
    for d in plan.deferred:
        o = deferred.get(d.order)
        if o is None:
            out.append(_why(d.order, "is deferred but not in the orders file"))
            continue
        visit = next_visit(cal.pattern(o.point), day)
        wait = (visit - dt.date.fromisoformat(o.date)).days
        if d.order in handled:
            out.append(_why(d.order, "is both deferred and planned"))
        elif o.date != plan.date:
            out.append(_why(d.order, f"of {o.date} is deferred again"))
        elif visit == day:
            out.append(_why(d.order, f"is deferred although {o.point} is visited today"))
        elif d.visit != visit.isoformat():
            out.append(_why(d.order, f"waits for {d.visit}, but {o.point}'s next visit is {visit}"))
        elif wait > may_wait(o, cal.max_wait):
            out.append(_why(d.order, f"would wait {wait} days, {_limit(o, cal)}"))
    for o in problem.orders:
        if o.date == plan.date:
            continue
        since = dt.date.fromisoformat(o.date)
        wait = (day - since).days
        due = next_visit(cal.pattern(o.point), since)
        if wait < 0 or wait > LONGEST_WAIT_DAYS:
            out.append(_why(o.id, f"of {o.date} is not an order of the week before {plan.date}"))
        elif due != day:
            out.append(_why(o.id, f"of {o.date} was due at {o.point}'s visit of {due}, not today"))
        elif wait > may_wait(o, cal.max_wait):
            out.append(_why(o.id, f"waited {wait} days, {_limit(o, cal)}"))
    return out


def _why(order: str, what: str) -> Violation:
    return Violation("calendar", f"order '{order}' {what}", order=order)


def _limit(o: Order, cal: Calendar) -> str:
    return f"more than the {may_wait(o, cal.max_wait)} it may"
