"""Input records: service points, vehicles and orders, as read from a county's files.

Immutable and already validated; units are those of the architecture notes (seconds since
midnight, metres, kg, litres, yuan).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

TIERS = ("hub", "facility", "township", "village")
ROAD_CLASSES = (
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "unclassified",
    "residential",
    "service",
    "track",
)
ORDER_KINDS = ("delivery", "pickup")


@dataclass(frozen=True)
class ServicePoint:
    id: str
    name: str
    name_pinyin: str
    tier: Literal["hub", "facility", "township", "village"]
    town: str  # id of the township station of the town it belongs to ('' for none)
    lon: float  # WGS-84
    lat: float
    located: Literal["source", "generated"]
    opens: int  # s since midnight
    closes: int
    service_fixed_s: int  # once per arrival
    service_per_parcel_s: int  # per parcel handed over or collected


@dataclass(frozen=True)
class Profile:
    """What decides a vehicle's travel times: its top speed and the road classes it may not use."""

    max_speed_kph: float
    banned_roads: frozenset[str]

    @cached_property
    def key(self) -> str:
        bans = "+".join(sorted(self.banned_roads)) or "none"
        return f"v{self.max_speed_kph:g}-no-{bans}"


@dataclass(frozen=True)
class Vehicle:
    id: str
    type: str
    capacity_kg: float
    capacity_l: float
    shift_start: int  # s since midnight
    shift_end: int
    max_work_s: int  # longest allowed tour, depot to depot
    fixed_cost: float  # yuan per day used
    cost_per_km: float  # yuan
    cost_per_hour: float  # yuan, charged on the tour's duration
    banned_roads: frozenset[str]
    cold_chain: bool
    depot: str  # service point id of its home hub
    max_speed_kph: float

    @cached_property
    def profile(self) -> Profile:
        return Profile(self.max_speed_kph, self.banned_roads)


@dataclass(frozen=True)
class Order:
    id: str
    date: str  # YYYY-MM-DD
    courier: str
    point: str  # service point the vehicle stops at
    kind: Literal["delivery", "pickup"]
    destination: str  # pickups: hub or facility id; deliveries: ''
    parcels: int
    kg: float
    litres: float
    earliest: int  # s since midnight: delivery not before / produce ready at
    latest: int  # delivery due by / last collection time
    cold_chain: bool
    priority: int  # 1 normal, 2 express, 3 urgent/perishable
    goods: str = ""
