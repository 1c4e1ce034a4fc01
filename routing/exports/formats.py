"""The route-file formats: CSV, GeoJSON, GPX 1.1, KML 2.2 and GeoPackage, from plan views.

Each writer returns the file's bytes (GeoPackage: writes a path), so the command line writes
every file atomically. Times are local clock times of the plan date; coordinates WGS-84 unless
GCJ-02 was asked for (docs/route-files.md).
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

from ..units import format_hhmm, format_hhmmss
from .views import RouteView, StopView, UnservedView

CSV_COLUMNS = (
    "vehicle",
    "sequence",
    "stop_id",
    "name",
    "tier",
    "town",
    "lon",
    "lat",
    "arrival",
    "start",
    "departure",
    "parcels_delivered",
    "kg_delivered",
    "parcels_collected",
    "kg_collected",
    "kg_unloaded",
    "load_kg",
    "load_l",
    "break_min",
    "orders_delivered",
    "orders_collected",
    "orders_unloaded",
    "trip",
    "reload",
)
GPX_NS = "http://www.topografix.com/GPX/1/1"
KML_NS = "http://www.opengis.net/kml/2.2"


def _clock(seconds: int | None) -> str:
    return format_hhmmss(seconds) if seconds is not None else ""


def _stop_row(r: RouteView, s: StopView) -> dict:
    return {
        "vehicle": r.vehicle,
        "sequence": s.sequence,
        "stop_id": s.point,
        "name": s.name,
        "tier": s.tier,
        "town": s.town,
        "lon": s.lon,
        "lat": s.lat,
        "arrival": _clock(s.arrival_s),
        "start": _clock(s.start_s),
        "departure": _clock(s.departure_s),
        "parcels_delivered": s.parcels_delivered,
        "kg_delivered": s.kg_delivered,
        "parcels_collected": s.parcels_collected,
        "kg_collected": s.kg_collected,
        "kg_unloaded": s.kg_unloaded,
        "load_kg": s.load_kg,
        "load_l": s.load_l,
        "break_min": round(s.break_s / 60, 1),
        "orders_delivered": ";".join(s.delivered),
        "orders_collected": ";".join(s.collected),
        "orders_unloaded": ";".join(s.unloaded),
        "trip": s.trip,
        "reload": "true" if s.reload else "",
    }


def to_csv(routes: list[RouteView]) -> bytes:
    """A row per stop, with the depot departure (sequence 0) and return rows around them."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in routes:
        for s in r.stops:
            w.writerow(_stop_row(r, s))
    return buf.getvalue().encode("utf-8")


def to_geojson(routes: list[RouteView], unserved: list[UnservedView], crs: str) -> bytes:
    """Route LineStrings along the roads and stop Points (RFC 7946 FeatureCollection)."""
    features = []
    for r in routes:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [list(c) for c in r.line]},
                "properties": {
                    "kind": "route",
                    "vehicle": r.vehicle,
                    "type": r.type,
                    "colour": r.colour,
                    "depart": format_hhmm(r.depart_s),
                    "return": format_hhmm(r.return_s),
                    "km": r.km,
                    "hours": r.hours,
                    "cost_yuan": r.cost_yuan,
                    "stops": sum(not s.reload for s in r.stops[1:-1]),
                    "trips": r.trips,
                },
            }
        )
        for s in r.stops:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [s.lon, s.lat]},
                    "properties": {"kind": "stop", **_stop_row(r, s), "cold_chain": s.cold},
                }
            )
    for u in unserved:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [u.lon, u.lat]},
                "properties": {
                    "kind": "unserved",
                    "order": u.order,
                    "reason": u.reason,
                    "stop_id": u.point,
                    "name": u.name,
                    "kg": u.kg,
                    "detail": u.detail,
                },
            }
        )
    doc = {"type": "FeatureCollection", "features": features}
    if crs != "wgs84":  # RFC 7946 says WGS-84; say plainly when it is not
        doc["coordinate_system"] = crs
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def _el(parent, tag, text=None, **attrs):
    e = ET.SubElement(parent, tag, {k: str(v) for k, v in attrs.items()})
    if text is not None:
        e.text = str(text)
    return e


def _label(r: RouteView, s: StopView) -> str:
    if s.reload:
        return f"{r.vehicle} #{s.sequence} RELOAD {s.name}"
    return f"{r.vehicle} #{s.sequence} {s.name}"


def reload_text(s: StopView) -> str:
    """What a driver does at a reload, in words."""
    out = f"RELOAD at the centre: unload {s.kg_unloaded:g} kg, load trip {s.trip}"
    return out + (f" ({s.kg_loaded:g} kg)" if s.kg_loaded else " (nothing to deliver)")


def _describe(s: StopView) -> str:
    parts = []
    if s.arrival_s is not None:
        parts.append(f"ETA {format_hhmm(s.arrival_s)}")
    if s.reload:
        return "; ".join([*parts, reload_text(s)])
    if s.parcels_delivered:
        parts.append(f"drop {s.parcels_delivered} parcels / {s.kg_delivered:g} kg")
    if s.kg_collected:
        goods = ", ".join(s.goods_collected)
        parts.append(f"collect {s.kg_collected:g} kg{f' ({goods})' if goods else ''}")
    if s.kg_unloaded:
        parts.append(f"unload {s.kg_unloaded:g} kg")
    if s.cold:
        parts.append("cold chain")
    return "; ".join(parts)


def to_gpx(routes: list[RouteView]) -> bytes:
    """GPX 1.1: stops as waypoints, then a route and a track per vehicle, in visiting order."""
    ET.register_namespace("", GPX_NS)
    root = ET.Element(f"{{{GPX_NS}}}gpx", {"version": "1.1", "creator": "rural-route"})
    q = lambda tag: f"{{{GPX_NS}}}{tag}"  # noqa: E731
    for r in routes:
        for s in r.stops[1:-1]:
            w = _el(root, q("wpt"), lat=s.lat, lon=s.lon)
            _el(w, q("name"), _label(r, s))
            _el(w, q("desc"), _describe(s))
    for r in routes:
        rte = _el(root, q("rte"))
        _el(rte, q("name"), r.vehicle)
        for s in r.stops:
            p = _el(rte, q("rtept"), lat=s.lat, lon=s.lon)
            _el(p, q("name"), _label(r, s))
    for r in routes:
        trk = _el(root, q("trk"))
        _el(trk, q("name"), r.vehicle)
        seg = _el(trk, q("trkseg"))
        for lon, lat in r.line:
            _el(seg, q("trkpt"), lat=lat, lon=lon)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _kml_colour(hex_rgb: str) -> str:
    """'#rrggbb' -> KML 'aabbggrr', opaque."""
    rr, gg, bb = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    return f"ff{bb}{gg}{rr}"


def to_kml(routes: list[RouteView]) -> bytes:
    """KML 2.2: a folder per vehicle with its styled line and numbered stop placemarks."""
    ET.register_namespace("", KML_NS)
    q = lambda tag: f"{{{KML_NS}}}{tag}"  # noqa: E731
    root = ET.Element(q("kml"))
    doc = _el(root, q("Document"))
    _el(doc, q("name"), "rural-route plan")
    for r in routes:
        style = _el(doc, q("Style"), id=f"line-{r.vehicle}")
        ls = _el(style, q("LineStyle"))
        _el(ls, q("color"), _kml_colour(r.colour))
        _el(ls, q("width"), 4)
    for r in routes:
        folder = _el(doc, q("Folder"))
        stops, trips = sum(not s.reload for s in r.stops[1:-1]), r.trips
        _el(
            folder,
            q("name"),
            f"{r.vehicle} ({r.type}), {stops} stops"
            + (f" in {trips} trips" if trips > 1 else "")
            + f", {r.km:g} km",
        )
        line = _el(folder, q("Placemark"))
        _el(line, q("name"), r.vehicle)
        _el(line, q("styleUrl"), f"#line-{r.vehicle}")
        ls = _el(line, q("LineString"))
        _el(ls, q("tessellate"), 1)
        _el(ls, q("coordinates"), " ".join(f"{lon},{lat}" for lon, lat in r.line))
        for s in r.stops[1:-1]:
            pm = _el(folder, q("Placemark"))
            _el(pm, q("name"), f"{s.sequence}. {'RELOAD ' if s.reload else ''}{s.name}")
            _el(pm, q("description"), _describe(s))
            pt = _el(pm, q("Point"))
            _el(pt, q("coordinates"), f"{s.lon},{s.lat}")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def to_gpkg(routes: list[RouteView], unserved: list[UnservedView], path: Path, crs: str) -> None:
    """A GeoPackage with `routes`, `stops` and `unserved` layers (opens in QGIS)."""
    import geopandas as gpd
    from shapely.geometry import LineString, Point

    # GCJ-02 has no EPSG code: its layers carry WGS-84 as the closest, and say so in a column.
    epsg = 4326
    route_rows = [
        {
            "vehicle": r.vehicle,
            "type": r.type,
            "colour": r.colour,
            "km": r.km,
            "hours": r.hours,
            "cost_yuan": r.cost_yuan,
            "stops": sum(not s.reload for s in r.stops[1:-1]),
            "trips": r.trips,
            "coordinates": crs,
            "geometry": LineString(r.line),
        }
        for r in routes
    ]
    stop_rows = [
        {
            **_stop_row(r, s),
            "cold_chain": s.cold,
            "coordinates": crs,
            "geometry": Point(s.lon, s.lat),
        }
        for r in routes
        for s in r.stops
    ]
    unserved_rows = [
        {
            "order": u.order,
            "reason": u.reason,
            "stop_id": u.point,
            "name": u.name,
            "kind": u.kind,
            "kg": u.kg,
            "detail": u.detail,
            "coordinates": crs,
            "geometry": Point(u.lon, u.lat),
        }
        for u in unserved
    ]
    layers = {
        "routes": (route_rows, ["vehicle", "geometry"]),
        "stops": (stop_rows, ["vehicle", "geometry"]),
        "unserved": (unserved_rows, ["order", "reason", "geometry"]),
    }
    for layer, (rows, minimal) in layers.items():
        frame = (
            gpd.GeoDataFrame(rows, geometry="geometry", crs=epsg)
            if rows
            else gpd.GeoDataFrame({k: [] for k in minimal}, geometry="geometry", crs=epsg)
        )
        frame.to_file(path, layer=layer, driver="GPKG")
