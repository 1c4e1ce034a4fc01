"""The crops counties sell online: the bundled table `crops.csv`, one row per crop with its
crate, cold-chain share, destination, where in a county it grows, how long it keeps at the
village point and its selling seasons.

`route data build` writes a `<crop>_t` column of demand.csv for each crop the county sells
(data/produce.csv); the demo orders read the crops' properties from here. Figures and their
sources: data/README.md ("Demand model").
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

from ..errors import Faults
from .tables import CROP_COLUMNS, MonthDay, check_unique, read_table

TABLE = "crops.csv"


@dataclass(frozen=True)
class Season:
    """A share of the year's volume sold from `start` to `end` (which may cross the new
    year): rising to `peak` and falling after it, or flat when `peak` is None."""

    start: MonthDay
    peak: MonthDay | None
    end: MonthDay
    share: float


@dataclass(frozen=True)
class Crop:
    name: str
    label: str
    crate_kg: float
    crate_litres: float
    cold_share: float  # of the collections, for the cold store on a refrigerated truck
    destination: str  # PARK (the processing centre) or HUB, for the ambient collections
    ready_s: int | None  # ready for collection (s since midnight); None: when the point opens
    grows: str  # north, south or any: which end of a county its villages lean to
    villages: float  # share of rural villages that sell it
    keeps_days: int  # how long it may wait at the village point for a collection
    seasons: tuple[Season, ...]

    def share_on(self, day: dt.date) -> float:
        """Share of the year's volume collected on `day`; a year's days sum to 1."""
        total = 0.0
        for s in self.seasons:
            for year in (day.year - 1, day.year):
                start = dt.date(year, *s.start)
                end = dt.date(year + (s.end < s.start), *s.end)
                if not start <= day <= end:
                    continue
                n, k = (end - start).days + 1, (day - start).days
                if s.peak is None:
                    total += s.share / n
                    continue
                kp = (dt.date(year + (s.peak < s.start), *s.peak) - start).days
                w = (k + 1) / (kp + 1) if k <= kp else (n - k) / (n - kp)
                total += s.share * w / ((n + 1) / 2)  # a span's weights sum to (n + 1) / 2
        return total


def table_path() -> Path:
    from .locations import bundled_dir

    return bundled_dir() / TABLE


@functools.cache
def crop_table(path: Path | None = None) -> dict[str, Crop]:
    """The crop catalogue, in the table's order; every fault of the file at once."""
    path = path or table_path()
    faults = Faults()
    rows = read_table(path, CROP_COLUMNS, faults)
    check_unique(rows, "crop", str(path), faults)
    faults.raise_if_any()
    return {
        r["crop"]: Crop(
            name=r["crop"],
            label=r["label"],
            crate_kg=r["crate_kg"],
            crate_litres=r["crate_litres"],
            cold_share=r["cold_share"],
            destination=r["destination"],
            ready_s=r["ready"],
            grows=r["grows"],
            villages=r["villages"],
            keeps_days=r["keeps_days"],
            seasons=tuple(Season(*s) for s in r["seasons"]),
        )
        for r in rows
    }
