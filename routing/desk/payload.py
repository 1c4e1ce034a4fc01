"""What the page gets: a plan as JSON for the map and the tables (times HH:MM, km, hours, kg,
yuan), and a county's roads for the map's background. Built from the exports' own views
(`routing.exports.views.plan_views`, `place_visits`) so the desk shows what the sheets show."""

from __future__ import annotations

from ..exports.map_html import road_segments, road_style
from ..exports.plan_outputs import road_views
from ..exports.views import RouteView, StopView, place_visits
from ..network.graph import RoadArrays
from ..replan.state import committed_stops
from ..units import format_hhmm
from .days import Opened
from .locks import Locks


def _hhmm(seconds: int | None) -> str | None:
    return None if seconds is None else format_hhmm(seconds)


def _ll(s: StopView) -> list[float]:
    return [round(s.lat, 6), round(s.lon, 6)]


def _route(r: RouteView, locks: Locks, committed: int = 0) -> dict:
    """`committed`: the route's first stops its vehicle had set off for by the re-plan time."""
    visits = []
    for v in place_visits(r):
        s = v.first
        orders = [*v.delivered, *v.collected, *v.unloaded]
        visits.append(
            {
                "stop": s.sequence,  # 1-based position of its first stop in the plan's list
                "stops": [x.sequence for x in v.stops],
                "number": v.number,  # 0 for a reload between trips
                "reload": v.reload,
                "trip": v.trip,
                "point": s.point,
                "name": s.name,
                "name_pinyin": s.name_pinyin,
                "town": s.town,
                "tier": s.tier,
                "latlon": _ll(s),
                "arrival": _hhmm(v.arrival_s),
                "departure": _hhmm(v.departure_s),
                "delivered": {
                    "orders": list(v.delivered),
                    "parcels": v.parcels_delivered,
                    "kg": v.kg_delivered,
                },
                "collected": {
                    "orders": list(v.collected),
                    "parcels": v.parcels_collected,
                    "kg": v.kg_collected,
                    "goods": list(v.goods_collected),
                },
                "unloaded": {"orders": list(v.unloaded), "kg": v.kg_unloaded},
                "loaded_kg": v.kg_loaded,
                "load_kg": round(v.stops[-1].load_kg, 1),  # on board when leaving
                "rest_min": v.break_s // 60,
                "cold": v.cold,
                "locked": locks.stop_locked(r.vehicle, s.point, orders),
                "committed": s.sequence <= committed,
            }
        )
    depot = r.stops[0]
    return {
        "vehicle": r.vehicle,
        "type": r.type,
        "colour": r.colour,
        "cold_chain": r.cold_chain,
        "depart": format_hhmm(r.depart_s),
        "return": format_hhmm(r.return_s),
        "km": round(r.km, 1),
        "hours": round(r.hours, 2),
        "cost_yuan": round(r.cost_yuan, 2),
        "trips": r.trips,
        "start_load_kg": round(depot.load_kg, 1),
        "depot": {"point": depot.point, "name": depot.name, "latlon": _ll(depot)},
        "line": [[round(lat, 6), round(lon, 6)] for lon, lat in r.line],
        "visits": visits,
        "locked": locks.route_locked(r.vehicle),
    }


def plan_payload(opened: Opened, locks: Locks, undo: int) -> dict:
    """The plan for the page: summary, a route per vehicle with its place visits, unserved
    orders with their reasons, idle vehicles, locks, and how many edits can be undone."""
    plan, pf = opened.plan, opened.file
    routes, unserved = road_views(plan, opened.day)
    used = {r.vehicle for r in plan.routes}
    at = plan.replan["at_s"] if plan.replan else None
    kept = {r.vehicle: committed_stops(r, at) if at is not None else 0 for r in plan.routes}
    return {
        "county": plan.county,
        "county_name": str(pf.county.meta.get("name", plan.county)),
        "date": plan.date,
        "engine": plan.engine,
        "summary": plan.summary(),
        "fleet": len(pf.county.fleet),
        "replan_at": plan.replan["at"] if plan.replan else None,
        "routes": [_route(r, locks, kept.get(r.vehicle, 0)) for r in routes],
        "idle": [v.id for v in pf.county.fleet if v.id not in used],
        "unserved": [
            {
                "order": u.order,
                "reason": u.reason,
                "detail": u.detail,
                "point": u.point,
                "name": u.name,
                "latlon": [round(u.lat, 6), round(u.lon, 6)],
                "kind": u.kind,
                "kg": u.kg,
            }
            for u in unserved
        ],
        "deferred": len(plan.deferred),
        "locks": locks.as_dict(),
        "undo": undo,
    }


def roads_payload(roads: RoadArrays) -> dict:
    """The county's roads, one multi-line per road class with its width and grey: the map's
    background (no tiles)."""
    ends_a, ends_b, classes = road_segments(roads)
    lines: dict[str, list] = {}
    for hw, (x1, y1), (x2, y2) in zip(
        classes.tolist(), ends_a.round(6).tolist(), ends_b.round(6).tolist(), strict=True
    ):
        lines.setdefault(str(hw), []).append([[y1, x1], [y2, x2]])
    out = []
    for highway in sorted(lines, key=lambda hw: road_style(hw)[0]):  # minor roads underneath
        width, colour = road_style(highway)
        out.append({"class": highway, "width": width, "colour": colour, "lines": lines[highway]})
    lons, lats = roads.lon, roads.lat
    bounds = [[float(lats.min()), float(lons.min())], [float(lats.max()), float(lons.max())]]
    return {"classes": out, "bounds": bounds}
