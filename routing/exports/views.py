"""What every export shows: per vehicle, its stops with names, times and goods, and the line
it drives along the roads; in WGS-84 or, for Chinese map apps, GCJ-02."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ..geo import wgs84_to_gcj02
from ..model.records import Order, ServicePoint, Vehicle
from ..network.graph import RoadArrays
from ..network.paths import RoadPaths
from ..plans.document import Plan, visit_spans

CRS = ("wgs84", "gcj02")
# A qualitative palette readable on white and in print (Tableau 10).
COLOURS = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)


@dataclass(frozen=True)
class StopView:
    sequence: int  # 0 = leaving the depot; last = back at the depot
    point: str
    name: str
    name_pinyin: str
    tier: str
    town: str  # the town's name
    lon: float
    lat: float
    arrival_s: int | None
    start_s: int | None
    departure_s: int | None
    parcels_delivered: int
    kg_delivered: float
    parcels_collected: int
    kg_collected: float
    kg_unloaded: float
    load_kg: float
    load_l: float
    delivered: tuple[str, ...]
    collected: tuple[str, ...]
    unloaded: tuple[str, ...]
    goods_collected: tuple[str, ...]  # what the produce is (apples, ...)
    cold: bool  # any cold-chain order handled here
    break_s: int = 0  # the driver's rest here before leaving
    trip: int = 1  # which of the vehicle's trips (a reload starts the next one)
    reload: bool = False  # back at the centre between two trips
    kg_loaded: float = 0.0  # at a reload: the next trip's deliveries, put on board


@dataclass(frozen=True)
class RouteView:
    vehicle: str
    type: str
    colour: str
    cold_chain: bool
    shift: tuple[int, int]
    depart_s: int
    return_s: int
    km: float
    hours: float
    cost_yuan: float
    stops: tuple[StopView, ...]  # including the depot at both ends
    line: tuple[tuple[float, float], ...]  # along the roads, depot to depot

    @property
    def trips(self) -> int:
        return self.stops[-1].trip if self.stops else 1


@dataclass(frozen=True)
class PlaceVisit:
    """One arrival at a place, as a driver sees it: one row on the sheet, one number on the
    map, whatever is dropped, collected and unloaded there."""

    number: int  # 1.. along the route
    stops: tuple[StopView, ...]  # the consecutive stops at this point, in order

    @property
    def first(self) -> StopView:
        return self.stops[0]

    @property
    def arrival_s(self) -> int | None:
        return self.stops[0].arrival_s

    @property
    def departure_s(self) -> int | None:
        return self.stops[-1].departure_s

    @property
    def reload(self) -> bool:
        """Back at the centre between two trips: produce off, the next trip's goods on."""
        return self.stops[0].reload

    @property
    def trip(self) -> int:
        return self.stops[0].trip

    @property
    def kg_loaded(self) -> float:
        return round(sum(s.kg_loaded for s in self.stops), 3)

    @property
    def break_s(self) -> int:
        """The driver's rest at this place, before leaving."""
        return sum(s.break_s for s in self.stops)

    @property
    def parcels_delivered(self) -> int:
        return sum(s.parcels_delivered for s in self.stops)

    @property
    def kg_delivered(self) -> float:
        return round(sum(s.kg_delivered for s in self.stops), 3)

    @property
    def parcels_collected(self) -> int:
        return sum(s.parcels_collected for s in self.stops)

    @property
    def kg_collected(self) -> float:
        return round(sum(s.kg_collected for s in self.stops), 3)

    @property
    def kg_unloaded(self) -> float:
        return round(sum(s.kg_unloaded for s in self.stops), 3)

    @property
    def delivered(self) -> tuple[str, ...]:
        return tuple(o for s in self.stops for o in s.delivered)

    @property
    def collected(self) -> tuple[str, ...]:
        return tuple(o for s in self.stops for o in s.collected)

    @property
    def unloaded(self) -> tuple[str, ...]:
        return tuple(o for s in self.stops for o in s.unloaded)

    @property
    def goods_collected(self) -> tuple[str, ...]:
        return tuple(sorted({g for s in self.stops for g in s.goods_collected}))

    @property
    def cold(self) -> bool:
        return any(s.cold for s in self.stops)


def place_visits(route: RouteView) -> tuple[PlaceVisit, ...]:
    """The route's place visits between leaving and returning to the depot, numbered 1..;
    a reload between two trips is a visit of its own, numbered 0 (it is no delivery stop)."""
    stops = route.stops[1:-1]
    spans = visit_spans(stops)
    out, number = [], 0
    for span in spans:
        mine = tuple(stops[i] for i in span)
        number += not mine[0].reload
        out.append(PlaceVisit(0 if mine[0].reload else number, mine))
    return tuple(out)


@dataclass(frozen=True)
class UnservedView:
    order: str
    reason: str
    point: str
    name: str
    lon: float
    lat: float
    kind: str
    kg: float
    detail: str  # the place and cause in a planner's words ('' in plans without them)


def _next_trip_kg(after, orders: Mapping[str, Order]) -> float:
    """The deliveries of the trip that starts after a reload: loaded at the centre."""
    kg = 0.0
    for s in after:
        if s.reload:
            break
        kg += sum(orders[o].kg for o in s.deliver)
    return round(kg, 3)


def _xy(lon: float, lat: float, crs: str) -> tuple[float, float]:
    if crs == "gcj02":
        x, y = wgs84_to_gcj02(lon, lat)
        return round(float(x), 7), round(float(y), 7)
    return round(float(lon), 7), round(float(lat), 7)


@dataclass(frozen=True)
class Catalogue:
    """What the views name things by: the county's points and vehicles and the day's orders,
    by id. No travel matrices: exports never need them."""

    points: Mapping[str, ServicePoint]
    vehicles: Mapping[str, Vehicle]
    orders: Mapping[str, Order]

    @classmethod
    def of(cls, points, vehicles, orders) -> Catalogue:
        return cls(
            MappingProxyType({q.id: q for q in points}),
            MappingProxyType({v.id: v for v in vehicles}),
            MappingProxyType({o.id: o for o in orders}),
        )


def plan_views(
    plan: Plan,
    cat: Catalogue,
    crs: str = "wgs84",
    roads: RoadArrays | None = None,
    road_node: Mapping[str, int] | None = None,
) -> tuple[list[RouteView], list[UnservedView]]:
    """Views of a plan's routes and unserved orders (every id in them known: see
    `references`); given the road arrays and each point's road node, the routes' lines follow
    the roads."""
    if crs not in CRS:
        raise ValueError(f"unknown coordinate system {crs!r}; use wgs84 or gcj02")
    points, orders, vehicles = cat.points, cat.orders, cat.vehicles

    def stop(
        seq,
        point,
        arrival,
        start,
        departure,
        deliver=(),
        collect=(),
        unload=(),
        load_kg=0.0,
        load_l=0.0,
        break_s=0,
        trip=1,
        reload=False,
        kg_unloaded=None,
        kg_loaded=0.0,
    ) -> StopView:
        q = points[point]
        town = points[q.town].name if q.town in points else ""
        x, y = _xy(q.lon, q.lat, crs)
        return StopView(
            sequence=seq,
            point=q.id,
            name=q.name,
            name_pinyin=q.name_pinyin,
            tier=q.tier,
            town=town,
            lon=x,
            lat=y,
            arrival_s=arrival,
            start_s=start,
            departure_s=departure,
            parcels_delivered=sum(orders[o].parcels for o in deliver),
            kg_delivered=round(sum(orders[o].kg for o in deliver), 3),
            parcels_collected=sum(orders[o].parcels for o in collect),
            kg_collected=round(sum(orders[o].kg for o in collect), 3),
            kg_unloaded=(
                round(sum(orders[o].kg for o in unload), 3) if kg_unloaded is None else kg_unloaded
            ),
            load_kg=load_kg,
            load_l=load_l,
            delivered=tuple(deliver),
            collected=tuple(collect),
            unloaded=tuple(unload),
            goods_collected=tuple(sorted({orders[o].goods for o in collect if orders[o].goods})),
            cold=any(orders[o].cold_chain for o in (*deliver, *collect, *unload)),
            break_s=break_s,
            trip=trip,
            reload=reload,
            kg_loaded=kg_loaded,
        )

    routes = []
    paths = RoadPaths(roads) if roads is not None else None
    for k, r in enumerate(plan.routes):
        v = vehicles[r.vehicle]
        stops = [
            stop(0, v.depot, None, None, r.depart_s, load_kg=r.start_load_kg, load_l=r.start_load_l)
        ]
        trip, before_kg = 1, r.start_load_kg
        for i, s in enumerate(r.stops, start=1):
            extra: dict = {}
            if s.reload:
                trip += 1
                loaded = _next_trip_kg(r.stops[i:], orders)
                # what came off: all on board but what stays (produce for a facility)
                extra = {
                    "reload": True,
                    "kg_loaded": loaded,
                    "kg_unloaded": round(max(0.0, before_kg - (s.load_kg - loaded)), 3),
                }
            stops.append(
                stop(
                    i,
                    s.point,
                    s.arrival_s,
                    s.start_s,
                    s.departure_s,
                    s.deliver,
                    s.collect,
                    s.unload,
                    s.load_kg,
                    s.load_l,
                    s.break_s,
                    trip,
                    **extra,
                )
            )
            before_kg = s.load_kg
        last = r.stops[-1] if r.stops else None
        stops.append(
            stop(
                len(r.stops) + 1,
                v.depot,
                r.return_s,
                None,
                None,
                load_kg=last.load_kg if last else 0.0,
                load_l=last.load_l if last else 0.0,
                trip=trip,
            )
        )
        line: tuple = ()
        if paths is not None and road_node is not None:
            road_nodes = [int(road_node[s.point]) for s in stops]
            line = tuple(_xy(x, y, crs) for x, y in paths.line(v.profile, road_nodes))
        routes.append(
            RouteView(
                vehicle=r.vehicle,
                type=v.type,
                colour=COLOURS[k % len(COLOURS)],
                cold_chain=v.cold_chain,
                shift=(v.shift_start, v.shift_end),
                depart_s=r.depart_s,
                return_s=r.return_s,
                km=round(r.distance_m / 1000, 3),
                hours=round(r.duration_s / 3600, 3),
                cost_yuan=r.cost_yuan,
                stops=tuple(stops),
                line=line,
            )
        )
    unserved = []
    for u in plan.unserved:
        o = orders[u.order]
        q = points[o.point]
        x, y = _xy(q.lon, q.lat, crs)
        unserved.append(
            UnservedView(
                order=u.order,
                reason=u.reason,
                point=q.id,
                name=q.name,
                lon=x,
                lat=y,
                kind=o.kind,
                kg=o.kg,
                detail=u.detail,
            )
        )
    return routes, unserved
