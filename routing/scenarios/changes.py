"""A scenario's changes applied to a county's day: the fleet (size, types, shifts), the
service points (added, removed, moved; orders follow the villagers to the point they use) and
the demand (multipliers on the day's orders). Pure functions on the immutable records, each
deterministic: the same scenario, day and orders give the same result.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import replace

from ..model.records import Order, ServicePoint, Vehicle
from .scenario_file import Demand, Scenario


def unit_draw(*keys: object) -> float:
    """A number in [0, 1) fixed by `keys`: the same in every process and on every machine
    (Python's own hash is salted per process)."""
    digest = hashlib.sha256("\x1f".join(map(str, keys)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def apportion(weights: list[float], total: int) -> list[int]:
    """Whole numbers in proportion to `weights` summing to `total` (largest remainders; ties
    to the earlier)."""
    s = sum(weights)
    exact = [w / s * total if s else 0.0 for w in weights]
    out = [math.floor(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda k: (-(exact[k] - out[k]), k))
    for k in order[: total - sum(out)]:
        out[k] += 1
    return out


def fleet_of(s: Scenario, fleet: tuple[Vehicle, ...]) -> tuple[Vehicle, ...]:
    """The scenario's fleet: `types` counts per type, or `size` shared among the types in
    proportion to the base fleet; vehicles kept in file order, a type grown by copies of its
    last vehicle (ids `<id>+1`, `+2` ...); shift hours applied to every vehicle."""
    types = list(dict.fromkeys(v.type for v in fleet))
    by_type = {t: [v for v in fleet if v.type == t] for t in types}
    if s.fleet_types:
        counts = {t: s.fleet_types.get(t, len(by_type[t])) for t in types}
    elif s.fleet_size is not None:
        counts = dict(
            zip(types, apportion([len(by_type[t]) for t in types], s.fleet_size), strict=True)
        )
    else:
        counts = {t: len(by_type[t]) for t in types}
    out: list[Vehicle] = []
    for t in types:
        kept = by_type[t][: counts[t]]
        last = by_type[t][-1]
        kept += [replace(last, id=f"{last.id}+{k}") for k in range(1, counts[t] - len(kept) + 1)]
        out += kept
    if s.shift_start is not None or s.shift_end is not None:
        out = [_shifted(v, s.shift_start, s.shift_end) for v in out]
    return tuple(out)


def _shifted(v: Vehicle, start: int | None, end: int | None) -> Vehicle:
    start = v.shift_start if start is None else start
    end = v.shift_end if end is None else end
    return replace(v, shift_start=start, shift_end=end, max_work_s=min(v.max_work_s, end - start))


def points_of(s: Scenario, points: tuple[ServicePoint, ...]) -> tuple[ServicePoint, ...]:
    """The scenario's service points: removed ones gone, moved ones at their new place, added
    ones as village service points of their town (the nearest township station unless named),
    with the opening hours and service times of that town's village points."""
    moved = {m.id: m for m in s.moved}
    out = [
        replace(p, lon=moved[p.id].lon, lat=moved[p.id].lat, located="moved")
        if p.id in moved
        else p
        for p in points
        if p.id not in s.removed
    ]
    stations = [p for p in points if p.tier == "township"]
    for a in s.added:
        town = a.town or min(stations, key=lambda p: (p.lon - a.lon) ** 2 + (p.lat - a.lat) ** 2).id
        like = next(
            (p for p in points if p.tier == "village" and p.town == town),
            next(p for p in points if p.tier == "village"),
        )
        out.append(
            replace(
                like,
                id=a.id,
                name=a.name,
                name_pinyin=a.name,
                town=town,
                lon=a.lon,
                lat=a.lat,
                located="source",
            )
        )
    return tuple(out)


def repointed(orders: tuple[Order, ...], shares: dict[str, dict[str, float]]) -> tuple[Order, ...]:
    """Each order of a village whose residents now use several points goes to one of them,
    drawn by its id in proportion to the residents each serves (`shares`: base point id ->
    {open point id: share}); other orders stay."""
    out = []
    for o in orders:
        split = shares.get(o.point)
        if not split or split == {o.point: 1.0}:
            out.append(o)
            continue
        u, acc = unit_draw("point", o.id), 0.0
        chosen = next(iter(split))
        for pid, share in split.items():
            acc += share
            if u < acc:
                chosen = pid
                break
        out.append(replace(o, point=chosen))
    return tuple(out)


def multiplier(d: Demand, o: Order, month: int) -> float:
    return (
        d.months.get(month, 1.0)
        * d.kinds.get(o.kind, 1.0)
        * d.goods.get(o.goods, 1.0)
        * d.couriers.get(o.courier, 1.0)
    )


def scaled(d: Demand, orders: tuple[Order, ...], month: int) -> tuple[Order, ...]:
    """The day's orders under the demand multipliers: a multiplier m gives each order floor(m)
    copies and one more with chance frac(m), drawn by its id (so 0.5 keeps half the orders,
    1.5 adds a copy of half of them); copies are `<id>-x2`, `-x3` ..."""
    if not d.changed:
        return orders
    out = []
    for o in orders:
        m = multiplier(d, o, month)
        n = math.floor(m) + (unit_draw("demand", o.id) < m - math.floor(m))
        out += [o if k == 1 else replace(o, id=f"{o.id}-x{k}") for k in range(1, n + 1)]
    return tuple(out)
