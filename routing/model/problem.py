"""One day's planning problem: points, vehicles, orders and matrices, immutable and checked.

Integer units are fixed here, once, for every engine and for the validator:
time in whole seconds, distance in whole metres, weight in grams, volume in millilitres.
Money stays in yuan; engines scale it themselves (OR-Tools: `routing.solver.ortools_engine`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

import numpy as np

from ..errors import Fault, InputError
from ..network.matrices import Matrices
from .records import Order, ServicePoint, Vehicle

GRAMS_PER_KG = 1000
ML_PER_L = 1000
UNREACHABLE = 10**9  # seconds or metres standing for "no road for this vehicle"
MICRO_PER_YUAN = 1_000_000  # the engines' money unit (routing.solve.engines)
INT64_MAX = 2**63 - 1

# The largest values the solver represents (data/README.md, "Limits"). Engines hold weights in
# grams, volumes in millilitres, money in micro-yuan and times in seconds, all in int64: each
# limit keeps a product, and its sum over a day of 100,000 orders, far inside int64 (the
# limits are also far beyond any real vehicle or order; the LKH-3 benchmarks, whose loads are
# scaled by 10^4, set the weight limit). The whole day's worst objective is checked too
# (`_objective_bound`), since only the sum can overflow once every number is in range.
LIMITS = {
    "capacity_kg": 1e8,  # 1e11 g; 1e5 orders of it: 1e16 g
    "capacity_l": 1e8,  # 1e11 mL
    "kg": 1e8,  # an order's weight, as a vehicle's
    "litres": 1e8,
    "parcels": 100_000,  # x 3,600 s per parcel: 3.6e8 s of handling
    "fixed_cost_yuan": 1e6,  # 1e12 micro-yuan a vehicle
    "cost_per_km_yuan": 1e4,  # 1e7 micro-yuan a metre; an UNREACHABLE leg: 1e16
    "cost_per_hour_yuan": 1e5,  # 2.8e7 micro-yuan a second
    "overtime_per_hour_yuan": 1e5,  # likewise, on top of it
    "time_s": 10**8,  # any time of day, window or shift, below UNREACHABLE (10^9)
}
# Share of int64 the worst objective may use: the engines add and compare costs, and need room.
OBJECTIVE_HEADROOM = 4


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class Problem:
    county: str
    date: str
    points: tuple[ServicePoint, ...]
    vehicles: tuple[Vehicle, ...]
    orders: tuple[Order, ...]
    time_s: MappingProxyType  # profile key -> int64 [P, P], UNREACHABLE where no road
    dist_m: MappingProxyType
    index: MappingProxyType = field(repr=False)  # point id -> position

    @cached_property
    def hub(self) -> int:
        return next(k for k, p in enumerate(self.points) if p.tier == "hub")

    # --- per vehicle ------------------------------------------------------------------------
    @cached_property
    def _profiles(self) -> tuple[str, ...]:
        return tuple(v.profile.key for v in self.vehicles)

    @cached_property
    def _depots(self) -> tuple[int, ...]:
        return tuple(self.index[v.depot] for v in self.vehicles)

    @cached_property
    def _capacities(self) -> tuple[tuple[int, int], ...]:
        return tuple(
            (int(round(v.capacity_kg * GRAMS_PER_KG)), int(round(v.capacity_l * ML_PER_L)))
            for v in self.vehicles
        )

    @cached_property
    def handling(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Per point: the fixed service time of a stop, and the time per parcel (seconds)."""
        return (
            tuple(q.service_fixed_s for q in self.points),
            tuple(q.service_per_parcel_s for q in self.points),
        )

    def profile(self, v: int) -> str:
        return self._profiles[v]

    def depot(self, v: int) -> int:
        return self._depots[v]

    def legs(self, v: int) -> tuple[np.ndarray, np.ndarray]:
        """Vehicle v's (seconds, metres) matrices; `.item(i, j)` reads one leg quickly."""
        key = self._profiles[v]
        return self.time_s[key], self.dist_m[key]

    def travel_s(self, v: int, i: int, j: int) -> int:
        return self.time_s[self._profiles[v]].item(i, j)

    def travel_m(self, v: int, i: int, j: int) -> int:
        return self.dist_m[self._profiles[v]].item(i, j)

    @cached_property
    def _reach(self) -> tuple[tuple[bool, ...], ...]:
        by_key: dict[tuple[str, int], tuple[bool, ...]] = {}
        for key, d in zip(self._profiles, self._depots, strict=True):
            if (key, d) not in by_key:
                t = self.time_s[key]
                by_key[key, d] = tuple(((t[d, :] < UNREACHABLE) & (t[:, d] < UNREACHABLE)).tolist())
        return tuple(by_key[kd] for kd in zip(self._profiles, self._depots, strict=True))

    @cached_property
    def _break_reserves(self) -> tuple[int, ...]:
        reserves = []
        for v, veh in enumerate(self.vehicles):
            t = self.time_s[self._profiles[v]]
            d = self._depots[v]
            trips = t[d, :] + t[:, d]
            longest = int(trips[trips < UNREACHABLE].max(initial=0))
            far = veh.max_driving_s and 2 * longest > veh.max_driving_s
            reserves.append(veh.break_reserve_s if far or veh.lunch else 0)
        return tuple(reserves)

    def break_reserve(self, v: int) -> int:
        """Time the engines hold back from vehicle v's shift for the rests the timing rule may
        add (`Vehicle.break_reserve_s`): where a round trip to some point takes more than
        half the driving allowed between rests, or the driver lunches. Elsewhere tours that
        need a rest are rare and re-timed like any other (a route the rests make break a rule
        scores as infeasible); holding the time back there would cost the shifts' last
        minutes for nothing."""
        return self._break_reserves[v]

    def reaches(self, v: int, p: int) -> bool:
        """Vehicle v can drive from its depot to point p and back."""
        return self._reach[v][p]

    @cached_property
    def vehicle_class(self) -> tuple[int, ...]:
        """Per vehicle, a class number: vehicles of one class can serve exactly the same trips
        (same roads, capacity, shift, refrigeration and depot), at their own costs."""
        classes: dict[tuple, int] = {}
        out = []
        for x in self.vehicles:
            sig = (
                x.profile.key,
                x.capacity_kg,
                x.capacity_l,
                x.shift_start,
                x.shift_end,
                x.max_work_s,
                x.cold_chain,
                x.depot,
            )
            out.append(classes.setdefault(sig, len(classes)))
        return tuple(out)

    def capacity_g(self, v: int) -> int:
        return self._capacities[v][0]

    def capacity_ml(self, v: int) -> int:
        return self._capacities[v][1]

    # --- per order --------------------------------------------------------------------------
    @staticmethod
    def grams(o: Order) -> int:
        return int(round(o.kg * GRAMS_PER_KG))

    @staticmethod
    def millilitres(o: Order) -> int:
        return int(round(o.litres * ML_PER_L))

    def window(self, o: Order) -> tuple[int, int]:
        """Service must start in the order's window and within the point's opening hours."""
        p = self.points[self.index[o.point]]
        return max(o.earliest, p.opens), min(o.latest, p.closes)

    def compatible(self, v: int, o: Order) -> bool:
        """Vehicle v may carry `o` anywhere on its route: refrigerated, or `o` is not cold."""
        return self.vehicles[v].cold_chain or not o.cold_chain

    def first_km(self, v: int, o: Order) -> bool:
        """Vehicle v, without refrigeration, may carry cold produce `o` on a first-kilometre
        leg: collected and unloaded later at its pre-cooling facility, the ride between them
        within the vehicle's unrefrigerated ride (so at least the direct drive must be).
        Deliveries and produce for the hub need refrigeration all the way."""
        veh = self.vehicles[v]
        if veh.cold_chain or not o.cold_chain or o.kind != "pickup":
            return False
        dest = self.index[o.destination]
        if self.points[dest].tier != "facility":
            return False
        return self.travel_s(v, self.index[o.point], dest) <= veh.unrefrigerated_ride_s


def _fmt(x: float) -> str:
    """A limit or value as people write it: 100000000, 0.75, 1e+30."""
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


def _range_faults(source: str, what: str, items, fields) -> list[Fault]:
    """One fault per field whose value is not a finite number in [0, limit], naming the first
    offending item and how many more there are."""
    faults = []
    for field_name, attr, limit in fields:
        bad = []
        for item in items:
            x = getattr(item, attr)
            try:
                ok = math.isfinite(x) and 0 <= x <= limit
            except TypeError:
                ok = False
            if not ok:
                bad.append((item.id, x))
        if bad:
            (first, x), more = bad[0], len(bad) - 1
            why = (
                "must be a finite number >= 0"
                if not isinstance(x, int | float) or not math.isfinite(x) or x < 0
                else "must be <= " + _fmt(limit) + " (the largest the solver represents)"
            )
            others = f" (and {more} more)" if more else ""
            faults.append(
                Fault(source, f"{what} '{first}'{others} has {x!r}: {why}", field=field_name)
            )
    return faults


def limit_faults(
    source: str,
    points: tuple[ServicePoint, ...],
    vehicles: tuple[Vehicle, ...],
    orders: tuple[Order, ...],
) -> list[Fault]:
    """Every number the engines turn into int64 checked against LIMITS: what a county's CSV
    files already guarantee, checked again for problems built from other sources (benchmarks,
    the Python API)."""
    t = LIMITS["time_s"]
    return (
        _range_faults(
            source,
            "vehicle",
            vehicles,
            [
                ("capacity_kg", "capacity_kg", LIMITS["capacity_kg"]),
                ("capacity_l", "capacity_l", LIMITS["capacity_l"]),
                ("fixed_cost_yuan", "fixed_cost", LIMITS["fixed_cost_yuan"]),
                ("cost_per_km_yuan", "cost_per_km", LIMITS["cost_per_km_yuan"]),
                ("cost_per_hour_yuan", "cost_per_hour", LIMITS["cost_per_hour_yuan"]),
                (
                    "overtime_per_hour_yuan",
                    "overtime_per_hour",
                    LIMITS["overtime_per_hour_yuan"],
                ),
                ("salaried_s", "salaried_s", t),
                ("shift_start", "shift_start", t),
                ("shift_end", "shift_end", t),
                ("max_work_s", "max_work_s", t),
                ("max_speed_kph", "max_speed_kph", 1e6),
            ],
        )
        + _range_faults(
            source,
            "point",
            points,
            [
                ("opens", "opens", t),
                ("closes", "closes", t),
                ("service_fixed_s", "service_fixed_s", t),
                ("service_per_parcel_s", "service_per_parcel_s", t),
            ],
        )
        + _range_faults(
            source,
            "order",
            orders,
            [
                ("kg", "kg", LIMITS["kg"]),
                ("litres", "litres", LIMITS["litres"]),
                ("parcels", "parcels", LIMITS["parcels"]),
                ("earliest", "earliest", t),
                ("latest", "latest", t),
            ],
        )
    )


def _objective_bound(
    vehicles: tuple[Vehicle, ...], n_orders: int, dist: dict[str, np.ndarray], depot: list[int]
) -> float:
    """The largest objective, in yuan, the engines could reach: every order left out at the
    penalty `routing.model.visits` gives it (2 x the dearest vehicle's fixed cost, round trips
    to two stops it can reach, and the whole horizon of driver time, x 4 for the top
    priority), plus every vehicle driving every order's leg at its longest."""
    horizon_h = max(v.shift_end for v in vehicles) / 3600
    worst_order, routes = 0.0, 0.0
    legs: dict[tuple[str, int], tuple[float, float]] = {}  # vehicles share profiles and depots
    for v, d in zip(vehicles, depot, strict=True):
        key = (v.profile.key, d)
        if key not in legs:
            m = dist[v.profile.key]
            round_trip = m[d, :] + m[:, d]
            reached = (m[d, :] < UNREACHABLE) & (m[:, d] < UNREACHABLE)
            trips_m = 2 * float(round_trip[reached].max(initial=0))
            legs[key] = trips_m, float(m[m < UNREACHABLE].max(initial=0))
        trips_m, longest_leg = legs[key]
        hours = v.time_cost(horizon_h * 3600)
        worst_order = max(worst_order, v.fixed_cost + v.cost_per_km * trips_m / 1000 + hours)
        routes += v.fixed_cost + v.cost_per_km * (n_orders + 1) * longest_leg / 1000 + hours
    return 2 * 4 * worst_order * n_orders + routes


def build_problem(
    county: str,
    date: str,
    points: tuple[ServicePoint, ...],
    vehicles: tuple[Vehicle, ...],
    orders: tuple[Order, ...],
    matrices: dict[str, Matrices],
    source: str | None = None,
) -> Problem:
    """The immutable problem, checked: references, numeric limits (`LIMITS`) and the day's
    worst objective against int64. `source` names the input in errors (default the county)."""
    where = source or county
    index = {p.id: k for k, p in enumerate(points)}
    faults = []
    for o in orders:
        for ref in (o.point, o.destination):
            if ref and ref not in index:
                faults.append(Fault("orders", f"unknown service point '{ref}'", field=o.id))
    for v in vehicles:
        if v.profile.key not in matrices:
            faults.append(Fault("matrices", f"no matrix for profile {v.profile.key}", field=v.id))
        if v.depot not in index:
            faults.append(Fault(where, f"unknown depot '{v.depot}'", field=v.id))
    faults += limit_faults(where, points, vehicles, orders)
    for key, m in matrices.items():
        for name, a in (("time_s", m.time_s), ("dist_m", m.dist_m)):
            a = np.asarray(a)
            if a.shape != (len(points), len(points)):
                faults.append(
                    Fault(
                        where,
                        f"{name} matrix of profile {key} is {a.shape}, not square "
                        f"over the {len(points)} points",
                        field=name,
                    )
                )
            elif (a < 0).any():
                faults.append(Fault(where, f"negative {name} in profile {key}", field=name))
    if faults:
        raise InputError(faults)

    def integer(a: np.ndarray) -> np.ndarray:
        a = np.asarray(a, dtype=float)
        out = np.where(np.isfinite(a), np.rint(np.minimum(a, UNREACHABLE)), UNREACHABLE)
        return _frozen(out.astype(np.int64))

    dist_m = {k: integer(m.dist_m) for k, m in matrices.items()}
    if vehicles and orders:
        bound = _objective_bound(vehicles, len(orders), dist_m, [index[v.depot] for v in vehicles])
        cap = INT64_MAX / OBJECTIVE_HEADROOM / MICRO_PER_YUAN
        if bound > cap:
            raise InputError(
                Fault(
                    where,
                    f"costs too large for the solver: with {len(orders):,} orders its objective "
                    f"could reach {bound:.3g} yuan, more than the {cap:.3g} yuan its 64-bit "
                    "integers hold; lower the vehicles' fixed_cost_yuan, cost_per_km_yuan or "
                    "cost_per_hour_yuan, or plan fewer orders at once",
                )
            )

    return Problem(
        county=county,
        date=date,
        points=tuple(points),
        vehicles=tuple(vehicles),
        orders=tuple(orders),
        time_s=MappingProxyType({k: integer(m.time_s) for k, m in matrices.items()}),
        dist_m=MappingProxyType(dist_m),
        index=MappingProxyType(index),
    )
