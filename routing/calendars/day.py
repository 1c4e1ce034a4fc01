"""A day under a visit calendar: which of its orders wait for their village's next visit, and
which orders of earlier days are due today."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..errors import Fault, InputError
from ..inputs.county import County
from ..inputs.orders import day_orders
from ..model.records import Order
from .calendar_file import Calendar
from .patterns import may_wait, next_visit

LOOK_BACK_DAYS = 6  # a weekly pattern visits every village at least once a week


@dataclass(frozen=True)
class CalendarDay:
    calendar: Calendar
    day: dt.date
    planned: tuple[Order, ...]  # today's orders at visited points, and those carried
    deferred: tuple[tuple[Order, dt.date], ...]  # (order, the visit it waits for)

    @property
    def carried(self) -> tuple[Order, ...]:
        """Orders of earlier days planned today."""
        return tuple(o for o in self.planned if o.date != self.day.isoformat())


def apply_calendar(
    c: County, day: dt.date, orders: tuple[Order, ...], cal: Calendar
) -> CalendarDay:
    """Today's orders split into planned and deferred, plus earlier days' orders due today
    (back to the calendar's start, at most `LOOK_BACK_DAYS`)."""
    planned, deferred = [], []
    for o in orders:
        visit = next_visit(cal.pattern(o.point), day)
        if visit == day or (visit - day).days > may_wait(o, cal.max_wait):
            planned.append(o)
        else:
            deferred.append((o, visit))
    carried: list[Order] = []
    for back in range(1, LOOK_BACK_DAYS + 1):
        d = day - dt.timedelta(days=back)
        if d < cal.start:
            break
        for o in day_orders(c, d)[0]:
            visit = next_visit(cal.pattern(o.point), d)
            if visit == day and (visit - d).days <= may_wait(o, cal.max_wait):
                carried.append(o)
    today = {o.id for o in orders}
    clash = [o.id for o in carried if o.id in today]
    if clash:
        raise InputError(
            Fault(
                str(c.orders_path(day)),
                f"order id {clash[0]!r} is also an order of an earlier day that the calendar "
                "plans today: order ids must be unique across days",
            )
        )
    carried.sort(key=lambda o: (o.date, o.id))
    return CalendarDay(cal, day, (*carried, *planned), tuple(deferred))


def calendar_stats(cd: CalendarDay, served: set[str]) -> dict:
    """What the calendar did today: villages visited, orders deferred and carried, and how
    long the parcels delivered today waited (days, per parcel)."""
    cal, day = cd.calendar, cd.day
    villages = list(cal.patterns)
    waits = [
        ((day - dt.date.fromisoformat(o.date)).days, o.parcels)
        for o in cd.planned
        if o.kind == "delivery" and o.id in served
    ]
    parcels = sum(n for _, n in waits)
    return {
        "path": cal.path.name,
        "villages_on_calendar": len(villages),
        "villages_visited": sum(cal.visits(q, day) for q in villages),
        "deferred": len(cd.deferred),
        "carried": len(cd.carried),
        "parcel_wait_days": {
            "mean": round(sum(w * n for w, n in waits) / parcels, 3) if parcels else 0.0,
            "max": max((w for w, _ in waits), default=0),
        },
    }
