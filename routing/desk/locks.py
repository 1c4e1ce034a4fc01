"""Locked stops and routes of a plan, kept in `locks.json` beside it.

A locked route keeps its stops: none moves out and none moves in. A locked stop (a place visit)
stays on its vehicle. A stop is known by its vehicle, its point and the orders it serves, which
stay the same when other stops move, so a lock survives edits; a lock that matches nothing any
more (the day was planned again) is dropped when the locks are read against the plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..plans.document import Plan, Route, visit_spans


def orders_of(route: Route, span: range) -> list[str]:
    """The orders a place visit (a span of the route's stops) hands over, collects or unloads."""
    stops = [route.stops[i] for i in span]
    return sorted(o for s in stops for o in (*s.deliver, *s.collect, *s.unload))


@dataclass
class Locks:
    routes: set[str] = field(default_factory=set)
    stops: list[dict] = field(default_factory=list)  # {"vehicle", "point", "orders"}

    @classmethod
    def of(cls, data: dict, plan: Plan | None = None) -> Locks:
        locks = cls(set(data.get("routes", [])), list(data.get("stops", [])))
        if plan is not None:  # keep only what the plan still has
            vehicles = {r.vehicle for r in plan.routes}
            locks.routes &= vehicles
            present = {
                (r.vehicle, r.stops[span[0]].point, tuple(orders_of(r, span)))
                for r in plan.routes
                for span in visit_spans(r.stops)
            }
            locks.stops = [
                s
                for s in locks.stops
                if (s["vehicle"], s["point"], tuple(sorted(s["orders"]))) in present
            ]
        return locks

    def as_dict(self) -> dict:
        return {"routes": sorted(self.routes), "stops": self.stops}

    def route_locked(self, vehicle: str) -> bool:
        return vehicle in self.routes

    def stop_locked(self, vehicle: str, point: str, orders: list[str]) -> bool:
        key = sorted(orders)
        return vehicle in self.routes or any(
            s["vehicle"] == vehicle and s["point"] == point and sorted(s["orders"]) == key
            for s in self.stops
        )

    def set_route(self, vehicle: str, locked: bool) -> None:
        (self.routes.add if locked else self.routes.discard)(vehicle)

    def set_stop(self, vehicle: str, point: str, orders: list[str], locked: bool) -> None:
        key = sorted(orders)
        self.stops = [
            s
            for s in self.stops
            if not (s["vehicle"] == vehicle and s["point"] == point and sorted(s["orders"]) == key)
        ]
        if locked:
            self.stops.append({"vehicle": vehicle, "point": point, "orders": key})

    def replan_terms(self, plan: Plan) -> tuple[str, ...]:
        """The locks as the re-planning library takes them: "VEHICLE" for a whole route,
        "VEHICLE:N" for each stop of a locked visit (N 1-based, as routes.csv numbers them)."""
        out = sorted(self.routes)
        for r in plan.routes:
            if r.vehicle in self.routes:
                continue
            for span in visit_spans(r.stops):
                if self.stop_locked(r.vehicle, r.stops[span[0]].point, orders_of(r, span)):
                    out += [f"{r.vehicle}:{i + 1}" for i in span]
        return tuple(out)
