"""Service points of a county on its real geography.

The hub sits at the county seat, one township station at each town centre and one village
service point per village-level unit. Positions missing from the source are generated inside the
unit's own town territory, deterministically from a seed (see data/README.md, "Generated
positions").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from ..errors import Fault, InputError
from .admin import AdminUnit, CountyAdmin
from .names import display_name, place_pinyin, syllables
from .terrain import Terrain
from .towns import URBAN_UR_CODES, layout_faults, place_towns

URBAN_RADIUS_M = 1500.0  # urban communities are placed within this of their town centre
CANDIDATES = 40  # best-candidate sampling: tries per generated village

HOURS = {  # tier -> (opens, closes) in s since midnight, service fixed s, per parcel s
    "hub": (5 * 3600, 22 * 3600, 0, 0),
    "facility": (6 * 3600, 22 * 3600, 900, 5),
    "township": (8 * 3600, 19 * 3600, 600, 6),
    "village": (8 * 3600, 20 * 3600, 300, 8),
}


@dataclass(frozen=True)
class SitePlan:
    """Generated sites in WGS-84 and town territories in the local metric projection."""

    rows: list[dict]  # one dict per service point, columns of points.csv
    territories: dict[str, BaseGeometry]  # town code -> polygon (WGS-84)
    urban: frozenset[str]  # ids of urban communities (居委会 etc.)


def _row(pid, name, tier, town, lon, lat, located, pinyin=None) -> dict:
    opens, closes, fixed, per_parcel = HOURS[tier]
    return {
        "id": pid,
        "name": name,
        "name_pinyin": pinyin or place_pinyin(name),
        "tier": tier,
        "town": town,
        "lon": round(float(lon), 6),
        "lat": round(float(lat), 6),
        "located": located,
        "opens": opens,
        "closes": closes,
        "service_fixed_s": fixed,
        "service_per_parcel_s": per_parcel,
    }


class _Placer:
    """Best-candidate sampling (Mitchell): each new site is the candidate farthest from all
    sites placed so far, so generated villages spread out as real ones do."""

    def __init__(self, rng: np.random.Generator, taken: list[tuple[float, float]]):
        self.rng = rng
        self.taken = [tuple(p) for p in taken]

    def place(self, region: BaseGeometry, accept=None) -> tuple[float, float]:
        """The best candidate in `region`, among points `accept(x, y)` allows if any is."""
        minx, miny, maxx, maxy = region.bounds
        shapely.prepare(region)
        cands: list[tuple[float, float]] = []
        others: list[tuple[float, float]] = []  # inside, but not accepted
        tries = 0
        while len(cands) < CANDIDATES and tries < CANDIDATES * 200:
            tries += 1
            x = float(self.rng.uniform(minx, maxx))
            y = float(self.rng.uniform(miny, maxy))
            if region.contains(Point(x, y)):
                if accept is None or accept(x, y):
                    cands.append((x, y))
                else:
                    others.append((x, y))
        cands = cands or others
        if not cands:  # a sliver region: fall back to a point surely inside it
            p = region.representative_point()
            cands = [(p.x, p.y)]
        if not self.taken:
            best = cands[0]
        else:
            t = np.asarray(self.taken)
            c = np.asarray(cands)
            d = np.sqrt(((c[:, None, :] - t[None, :, :]) ** 2).sum(-1)).min(axis=1)
            best = cands[int(np.argmax(d))]
        self.taken.append(best)
        return best


def build_sites(admin: CountyAdmin, seed: int, terrain: Terrain | None = None) -> SitePlan:
    """All service points of a county: source positions kept, the rest generated; given the
    terrain of hill or mountain country, generated villages sit on valley floors."""
    rng = np.random.default_rng([seed, int(admin.adcode)])
    layout = place_towns(admin)
    faults = layout_faults(layout)
    if faults:
        raise InputError(
            [Fault(f"{admin.name} ({admin.adcode}), {admin.source}", f) for f in faults]
        )
    proj, inner = layout.proj, layout.inner
    accept = None
    if terrain is not None:
        floor = terrain.valley_floor()

        def accept(x: float, y: float) -> bool:
            r, c = terrain.cell_of(x, y)
            return bool(floor[int(r), int(c)])

    def source(u: AdminUnit) -> str:
        return "moved" if u.code in layout.moved else "source"

    villages_of = {t.code: [v for v in admin.villages if v.parent == t.code] for t in admin.towns}
    located_xy = {  # source positions of the located villages, as the layout placed them
        v.code: xy
        for t in admin.towns
        for v, xy in zip(
            [v for v in villages_of[t.code] if v.lon is not None],
            layout.located[t.code],
            strict=True,
        )
    }

    def xy(u: AdminUnit) -> tuple[float, float]:
        return located_xy[u.code]

    centres, centre_source, seat = layout.centres, layout.centre_source, layout.seat
    territories_xy = layout.territories

    placer = _Placer(
        rng, [seat, *centres.values()] + [xy(v) for v in admin.villages if v.lon is not None]
    )
    rows: list[dict] = []
    urban: set[str] = set()

    def add(pid, name, tier, town, x, y, located, pinyin=None):
        lon, lat = proj.to_lonlat(x, y)
        rows.append(_row(pid, name, tier, town, lon, lat, located, pinyin))

    short = display_name(admin.name)

    def centre_name(*words: str) -> tuple[str, str]:
        """A facility named after the county, e.g. 武功县物流配送中心, and its pinyin."""
        spelled = " ".join("".join(syllables(w)).capitalize() for w in words)
        return short + "".join(words), f"{place_pinyin(short)} {spelled}"

    hub_town = min(
        centres, key=lambda code: np.hypot(centres[code][0] - seat[0], centres[code][1] - seat[1])
    )
    name, pinyin = centre_name("物流", "配送", "中心")
    add(
        f"{admin.adcode}-HUB",
        name,
        "hub",
        hub_town,
        *seat,
        source(admin.county) if admin.county.lon is not None else "generated",
        pinyin,
    )

    # Facilities that receive produce: generated inside the seat's town, 1.5-5 km from the hub.
    seat_pt = Point(seat)
    ring = (
        seat_pt.buffer(5000)
        .difference(seat_pt.buffer(1500))
        .intersection(territories_xy[hub_town].intersection(inner))
    )
    if ring.is_empty:
        ring = territories_xy[hub_town].intersection(inner)
    for suffix, words in (
        ("PARK", ("电商", "产业园", "加工", "配送", "中心")),
        ("COLD", ("农产品", "冷链", "仓储", "中心")),
    ):
        name, pinyin = centre_name(*words)
        add(
            f"{admin.adcode}-{suffix}",
            name,
            "facility",
            hub_town,
            *placer.place(ring),
            "generated",
            pinyin,
        )

    for t in admin.towns:
        add(
            t.code,
            display_name(t.name),
            "township",
            t.code,
            *centres[t.code],
            centre_source[t.code],
        )

    for t in admin.towns:
        area = territories_xy[t.code].intersection(inner)
        if area.is_empty:
            area = territories_xy[t.code]
        for v in villages_of[t.code]:
            if v.ur_code in URBAN_UR_CODES:
                urban.add(v.code)
            if v.lon is not None:
                at = xy(v)
                add(v.code, display_name(v.name), "village", t.code, *at, source(v))
                continue
            region = area
            if v.ur_code in URBAN_UR_CODES:  # urban communities cluster at the town's seat
                near = area.intersection(Point(centres[t.code]).buffer(URBAN_RADIUS_M))
                region = near if near.area > 0 else area
            valley = None if v.ur_code in URBAN_UR_CODES else accept
            at = placer.place(region, valley)
            add(v.code, display_name(v.name), "village", t.code, *at, "generated")

    territories = {
        code: shapely.transform(poly, lambda a: np.column_stack(proj.to_lonlat(a[:, 0], a[:, 1])))
        for code, poly in territories_xy.items()
    }
    return SitePlan(rows=rows, territories=territories, urban=frozenset(urban))
