"""One day's planning problem: points, vehicles, orders and matrices, immutable and checked.

Integer units are fixed here, once, for every engine and for the validator:
time in whole seconds, distance in whole metres, weight in grams, volume in millilitres.
Money stays in yuan; engines scale it themselves (OR-Tools: `routing.solver.ortools_engine`).
"""

from __future__ import annotations

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
    def profile(self, v: int) -> str:
        return self.vehicles[v].profile.key

    def depot(self, v: int) -> int:
        return self.index[self.vehicles[v].depot]

    def travel_s(self, v: int, i: int, j: int) -> int:
        return int(self.time_s[self.profile(v)][i, j])

    def travel_m(self, v: int, i: int, j: int) -> int:
        return int(self.dist_m[self.profile(v)][i, j])

    def reaches(self, v: int, p: int) -> bool:
        """Vehicle v can drive from its depot to point p and back."""
        t = self.time_s[self.profile(v)]
        d = self.depot(v)
        return bool(t[d, p] < UNREACHABLE and t[p, d] < UNREACHABLE)

    def capacity_g(self, v: int) -> int:
        return int(round(self.vehicles[v].capacity_kg * GRAMS_PER_KG))

    def capacity_ml(self, v: int) -> int:
        return int(round(self.vehicles[v].capacity_l * ML_PER_L))

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
        return self.vehicles[v].cold_chain or not o.cold_chain


def build_problem(
    county: str,
    date: str,
    points: tuple[ServicePoint, ...],
    vehicles: tuple[Vehicle, ...],
    orders: tuple[Order, ...],
    matrices: dict[str, Matrices],
) -> Problem:
    index = {p.id: k for k, p in enumerate(points)}
    faults = []
    for o in orders:
        for ref in (o.point, o.destination):
            if ref and ref not in index:
                faults.append(Fault("orders", f"unknown service point '{ref}'", field=o.id))
    for v in vehicles:
        if v.profile.key not in matrices:
            faults.append(Fault("matrices", f"no matrix for profile {v.profile.key}", field=v.id))
    if faults:
        raise InputError(faults)

    def integer(a: np.ndarray) -> np.ndarray:
        out = np.where(np.isfinite(a), np.rint(a), UNREACHABLE)
        return _frozen(np.minimum(out, UNREACHABLE).astype(np.int64))

    return Problem(
        county=county,
        date=date,
        points=tuple(points),
        vehicles=tuple(vehicles),
        orders=tuple(orders),
        time_s=MappingProxyType({k: integer(m.time_s) for k, m in matrices.items()}),
        dist_m=MappingProxyType({k: integer(m.dist_m) for k, m in matrices.items()}),
        index=MappingProxyType(index),
    )
