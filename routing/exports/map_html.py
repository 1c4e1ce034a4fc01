"""The drivers' map: one self-contained HTML page that works with no network.

Everything is inline: the road network as a light base layer drawn from our own graph, every
route in its colour along the roads, a numbered mark per place visit (`views.place_visits`)
with a popup (name, ETA, what to drop, collect and unload), a collapsible legend with a toggle
per vehicle, and pan and zoom (mouse, touch or the +/- buttons). The page opens fitted to the
routes beside the legend. Chinese names render without any installed font: the page embeds a
subset of the bundled CJK font with only the characters it uses. No script, style, font or
tile is fetched from anywhere.
"""

from __future__ import annotations

import base64
import html
import json
import math
from collections.abc import Sequence

import numpy as np

from ..network.graph import RoadArrays
from ..units import format_hhmm
from .fonts import Face, FontChain, subset_bytes
from .views import COLOURS, PlaceVisit, RouteView, UnservedView, place_visits

# Base-layer style per road class: stroke width in screen pixels and grey level.
_ROAD_STYLE = {
    "trunk": (2.4, "#b9b9b9"),
    "primary": (2.0, "#c4c4c4"),
    "secondary": (1.6, "#cccccc"),
    "tertiary": (1.2, "#d4d4d4"),
}
_MINOR = (0.7, "#e1e1e1")


def road_style(highway: str) -> tuple[float, str]:
    """Stroke width (screen pixels) and grey of a road class on the base layer."""
    return _ROAD_STYLE.get(highway, _MINOR)


# line patterns (SVG stroke-dasharray, px) for the first, second and third round of colours
_DASHES = ("", "9 5", "2 4")


class _Frame:
    """Lon/lat to page coordinates: equirectangular around the county's middle latitude, which
    is true to scale within a county."""

    def __init__(self, lon: np.ndarray, lat: np.ndarray, width: float = 1000.0):
        self.k = math.cos(math.radians(float(np.mean(lat))))
        self.x0, self.y1 = float(lon.min()) * self.k, float(lat.max())
        span = max(float(lon.max()) * self.k - self.x0, float(lat.max()) - float(lat.min()), 1e-9)
        self.scale = width / span
        self.width = width
        self.height = (float(lat.max()) - float(lat.min())) * self.scale

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return round((lon * self.k - self.x0) * self.scale, 1), round(
            (self.y1 - lat) * self.scale, 1
        )

    def many(self, points) -> np.ndarray:
        """xy of many (lon, lat) at once, as an (n, 2) array rounded to 0.1."""
        a = np.asarray(points, dtype=float).reshape(-1, 2)
        return np.column_stack(
            [(a[:, 0] * self.k - self.x0) * self.scale, (self.y1 - a[:, 1]) * self.scale]
        ).round(1)


def road_segments(roads: RoadArrays) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every road once (the two directions of a street are one segment), in the order of the
    file: the (n, 2) lon/lat of each segment's two ends and its road class. The base layer of
    the drivers' map and of the planner's desk (`routing.desk`)."""
    u, v = np.minimum(roads.src, roads.dst), np.maximum(roads.src, roads.dst)
    _, first = np.unique(u.astype(np.int64) * roads.n_nodes + v, return_index=True)
    first.sort()
    a = np.column_stack([roads.lon[u[first]], roads.lat[u[first]]])
    b = np.column_stack([roads.lon[v[first]], roads.lat[v[first]]])
    return a, b, roads.highway[first]


def _base_layer(roads: RoadArrays, frame: _Frame) -> str:
    """Every road once, one path per class."""
    ends_a, ends_b, classes = road_segments(roads)
    a, b = frame.many(ends_a).tolist(), frame.many(ends_b).tolist()
    paths: dict[str, list[str]] = {}
    for hw, (x1, y1), (x2, y2) in zip(classes.tolist(), a, b, strict=True):
        paths.setdefault(str(hw), []).append(f"M{x1} {y1}L{x2} {y2}")
    out = []
    for hw, segs in sorted(paths.items(), key=lambda kv: kv[0] in _ROAD_STYLE):
        width, colour = road_style(hw)
        out.append(
            f'<path class="road" d="{"".join(segs)}" stroke="{colour}" '
            f'stroke-width="{width}" data-w="{width}"/>'
        )
    return "\n".join(out)


def _popup(v: PlaceVisit) -> str:
    s = v.first
    lines = [f"<b>{v.number}. {html.escape(s.name)}</b> ({html.escape(s.name_pinyin)})"]
    if s.town and s.tier == "village":
        lines.append(f"town: {html.escape(s.town)}")
    if v.arrival_s is not None:
        lines.append(f"ETA {format_hhmm(v.arrival_s)}, leave {format_hhmm(v.departure_s or 0)}")
    if v.parcels_delivered:
        lines.append(f"drop: {v.parcels_delivered} parcels, {v.kg_delivered:g} kg")
    if v.kg_collected:
        goods = ", ".join(v.goods_collected)
        lines.append(
            f"collect: {v.parcels_collected} crates, {v.kg_collected:g} kg"
            + (f" ({html.escape(goods)})" if goods else "")
        )
    if v.unloaded:
        n = len(v.unloaded)
        lines.append(
            f"unload: {n} order{'s' if n > 1 else ''}, {v.kg_unloaded:g} kg"
            f"<br><small>{html.escape(', '.join(v.unloaded))}</small>"
        )
    if v.cold:
        lines.append("<span class=cold>cold chain</span>")
    if v.break_s:
        lines.append(f"<b>rest {v.break_s // 60} min</b> before driving on")
    return "<br>".join(lines)


def _reload_popup(v: PlaceVisit) -> str:
    s = v.first
    lines = [f"<b>Reload at {html.escape(s.name)}</b>: trip {v.trip} starts"]
    if v.arrival_s is not None:
        lines.append(f"back {format_hhmm(v.arrival_s)}, leave {format_hhmm(v.departure_s or 0)}")
    lines.append(f"unload: {v.kg_unloaded:g} kg")
    lines.append(f"load: {v.kg_loaded:g} kg for trip {v.trip}")
    if v.break_s:
        lines.append(f"<b>rest {v.break_s // 60} min</b> before driving on")
    return "<br>".join(lines)


def _font_faces(text: str, fonts: FontChain) -> tuple[str, str]:
    """@font-face rules embedding, per face, only the characters of `text` (the bundled subset
    first, then installed fonts for what it lacks), and the font-family list naming them."""
    by_face: dict[Face, list[str]] = {fonts.bundled: []}
    for ch in sorted(ch for ch in set(text) if not ch.isspace()):
        face = fonts.face_for(ch)
        if face is not None:  # no font has it: the browser's own fallback, if any
            by_face.setdefault(face, []).append(ch)
    rules, names = [], []
    for k, (face, chars) in enumerate(by_face.items()):
        name = f"RouteSans{k}"
        data = base64.b64encode(subset_bytes(face, chars, flavor="woff")).decode("ascii")
        rules.append(
            f'@font-face{{font-family:"{name}";'
            f'src:url(data:font/woff;base64,{data}) format("woff")}}'
        )
        names.append(f'"{name}"')
    return "\n".join(rules), ",".join([*names, "sans-serif"])


def _unserved_layer(unserved: Sequence[UnservedView], frame: _Frame) -> tuple[str, str]:
    """Red crosses at the places with unserved orders (a popup per place lists them with their
    causes), and the layer's legend line."""
    if not unserved:
        return "", ""
    at: dict[str, list[UnservedView]] = {}
    for u in unserved:
        at.setdefault(u.point, []).append(u)
    marks = []
    for mine in at.values():
        x, y = frame.xy(mine[0].lon, mine[0].lat)
        popup = f"<b>{html.escape(mine[0].name)}</b>: {len(mine)} unserved<br>" + "<br>".join(
            html.escape(f"{u.order} ({u.reason}): {u.detail or u.name}") for u in mine
        )
        marks.append(
            f'<g class="stop unserved" transform="translate({x},{y})" data-popup="'
            f'{html.escape(popup, quote=True)}"><path d="M-6,-6L6,6M-6,6L6,-6"/></g>'
        )
    layer = f'<g class="route" id="x-unserved">{"".join(marks)}</g>'
    legend = (
        '<label><input type="checkbox" checked data-v="x-unserved">'
        '<span class="sw x"></span>unserved '
        f'<small class="stops">{len(unserved)} orders at {len(at)} places</small></label>'
    )
    return layer, legend


def map_html(
    routes: list[RouteView],
    roads: RoadArrays,
    title: str,
    fonts: FontChain | None = None,
    unserved: Sequence[UnservedView] = (),
) -> str:
    """The page; `routes` carry their road lines (WGS-84), and `unserved` orders are red
    crosses. `fonts` gives the Chinese glyphs embedded in the page (default: the bundled
    subset, then installed CJK fonts)."""
    frame = _Frame(roads.lon, roads.lat)
    layers, legend = [], []
    box = [math.inf, math.inf, -math.inf, -math.inf]  # the routes' extent, for the first view
    for i, r in enumerate(routes):
        # colours repeat after ten routes (a fleet has up to 30): repeats get dashed lines
        dash = _DASHES[(i // len(COLOURS)) % len(_DASHES)]
        xy = frame.many([*r.line, *((s.lon, s.lat) for s in r.stops)])
        if len(xy):
            box = [*np.minimum(box[:2], xy.min(axis=0)), *np.maximum(box[2:], xy.max(axis=0))]
        line = xy[: len(r.line)].ravel().tolist()
        pts = ("%g,%g " * len(r.line) % tuple(line)).rstrip()
        visits = place_visits(r)
        marks = []
        for v in visits:
            x, y = frame.xy(v.first.lon, v.first.lat)
            if v.reload:  # beside the depot's square, which it would hide
                marks.append(
                    f'<g class="stop reload" transform="translate({x},{y})" '
                    f'data-popup="{html.escape(_reload_popup(v), quote=True)}">'
                    f'<circle cx="11" cy="-11" r="7" fill="{r.colour}"/>'
                    f'<text x="11" y="-7.5">R</text></g>'
                )
                continue
            marks.append(
                f'<g class="stop" transform="translate({x},{y})" data-popup="'
                f'{html.escape(_popup(v), quote=True)}"><circle r="7" fill="{r.colour}"/>'
                f'<text y="3.5">{v.number}</text></g>'
            )
        layers.append(
            f'<g class="route" id="v-{html.escape(r.vehicle)}">'
            f'<polyline points="{pts}" stroke="{r.colour}"'
            + (f' stroke-dasharray="{dash}"' if dash else "")
            + f"/>{''.join(marks)}</g>"
        )
        swatch = (
            f"background:repeating-linear-gradient(90deg,{r.colour} 0 {dash.split()[0]}px,"
            f"transparent 0 {sum(map(int, dash.split()))}px)"
            if dash
            else f"background:{r.colour}"
        )
        legend.append(
            f'<label><input type="checkbox" checked data-v="v-{html.escape(r.vehicle)}">'
            f'<span class="sw" style="{swatch}"></span>{html.escape(r.vehicle)} '
            f'<small class="stops">{sum(not v.reload for v in visits)} stops, '
            + (f"{r.trips} trips, " if r.trips > 1 else "")
            + f"{r.km:.0f} km, {format_hhmm(r.depart_s)}-"
            f"{format_hhmm(r.return_s)}</small></label>"
        )
    hubs = {(r.stops[0].lon, r.stops[0].lat): r.stops[0] for r in routes}
    hub_marks = []
    for hub in hubs.values():
        x, y = frame.xy(hub.lon, hub.lat)
        hub_marks.append(
            f'<g class="stop hub" transform="translate({x},{y})" data-popup="'
            f'{html.escape("<b>" + html.escape(hub.name) + "</b> (depot)", quote=True)}">'
            f'<rect x="-8" y="-8" width="16" height="16"/></g>'
        )
    crosses, crosses_legend = _unserved_layer(unserved, frame)
    if crosses:
        layers.append(crosses)
        legend.append(crosses_legend)
    view = json.dumps([0, 0, frame.width, round(frame.height, 1)])
    fields = {
        "title": html.escape(title),
        "w": frame.width,
        "h": round(frame.height, 1),
        "view": view,
        "box": json.dumps([round(float(v), 1) for v in box] if routes else json.loads(view)),
        "roads": _base_layer(roads, frame),
        "routes": "\n".join(layers),
        "hub": "".join(hub_marks),
        "legend": "\n".join(legend),
    }
    page_text = _TEMPLATE + "".join(map(str, fields.values()))
    fields["fonts"], fields["family"] = _font_faces(page_text, fonts or FontChain())
    return _TEMPLATE.format(**fields)


_TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{fonts}
html,body{{margin:0;height:100%;font-family:{family};background:#fafafa}}
#map{{position:absolute;inset:0 0 0 0;touch-action:none}}
svg{{width:100%;height:100%;display:block;cursor:grab}}
.road{{fill:none;stroke-linecap:round}}
.route polyline{{fill:none;stroke-width:4;stroke-linejoin:round;vector-effect:non-scaling-stroke;opacity:.9}}
.stop{{cursor:pointer}} .stop circle{{stroke:#fff;stroke-width:1.5}}
.stop text{{font-size:9px;fill:#fff;text-anchor:middle;font-weight:bold;pointer-events:none}}
.hub rect{{fill:#222;stroke:#fff;stroke-width:2}}
.unserved path{{stroke:#c00;stroke-width:3;stroke-linecap:round}}
.sw.x{{background:#c00;height:6px}}
#panel{{position:absolute;top:8px;right:8px;max-height:calc(100% - 16px);max-width:calc(100% - 64px);
overflow:auto;background:#fff;border:1px solid #ccc;border-radius:6px;padding:6px 8px;font-size:13px;box-sizing:border-box}}
#panel summary{{cursor:pointer;font-weight:bold;white-space:nowrap}}
#panel label{{display:block;white-space:nowrap}}
.sw{{display:inline-block;width:22px;height:4px;margin:0 5px 3px 3px;vertical-align:middle}}
#zoom{{position:absolute;left:8px;top:8px}} #zoom button{{display:block;width:36px;height:32px;
font-size:16px;margin-bottom:4px;font-family:inherit}}
#popup{{position:absolute;display:none;background:#fff;border:1px solid #888;border-radius:6px;
padding:6px 8px;font-size:13px;max-width:260px;box-shadow:0 2px 6px #0003}}
.cold{{color:#1565c0;font-weight:bold}}
</style></head><body>
<div id="map"><svg id="svg" viewBox="0 0 {w} {h}" preserveAspectRatio="xMidYMid meet">
<g id="base">{roads}</g>
<g id="routes">{routes}
{hub}</g></svg></div>
<div id="zoom"><button id="zin" title="zoom in">+</button><button id="zout" title="zoom out">-</button><button id="zfit" title="fit the routes">fit</button></div>
<details id="panel" open><summary>{title}</summary><small>roads: generated base layer from the plan's road graph</small>
<div id="legend">{legend}</div></details>
<div id="popup"></div>
<script>
(function() {{
  var svg = document.getElementById('svg'), popup = document.getElementById('popup');
  var panel = document.getElementById('panel');
  var vb = {view}, full = vb.slice(), box = {box}, fitted = true;
  function apply() {{
    svg.setAttribute('viewBox', vb.join(' '));
    var s = Math.max(vb[2] / full[2], 0.02);
    document.querySelectorAll('.road').forEach(function(p) {{
      p.setAttribute('stroke-width', p.getAttribute('data-w') * s); }});
    document.querySelectorAll('.stop').forEach(function(g) {{
      var t = g.getAttribute('transform').replace(/ scale\\([^)]*\\)/, '');
      g.setAttribute('transform', t + ' scale(' + s + ')'); }});
  }}
  // Fit the routes' box into the part of the window that the zoom buttons and an open legend
  // leave free; the view box takes the window's proportions, so units map to pixels exactly.
  function fit() {{
    var r = svg.getBoundingClientRect(), pad = 24, left = 56, right = pad;
    if (panel.open) {{
      var p = panel.getBoundingClientRect();
      if (r.right - p.left < 0.5 * r.width) right = r.right - p.left + pad;
    }}
    var aw = Math.max(r.width - left - right, 50), ah = Math.max(r.height - 2 * pad, 50);
    var bw = Math.max(box[2] - box[0], 1), bh = Math.max(box[3] - box[1], 1);
    var k = Math.min(aw / bw, ah / bh);
    var cx = (box[0] + box[2]) / 2, cy = (box[1] + box[3]) / 2;
    vb = [cx - (left + aw / 2) / k, cy - (pad + ah / 2) / k, r.width / k, r.height / k];
    fitted = true; apply();
  }}
  function zoom(f, cx, cy) {{
    var r = svg.getBoundingClientRect();
    var px = vb[0] + vb[2] * ((cx === undefined ? r.width / 2 : cx - r.left) / r.width);
    var py = vb[1] + vb[3] * ((cy === undefined ? r.height / 2 : cy - r.top) / r.height);
    vb = [px - (px - vb[0]) * f, py - (py - vb[1]) * f, vb[2] * f, vb[3] * f];
    fitted = false; apply();
  }}
  svg.addEventListener('wheel', function(e) {{ e.preventDefault();
    zoom(e.deltaY > 0 ? 1.2 : 1 / 1.2, e.clientX, e.clientY); }}, {{passive: false}});
  document.getElementById('zin').onclick = function() {{ zoom(1 / 1.5); }};
  document.getElementById('zout').onclick = function() {{ zoom(1.5); }};
  document.getElementById('zfit').onclick = fit;
  var drag = null;
  svg.addEventListener('pointerdown', function(e) {{ drag = [e.clientX, e.clientY, vb[0], vb[1]]; }});
  window.addEventListener('pointerup', function() {{ drag = null; }});
  window.addEventListener('pointermove', function(e) {{
    if (!drag) return; var r = svg.getBoundingClientRect();
    var k = Math.max(vb[2] / r.width, vb[3] / r.height);
    vb[0] = drag[2] - (e.clientX - drag[0]) * k; vb[1] = drag[3] - (e.clientY - drag[1]) * k;
    fitted = false; apply();
  }});
  document.querySelectorAll('.stop').forEach(function(g) {{
    g.addEventListener('click', function(e) {{ e.stopPropagation();
      popup.innerHTML = g.getAttribute('data-popup'); popup.style.display = 'block';
      popup.style.left = Math.min(e.clientX + 10, window.innerWidth - 270) + 'px';
      popup.style.top = (e.clientY + 10) + 'px'; }});
  }});
  svg.addEventListener('click', function() {{ popup.style.display = 'none'; }});
  document.querySelectorAll('#legend input').forEach(function(box) {{
    box.addEventListener('change', function() {{
      document.getElementById(box.getAttribute('data-v')).style.display = box.checked ? '' : 'none';
    }});
  }});
  // the legend starts folded on a narrow screen; folding or unfolding re-fits an untouched view
  if (window.innerWidth < 700) panel.open = false;
  panel.addEventListener('toggle', function() {{ if (fitted) fit(); }});
  window.addEventListener('resize', function() {{ if (fitted) fit(); }});
  fit();
}})();
</script></body></html>
"""
