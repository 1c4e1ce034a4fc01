"""`route network show`: a county's road network and service points as one PNG, to see at a
glance whether the roads look like the country (a field grid on a plain, valley trees in the
mountains) and to compare counties side by side.

Drawn with Pillow: roads by class (trunk widest and darkest), the county line, the hub as a
black square, township stations as larger dots and villages as small ones, and a caption with
the network's figures (nodes, km, dead ends, circuity, generated or imported).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..atomic import write_atomic
from .graph import RoadArrays, circuity, dead_end_share, read_road_arrays

# road class -> (width in px at 1,600 px, grey level)
_STYLE = {
    "motorway": (5, 40),
    "trunk": (4, 60),
    "primary": (3, 90),
    "secondary": (2.5, 110),
    "tertiary": (2, 140),
    "unclassified": (1.2, 170),
    "residential": (1, 185),
    "service": (1, 195),
    "track": (1, 200),
}
_TIERS = {  # tier -> (radius px, RGB)
    "village": (2.2, (46, 125, 50)),
    "facility": (4.5, (21, 101, 192)),
    "township": (5.0, (198, 40, 40)),
}
MARGIN = 30
CAPTION = 64


@dataclass(frozen=True)
class Figures:
    nodes: int
    km: float
    dead_ends: float
    circuity: float
    generated: bool


def figures(county) -> tuple[RoadArrays, Figures]:
    arrays = read_road_arrays(county.graph_path)
    lon = np.array([p.lon for p in county.points])
    lat = np.array([p.lat for p in county.points])
    net = county.meta.get("road_network", {})
    return arrays, Figures(
        nodes=arrays.n_nodes,
        km=float(arrays.length_m.sum()) / 2000.0,  # both directions are stored
        dead_ends=dead_end_share(arrays),
        circuity=circuity(arrays, lon, lat)["ratio_of_sums"],
        generated=bool(net.get("generated", False)),
    )


def network_png(county, width: int = 1600) -> tuple[bytes, Figures]:
    """The picture's PNG bytes and the figures in its caption."""
    arrays, fig = figures(county)
    lon0, lon1 = float(arrays.lon.min()), float(arrays.lon.max())
    lat0, lat1 = float(arrays.lat.min()), float(arrays.lat.max())
    k = math.cos(math.radians((lat0 + lat1) / 2))
    scale = (width - 2 * MARGIN) / max((lon1 - lon0) * k, (lat1 - lat0), 1e-9)
    height = int((lat1 - lat0) * scale) + 2 * MARGIN + CAPTION

    def xy(lon, lat):
        return (
            MARGIN + (np.asarray(lon) - lon0) * k * scale,
            MARGIN + CAPTION + (lat1 - np.asarray(lat)) * scale,
        )

    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    grow = width / 1600
    boundary = county.boundary
    for poly in getattr(boundary, "geoms", [boundary]):
        bx, by = xy(*np.asarray(poly.exterior.coords).T)
        draw.line(list(zip(bx.tolist(), by.tolist(), strict=True)), fill=(120, 120, 200), width=2)
    a, b = np.minimum(arrays.src, arrays.dst), np.maximum(arrays.src, arrays.dst)
    _, first = np.unique(a.astype(np.int64) * arrays.n_nodes + b, return_index=True)
    x, y = xy(arrays.lon, arrays.lat)
    order = sorted(first.tolist(), key=lambda e: -_STYLE.get(str(arrays.highway[e]), (1, 0))[1])
    for e in order:  # minor roads first, so major ones lie on top
        w, grey = _STYLE.get(str(arrays.highway[e]), (1, 170))
        u, v = int(arrays.src[e]), int(arrays.dst[e])
        draw.line(
            [(x[u], y[u]), (x[v], y[v])],
            fill=(grey, grey, grey),
            width=max(1, round(w * grow)),
        )
    for p in sorted(county.points, key=lambda p: p.tier == "township"):
        px, py = xy(p.lon, p.lat)
        if p.tier == "hub":
            r = 7 * grow
            draw.rectangle([px - r, py - r, px + r, py + r], fill="black")
            continue
        r, colour = _TIERS.get(p.tier, _TIERS["village"])
        r *= grow
        draw.ellipse([px - r, py - r, px + r, py + r], fill=colour)
    font = _font(int(18 * grow))
    name = county.meta.get("name", county.slug)
    kind = "GENERATED road network" if fig.generated else "road network (imported)"
    draw.text((MARGIN, 10), f"{name} {county.slug}: {kind}", fill="black", font=font)
    draw.text(
        (MARGIN, 10 + 26 * grow),
        f"{fig.nodes:,} nodes, {fig.km:,.0f} km of road, {fig.dead_ends:.0%} of junctions "
        f"dead ends, circuity {fig.circuity:.2f}; {len(county.points)} service points "
        "(square: hub, red: townships, green: villages, blue: facilities)",
        fill=(60, 60, 60),
        font=_font(int(13 * grow)),
    )
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    return buf.getvalue(), fig


def _font(size: int):
    from ..exports.fonts import bundled_font

    return ImageFont.truetype(str(bundled_font()), max(size, 8))


def write_network_png(county, path, width: int = 1600) -> Figures:
    data, fig = network_png(county, width)
    write_atomic(path, data)
    return fig
