"""Input records: service points, vehicles and orders, as read from a county's files.

Immutable and already validated; units are those of the architecture notes (seconds since
midnight, metres, kg, litres, yuan).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

TIERS = ("hub", "facility", "township", "village")
# How long cold produce may ride without refrigeration to its pre-cooling store (data/README.md,
# "Cold chain"): in an ordinary closed box, and in an insulated one.
AMBIENT_RIDE_S = 3600
INSULATED_RIDE_S = 2 * 3600
# Road Traffic Safety Law Implementing Regulations, Art. 62(7): no more than 4 hours of
# driving without a stop of at least 20 minutes (data/README.md, "Breaks").
MAX_DRIVING_S = 4 * 3600
BREAK_S = 20 * 60
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
    located: Literal["source", "moved", "generated"]
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
    fixed_cost: float  # yuan per day used (dispatch: loading, pre-cooling)
    cost_per_km: float  # yuan
    cost_per_hour: float  # yuan, charged on the tour's duration
    banned_roads: frozenset[str]
    cold_chain: bool
    depot: str  # service point id of its home hub
    max_speed_kph: float
    # Standing costs, paid every day whether the vehicle goes out or not: they are the same for
    # every plan of a day, so the search leaves them out and the plan reports them beside it.
    vehicle_day: float = 0.0  # yuan/day: depreciation, insurance, registration
    driver_day: float = 0.0  # yuan/day: the driver's salaried day
    salaried_s: int = 0  # tour time covered by the salaried day ...
    overtime_per_hour: float = 0.0  # ... and what each hour beyond it costs, in yuan
    insulated: bool = False  # an insulated cargo box (no refrigeration unit)
    # driving allowed between rests (0: no break rule, as for benchmark instances' vehicles)
    max_driving_s: int = MAX_DRIVING_S
    # a lunch break (earliest start, latest end, seconds), for a tour out across that window
    lunch: tuple[int, int, int] | None = None
    # trips: the vehicle may come back to its centre to unload produce and load the next
    # trip's deliveries, `reload_s` at the dock, then go out again within its shift
    max_trips: int = 1
    reload_s: int = 0

    @cached_property
    def profile(self) -> Profile:
        return Profile(self.max_speed_kph, self.banned_roads)

    @property
    def unrefrigerated_ride_s(self) -> int:
        """Longest ride cold produce may take on this vehicle without refrigeration, from its
        village to the pre-cooling store (0 for a refrigerated vehicle: no limit applies)."""
        if self.cold_chain:
            return 0
        return INSULATED_RIDE_S if self.insulated else AMBIENT_RIDE_S

    @property
    def break_reserve_s(self) -> int:
        """Time the engines hold back from the shift for the breaks a tour as long as the
        vehicle's longest may need (they do not schedule breaks; the timing rule does)."""
        lunch = self.lunch[2] if self.lunch else 0
        if not self.max_driving_s:
            return lunch
        return lunch + BREAK_S * max(0, (self.max_work_s - 1) // self.max_driving_s)

    @property
    def standing_cost(self) -> float:
        return self.vehicle_day + self.driver_day

    def time_cost(self, duration_s: float) -> float:
        """Yuan for a tour of `duration_s`: the hourly rate on all of it, overtime beyond the
        salaried time."""
        over = max(0.0, duration_s - self.salaried_s)
        return (self.cost_per_hour * duration_s + self.overtime_per_hour * over) / 3600.0

    def route_cost(self, dist_m: float, duration_s: float) -> float:
        """The marginal cost of a tour, the one rule the engines, the schedule and the validator
        price a route by: dispatch, distance, time and overtime."""
        return self.fixed_cost + self.cost_per_km * dist_m / 1000.0 + self.time_cost(duration_s)


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
