"""`route schedule`: a visit calendar for a period, from the period's own orders.

Each village point gets the sparsest week pattern its goods allow (rules in order):

1. a large village (at least `daily_parcels` parcels a day on average) is visited daily: its
   parcels would fill a van if they waited;
2. a village whose produce of the period keeps less than the sparse patterns' longest wait
   (two days), or that has cold-chain or urgent orders, is visited daily: harvest seasons of
   perishable crops thus force daily visits;
3. with parcels allowed to wait less than two days, every village is visited daily;
4. the others are visited three times a week, Mon/Wed/Fri or Tue/Thu/Sat. A town's villages
   share one pattern (a van serves them on one tour), and towns are given the pattern with
   fewer parcels so far, largest first, which balances the days.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from ..atomic import write_atomic
from ..inputs.county import edit_county, load_county
from ..inputs.locations import data_home
from ..inputs.orders import day_orders
from ..inputs.tables import CALENDAR_COLUMNS, csv_text
from ..pipeline import Progress, _quiet
from .calendar_file import FOLDER, calendar_name
from .patterns import SPARSE, days_text, may_wait, worst_wait

MAX_DAYS = 366


@dataclass(frozen=True)
class Schedule:
    path: Path
    rows: tuple[dict, ...]
    days: int

    def count(self, pattern: str) -> int:
        return sum(r["pattern"] == pattern for r in self.rows)

    @property
    def visits_saved(self) -> float:
        """Share of village visits a week the calendar saves against daily visits."""
        weekly = sum(7 if r["pattern"] == "daily" else 3 for r in self.rows)
        return 1 - weekly / (7 * len(self.rows)) if self.rows else 0.0


def make_calendar(
    county: str,
    start: dt.date,
    end: dt.date,
    max_wait: int = 2,
    daily_parcels: float = 60,
    data_dir: Path | None = None,
    progress: Progress = _quiet,
) -> Schedule:
    """Decide each village's pattern for [start, end] and write the calendar file."""
    c = load_county(county, data_dir)
    days = (end - start).days + 1
    parcels: dict[str, float] = defaultdict(float)
    keeps: dict[str, int] = {}  # point -> the fewest days any of its orders may wait
    for k in range(days):
        day = start + dt.timedelta(days=k)
        orders, _ = day_orders(c, day)
        for o in orders:
            if o.kind == "delivery":
                parcels[o.point] += o.parcels / days
            keeps[o.point] = min(keeps.get(o.point, 99), may_wait(o, max_wait))
        if (k + 1) % 7 == 0 or k + 1 == days:
            progress(f"orders read: {k + 1} of {days} days")
    sparse_wait = max(worst_wait(p) for p in SPARSE)
    villages = [p for p in c.points if p.tier == "village"]
    why: dict[str, str] = {}
    for p in villages:
        if parcels[p.id] >= daily_parcels:
            why[p.id] = f"large village: {parcels[p.id]:.0f} parcels a day"
        elif keeps.get(p.id, 99) < sparse_wait:
            why[p.id] = f"goods that may wait only {keeps[p.id]} day(s)"
        elif max_wait < sparse_wait:
            why[p.id] = f"parcels may wait only {max_wait} day(s)"
    towns: dict[str, list[str]] = defaultdict(list)
    for p in villages:
        if p.id not in why:
            towns[p.town].append(p.id)
    load = dict.fromkeys(SPARSE, 0.0)
    pattern: dict[str, str] = {}
    for town in sorted(towns, key=lambda t: (-sum(parcels[q] for q in towns[t]), t)):
        chosen = min(SPARSE, key=lambda s: (load[s], s))
        load[chosen] += sum(parcels[q] for q in towns[town])
        pattern.update(dict.fromkeys(towns[town], chosen))
    rows = []
    for p in villages:
        pat = pattern.get(p.id, "daily")
        reason = why.get(p.id) or (
            f"parcels wait at most {worst_wait(pat)} days, its goods may wait {keeps[p.id]}"
            if p.id in keeps
            else f"parcels wait at most {worst_wait(pat)} days"
        )
        rows.append(
            {
                "point_id": p.id,
                "name": p.name,
                "pattern": pat,
                "reason": f"{days_text(pat)}: {reason}",
                "parcels_per_day": round(parcels[p.id], 2),
                "max_wait_days": max_wait,
            }
        )
    name = calendar_name(start, end)
    with edit_county(county, data_dir) as stage:
        write_atomic(stage / FOLDER / name, csv_text(rows, CALENDAR_COLUMNS))
    return Schedule(data_home(data_dir) / c.slug / FOLDER / name, tuple(rows), days)
