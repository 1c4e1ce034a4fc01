"""Printable route sheets for drivers: a page or more per vehicle (A4, PDF).

Each page has a header (vehicle, type, shift, stops, km, hours, kg out and in), a small map of the
vehicle's route, and the stop table: sequence, ETA, service point and town, what to drop, what to
collect, a cold-chain mark and a box to tick. Chinese names need a CJK font (Noto Sans CJK, from
Debian's fonts-noto-cjk, or any other installed); without one the sheet shows pinyin names and
says so, so a sheet never shows empty boxes.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib import font_manager
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from ..network.graph import RoadArrays
from ..units import format_hhmm
from .views import RouteView, StopView

ROWS_PER_PAGE = 22
_CJK_HINTS = (
    "Noto Sans CJK",
    "Noto Serif CJK",
    "Source Han",
    "WenQuanYi",
    "Droid Sans Fallback",
    "AR PL",
    "SimHei",
    "Microsoft YaHei",
    "PingFang",
)
_PROBE = "武功县田桂村"


def cjk_font() -> str | None:
    """Path of an installed font that has Chinese glyphs, sans-serif preferred; None if none."""
    from matplotlib.ft2font import FT2Font

    candidates = []
    for path in font_manager.findSystemFonts():
        name = Path(path).name
        rank = next(
            (
                k
                for k, hint in enumerate(_CJK_HINTS)
                if hint.replace(" ", "").lower() in name.replace(" ", "").lower()
            ),
            None,
        )
        if rank is None:
            continue
        candidates.append((rank, "Bold" in name, "Serif" in name, path))
    for *_, path in sorted(candidates):
        try:
            font = FT2Font(path)
            if all(font.get_char_index(ord(ch)) for ch in _PROBE):
                return path
        except (OSError, RuntimeError):
            continue
    return None


def _draw_map(ax, r: RouteView, roads: RoadArrays) -> None:
    ax.set_axis_off()
    xs = [x for x, _ in r.line] or [s.lon for s in r.stops]
    ys = [y for _, y in r.line] or [s.lat for s in r.stops]
    pad = 0.01
    x0, x1, y0, y1 = min(xs) - pad, max(xs) + pad, min(ys) - pad, max(ys) + pad
    lon, lat = roads.lon, roads.lat
    inside = (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
    keep = inside[roads.src] | inside[roads.dst]
    segs = np.stack(
        [
            np.column_stack([lon[roads.src[keep]], lat[roads.src[keep]]]),
            np.column_stack([lon[roads.dst[keep]], lat[roads.dst[keep]]]),
        ],
        axis=1,
    )
    ax.add_collection(LineCollection(segs, colors="#dddddd", linewidths=0.5, zorder=1))
    ax.plot(xs, ys, color=r.colour, lw=2.2, zorder=2)
    for s in r.stops[1:-1]:
        ax.scatter([s.lon], [s.lat], s=90, color=r.colour, edgecolors="white", zorder=3)
        ax.text(
            s.lon,
            s.lat,
            str(s.sequence),
            ha="center",
            va="center",
            fontsize=5.5,
            color="white",
            fontweight="bold",
            zorder=4,
        )
    depot = r.stops[0]
    ax.scatter([depot.lon], [depot.lat], s=80, marker="s", color="#222222", zorder=4)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(1.0 / max(0.2, math.cos(math.radians((y0 + y1) / 2))))


def _stop_cells(s: StopView, chinese: bool) -> list[str]:
    name = s.name if chinese else s.name_pinyin
    town = s.town if chinese else ""
    drop = f"{s.parcels_delivered} / {s.kg_delivered:g} kg" if s.parcels_delivered else ""
    collect = ""
    if s.kg_collected:
        collect = f"{s.kg_collected:g} kg {' '.join(s.goods_collected)}".strip()
    if s.kg_unloaded:
        collect = (collect + "; " if collect else "") + f"unload {s.kg_unloaded:g} kg"
    return [
        str(s.sequence),
        format_hhmm(s.arrival_s) if s.arrival_s is not None else "",
        f"{name}" + (f" ({town})" if town and s.tier == "village" else ""),
        drop,
        collect,
        "COLD" if s.cold else "",
    ]


def write_sheets(
    routes: list[RouteView], roads: RoadArrays, target, title: str, font: str | None = None
) -> bool:
    """Write the PDF to `target` (a path or a binary file); returns whether Chinese names were
    used (False: the pinyin fallback)."""
    chinese = font is not None
    props = font_manager.FontProperties(fname=font) if font else font_manager.FontProperties()
    headers = ["#", "ETA", "service point (town)", "drop (parcels / kg)", "collect", "cold", "done"]
    col_x = [0.0, 0.05, 0.13, 0.55, 0.72, 0.90, 0.96]
    with PdfPages(target) as pdf:
        for r in routes:
            stops = list(r.stops[1:-1])
            chunks = [
                stops[k : k + ROWS_PER_PAGE] for k in range(0, max(len(stops), 1), ROWS_PER_PAGE)
            ]
            kg_out = sum(s.kg_delivered for s in stops)
            kg_in = sum(s.kg_collected for s in stops)
            for page, chunk in enumerate(chunks, start=1):
                fig = Figure(figsize=(8.27, 11.69))  # A4; no pyplot, no global backend
                fig.text(
                    0.05,
                    0.965,
                    f"{r.vehicle}  ·  {r.type}  ·  shift "
                    f"{format_hhmm(r.shift[0])}-{format_hhmm(r.shift[1])}  ·  "
                    f"page {page}/{len(chunks)}",
                    fontsize=13,
                    fontweight="bold",
                    fontproperties=props,
                )
                fig.text(
                    0.05,
                    0.945,
                    f"{title}  ·  depart {format_hhmm(r.depart_s)}, back "
                    f"{format_hhmm(r.return_s)}  ·  {len(stops)} stops  ·  {r.km:.1f} km  ·  "
                    f"{r.hours:.1f} h  ·  out {kg_out:,.0f} kg  ·  in {kg_in:,.0f} kg",
                    fontsize=8.5,
                    fontproperties=props,
                )
                if not chinese:
                    fig.text(
                        0.05,
                        0.93,
                        "No CJK font installed: names are shown in pinyin "
                        "(install fonts-noto-cjk for Chinese names).",
                        fontsize=8,
                        color="#b00020",
                    )
                _draw_map(fig.add_axes((0.05, 0.62, 0.9, 0.3)), r, roads)
                y = 0.59
                for x, h in zip(col_x, headers, strict=True):
                    fig.text(
                        0.05 + 0.9 * x, y, h, fontsize=8, fontweight="bold", fontproperties=props
                    )
                for s in chunk:
                    y -= 0.024
                    for x, cell in zip(col_x, _stop_cells(s, chinese), strict=False):
                        fig.text(
                            0.05 + 0.9 * x,
                            y,
                            cell,
                            fontsize=8,
                            fontproperties=props,
                            color="#1565c0" if cell == "COLD" else "black",
                        )
                    fig.patches.append(
                        Rectangle(
                            (0.05 + 0.9 * col_x[-1], y - 0.003),
                            0.015,
                            0.013,
                            fill=False,
                            lw=0.8,
                            transform=fig.transFigure,
                            figure=fig,
                        )
                    )
                    fig.lines.append(
                        Line2D(
                            (0.05, 0.95),
                            (y - 0.007, y - 0.007),
                            lw=0.3,
                            color="#bbbbbb",
                            transform=fig.transFigure,
                            figure=fig,
                        )
                    )
                pdf.savefig(fig)
    return chinese
