"""Week patterns of visits, and how long goods may wait for the next one.

A village on a Mon/Wed/Fri pattern has its parcels of Saturday and Sunday delivered on Monday:
they wait at most 2 days at the township station. Produce waits at the village point, within
its freshness (data/README.md, "Visit calendars")."""

from __future__ import annotations

import datetime as dt

from ..inputs.crops import crop_table
from ..model.records import Order

PATTERNS: dict[str, frozenset[int]] = {  # weekday numbers, Monday = 0
    "daily": frozenset(range(7)),
    "mon-wed-fri": frozenset({0, 2, 4}),
    "tue-thu-sat": frozenset({1, 3, 5}),
}
SPARSE = ("mon-wed-fri", "tue-thu-sat")  # the patterns a small village may be given
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Days produce may wait at the village point for a collection: each crop's `keeps_days` in the
# bundled crops.csv (apples and kiwifruit two days in the shade, hand-made noodles and dried
# herbs six, fresh vegetables none); other goods one.
UNKNOWN_PRODUCE_DAYS = 1
PARCEL_GOODS = ("parcels", "returns")  # parcels sent from a village wait like those delivered


def visited(pattern: str, day: dt.date) -> bool:
    return day.weekday() in PATTERNS[pattern]


def next_visit(pattern: str, day: dt.date) -> dt.date:
    """The first visit on or after `day`."""
    for k in range(7):
        if visited(pattern, day + dt.timedelta(days=k)):
            return day + dt.timedelta(days=k)
    raise ValueError(f"pattern {pattern!r} visits no day")


def worst_wait(pattern: str) -> int:
    """The most days an order may wait for its visit on this pattern."""
    return max(
        (next_visit(pattern, dt.date(2026, 1, 5 + w)) - dt.date(2026, 1, 5 + w)).days
        for w in range(7)
    )


def may_wait(o: Order, max_wait: int) -> int:
    """Days order `o` may wait for a visit: parcels (delivered, sent or returned) up to
    `max_wait`, produce within its freshness, cold-chain and urgent orders none."""
    if o.cold_chain or o.priority >= 3:
        return 0
    if o.kind == "delivery" or o.goods in PARCEL_GOODS:
        return max_wait
    crop = crop_table().get(o.goods)
    return min(max_wait, crop.keeps_days if crop is not None else UNKNOWN_PRODUCE_DAYS)


def days_text(pattern: str) -> str:
    return " ".join(DAY_NAMES[d] for d in sorted(PATTERNS[pattern]))
