"""A day's demo orders from a county's demand profile (demand.csv): parcels delivered down to
villages, and parcels, returns and produce collected up from them, the same for the same
county, date and seed.

Used when a date has no order file. Every figure is a named constant here, or a crop's row of
the bundled crops.csv (`routing.inputs.crops`), and is justified in data/README.md ("Demand
model").
"""

from __future__ import annotations

import datetime as dt
import functools
import math

import holidays
import numpy as np

from ..model.records import Order, ServicePoint
from .crops import crop_table

# --- last kilometre: parcels delivered ----------------------------------------------------------
# Parcels delivered a year per resident of a rural county: 37 bn parcels were collected and
# delivered in rural China in 2021 (State Post Bureau), 74 per rural resident (498 M), about
# half of them delivered; a western county somewhat below that.
RURAL_PARCELS_PER_PERSON_YEAR = 35.0
CENTRE_SHARE = 0.75  # carried by the five couriers the centre co-distributes for (COURIERS)
PARCELS_PER_PERSON_YEAR = RURAL_PARCELS_PER_PERSON_YEAR * CENTRE_SHARE  # demand.csv's default
STATION_SHARE = 0.2  # of a town's parcels addressed to its township station
KG_PER_PARCEL = 1.3
LITRES_PER_KG_PARCEL = 4.6  # a 1.3 kg parcel is about 30 x 20 x 10 cm
EXPRESS_SHARE = 0.10  # delivery orders due by noon (priority 2)
COLD_DELIVERY_PROB = 0.5  # chance a township station gets a chilled grocery order today
COURIERS = {"ZTO": 0.30, "YTO": 0.22, "Yunda": 0.20, "STO": 0.15, "J&T": 0.13}
WEEKDAY_FACTOR = (1.15, 1.05, 1.0, 1.0, 1.0, 0.9, 0.8)  # Monday first
MAKE_UP_DAY_FACTOR = 1.0  # a weekend day worked to make up for a holiday (调休): a weekday
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

# --- first kilometre: parcels sent and returned -------------------------------------------------
# demand.csv's `sent_year`: parcels village shops and sellers send a year (population.csv's
# e-commerce parcels per resident, by county or region); they follow the shopping festivals a
# day later (sellers ship the next day). Returns: a share of the parcels delivered a few days
# before (within the 7-day no-questions return period).
SEND_LAG_DAYS = 1
RETURN_SHARE = 0.05
RETURN_LAG_DAYS = 4

# --- first kilometre: produce collected (each crop's crate, season ...: crops.csv) ---------------
LOT_KG = 100.0  # growers call for a collection once about this much is ready
MAX_ORDER_KG = 500.0  # larger harvests are booked as several orders (one per pallet load)
PICKUP_WEEKDAY_FACTOR = (1.0, 1.0, 1.0, 1.0, 1.0, 0.9, 0.7)  # scaled to a mean of 1 below
COLD_LATEST = 17 * 3600  # cold produce reaches the cold store the same afternoon
LATEST = 18 * 3600


def harvest_share(crop: str, day: dt.date) -> float:
    """Share of a crop's annual volume collected on `day` (crops.csv's seasons)."""
    return crop_table()[crop].share_on(day)


@functools.cache
def _holidays(year: int) -> tuple[dt.date, frozenset[dt.date], frozenset[dt.date]]:
    """Chinese New Year's Day, the other public holidays and days off, and the weekend days
    worked to make up for them (调休) of `year`."""
    days = holidays.China(years=year, language="en_US")
    new_year = min(d for d, name in days.items() if "Spring Festival" in name)
    make_up = frozenset(d for d in days.weekend_workdays if d.year == year)
    return new_year, frozenset(days), make_up


def festival_factor(day: dt.date) -> float:
    """The Spring Festival's multiplier on `day` (1 away from it), HOLIDAY_FACTOR on another
    public holiday or day off."""
    for year in (day.year, day.year + 1):  # late January may lead to next year's festival
        k = (day - _holidays(year)[0]).days
        if SPRING_FESTIVAL[0][0] <= k <= SPRING_FESTIVAL[-1][0]:
            offsets = [float(o) for o, _ in SPRING_FESTIVAL]
            return float(np.interp(k, offsets, [f for _, f in SPRING_FESTIVAL]))
    return HOLIDAY_FACTOR if day in _holidays(day.year)[1] else 1.0


def _weekday(day: dt.date, factors: tuple[float, ...]) -> float:
    if day in _holidays(day.year)[2]:
        return MAKE_UP_DAY_FACTOR
    return factors[day.weekday()]


def _shopping_peak(day: dt.date, lag: int) -> float:
    f = 1.0
    for month, mday, days, extra in PEAKS:
        start = dt.date(day.year, month, mday) + dt.timedelta(days=lag - 2)
        k = (day - start).days
        if 0 <= k < days:
            peak = days // 2 - 1
            w = (k + 1) / (peak + 1) if k <= peak else (days - k) / (days - peak)
            f *= 1.0 + extra * 2.0 * w
    return f


def _delivery_raw(day: dt.date) -> float:
    return (
        _weekday(day, WEEKDAY_FACTOR)
        * MONTH_FACTOR[day.month - 1]
        * festival_factor(day)
        * _shopping_peak(day, PEAK_LAG_DAYS)
    )


def pickup_factor(day: dt.date) -> float:
    """The weekday and the Spring Festival on produce collections: a week's mean is 1, and
    the New Year's rush does not raise them."""
    mean = sum(PICKUP_WEEKDAY_FACTOR) / len(PICKUP_WEEKDAY_FACTOR)
    return _weekday(day, PICKUP_WEEKDAY_FACTOR) / mean * min(festival_factor(day), 1.0)


def _sending_raw(day: dt.date) -> float:
    return pickup_factor(day) * _shopping_peak(day, SEND_LAG_DAYS)


@functools.cache
def _year_mean(kind: str, year: int) -> float:
    raw = _delivery_raw if kind == "delivery" else _sending_raw
    days = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
    return sum(raw(dt.date(year, 1, 1) + dt.timedelta(days=k)) for k in range(days)) / days


def delivery_factor(day: dt.date) -> float:
    """Weekday x month x holiday x shopping-festival multiplier on the average day's parcels,
    scaled so that a year's days sum to the year's parcels."""
    return _delivery_raw(day) / _year_mean("delivery", day.year)


def sending_factor(day: dt.date) -> float:
    """The same for the parcels sent from villages (a year's days sum to the year's)."""
    return _sending_raw(day) / _year_mean("sending", day.year)


def _courier(rng: np.random.Generator) -> str:
    names = list(COURIERS)
    return names[int(rng.choice(len(names), p=list(COURIERS.values())))]


def parcels_year(profile: dict) -> float:
    """Parcels the centre delivers to a point a year: demand.csv's figure, else its residents
    at the model's rate (folders built before the column)."""
    given = profile.get("parcels_year")
    return float(given) if given is not None else profile["population"] * PARCELS_PER_PERSON_YEAR


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
    factor = delivery_factor(day) / 365.0
    town_parcels: dict[str, float] = {}
    for prof in profiles:
        town = by_id[prof["point_id"]].town
        town_parcels[town] = town_parcels.get(town, 0.0) + parcels_year(prof)

    orders: list[Order] = []

    def add(point: ServicePoint, **kw):
        orders.append(
            Order(id=f"{day:%Y%m%d}-{len(orders) + 1:05d}", date=date, point=point.id, **kw)
        )

    def parcels(point: ServicePoint, mean_parcels: float, kind: str, goods: str):
        """An order per courier with parcels here today (Poisson counts by market share)."""
        for courier, share in COURIERS.items():
            n = int(rng.poisson(mean_parcels * share))
            if n == 0:
                continue
            kg = round(float(rng.gamma(4.0 * n, KG_PER_PARCEL / 4.0)), 1)
            express = kind == "delivery" and rng.random() < EXPRESS_SHARE
            add(
                point,
                courier=courier,
                kind=kind,
                destination="" if kind == "delivery" else hub,
                goods=goods,
                parcels=n,
                kg=kg,
                litres=round(kg * LITRES_PER_KG_PARCEL, 1),
                earliest=point.opens,
                latest=min(point.closes, 12 * 3600) if express else point.closes,
                cold_chain=False,
                priority=2 if express else 1,
            )

    for p in points:
        if p.tier == "township" and p.id in town_parcels:
            parcels(p, town_parcels[p.id] * factor * STATION_SHARE, "delivery", "parcels")
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
        parcels(p, parcels_year(prof) * factor * (1 - STATION_SHARE), "delivery", "parcels")

    weekday = pickup_factor(day)
    for prof in profiles:
        p = by_id[prof["point_id"]]
        for crop in crop_table().values():
            tonnes = prof.get(f"{crop.name}_t") or 0.0
            expect = tonnes * 1000.0 * crop.share_on(day) * weekday
            if expect <= 0:
                continue
            if expect >= LOT_KG:
                kg = float(rng.gamma(4.0, expect / 4.0))
            elif rng.random() < expect / LOT_KG:
                kg = float(rng.uniform(0.6, 1.4) * LOT_KG)
            else:
                continue
            cold = bool(rng.random() < crop.cold_share)
            dest = facility["COLD"] if cold else facility[crop.destination]
            if dest not in by_id:
                dest = hub
            ready = crop.ready_s if crop.ready_s is not None else p.opens
            crates_total = max(1, math.ceil(kg / crop.crate_kg))
            lots = math.ceil(crates_total * crop.crate_kg / MAX_ORDER_KG)  # several orders
            for lot in range(lots):
                crates = crates_total // lots + (lot < crates_total % lots)
                add(
                    p,
                    courier=_courier(rng),
                    kind="pickup",
                    destination=dest,
                    goods=crop.name,
                    parcels=crates,
                    kg=round(crates * crop.crate_kg * float(rng.uniform(0.9, 1.0)), 1),
                    litres=round(crates * crop.crate_litres, 1),
                    earliest=max(p.opens, ready),
                    latest=min(p.closes, COLD_LATEST if cold else LATEST),
                    cold_chain=cold,
                    priority=3 if cold else 1,
                )

    sending = sending_factor(day) / 365.0
    returning = (
        RETURN_SHARE
        * delivery_factor(day - dt.timedelta(days=RETURN_LAG_DAYS))
        / 365.0
        * min(festival_factor(day), 1.0)
    )
    for prof in profiles:
        p = by_id[prof["point_id"]]
        parcels(p, (prof.get("sent_year") or 0.0) * sending, "pickup", "parcels")
        parcels(p, parcels_year(prof) * (1 - STATION_SHARE) * returning, "pickup", "returns")
    return orders
