"""A plan file and the inputs it names: the county and the day's orders, checked to be the
same files (by sha256) as when the plan was made. What `route check` and the exports start
from; nothing here builds matrices or loads the solver."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..calendars.calendar_file import Calendar, read_calendar
from ..errors import Fault, InputError
from ..model.records import Order
from ..network.graph import file_sha256
from ..plans.document import Plan
from ..plans.reader import read_plan
from ..units import parse_date
from .county import County, load_county
from .orders import read_orders


@dataclass(frozen=True)
class PlanFile:
    """A plan file and the inputs it names, checked to be unchanged since it was made."""

    path: Path
    plan: Plan
    county: County
    orders: tuple[Order, ...]  # the orders the plan answers for (planned and deferred)
    orders_path: Path
    calendar: Calendar | None = None  # the visit calendar the plan followed

    @property
    def planned(self) -> tuple[Order, ...]:
        """The orders planned: all but those the calendar deferred."""
        deferred = {d.order for d in self.plan.deferred}
        return tuple(o for o in self.orders if o.id not in deferred)


def open_plan(path: Path) -> PlanFile:
    """Read a plan file (schema-checked) and the county and orders it was made from."""
    plan_ = read_plan(path)
    base = Path(path).resolve().parent
    faults = []
    resolved: dict[str, Path] = {}
    names = ("points", "fleet", "roads", "orders")
    for name in (*names, "calendar") if "calendar" in plan_.inputs else names:
        ref = plan_.inputs.get(name) or {}
        if not ref.get("path"):
            faults.append(
                Fault(str(path), f"the plan does not name its {name} file", field=f"inputs.{name}")
            )
            continue
        p = Path(ref["path"])
        p = p if p.is_absolute() else base / p
        if not p.is_file():
            faults.append(Fault(str(p), f"{name} file named by the plan is missing"))
        elif ref.get("sha256") and file_sha256(p) != ref["sha256"]:
            faults.append(
                Fault(str(p), f"{name} file changed since the plan was made (its sha256 differs)")
            )
        resolved[name] = p
    if faults:
        raise InputError(faults)
    county_dir = resolved["points"].parent
    c = load_county(county_dir.name, county_dir.parent)
    if "calendar" not in resolved:
        orders = read_orders(resolved["orders"], c, parse_date(plan_.date))
        return PlanFile(Path(path), plan_, c, orders, resolved["orders"])
    # a calendar plans orders of earlier days too: the `calendar` rule checks their dates
    orders = read_orders(resolved["orders"], c)
    cal = read_calendar(resolved["calendar"], c)
    return PlanFile(Path(path), plan_, c, orders, resolved["orders"], cal)


def replan_source(pf: PlanFile) -> Plan:
    """The plan a re-plan came from (kept beside it), checked to be unchanged."""
    info = pf.plan.replan or {}
    path = Path(info.get("source", ""))
    path = path if path.is_absolute() else pf.path.resolve().parent / path
    if not path.is_file():
        raise InputError(Fault(str(path), "the plan this re-plan came from is missing"))
    if file_sha256(path) != info.get("source_sha256"):
        raise InputError(
            Fault(str(path), "the plan this re-plan came from changed (its sha256 differs)")
        )
    return read_plan(path)
