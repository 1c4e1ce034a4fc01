"""Printable route sheets for drivers: a page or more per vehicle (A4, PDF).

Each page has a header (vehicle, type, shift, stops, km, hours, kg out and in), a map of the
vehicle's route, and a row per place visit (`views.place_visits`): number, ETA, service point
and town, what to drop, what to collect or unload (with the unloaded orders in small print
beneath), a cold-chain mark and a box to tick.

Drawn with reportlab straight into PDF operators, because matplotlib laid out every cell and
road segment as an artist: 42 s for a 16-vehicle harvest day, 56 s for 90 routes of a quiet
day (benchmarks/drivers_outputs.py). Here the road network is written once per zoom level as
a PDF form that each route's map places, scaled and clipped; each vehicle's map is a form its
pages share; and text is placed, not laid out.

Chinese is written in the bundled CJK subset (`fonts`), a character it lacks in an installed
CJK font; a name that neither has is shown in pinyin, and the page says so. No warning is
printed, and no glyph is ever an empty box.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from ..network.graph import RoadArrays
from ..units import format_hhmm
from .fonts import Face, FontChain, subset_bytes
from .views import PlaceVisit, RouteView, place_visits

PAGE_W, PAGE_H = A4
MARGIN = 36.0
WIDTH = PAGE_W - 2 * MARGIN
MAP_TOP, MAP_H = PAGE_H - 92, 250.0
TABLE_TOP = MAP_TOP - MAP_H - 16
ROW_H, SMALL, SMALL_LEAD = 19.0, 6.5, 8.0
BOTTOM = MARGIN
# columns: x offset from the margin and the width a cell may take
COLUMNS = (
    ("#", 0, 18),
    ("ETA", 20, 30),
    ("service point (town)", 52, 205),
    ("drop (parcels / kg)", 260, 85),
    ("collect / unload", 348, 120),
    ("cold", 470, 26),
    ("done", 500, 23),
)
_BASE_FONT = "RouteSansCJKSC"  # the bundled subset, as registered with reportlab
_NOTE = "Names marked * are in pinyin: no installed font has their characters."


@dataclass(frozen=True)
class Cover:
    """The dispatcher's first page: the day in figures, and each unserved order explained."""

    lines: tuple[str, ...]
    unserved: tuple[str, ...]  # one entry per order: id, reason, place and cause


@dataclass
class _Row:
    cells: list[str]
    small: list[str] = field(default_factory=list)  # lines of small print beneath

    @property
    def height(self) -> float:
        return ROW_H + SMALL_LEAD * len(self.small)


class _Type:
    """Text in the font chain: runs of characters by face, each face a reportlab font
    (the bundled subset from its file; an installed font as a subset of what the sheets
    need from it, with TrueType outlines)."""

    def __init__(self, fonts: FontChain):
        self.fonts = fonts
        self.fallback = False  # some text was shown in pinyin
        self._wanted: dict[Face, set[str]] = {}
        self._names: dict[Face, str] = {}
        self.base = self._register(fonts.bundled, None)

    def _register(self, face: Face, chars: set[str] | None) -> str:
        source: str | io.BytesIO
        if chars is None:
            name, source = _BASE_FONT, str(face.path)
        else:
            blob = subset_bytes(face, chars)
            name = "CJKFallback-" + hashlib.sha1(blob).hexdigest()[:10]
            source = io.BytesIO(blob)
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, source))
        self._names[face] = name
        return name

    def shown(self, text: str, pinyin: str | None = None) -> str:
        """`text` if the chain has every character, else its pinyin, marked with *."""
        faces = [self.fonts.face_for(ch) for ch in text]
        if all(faces):
            for ch, face in zip(text, faces, strict=True):
                if face is not None and face is not self.fonts.bundled:
                    self._wanted.setdefault(face, set()).add(ch)
            return text
        self.fallback = True
        latin = pinyin if pinyin else _romanised(text)
        return "".join(ch if self.fonts.bundled.has(ch) else "?" for ch in latin) + "*"

    def ready(self) -> None:
        """Register the installed fonts' subsets, once every text is known."""
        for face, chars in self._wanted.items():
            self._register(face, chars)

    def runs(self, text: str) -> list[tuple[str, str]]:
        cmap = self.fonts.bundled.cmap
        if all(ord(ch) in cmap for ch in text):
            return [(text, self.base)]
        out: list[tuple[str, str]] = []
        for ch in text:
            face = self.fonts.face_for(ch)
            name = self._names.get(face, self.base) if face is not None else self.base
            if out and out[-1][1] == name:
                out[-1] = (out[-1][0] + ch, name)
            else:
                out.append((ch, name))
        return out

    def width(self, text: str, size: float) -> float:
        return sum(pdfmetrics.stringWidth(t, f, size) for t, f in self.runs(text))

    def draw(
        self,
        c: Canvas,
        x: float,
        y: float,
        text: str,
        size: float,
        bold: bool = False,
        colour: tuple[float, float, float] = (0, 0, 0),
    ) -> None:
        """Bold is the regular face filled and stroked (one font file ships, not two)."""
        c.setFillColorRGB(*colour)
        if bold:
            c.setStrokeColorRGB(*colour)
            c.setLineWidth(0.35)
        for run, name in self.runs(text):
            c.setFont(name, size)
            c.drawString(x, y, run, mode=2 if bold else 0)
            x += pdfmetrics.stringWidth(run, name, size)

    def fit(self, c: Canvas, x: float, y: float, text: str, size: float, room: float) -> None:
        """Draw `text` shrunk (down to 70 %) to fit `room` points."""
        w = self.width(text, size)
        self.draw(c, x, y, text, size * max(0.7, min(1.0, room / w)) if w else size)


def _romanised(text: str) -> str:
    """Pinyin of a name that has no pinyin of its own (a town, a title)."""
    from pypinyin import lazy_pinyin

    return " ".join(w.capitalize() for w in lazy_pinyin(text))


def _wrap(text: str, type_: _Type, size: float, room: float) -> list[str]:
    lines, line = [], ""
    for word in text.split(" "):
        trial = f"{line} {word}" if line else word
        if line and type_.width(trial, size) > room:
            lines.append(line)
            line = word
        else:
            line = trial
    return [*lines, line] if line else lines


def _reload_row(v: PlaceVisit, type_: _Type) -> _Row:
    """Back at the centre between two trips: what comes off, and the next trip's load."""
    s = v.first
    small = [f"REST {v.break_s // 60} min here before driving on"] if v.break_s else []
    cells = [
        "R",
        format_hhmm(v.arrival_s) if v.arrival_s is not None else "",
        f"RELOAD at {type_.shown(s.name, s.name_pinyin)}: trip {v.trip} starts",
        f"load {v.kg_loaded:g} kg" if v.kg_loaded else "",
        f"unload {v.kg_unloaded:g} kg" if v.kg_unloaded else "",
        "",
    ]
    return _Row(cells, small)


def _row(v: PlaceVisit, type_: _Type) -> _Row:
    if v.reload:
        return _reload_row(v, type_)
    s = v.first
    name = type_.shown(s.name, s.name_pinyin)
    town = type_.shown(s.town) if s.town and s.tier == "village" else ""
    drop = f"{v.parcels_delivered} / {v.kg_delivered:g} kg" if v.parcels_delivered else ""
    collect = []
    if v.kg_collected:
        collect.append(f"{v.kg_collected:g} kg {' '.join(v.goods_collected)}".strip())
    small = []
    if v.break_s:
        small.append(f"REST {v.break_s // 60} min here before driving on")
    if v.unloaded:
        n = len(v.unloaded)
        collect.append(f"unload {n} order{'s' if n > 1 else ''}, {v.kg_unloaded:g} kg")
        room = WIDTH - COLUMNS[2][1] - 30
        small += _wrap("unload: " + ", ".join(v.unloaded), type_, SMALL, room)
    cells = [
        str(v.number),
        format_hhmm(v.arrival_s) if v.arrival_s is not None else "",
        name + (f" ({town})" if town else ""),
        drop,
        "; ".join(collect),
        "COLD" if v.cold else "",
    ]
    return _Row(cells, small)


def _pages(rows: list[_Row]) -> list[list[_Row]]:
    pages: list[list[_Row]] = [[]]
    room = TABLE_TOP - ROW_H - BOTTOM
    used = 0.0
    for row in rows:
        if pages[-1] and used + row.height > room:
            pages.append([])
            used = 0.0
        pages[-1].append(row)
        used += row.height
    return pages


class _Base:
    """The road network in "network units" (1e-4 degree, longitude scaled by the cosine of
    the county's latitude, from the south-west corner), drawn once per zoom level as a PDF
    form that every route's map places, scaled and clipped: the roads cost nothing per page.
    Zoom levels are powers of sqrt(2), so a road's width stays within 20 % of 0.5 pt."""

    UNIT = 1e4

    def __init__(self, roads: RoadArrays):
        self.k = math.cos(math.radians(float(np.mean(roads.lat)))) if len(roads.lat) else 1.0
        self.x0 = float(roads.lon.min()) * self.k if len(roads.lon) else 0.0
        self.y0 = float(roads.lat.min()) if len(roads.lat) else 0.0
        a, b = np.minimum(roads.src, roads.dst), np.maximum(roads.src, roads.dst)
        pairs = np.unique(np.column_stack([a, b]), axis=0) if len(a) else np.zeros((0, 2), int)
        x, y = self.xy(roads.lon, roads.lat)
        self.segs = np.rint(
            np.column_stack([x[pairs[:, 0]], y[pairs[:, 0]], x[pairs[:, 1]], y[pairs[:, 1]]])
        ).astype(np.int64)
        self.forms: dict[int, str] = {}

    def xy(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        return (lon * self.k - self.x0) * self.UNIT, (lat - self.y0) * self.UNIT

    @staticmethod
    def level(scale: float) -> int:
        return round(2 * math.log2(scale))

    def form(self, c: Canvas, level: int) -> str:
        """The network's form for a zoom level (drawn on first use, between pages)."""
        if level not in self.forms:
            name = f"roads-{level}"
            top = self.segs.max(axis=0) if len(self.segs) else np.array([1, 1, 1, 1])
            c.beginForm(name, 0, 0, int(max(top[0], top[2])) + 1, int(max(top[1], top[3])) + 1)
            width = 0.5 / 2 ** (level / 2)
            ops = "%d %d m %d %d l\n" * len(self.segs) % tuple(self.segs.ravel().tolist())
            c.addLiteral(f"q 0.867 0.867 0.867 RG {width:.3f} w 1 J 1 j\n{ops}S Q")
            c.endForm()
            self.forms[level] = name
        return self.forms[level]


@dataclass(frozen=True)
class _Fit:
    """Where a route's map puts network units on the page: page = unit * scale + offset."""

    scale: float
    tx: float
    ty: float

    @classmethod
    def of(cls, r: RouteView, base: _Base) -> _Fit:
        line = r.line or tuple((s.lon, s.lat) for s in r.stops)
        x, y = base.xy([p[0] for p in line], [p[1] for p in line])
        x0, x1, y0, y1 = float(x.min()), float(x.max()), float(y.min()), float(y.max())
        pad = 0.06 * max(x1 - x0, y1 - y0, 100.0)
        x0, x1, y0, y1 = x0 - pad, x1 + pad, y0 - pad, y1 + pad
        scale = min(WIDTH / (x1 - x0), MAP_H / (y1 - y0))
        tx = MARGIN + (WIDTH - (x1 - x0) * scale) / 2 - x0 * scale
        ty = MAP_TOP - MAP_H + (MAP_H - (y1 - y0) * scale) / 2 - y0 * scale
        return cls(scale, tx, ty)

    def page(self, base: _Base, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        x, y = base.xy(lon, lat)
        return x * self.scale + self.tx, y * self.scale + self.ty


def _draw_map(
    c: Canvas, r: RouteView, visits: tuple[PlaceVisit, ...], base: _Base, fit: _Fit, roads: str
) -> None:
    """The route over the roads around it, fitted to the map box; stops numbered by visit."""
    c.saveState()
    clip = c.beginPath()
    clip.rect(MARGIN, MAP_TOP - MAP_H, WIDTH, MAP_H)
    c.clipPath(clip, stroke=0, fill=0)
    c.saveState()
    c.transform(fit.scale, 0, 0, fit.scale, fit.tx, fit.ty)
    c.doForm(roads)
    c.restoreState()
    line = r.line or tuple((s.lon, s.lat) for s in r.stops)
    lx, ly = fit.page(base, [p[0] for p in line], [p[1] for p in line])
    pts = np.rint(np.column_stack([lx, ly]) * 10).astype(np.int64).ravel().tolist()
    red, green, blue = (int(r.colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    c.addLiteral(
        f"q 0.1 0 0 0.1 0 0 cm {red:.3f} {green:.3f} {blue:.3f} RG 22 w 1 j 1 J\n"
        + f"{pts[0]} {pts[1]} m\n"
        + "%d %d l\n" * (len(pts) // 2 - 1) % tuple(pts[2:])
        + "S Q"
    )
    c.setStrokeColorRGB(1, 1, 1)
    c.setLineWidth(0.8)
    visits = tuple(v for v in visits if not v.reload)  # reloads are at the depot's square
    sx, sy = fit.page(base, [v.first.lon for v in visits], [v.first.lat for v in visits])
    c.setFont(_BASE_FONT, 5.8)
    for v, x, y in zip(visits, sx.tolist(), sy.tolist(), strict=True):
        c.setFillColor(r.colour)
        c.circle(x, y, 5.6, stroke=1, fill=1)
        c.setFillColorRGB(1, 1, 1)
        c.drawCentredString(x, y - 2.0, str(v.number))
    (x,), (y,) = fit.page(base, [r.stops[0].lon], [r.stops[0].lat])
    c.setFillColorRGB(0.13, 0.13, 0.13)
    c.rect(float(x) - 4.5, float(y) - 4.5, 9, 9, stroke=1, fill=1)
    c.restoreState()
    c.setStrokeColorRGB(0.55, 0.55, 0.55)
    c.setLineWidth(0.6)
    c.rect(MARGIN, MAP_TOP - MAP_H, WIDTH, MAP_H, stroke=1, fill=0)


@contextmanager
def _binary_streams() -> Iterator[None]:
    """Flate-only page streams while writing: reportlab's default ASCII85 layer is pure Python
    without its optional C accelerator (70 % of the writing time) and makes files 25 % larger.
    reportlab reads this setting per stream, so it is set for the call and put back."""
    before = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = before


def write_sheets(
    routes: list[RouteView],
    roads: RoadArrays,
    target,
    title: str,
    fonts: FontChain | None = None,
    cover: Cover | None = None,
) -> bool:
    """Write the PDF to `target` (a path or a binary file), after the `cover` page if given;
    returns whether every name is in Chinese (False: some are in pinyin, for want of a font
    that has their characters)."""
    type_ = _Type(fonts or FontChain())
    shown_title = type_.shown(title)
    plans = []
    for r in routes:
        visits = place_visits(r)
        rows = [_row(v, type_) for v in visits]
        plans.append((r, visits, _pages(rows)))
    if cover is not None:
        cover = Cover(
            tuple(type_.shown(t) for t in cover.lines),
            tuple(type_.shown(t) for t in cover.unserved),
        )
    type_.ready()
    with _binary_streams():
        _write(target, plans, roads, type_, title, shown_title, cover)
    return not type_.fallback


def _cover(c: Canvas, type_: _Type, title: str, cover: Cover) -> None:
    """The cover page, continued on further pages while unserved orders remain."""
    y = PAGE_H - 48
    type_.draw(c, MARGIN, y, f"{title}  ·  the day", 14, bold=True)
    y -= 24
    for line in cover.lines:
        type_.draw(c, MARGIN, y, line, 10)
        y -= 15
    y -= 10
    head = f"Unserved orders: {len(cover.unserved)}" if cover.unserved else "Every order served."
    type_.draw(c, MARGIN, y, head, 11, bold=True)
    y -= 17
    for entry in cover.unserved:
        lines = _wrap(entry, type_, 8.5, WIDTH - 12)
        if y - 11 * len(lines) < BOTTOM:
            c.showPage()
            y = PAGE_H - 48
            type_.draw(c, MARGIN, y, f"{title}  ·  unserved orders (continued)", 11, bold=True)
            y -= 20
        for k, line in enumerate(lines):
            type_.draw(c, MARGIN + (12 if k else 0), y, line, 8.5)
            y -= 11
        y -= 3
    c.showPage()


def _write(
    target,
    plans,
    roads: RoadArrays,
    type_: _Type,
    title: str,
    shown_title: str,
    cover: Cover | None = None,
) -> None:
    base = _Base(roads)
    target = os.fspath(target) if isinstance(target, os.PathLike) else target  # a file too
    c = Canvas(target, pagesize=A4, pageCompression=1, invariant=1, initialFontName=type_.base)
    c.setTitle(title)
    c.setCreator("rural-route")
    if cover is not None:
        _cover(c, type_, shown_title, cover)
    for r, visits, pages in plans:
        fit = _Fit.of(r, base)
        road_form = base.form(c, _Base.level(fit.scale))
        form = "map-" + hashlib.sha1(r.vehicle.encode("utf-8")).hexdigest()[:12]
        c.beginForm(form)
        _draw_map(c, r, visits, base, fit, road_form)
        c.endForm()
        for n, rows in enumerate(pages, start=1):
            note = shown_title.endswith("*") or any("*" in row.cells[2] for row in rows)
            _page(c, type_, r, visits, rows, shown_title, (n, len(pages)), form, note)
            c.showPage()
    if not plans:
        type_.draw(c, MARGIN, PAGE_H - 60, f"{shown_title}: no routes in this plan.", 12)
        c.showPage()
    c.save()


def _page(
    c: Canvas,
    type_: _Type,
    r: RouteView,
    visits: tuple[PlaceVisit, ...],
    rows: list[_Row],
    title: str,
    page: tuple[int, int],
    form: str,
    note: bool,
) -> None:
    stops = r.stops[1:-1]
    kg_out = sum(s.kg_delivered for s in stops)
    trips = f"{r.trips} trips  ·  " if r.trips > 1 else ""
    kg_in = sum(s.kg_collected for s in stops)
    n_stops = sum(not v.reload for v in visits)
    type_.draw(
        c,
        MARGIN,
        PAGE_H - 48,
        f"{r.vehicle}  ·  {r.type}  ·  shift {format_hhmm(r.shift[0])}-"
        f"{format_hhmm(r.shift[1])}  ·  page {page[0]}/{page[1]}",
        13,
        bold=True,
    )
    type_.draw(
        c,
        MARGIN,
        PAGE_H - 64,
        f"{title}  ·  depart {format_hhmm(r.depart_s)}, back {format_hhmm(r.return_s)}  ·  "
        f"{n_stops} stops  ·  {trips}{r.km:.1f} km  ·  {r.hours:.1f} h  ·  "
        f"out {kg_out:,.0f} kg  ·  in {kg_in:,.0f} kg",
        8.5,
    )
    if note:
        type_.draw(c, MARGIN, PAGE_H - 78, _NOTE, 8, colour=(0.69, 0, 0.125))
    c.doForm(form)
    y = TABLE_TOP
    for head, x, _ in COLUMNS:
        type_.draw(c, MARGIN + x, y, head, 8, bold=True)
    c.setStrokeColorRGB(0.5, 0.5, 0.5)
    c.line(MARGIN, y - 5, MARGIN + WIDTH, y - 5)
    y -= ROW_H
    for row in rows:
        for (_, x, room), cell in zip(COLUMNS, row.cells, strict=False):
            if cell == "COLD":
                type_.draw(c, MARGIN + x, y, cell, 8, bold=True, colour=(0.08, 0.4, 0.75))
            elif cell:
                type_.fit(c, MARGIN + x, y, cell, 8.5 if x == 52 else 8, room)
        for k, line in enumerate(row.small, start=1):
            at = y - SMALL_LEAD * k + 0.5
            type_.draw(c, MARGIN + COLUMNS[2][1], at, line, SMALL, colour=(0.25, 0.25, 0.25))
        c.setStrokeColorRGB(0, 0, 0)
        c.setLineWidth(0.8)
        c.rect(MARGIN + COLUMNS[-1][1] + 4, y - 2, 10, 10, stroke=1, fill=0)
        bottom = y - SMALL_LEAD * len(row.small) - 6.5
        c.setStrokeColorRGB(0.73, 0.73, 0.73)
        c.setLineWidth(0.3)
        c.line(MARGIN, bottom, MARGIN + WIDTH, bottom)
        y -= row.height
