"""Adding an order, cancelling one, and re-planning from a time of day, through the
re-planning library (`routing.replan`, docs/replan.md).

Adding or cancelling is a re-plan at the desk's time with the change placed and nothing else
searched (`place_only`): the planner sees its cost at once. Re-planning from a time searches
everything not yet done. A valid re-plan becomes the current plan (the previous one kept for
undo); an invalid one is answered with its violations and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import Fault, InputError, PlanInvalidError
from ..inputs.orders import order_from_cells
from ..model.params import SolveParams
from ..model.records import Order
from ..replan import run as library
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
    """Re-plan the day from `at_s`; a valid result replaces the plan's files (the previous
    version kept for undo). The library raises before anything is written if the re-plan
    breaks a rule, so the folder is written once, swapped in whole."""
    folder = opened.path.parent
    before = opened.plan.cost_yuan
    params = SolveParams(time_limit=time_limit, iterations=iterations)
    try:
        result = library.replan(opened.path, at_s, new_orders, cancel, lock, params, not full)
    except PlanInvalidError as exc:  # the library never returns an invalid re-plan
        lines = [ln.strip().removeprefix("- ") for ln in str(exc).splitlines()[1:]]
        return Outcome(False, tuple(ln for ln in lines if ln) or (str(exc),), before, before)
    push_history(folder)
    library.write_replan(result, folder)
    return Outcome(True, (), before, result.plan.cost_yuan)
