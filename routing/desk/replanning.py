"""Adding an order, cancelling one, and re-planning from a time of day, through the
re-planning library (`routing.replan.replan_day`, docs/replan.md).

Adding or cancelling is a re-plan at the desk's time with the change placed and nothing else
searched (`place_only`): the planner sees its cost at once. Re-planning from a time searches
everything not yet done. The re-plan is written into a staging folder under the plan's own
folder; a valid one becomes the current plan (the previous one kept for undo). An invalid one
is answered with its violations and dropped.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import Fault, InputError, PlanInvalidError
from ..exports.plan_outputs import write_plan_files
from ..inputs.orders import order_from_cells
from ..model.params import SolveParams
from ..model.records import Order
from ..replan import replan_day
from ..units import parse_hhmm
from .days import Opened
from .store import push_history

# the page's order form -> the order file's columns (docs/desk.md)
FORM_COLUMNS = {
    "id": "order_id",
    "point": "point_id",
    "kind": "kind",
    "destination": "destination",
    "goods": "goods",
    "parcels": "parcels",
    "kg": "kg",
    "litres": "litres",
    "earliest": "earliest",
    "latest": "latest",
    "cold_chain": "cold_chain",
    "priority": "priority",
    "courier": "courier",
}
FORM_DEFAULTS = {
    "courier": "desk",
    "parcels": "1",
    "litres": "0",
    "earliest": "00:00",
    "latest": "24:00",
    "cold_chain": "false",
    "priority": "1",
}


def at_seconds(text: object) -> int:
    """'HH:MM' -> seconds since midnight; anything else is an input error naming the field."""
    try:
        return parse_hhmm(str(text))
    except (ValueError, TypeError):
        raise InputError(Fault("at", f"{str(text)[:20]!r} is not a time HH:MM")) from None


def order_of(form: dict, opened: Opened) -> Order:
    """A new order from the page's form, parsed and checked as a row of an order file is
    (`inputs.orders.order_from_cells`): every problem at once, each naming its field."""
    cells = dict(FORM_DEFAULTS, date=opened.plan.date)
    for name, column in FORM_COLUMNS.items():
        value = form.get(name)
        if isinstance(value, bool):
            value = "true" if value else "false"
        if value is not None and str(value).strip() != "":
            cells[column] = str(value).strip()[:200]
    return order_from_cells(cells, opened.file.county, "order form")


@dataclass(frozen=True)
class Outcome:
    applied: bool
    violations: tuple[str, ...]
    cost_before: float
    cost_after: float

    def as_dict(self) -> dict:
        return {
            "ok": not self.violations,
            "applied": self.applied,
            "verdict": "OK" if not self.violations else f"{len(self.violations)} violation(s)",
            "violations": list(self.violations),
            "cost_before_yuan": self.cost_before,
            "cost_after_yuan": self.cost_after,
            "cost_change_yuan": round(self.cost_after - self.cost_before, 2),
        }


def replan(
    opened: Opened,
    at_s: int,
    lock: tuple[str, ...],
    new_orders: tuple[Order, ...] = (),
    cancel: tuple[str, ...] = (),
    full: bool = False,
    time_limit: float = 5.0,
    iterations: int | None = None,
) -> Outcome:
    """Re-plan the day from `at_s`; a valid result replaces the plan's files."""
    folder = opened.path.parent
    before = opened.plan.cost_yuan
    params = SolveParams(time_limit=time_limit, iterations=iterations)
    stage = Path(tempfile.mkdtemp(prefix=".replan-", dir=folder))
    try:
        try:
            result = replan_day(
                opened.path,
                at_s,
                new_orders=new_orders,
                cancel=cancel,
                lock=lock,
                params=params,
                out_dir=stage,
                place_only=not full,
            )
        except PlanInvalidError as exc:  # the library never returns an invalid re-plan
            lines = [ln.strip().removeprefix("- ") for ln in str(exc).splitlines()[1:]]
            return Outcome(False, tuple(ln for ln in lines if ln) or (str(exc),), before, before)
        files = {p.name: p.read_bytes() for p in stage.iterdir() if p.is_file()}
        push_history(folder)
        write_plan_files(folder, files)
        return Outcome(True, (), before, result.plan.cost_yuan)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
