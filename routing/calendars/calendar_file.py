"""A county's visit calendar file, `calendars/<from>_<to>.csv` in its folder: one row per
village point with its week pattern (points not listed are visited daily)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from ..errors import Fault, Faults, InputError
from ..inputs.county import County
from ..inputs.tables import CALENDAR_COLUMNS, check_unique, read_table, shown
from ..units import parse_date
from .patterns import visited, worst_wait

FOLDER = "calendars"


@dataclass(frozen=True)
class Calendar:
    path: Path
    start: dt.date
    end: dt.date
    patterns: Mapping[str, str]  # point id -> pattern
    max_wait: int  # parcels' waiting limit the calendar was made for

    def pattern(self, point: str) -> str:
        return self.patterns.get(point, "daily")

    def visits(self, point: str, day: dt.date) -> bool:
        return visited(self.pattern(point), day)

    def covers(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def calendar_name(start: dt.date, end: dt.date) -> str:
    return f"{start.isoformat()}_{end.isoformat()}.csv"


def _period(path: Path) -> tuple[dt.date, dt.date]:
    try:
        start, end = path.stem.split("_")
        return parse_date(start), parse_date(end)
    except ValueError:
        raise InputError(
            Fault(
                str(path),
                "a calendar file is named <from>_<to>.csv, e.g. 2026-03-02_2026-03-08.csv",
            )
        ) from None


def find_calendar(county: County, day: dt.date) -> Path | None:
    """The county's calendar covering `day`: of several, the one starting latest."""
    found = []
    for path in sorted((county.dir / FOLDER).glob("*.csv")):
        start, end = _period(path)
        if start <= day <= end:
            found.append((start, path))
    return max(found)[1] if found else None


def read_calendar(path: Path, county: County) -> Calendar:
    """A calendar file, checked against the county: every problem at once."""
    name = str(path)
    start, end = _period(Path(path))
    faults = Faults()
    rows = read_table(Path(path), CALENDAR_COLUMNS, faults)
    check_unique(rows, "point_id", name, faults)
    tiers = {p.id: p.tier for p in county.points}
    for r in rows:
        if "point_id" in r["_bad"]:
            continue
        tier = tiers.get(r["point_id"])
        if tier is None:
            faults.add(name, f"unknown service point {shown(r['point_id'])}", r["_row"], "point_id")
        elif tier != "village":
            faults.add(
                name,
                f"'{r['point_id']}' is a {tier}: only village points have a calendar",
                r["_row"],
                "point_id",
            )
        ok = not r["_bad"] & {"pattern", "max_wait_days"}
        if ok and worst_wait(r["pattern"]) > r["max_wait_days"]:
            faults.add(
                name,
                f"{r['pattern']} makes parcels wait up to {worst_wait(r['pattern'])} days, "
                f"more than its max_wait_days {r['max_wait_days']}",
                r["_row"],
                "pattern",
            )
    if start > end:
        faults.add(name, f"the period ends ({end}) before it starts ({start})")
    faults.raise_if_any()
    return Calendar(
        path=Path(path),
        start=start,
        end=end,
        patterns=MappingProxyType({r["point_id"]: r["pattern"] for r in rows}),
        max_wait=max((r["max_wait_days"] for r in rows), default=0),
    )
