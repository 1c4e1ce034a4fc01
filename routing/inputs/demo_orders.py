"""A day's demo orders from a county's demand profile (demand.csv): parcels delivered down to
villages and produce collected up from them, the same for the same county, date and seed.

Used when a date has no order file. Every figure is a named constant here and is justified in
data/README.md ("Demand model").
"""

from __future__ import annotations

import datetime as dt
import functools
import math

import holidays
import numpy as np

from ..model.records import Order, ServicePoint

# --- last kilometre: parcels delivered ----------------------------------------------------------
PARCELS_PER_PERSON_YEAR = 9.0  # co-distributed parcels per resident per year
STATION_SHARE = 0.2  # of a town's parcels addressed to its township station
KG_PER_PARCEL = 1.3
LITRES_PER_KG_PARCEL = 4.6  # a 1.3 kg parcel is about 30 x 20 x 10 cm
EXPRESS_SHARE = 0.10  # delivery orders due by noon (priority 2)
COLD_DELIVERY_PROB = 0.5  # chance a township station gets a chilled grocery order today
COURIERS = {"ZTO": 0.30, "YTO": 0.22, "Yunda": 0.20, "STO": 0.15, "J&T": 0.13}
WEEKDAY_FACTOR = (1.15, 1.05, 1.0, 1.0, 1.0, 0.9, 0.8)  # Monday first
MONTH_FACTOR = (1.0, 1.0, 0.9, 0.95, 1.0, 1.1, 0.95, 0.95, 1.0, 1.05, 1.3, 1.15)
# The Spring Festival, by days from Chinese New Year's Day (the holidays package's date): the
# New Year shopping arrives in the weeks before, couriers wind down from about a week before
# and are mostly off for the first days of the year, then come back over two weeks. Linear
# between these (offset, factor) points, 1 outside them.
SPRING_FESTIVAL = (
    (-30, 1.0),
    (-25, 1.15),
    (-12, 1.15),
    (-8, 0.8),
    (-4, 0.4),
    (-1, 0.15),
    (0, 0.08),
    (3, 0.12),
    (6, 0.3),
    (8, 0.55),
    (12, 0.85),
    (16, 1.0),
)
HOLIDAY_FACTOR = 0.8  # other public holidays (and their days off): fewer parcels, couriers work
PEAKS = ((11, 11, 10, 0.6), (6, 18, 6, 0.3), (12, 12, 6, 0.2))  # (month, day, days, extra)
PEAK_LAG_DAYS = 3  # parcels ordered on a shopping festival reach villages a few days later

# --- first kilometre: produce collected ---------------------------------------------------------
CROPS = ("apples", "kiwifruit", "noodles", "vegetables", "herbs")  # *_t columns of demand.csv
COLD_SHARE = {"apples": 0.3, "kiwifruit": 0.5, "noodles": 0.0, "vegetables": 0.6, "herbs": 0.0}
DESTINATION = {
    "apples": "PARK",
    "kiwifruit": "PARK",
    "noodles": "HUB",
    "vegetables": "HUB",
    "herbs": "HUB",
}
CRATE = {
    "apples": (12.0, 20.0),
    "kiwifruit": (10.0, 16.0),
    "noodles": (10.0, 15.0),
    "vegetables": (15.0, 30.0),
    "herbs": (20.0, 50.0),  # dried roots (rhubarb) in sacks
}  # kg and litres per crate or box
LOT_KG = 100.0  # growers call for a collection once about this much is ready
MAX_ORDER_KG = 500.0  # larger harvests are booked as several orders (one per pallet load)
PICKUP_WEEKDAY_FACTOR = (1.0, 1.0, 1.0, 1.0, 1.0, 0.9, 0.7)


def _triangle(day: int, start: int, peak: int, end: int) -> float:
    if day < start or day > end:
        return 0.0
    if day <= peak:
        return (day - start + 1) / (peak - start + 1)
    return (end - day + 1) / (end - peak + 1)


HARVEST = {  # (start, peak, end, share of the year's volume) as (month, day)
    "apples": (((9, 1), (10, 10), (11, 30), 0.8), ((12, 1), (1, 20), (3, 31), 0.2)),
    "kiwifruit": (((9, 20), (10, 15), (11, 30), 0.9), ((12, 1), (12, 10), (1, 31), 0.1)),
    "vegetables": (((5, 1), (6, 30), (8, 31), 1.0),),
    "herbs": (((9, 20), (10, 31), (12, 31), 0.8), ((1, 1), (1, 15), (3, 31), 0.2)),  # dug, dried
}


def harvest_share(crop: str, day: dt.date) -> float:
    """Share of a crop's annual volume collected on `day`: triangular seasons (start, peak, end)
    that may cross the new year; noodles are made all year, a little more in winter."""
    if crop == "noodles":
        return (1.3 if day.month in (11, 12, 1) else 1.0) / (365 + 0.3 * 92)
    total = 0.0
    for start, peak, end, share in HARVEST[crop]:
        for year in (day.year - 1, day.year):
            s = dt.date(year, *start)
            e = dt.date(year + (end < start), *end)
            p = dt.date(year + (peak < start), *peak)
            if s <= day <= e:
                n, k, kp = (e - s).days + 1, (day - s).days, (p - s).days
                w = (k + 1) / (kp + 1) if k <= kp else (n - k) / (n - kp)
                total += share * w / ((n + 1) / 2)  # the weights of a span sum to (n + 1) / 2
    return total


@functools.cache
def _holidays(year: int) -> tuple[dt.date, frozenset[dt.date]]:
    """Chinese New Year's Day and the other public holidays and days off of `year`."""
    days = holidays.China(years=year, language="en_US")
    new_year = min(d for d, name in days.items() if "Spring Festival" in name)
    return new_year, frozenset(days)


def festival_factor(day: dt.date) -> float:
    """The Spring Festival's multiplier on `day` (1 away from it), HOLIDAY_FACTOR on another
    public holiday or day off."""
    for year in (day.year, day.year + 1):  # late January may lead to next year's festival
        k = (day - _holidays(year)[0]).days
        if SPRING_FESTIVAL[0][0] <= k <= SPRING_FESTIVAL[-1][0]:
            offsets = [float(o) for o, _ in SPRING_FESTIVAL]
            return float(np.interp(k, offsets, [f for _, f in SPRING_FESTIVAL]))
    return HOLIDAY_FACTOR if day in _holidays(day.year)[1] else 1.0


def delivery_factor(day: dt.date) -> float:
    """Weekday x month x holiday x shopping-festival multiplier on the average day's parcels."""
    f = WEEKDAY_FACTOR[day.weekday()] * MONTH_FACTOR[day.month - 1] * festival_factor(day)
    for month, mday, days, extra in PEAKS:
        start = dt.date(day.year, month, mday) + dt.timedelta(days=PEAK_LAG_DAYS - 2)
        k = (day - start).days
        if 0 <= k < days:
            f *= 1.0 + extra * 2.0 * _triangle(k, 0, days // 2 - 1, days - 1)
    return f


def _courier(rng: np.random.Generator) -> str:
    names = list(COURIERS)
    return names[int(rng.choice(len(names), p=list(COURIERS.values())))]


def generate_orders(
    day: dt.date,
    points: tuple[ServicePoint, ...],
    profiles: list[dict],
    adcode: str,
    seed: int,
) -> list[Order]:
    """One day's demo orders, the same for the same (county, date, seed)."""
    rng = np.random.default_rng([seed, int(adcode), day.toordinal()])
    by_id = {p.id: p for p in points}
    hub = next(p.id for p in points if p.tier == "hub")
    facility = {"PARK": f"{adcode}-PARK", "COLD": f"{adcode}-COLD", "HUB": hub}
    date = day.isoformat()
    factor = delivery_factor(day)
    town_pop: dict[str, float] = {}
    for prof in profiles:
        town = by_id[prof["point_id"]].town
        town_pop[town] = town_pop.get(town, 0.0) + prof["population"]

    orders: list[Order] = []

    def add(point: ServicePoint, **kw):
        orders.append(
            Order(id=f"{day:%Y%m%d}-{len(orders) + 1:05d}", date=date, point=point.id, **kw)
        )

    def deliveries(point: ServicePoint, mean_parcels: float):
        for courier, share in COURIERS.items():
            n = int(rng.poisson(mean_parcels * share))
            if n == 0:
                continue
            kg = round(float(rng.gamma(4.0 * n, KG_PER_PARCEL / 4.0)), 1)
            express = rng.random() < EXPRESS_SHARE
            add(
                point,
                courier=courier,
                kind="delivery",
                destination="",
                goods="parcels",
                parcels=n,
                kg=kg,
                litres=round(kg * LITRES_PER_KG_PARCEL, 1),
                earliest=point.opens,
                latest=min(point.closes, 12 * 3600) if express else point.closes,
                cold_chain=False,
                priority=2 if express else 1,
            )

    per_person_day = PARCELS_PER_PERSON_YEAR / 365.0 * factor
    for p in points:
        if p.tier == "township" and p.id in town_pop:
            deliveries(p, town_pop[p.id] * per_person_day * STATION_SHARE)
            if rng.random() < COLD_DELIVERY_PROB:
                n = int(rng.integers(5, 30))
                kg = round(n * float(rng.uniform(2.0, 4.0)), 1)
                add(
                    p,
                    courier=_courier(rng),
                    kind="delivery",
                    destination="",
                    goods="chilled groceries",
                    parcels=n,
                    kg=kg,
                    litres=round(kg * 3.0, 1),
                    earliest=p.opens,
                    latest=min(p.closes, 11 * 3600),
                    cold_chain=True,
                    priority=3,
                )
    for prof in profiles:
        p = by_id[prof["point_id"]]
        deliveries(p, prof["population"] * per_person_day * (1 - STATION_SHARE))

    weekday = PICKUP_WEEKDAY_FACTOR[day.weekday()] * min(festival_factor(day), 1.0)
    for prof in profiles:
        p = by_id[prof["point_id"]]
        for crop in CROPS:
            expect = (prof.get(f"{crop}_t") or 0.0) * 1000.0 * harvest_share(crop, day) * weekday
            if expect <= 0:
                continue
            if expect >= LOT_KG:
                kg = float(rng.gamma(4.0, expect / 4.0))
            elif rng.random() < expect / LOT_KG:
                kg = float(rng.uniform(0.6, 1.4) * LOT_KG)
            else:
                continue
            crate_kg, crate_l = CRATE[crop]
            cold = bool(rng.random() < COLD_SHARE[crop])
            dest = facility["COLD"] if cold else facility[DESTINATION[crop]]
            if dest not in by_id:
                dest = hub
            ready = 9 * 3600 if crop in ("apples", "kiwifruit", "vegetables") else p.opens
            latest = 17 * 3600 if cold else 18 * 3600
            crates_total = max(1, math.ceil(kg / crate_kg))
            lots = math.ceil(crates_total * crate_kg / MAX_ORDER_KG)  # big harvests: several orders
            for lot in range(lots):
                crates = crates_total // lots + (lot < crates_total % lots)
                add(
                    p,
                    courier=_courier(rng),
                    kind="pickup",
                    destination=dest,
                    goods=crop,
                    parcels=crates,
                    kg=round(crates * crate_kg * float(rng.uniform(0.9, 1.0)), 1),
                    litres=round(crates * crate_l, 1),
                    earliest=max(p.opens, ready),
                    latest=min(p.closes, latest),
                    cold_chain=cold,
                    priority=3 if cold else 1,
                )
    return orders
