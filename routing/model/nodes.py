"""The routing nodes of a day: what a vehicle stops for, built from orders by `visits`.

A node is one part of a physical visit (a point's deliveries and hub-bound produce, or its
produce for one facility) or the drop of such produce at its facility. Engines place nodes;
`schedule` times them; nothing here depends on how nodes are made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from .problem import Problem

# In a route's node sequence, the return to the vehicle's centre between two trips: it unloads
# the produce bound for the centre and loads the next trip's deliveries (`Vehicle.reload_s`).
# Not a node index: indexing the nodes with it fails loudly.
RELOAD = 1 << 40


def visits_of(seq: Sequence[int]) -> list[int]:
    """The nodes of a sequence, without its reloads."""
    return [k for k in seq if k != RELOAD]


def trips_of(seq: Sequence[int]) -> list[list[int]]:
    """A sequence cut at its reloads: the nodes of each trip."""
    out: list[list[int]] = [[]]
    for k in seq:
        if k == RELOAD:
            out.append([])
        else:
            out[-1].append(k)
    return out


def tidy(seq: Sequence[int]) -> list[int]:
    """The sequence without empty trips (reloads at its ends or next to each other), as left
    when a repair takes a node out."""
    return [x for t in trips_of(seq) if t for x in (RELOAD, *t)][1:]


@dataclass(frozen=True)
class Node:
    point: int
    group: int  # the physical visit it belongs to (parts of one visit share it)
    deliver: tuple[int, ...] = ()  # order positions handed over here
    collect: tuple[int, ...] = ()  # order positions collected here
    unload: tuple[int, ...] = ()  # order positions unloaded here (at a facility)
    pair: int = -1  # the drop node of a visit, or the visit of a drop node
    delivery_g: int = 0
    delivery_ml: int = 0
    pickup_g: int = 0
    pickup_ml: int = 0
    unload_g: int = 0
    unload_ml: int = 0
    parcels: int = 0
    earliest: int = 0
    latest: int = 0
    penalty: float = 0.0  # yuan if left out (visits; 0 for drop nodes)
    allowed: tuple[int, ...] = ()  # vehicles that may serve it
    cold: bool = False  # a visit for cold-chain goods (its orders are all cold or none is)

    @property
    def orders(self) -> tuple[int, ...]:
        return self.deliver + self.collect + self.unload

    @property
    def facility_bound(self) -> bool:
        """A visit that collects produce for a facility (its drop node is `pair`)."""
        return self.pair >= 0 and not self.unload


@dataclass(frozen=True)
class NodeModel:
    problem: Problem
    nodes: tuple[Node, ...]
    unservable: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    set_aside: frozenset[int] = frozenset()  # orders that wait first on an over-full day
    overfull: tuple[str, ...] = ()  # why the day is over-full, one sentence per load
    # cold produce only vehicles without refrigeration can serve, on first-kilometre legs: left
    # out of the search (which cannot bound a ride), placed after it (`repair.place_cold_legs`)
    first_km: frozenset[int] = frozenset()
