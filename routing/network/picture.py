"""`route network show`: a county's road network and service points as one PNG, to see at a
glance whether the roads look like the country (a field grid on a plain, valley trees in the
mountains) and to compare counties side by side.

Drawn with Pillow: roads by class (trunk widest and darkest), the county line, the hub as a
black square, township stations as larger dots, villages as small ones and facilities as
diamonds, under a header with the county's name, the network's figures (nodes, km, dead ends,
circuity, generated or imported) and a legend. Everything is sized for 1,600 px and scaled by
`--width`, with text kept legible on small pictures.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..atomic import write_atomic
from .graph import RoadArrays, circuity, dead_end_share, read_road_arrays

if TYPE_CHECKING:
    from ..inputs.county import County

# OSM road class -> (width px at 1,600 px, grey level); widest and darkest first
_ROADS = {
    "motorway": (4.0, 40),
    "trunk": (4.0, 60),
    "primary": (3.0, 90),
    "secondary": (2.5, 110),
    "tertiary": (2.0, 140),
    "unclassified": (1.2, 170),
    "residential": (1.0, 185),
    "service": (1.0, 195),
    "track": (1.0, 200),
}
_OTHER_ROAD = (1.0, 170)
# tier -> (half size px at 1,600 px, RGB, legend label); drawn in this order, the hub on top
_POINTS = {
    "village": (2.2, (46, 125, 50), "village"),
    "facility": (5.5, (21, 101, 192), "facility"),
    "township": (5.0, (198, 40, 40), "township station"),
    "hub": (7.0, (0, 0, 0), "hub"),
}
_BOUNDARY = (120, 120, 200)


@dataclass(frozen=True)
class Figures:
    """The network's figures in the caption and the command's summary line."""

    nodes: int
    km: float  # each street once (both directions are stored)
    dead_ends: float  # share of junctions
    circuity: float  # ratio of sums over service-point pairs
    generated: bool


@dataclass(frozen=True)
class Frame:
    """Lon/lat to pixels: equirectangular around the middle latitude, as the drivers' map
    draws it (true to scale within a county), north up, below the header."""

    lon0: float
    lat1: float
    k: float  # cos(middle latitude)
    scale: float  # px per degree of latitude
    left: float
    top: float

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (
            self.left + (lon - self.lon0) * self.k * self.scale,
            self.top + (self.lat1 - lat) * self.scale,
        )

    def many(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (
            self.left + (np.asarray(lon) - self.lon0) * self.k * self.scale,
            self.top + (self.lat1 - np.asarray(lat)) * self.scale,
        )


@dataclass(frozen=True)
class Picture:
    png: bytes
    figures: Figures
    frame: Frame  # where a lon/lat is drawn (tests find the hub with it)


def figures(county: County) -> tuple[RoadArrays, Figures]:
    """The county's roads and their figures, measured as the dataset builder measures them
    (circuity over every service point), so the caption matches county.json."""
    arrays = read_road_arrays(county.graph_path)
    lon = np.array([p.lon for p in county.points])
    lat = np.array([p.lat for p in county.points])
    return arrays, Figures(
        nodes=arrays.n_nodes,
        km=float(arrays.length_m.sum()) / 2000.0,
        dead_ends=dead_end_share(arrays),
        circuity=circuity(arrays, lon, lat)["ratio_of_sums"],
        generated=bool(county.meta.get("road_network", {}).get("generated", False)),
    )


def network_picture(county: County, width: int = 1600) -> Picture:
    """The county's network drawn `width` px wide, as PNG bytes with its figures and frame."""
    arrays, fig = figures(county)
    grow = width / 1600
    margin = round(8 + 22 * grow)
    classes = sorted({_road_class(h) for h in arrays.highway.tolist()}, key=_road_rank)
    header = _Header(county, fig, classes, width, margin, grow)
    frame, map_height = _frame(county, arrays, width, margin, header.height)
    image = Image.new("RGB", (width, header.height + map_height + margin), "white")
    draw = ImageDraw.Draw(image)
    header.draw(draw)
    for ring in _rings(county.boundary):
        bx, by = frame.many(ring[:, 0], ring[:, 1])
        line = list(zip(bx.tolist(), by.tolist(), strict=True))
        draw.line(line, fill=_BOUNDARY, width=max(1, round(2 * grow)))
    _draw_roads(draw, arrays, frame, grow)
    for tier in _POINTS:  # villages first, the hub last: nothing covers it
        for p in county.points:
            if p.tier == tier:
                _symbol(draw, tier, *frame.xy(p.lon, p.lat), grow)
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    return Picture(buf.getvalue(), fig, frame)


def write_network_png(county: County, path: Path, width: int = 1600) -> Figures:
    """Draw the county's network into `path` (replaced whole, never half-written)."""
    picture = network_picture(county, width)
    write_atomic(path, picture.png)
    return picture.figures


def _frame(
    county: County, arrays: RoadArrays, width: int, margin: int, top: int
) -> tuple[Frame, int]:
    """The frame that fits the county line, its roads and its points into the width, and the
    map's height in px."""
    x0, y0, x1, y1 = county.boundary.bounds
    lons = [arrays.lon.min(), arrays.lon.max(), x0, x1, *(p.lon for p in county.points)]
    lats = [arrays.lat.min(), arrays.lat.max(), y0, y1, *(p.lat for p in county.points)]
    lon0, lon1 = float(min(lons)), float(max(lons))
    lat0, lat1 = float(min(lats)), float(max(lats))
    k = math.cos(math.radians((lat0 + lat1) / 2))
    scale = (width - 2 * margin) / max((lon1 - lon0) * k, lat1 - lat0, 1e-9)
    return Frame(lon0, lat1, k, scale, margin, top), math.ceil((lat1 - lat0) * scale)


def _rings(boundary) -> Iterable[np.ndarray]:
    for poly in getattr(boundary, "geoms", [boundary]):
        if hasattr(poly, "exterior"):
            yield np.asarray(poly.exterior.coords)
            yield from (np.asarray(r.coords) for r in poly.interiors)


def _road_class(highway: str) -> str:
    """An OSM class as drawn: links like their road, lists ("['primary', 'secondary']", from
    an osmnx-simplified extract) as their first class."""
    first = highway.strip("[]").split(",")[0].strip(" '\"")
    return first.removesuffix("_link")


def _road_rank(cls: str) -> int:
    return list(_ROADS).index(cls) if cls in _ROADS else len(_ROADS)


def _road_style(cls: str, grow: float) -> tuple[int, tuple[int, int, int]]:
    w, grey = _ROADS.get(cls, _OTHER_ROAD)
    return max(1, round(w * grow)), (grey, grey, grey)


def _draw_roads(draw: ImageDraw.ImageDraw, arrays: RoadArrays, frame: Frame, grow: float):
    """Every street once (its two directions are one line), minor classes first so that the
    major ones lie on top."""
    a, b = np.minimum(arrays.src, arrays.dst), np.maximum(arrays.src, arrays.dst)
    _, first = np.unique(a.astype(np.int64) * arrays.n_nodes + b, return_index=True)
    x, y = frame.many(arrays.lon, arrays.lat)
    streets = [(_road_class(str(arrays.highway[e])), e) for e in first.tolist()]
    for cls, e in sorted(streets, key=lambda s: -_road_rank(s[0])):
        width, fill = _road_style(cls, grow)
        u, v = int(arrays.src[e]), int(arrays.dst[e])
        draw.line([(x[u], y[u]), (x[v], y[v])], fill=fill, width=width)


def _symbol(draw: ImageDraw.ImageDraw, tier: str, x: float, y: float, grow: float) -> None:
    """A service point: the hub a square, a facility a diamond, the others dots."""
    half, colour, _ = _POINTS.get(tier, _POINTS["village"])
    r = max(half * grow, 1.5)
    if tier == "hub":
        draw.rectangle([x - r, y - r, x + r, y + r], fill=colour)
    elif tier == "facility":
        draw.polygon([(x, y - r), (x + r, y), (x, y + r), (x - r, y)], fill=colour)
    else:
        draw.ellipse([x - r, y - r, x + r, y + r], fill=colour)


def _font(size: float) -> ImageFont.FreeTypeFont:
    """The bundled CJK subset: Chinese county names render with no system font."""
    from ..exports.fonts import bundled_font

    return ImageFont.truetype(str(bundled_font()), round(size))


class _Header:
    """Title, figures and legend above the map, laid out once to know the height, then drawn:
    the figures wrap and the legend flows onto more lines on a narrow picture."""

    def __init__(
        self,
        county: County,
        fig: Figures,
        classes: list[str],
        width: int,
        margin: int,
        grow: float,
    ):
        title_font, body = _font(max(22 * grow, 14)), _font(max(14 * grow, 11))
        name = str(county.meta.get("name", ""))
        kind = "GENERATED road network" if fig.generated else "road network (imported)"
        title = f"{name} {county.slug}: {kind}".strip()
        text = (
            f"{fig.nodes:,} nodes, {fig.km:,.0f} km of road, {fig.dead_ends:.1%} of junctions "
            f"are dead ends, circuity {fig.circuity:.2f}, {len(county.points)} service points"
        )
        right = width - margin
        y = round(margin / 2)
        self.texts: list[tuple[float, float, str, ImageFont.FreeTypeFont, tuple]] = []
        for line, font, fill in [(title, title_font, (0, 0, 0))] + [
            (line, body, (60, 60, 60)) for line in _wrap(text, body, right - margin)
        ]:
            self.texts.append((margin, y, line, font, fill))
            y += round(font.size * 1.4)
        # legend: symbol, gap, label, spacing; flowed onto lines
        self.items: list[tuple[float, float, str, str]] = []
        entries = [("point", t) for t in ("hub", "township", "village", "facility")]
        entries += [("road", c) for c in classes]
        sample, gap, spacing = max(28 * grow, 18), max(6 * grow, 4), max(18 * grow, 10)
        x: float = margin
        y += round(body.size * 0.3)
        for kind_, key in entries:
            label = _POINTS[key][2] if kind_ == "point" else key
            w = sample + gap + body.getlength(label)
            if x + w > right and x > margin:
                x, y = margin, y + round(body.size * 1.5)
            self.items.append((x, y, kind_, key))
            self.texts.append((x + sample + gap, y, label, body, (60, 60, 60)))
            x += w + spacing
        self.sample, self.line_h = sample, body.size
        self.key_grow = max(grow, 0.6)  # legend symbols stay visible on a small picture
        self.height = y + round(body.size * 1.5) + round(margin / 2)

    def draw(self, draw: ImageDraw.ImageDraw) -> None:
        for x, y, text, font, fill in self.texts:
            draw.text((x, y), text, fill=fill, font=font)
        for x, y, kind, key in self.items:
            cy = y + self.line_h * 0.6
            if kind == "point":
                _symbol(draw, key, x + self.sample / 2, cy, self.key_grow)
            else:
                width, fill = _road_style(key, self.key_grow)
                draw.line([(x, cy), (x + self.sample, cy)], fill=fill, width=width)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    lines: list[str] = []
    for word in text.split(" "):
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines
