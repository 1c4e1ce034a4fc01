"""The plan: routes with their stops, unserved orders with reasons, and where it came from.

`plan.json` is its canonical form (docs/plan-format.md). Times are seconds since local midnight
of the plan date, distances metres, loads kg and litres, money yuan.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Protocol

PLAN_FORMAT = "rural-route-plan"
PLAN_VERSION = 2  # 2: stops may be reloads between trips (`Stop.reload`)
READABLE_VERSIONS = (1, 2)  # a version-1 plan is a version-2 plan with one trip per route
# Why an order is not served; each is checked by `route check` (routing.plans.reasons).
UNSERVED_REASONS = (
    "no compatible vehicle",
    "unreachable",
    "capacity",
    "time window",
    "shift length",
    "fleet full",
    "not placed by the search",
)


@dataclass(frozen=True)
class Stop:
    point: str
    arrival_s: int
    start_s: int
    departure_s: int
    deliver: tuple[str, ...] = ()  # order ids handed over here
    collect: tuple[str, ...] = ()  # order ids collected here
    unload: tuple[str, ...] = ()  # order ids unloaded here (at a facility)
    load_kg: float = 0.0  # on board when leaving
    load_l: float = 0.0
    break_s: int = 0  # the driver's rest here, after the service and before leaving
    # a reload between two trips, at the vehicle's centre: produce for the centre is unloaded
    # and the next trip's deliveries loaded (no orders listed)
    reload: bool = False


@dataclass(frozen=True)
class Route:
    vehicle: str
    depart_s: int
    return_s: int
    distance_m: int
    cost_yuan: float
    start_load_kg: float
    start_load_l: float
    stops: tuple[Stop, ...]

    @property
    def duration_s(self) -> int:
        return self.return_s - self.depart_s

    @property
    def trips(self) -> int:
        return 1 + sum(s.reload for s in self.stops)


@dataclass(frozen=True)
class Unserved:
    order: str
    reason: str  # one of UNSERVED_REASONS, verified by `route check`
    detail: str = ""  # the place and the cause in a planner's words (routing.plans.explain)


@dataclass(frozen=True)
class Deferred:
    """An order of the day left for its village's next visit by the visit calendar."""

    order: str
    visit: str  # YYYY-MM-DD of the visit that serves it


@dataclass(frozen=True)
class Plan:
    county: str
    adcode: str
    date: str
    engine: str
    seed: int
    time_limit_s: float
    iterations: int | None
    inputs: dict  # name -> {"path": ..., "sha256": ...}; orders also "generated": bool
    routes: tuple[Route, ...]
    unserved: tuple[Unserved, ...]
    stats: dict = field(default_factory=dict)
    # the fleet's standing costs for the day (vehicles and salaried drivers, used or not); None
    # in plans that do not state them (courier files, plans of earlier versions)
    standing_cost_yuan: float | None = None
    deferred: tuple[Deferred, ...] = ()  # with a visit calendar (inputs.calendar)
    # a re-plan: the plan it came from, the re-plan time and the changes (docs/replan.md)
    replan: dict | None = None
    # the `summary` block as a file states it (None for a plan made here): `route check`
    # compares it with the summary recomputed from the routes
    stated_summary: dict | None = field(default=None, compare=False)

    @property
    def cost_yuan(self) -> float:
        """The marginal cost of the day: what the routes add to the standing costs."""
        return round(sum(r.cost_yuan for r in self.routes), 2)

    @property
    def distance_m(self) -> int:
        return sum(r.distance_m for r in self.routes)

    def summary(self) -> dict:
        served = sum(len(s.deliver) + len(s.collect) for r in self.routes for s in r.stops)
        return {
            "vehicles_used": len(self.routes),
            "distance_km": round(self.distance_m / 1000, 3),
            "hours": round(sum(r.duration_s for r in self.routes) / 3600, 3),
            "cost_yuan": self.cost_yuan,
            "orders_served": served,
            "orders_unserved": len(self.unserved),
            **(
                {"trips": trips}
                if (trips := sum(r.trips for r in self.routes)) > len(self.routes)
                else {}
            ),
            **({"orders_deferred": len(self.deferred)} if self.deferred else {}),
            **day_costs(self.cost_yuan, self.standing_cost_yuan),
        }

    def to_dict(self) -> dict:
        d = {"format": PLAN_FORMAT, "version": PLAN_VERSION}
        d.update(asdict(self))
        del d["stated_summary"]
        if d["replan"] is None:
            del d["replan"]
        d["summary"] = self.summary()
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1) + "\n"


def day_costs(marginal: float, standing: float | None) -> dict:
    """The summary's standing and full cost of the day, when the plan states its standing cost."""
    if standing is None:
        return {}
    return {"standing_cost_yuan": standing, "day_cost_yuan": round(marginal + standing, 2)}


class Visited(Protocol):
    @property
    def point(self) -> str: ...

    @property
    def reload(self) -> bool: ...


def visit_spans(stops: Sequence[Visited]) -> list[range]:
    """Positions of the stops that make one place visit: a run of consecutive stops at the
    same point is one arrival (the solver splits a visit into a drop, a collect and one unload
    per order), whatever the plan's stop list says; a reload is a visit of its own. The one
    rule for rows and stop counts."""
    spans: list[range] = []
    start = 0
    for i in range(1, len(stops) + 1):
        if (
            i == len(stops)
            or stops[i].point != stops[start].point
            or stops[i].reload
            or stops[start].reload
        ):
            spans.append(range(start, i))
            start = i
    return spans


def stop_count(stops: Sequence[Visited]) -> int:
    """Place visits that serve orders: reloads between trips are not stops."""
    return sum(not stops[span[0]].reload for span in visit_spans(stops))
