"""The default county fleet: a documented mix of vans, 4.2 m trucks and refrigerated trucks.

Wugong's operations centre bought 30 vehicles for about RMB 5 million. The mix and every cost
figure are explained in data/README.md ("Fleet"); other counties get the same mix scaled to their
number of village-level units.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..units import parse_hhmm

REFERENCE_VILLAGES = 196  # Wugong's village-level units, for which the fleet is 30 vehicles
REFERENCE_FLEET = 30


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
    fixed_cost_yuan: float
    cost_per_km_yuan: float
    cost_per_hour_yuan: float


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
        70.0,
        0.75,
        30.0,
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
        95.0,
        1.10,
        32.0,
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
        150.0,
        1.60,
        35.0,
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
                    "cost_per_hour_yuan": t.cost_per_hour_yuan,
                    "banned_roads": frozenset(t.banned_roads),
                    "cold_chain": t.cold_chain,
                    "depot": depot,
                    "max_speed_kph": t.max_speed_kph,
                    "purchase_price_yuan": t.price_yuan,
                }
            )
    return rows
