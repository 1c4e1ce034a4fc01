"""The default county fleet: a documented mix of vans, 4.2 m trucks and refrigerated trucks.

Wugong's operations centre bought 30 vehicles for about RMB 5 million. The mix and every cost
figure are explained in data/README.md ("Fleet" and "Costs"); other counties get the same mix
scaled to their number of village-level units.

Costs follow a centre that owns its vehicles and pays salaried drivers: a vehicle's
depreciation and insurance, and its driver's day, are paid whether it goes out or not
(standing costs); a tour adds its fuel and wear per km, a dispatch cost, and overtime beyond
the salaried day (marginal costs, which the search minimises).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..costs.tariff import (
    LIFE_YEARS,
    RESIDUAL_SHARE,
    SALARIED_HOURS,
    driver_day_yuan,
    overtime_per_hour_yuan,
    vehicle_day_yuan,
)
from ..units import parse_hhmm

REFERENCE_VILLAGES = 196  # Wugong's village-level units, for which the fleet is 30 vehicles
REFERENCE_FLEET = 30

# A second wave on peak days (data/README.md, "Trips"): each vehicle may come back once to
# unload produce and load more deliveries, half an hour at the dock.
MAX_TRIPS = 2
RELOAD_MINUTES = 30

# Budgets the seed report states, by county adcode (county.json `budget`)
BUDGETS = {
    "610431": {
        "running_yuan_per_year": 3_000_000,
        "vehicles_yuan": 5_000_000,
        "vehicle_life_years": LIFE_YEARS,
        "residual_share": RESIDUAL_SHARE,
        "source": "seed report on Wugong County's e-commerce logistics centre: RMB 5 M for "
        "the 30 vehicles, RMB 3 M a year to run them; life and residual as the fleet's "
        "depreciation (data/README.md, Costs)",
    }
}


@dataclass(frozen=True)
class VehicleType:
    code: str
    label: str
    share: float  # of the fleet
    price_yuan: int
    capacity_kg: int
    capacity_l: int
    max_speed_kph: int
    banned_roads: tuple[str, ...]
    cold_chain: bool
    shift: tuple[str, str]
    max_hours: float
    fixed_cost_yuan: float  # dispatch: each day the vehicle goes out
    cost_per_km_yuan: float
    insurance_yuan_year: float  # compulsory traffic insurance, commercial cover, licences
    wage_yuan_month: float  # the driver's gross wage

    @property
    def vehicle_day_yuan(self) -> float:
        return vehicle_day_yuan(self.price_yuan, self.insurance_yuan_year)

    @property
    def driver_day_yuan(self) -> float:
        return driver_day_yuan(self.wage_yuan_month)

    @property
    def overtime_per_hour_yuan(self) -> float:
        return overtime_per_hour_yuan(self.wage_yuan_month)


VEHICLE_TYPES = (
    VehicleType(
        "van",
        "light van (2.5 t GVW, 4.5 m3 cargo)",
        0.4,
        110_000,
        800,
        4_500,
        80,
        (),
        False,
        ("07:00", "19:00"),
        10.0,
        0.0,
        0.75,
        5_000,
        4_500,
    ),
    VehicleType(
        "truck42",
        "4.2 m light box truck (4.5 t GVW, blue plate)",
        0.4,
        165_000,
        1_800,
        16_000,
        60,
        ("track",),
        False,
        ("07:00", "19:00"),
        10.0,
        0.0,
        1.10,
        6_500,
        5_000,
    ),
    VehicleType(
        "reefer42",
        "4.2 m refrigerated truck (-18 to +8 C)",
        0.2,
        283_000,
        1_500,
        12_000,
        60,
        ("track",),
        True,
        ("06:00", "18:00"),
        10.0,
        20.0,
        1.60,
        8_500,
        5_500,
    ),
)
_ID_PREFIX = {"van": "VAN", "truck42": "TRK", "reefer42": "REF"}


def fleet_size(villages: int) -> int:
    return max(6, round(REFERENCE_FLEET * villages / REFERENCE_VILLAGES))


def build_fleet(villages: int, depot: str) -> list[dict]:
    """Rows of fleet.csv. Counts per type follow the shares, rounding given to the vans."""
    n = fleet_size(villages)
    counts = {t.code: round(n * t.share) for t in VEHICLE_TYPES}
    counts["van"] += n - sum(counts.values())
    rows = []
    for t in VEHICLE_TYPES:
        for k in range(1, counts[t.code] + 1):
            rows.append(
                {
                    "id": f"{_ID_PREFIX[t.code]}-{k:02d}",
                    "type": t.code,
                    "capacity_kg": t.capacity_kg,
                    "capacity_l": t.capacity_l,
                    "shift_start": parse_hhmm(t.shift[0]),
                    "shift_end": parse_hhmm(t.shift[1]),
                    "max_hours": t.max_hours,
                    "fixed_cost_yuan": t.fixed_cost_yuan,
                    "cost_per_km_yuan": t.cost_per_km_yuan,
                    "cost_per_hour_yuan": 0.0,
                    "banned_roads": frozenset(t.banned_roads),
                    "cold_chain": t.cold_chain,
                    "depot": depot,
                    "max_speed_kph": t.max_speed_kph,
                    "purchase_price_yuan": t.price_yuan,
                    "vehicle_day_yuan": t.vehicle_day_yuan,
                    "driver_day_yuan": t.driver_day_yuan,
                    "salaried_hours": SALARIED_HOURS,
                    "insulated": False,
                    "lunch_from": None,  # no lunch break by default (data/README.md, Breaks)
                    "lunch_to": None,
                    "lunch_minutes": None,
                    "max_trips": MAX_TRIPS,
                    "reload_minutes": RELOAD_MINUTES,
                    "overtime_per_hour_yuan": t.overtime_per_hour_yuan,
                }
            )
    return rows
