"""Where each town's centre is, and the territory it serves: source centres kept (moved inside
when beyond the county line), the rest placed where their territory makes sense. Two towns
never share a spot, and a generated town's territory is at least a third of the median of its
kind (see data/README.md, "Generated positions").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.spatial import cKDTree
from shapely.errors import GEOSException
from shapely.geometry import MultiPoint, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from ..errors import Fault, InputError
from ..geo import LocalProjection
from .admin import AdminUnit, CountyAdmin

URBAN_UR_CODES = {"111", "112", "121"}  # NBS urban classes: units of a town's built-up seat
INSET_M = 150.0  # generated positions keep this far inside the county boundary
OUTSIDE_M = 50.0  # a source position farther outside the county than this is moved inside
MIN_TOWN_GAP_M = 1000.0  # a generated town centre keeps this far from others (see town_gap)
TERRITORY_SHARE = 1 / 3  # a generated town gets at least this share of its kind's median territory
PLACEMENT_CELLS = 6000  # grid cells over the county that weigh candidate town centres
URBAN_REACH_M = 5000.0  # an urban town without a position is placed this near the seat
CENTRAL_SHARE = 0.75  # candidate centres this close to the largest empty circle are central
# Placements aim this much above the territory floor (the grid's error): at a town's own
# villages, and elsewhere. The next pair is tried if the exact territories break a guarantee.
PLACEMENT_MARGINS = ((1.0, 1.15), (1.15, 1.3), (1.3, 1.6))


def _distinct(labelled: list[tuple[str, float, float]]) -> list[tuple[str, float, float]]:
    """The points with any repeated coordinate nudged by a few decimetres, so the Voronoi step
    gets one site per point (villages can share a source position, and a town centre placed
    at its only located village sits on it). The earlier point keeps the spot."""
    seen: set[tuple[float, float]] = set()
    out = []
    for town, x, y in labelled:
        k = 0
        while (x, y) in seen:  # a golden-angle spiral of 0.3 m steps: never back on a taken spot
            k += 1
            a = k * 2.399963229728653
            x, y = x + 0.3 * np.sqrt(k) * np.cos(a), y + 0.3 * np.sqrt(k) * np.sin(a)
        seen.add((x, y))
        out.append((town, float(x), float(y)))
    return out


def _territories(
    boundary: BaseGeometry, labelled: list[tuple[str, float, float]], county: str
) -> dict[str, BaseGeometry]:
    """Town territory = union of the Voronoi cells of the town's located points (its centre and
    its located villages), clipped to the county. The source has no town boundaries."""
    labelled = _distinct(labelled)
    if len(labelled) == 1:
        return {labelled[0][0]: boundary}
    pts = MultiPoint([(x, y) for _, x, y in labelled])
    try:
        cells = shapely.voronoi_polygons(
            pts, extend_to=boundary.envelope.buffer(1000), ordered=True
        )
        by_town: dict[str, list[BaseGeometry]] = {}
        for (town, _, _), cell in zip(labelled, cells.geoms, strict=True):
            by_town.setdefault(town, []).append(cell)
        return {t: shapely.union_all(cs).intersection(boundary) for t, cs in by_town.items()}
    except (GEOSException, ValueError) as exc:
        raise InputError(
            Fault(county, f"cannot divide the county into town territories ({exc})")
        ) from exc


@dataclass(frozen=True)
class TownLayout:
    """Town centres and territories of a county, in its local metric projection (metres)."""

    proj: LocalProjection
    boundary: BaseGeometry  # the county
    inner: BaseGeometry  # `INSET_M` inside it
    seat: tuple[float, float]  # the county seat (the hub)
    centres: dict[str, tuple[float, float]]  # town code -> centre
    centre_source: dict[str, str]  # town code -> source | moved | generated
    territories: dict[str, BaseGeometry]  # town code -> territory
    source_areas: dict[str, float]  # town code -> m² of its territory from source positions
    min_gap: float  # m: a generated centre keeps this far from every other town centre
    located: dict[str, list[tuple[float, float]]]  # town code -> its located villages
    moved: frozenset[str]  # codes of source positions moved inside the county
    urban: frozenset[str]  # codes of urban towns (most of their villages urban, URBAN_UR_CODES)


def town_gap(area_m2: float, towns: int) -> float:
    """The least distance between a generated town centre and any other town centre: 1 km, or
    in a county too small for that (a city district of street offices) half the side of the
    square each town would have if they shared the county equally."""
    return min(MIN_TOWN_GAP_M, 0.5 * float(np.sqrt(area_m2 / max(towns, 1))))


class _Raster:
    """The county as a grid of equal cells, each owned by the town of its nearest located
    point: a fast, exact-enough measure of the territory a candidate centre would get."""

    def __init__(self, boundary: BaseGeometry, inner: BaseGeometry, towns: list[str]):
        self.step = max(float(np.sqrt(boundary.area / PLACEMENT_CELLS)), 5.0)
        minx, miny, maxx, maxy = boundary.bounds
        gx, gy = np.meshgrid(
            np.arange(minx + self.step / 2, maxx, self.step),
            np.arange(miny + self.step / 2, maxy, self.step),
        )
        grid = np.column_stack([gx.ravel(), gy.ravel()])
        self.cells = grid[shapely.contains_xy(boundary, grid[:, 0], grid[:, 1])]
        if not len(self.cells):  # a county smaller than a cell
            p = boundary.representative_point()
            self.cells = np.array([[p.x, p.y]])
        cand = self.cells[shapely.contains_xy(inner, self.cells[:, 0], self.cells[:, 1])]
        if not len(cand):
            p = inner.representative_point()
            cand = np.array([[p.x, p.y]])
        self.candidates = cand
        edge = shapely.get_coordinates(shapely.segmentize(boundary.boundary, self.step / 2))
        self.edge_dist = cKDTree(edge).query(cand)[0]  # candidate -> county line
        self.index = {t: k for k, t in enumerate(towns)}
        self.sites: list[tuple[int, float, float]] = []
        self.dist = np.full(len(self.cells), np.inf)  # cell -> its nearest located point
        self.owner = np.full(len(self.cells), -1)  # cell -> town index of that point

    def add(self, town: str, x: float, y: float) -> None:
        k = self.index[town]
        self.sites.append((k, x, y))
        d = np.hypot(self.cells[:, 0] - x, self.cells[:, 1] - y)
        closer = d < self.dist
        self.dist[closer] = d[closer]
        self.owner[closer] = k

    def remove(self, town: str, x: float, y: float) -> None:
        self.sites.remove((self.index[town], x, y))
        self.dist[:] = np.inf
        self.owner[:] = -1
        if self.sites:
            xy = np.array([(sx, sy) for _, sx, sy in self.sites])
            self.dist, near = cKDTree(xy).query(self.cells)
            self.owner = np.array([k for k, _, _ in self.sites])[near]

    def counts(self) -> np.ndarray:
        """Cells per town."""
        return np.bincount(self.owner[self.owner >= 0], minlength=len(self.index))

    def gains(self, town: str, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each candidate centre of `town`: the town's cells with it, and every town's cells
        with it (candidates x towns)."""
        k = self.index[town]
        base = self.counts()
        n = len(self.index)
        onehot = np.zeros((len(self.cells), n + 1))
        onehot[np.arange(len(self.cells)), np.where(self.owner >= 0, self.owner, n)] = 1
        after = np.empty((len(points), n), dtype=np.int64)
        for lo in range(0, len(points), 256):
            p = points[lo : lo + 256]
            d = np.hypot(
                self.cells[None, :, 0] - p[:, None, 0], self.cells[None, :, 1] - p[:, None, 1]
            )
            taken = (d < self.dist[None, :]).astype(np.float64)
            lost = (taken @ onehot).astype(np.int64)  # cells each town loses: exact sums of 0, 1
            chunk = base[None, :] - lost[:, :n]
            chunk[:, k] += taken.sum(axis=1).astype(np.int64)
            after[lo : lo + len(p)] = chunk
        return after[:, k], after


def _floors(counts: np.ndarray, urban: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Each town's floor: `TERRITORY_SHARE` of the median territory of the `present` towns of
    its kind (urban or rural); 0 where none of its kind is present."""
    out = np.zeros(len(counts))
    for kind in (True, False):
        among = (urban == kind) & present
        if among.any():
            out[urban == kind] = TERRITORY_SHARE * float(np.median(counts[among]))
    return out


def _place_town(
    town: str,
    raster: _Raster,
    centres: dict[str, tuple[float, float]],
    located: list[tuple[float, float]],
    inner: BaseGeometry,
    gap: float,
    floors: np.ndarray,
    margin: tuple[float, float],
    allowed: np.ndarray | None,
) -> tuple[tuple[float, float], bool] | None:
    """A centre for `town` and whether it fits (see data/README.md, "Generated positions").

    A spot fits if it keeps `gap` from every other town centre, gives the town at least its
    floor (times `margin`, for the grid's error) and takes no other town below its floor. The
    centre is the centroid of the town's located villages if that fits; else, among the
    `allowed` candidates that fit, the one with the largest territory of those nearly as far
    from every located point and from the county line as the farthest (the centre of the
    largest empty circle); else the candidate that gives the town most cells, not fitting.
    None if no allowed candidate keeps `gap`."""
    others = np.array([c for t, c in centres.items() if t != town]).reshape(-1, 2)

    def clear(p: np.ndarray) -> np.ndarray:  # keeps the gap from every other town centre
        if not len(others):
            return np.ones(len(p), dtype=bool)
        return cKDTree(others).query(p)[0] >= gap

    before = raster.counts()
    k = raster.index[town]
    # Another town keeps what it has if it is near its floor, and else at least the floor, with
    # a margin either way for the grid's error.
    keep = np.where(before >= floors * 1.1, floors * 1.1, before)
    keep[k] = 0
    keep[before < floors * 0.9] = 0

    def fits(mine: np.ndarray, after: np.ndarray, m: float = margin[1]) -> np.ndarray:
        return (mine >= floors[k] * m) & (after >= keep[None, :]).all(axis=1)

    if located:
        c = Point(np.mean(located, axis=0))
        if not inner.contains(c):
            c = nearest_points(inner, c)[0]
        p = np.array([[c.x, c.y]])
        if clear(p)[0] and fits(*raster.gains(town, p), margin[0])[0]:
            return (c.x, c.y), True

    cand = raster.candidates
    ok = clear(cand) if allowed is None else allowed & clear(cand)
    if raster.sites:
        site_xy = np.array([(x, y) for _, x, y in raster.sites])
        near = cKDTree(site_xy).query(cand)[0]
        ok &= near > 1.0  # never on a located point
    else:
        near = np.full(len(cand), np.inf)
    if not ok.any():
        return None
    idx = np.flatnonzero(ok)
    clearance = np.minimum(near[idx], raster.edge_dist[idx])
    order = np.argsort(-clearance, kind="stable")
    idx, clearance = idx[order], clearance[order]
    central = int(np.count_nonzero(clearance >= CENTRAL_SHARE * clearance[0]))
    best, best_cells = -1, -1
    # The central candidates in one batch: the fit with the largest territory wins. Then the
    # others by clearance, in growing batches: the first fit wins.
    lo, size = 0, central
    while lo < len(idx):
        chunk = idx[lo : lo + size]
        mine, after = raster.gains(town, cand[chunk])
        good = fits(mine, after)
        if good.any():
            j = int(np.argmax(np.where(good, mine, -1))) if lo == 0 else int(np.argmax(good))
            x, y = cand[chunk[j]]
            return (float(x), float(y)), True
        j = int(np.argmax(mine))
        if mine[j] > best_cells:
            best, best_cells = int(chunk[j]), int(mine[j])
        lo, size = lo + size, min(max(size, 16) * 4, 1024)
    x, y = cand[best]
    return (float(x), float(y)), False


def _generate_centres(
    missing: list[str],
    towns: list[str],
    urban: frozenset[str],
    centres: dict[str, tuple[float, float]],
    located: dict[str, list[tuple[float, float]]],
    seat: tuple[float, float] | None,
    boundary: BaseGeometry,
    inner: BaseGeometry,
    gap: float,
    county: str,
    margin: tuple[float, float],
) -> dict[str, tuple[float, float]]:
    """Centres for the towns the source gives none, one at a time: towns with located villages
    first, then the rest, each in NBS code order. Then up to three more passes place again
    any generated town whose territory came out below its floor (all of them, if a
    source-located town fell below its floor). In a county where most towns are rural, an
    urban town is placed within `URBAN_REACH_M` of the seat if it fits there, else within
    twice that, else anywhere."""
    raster = _Raster(boundary, inner, towns)
    for t in towns:
        if t in centres:
            raster.add(t, *centres[t])
        for x, y in located[t]:
            raster.add(t, x, y)
    centres = dict(centres)
    is_urban = np.array([t in urban for t in towns])
    source_counts = raster.counts()
    fair = len(raster.cells) / len(towns) * TERRITORY_SHARE  # a third of the mean territory
    order = sorted(missing, key=lambda t: (not located[t], t))
    reaches: list[np.ndarray | None] = [None]
    if seat is not None and 2 * len(urban) < len(towns):
        to_seat = np.hypot(raster.candidates[:, 0] - seat[0], raster.candidates[:, 1] - seat[1])
        reaches = [to_seat <= URBAN_REACH_M, to_seat <= 2 * URBAN_REACH_M, None]

    def place(t: str, floors: np.ndarray) -> None:
        found = None
        for allowed in reaches if t in urban else [None]:
            at = _place_town(t, raster, centres, located[t], inner, gap, floors, margin, allowed)
            if at is not None and (at[1] or allowed is None):
                found = at[0]
                break
        if found is None:
            raise InputError(
                Fault(county, f"no spot for town {t} at least {gap:.0f} m from every other")
            )
        centres[t] = found
        raster.add(t, *found)

    for t in order:
        counts = raster.counts()
        place(t, np.minimum(_floors(counts, is_urban, counts > 0), fair))
    for _ in range(3):
        counts = raster.counts()
        floors = _floors(counts, is_urban, np.ones(len(towns), dtype=bool))
        small = [t for t in order if counts[raster.index[t]] < floors[raster.index[t]] * margin[0]]
        hurt = (source_counts >= floors * 0.9) & (counts < floors)
        hurt[[raster.index[t] for t in missing]] = False
        redo = order if hurt.any() else small
        if not redo:
            break
        for t in redo:
            raster.remove(t, *centres.pop(t))
            place(t, floors)
    return centres


def layout_faults(layout: TownLayout) -> list[str]:
    """What breaks the town placement's guarantees (data/README.md, "Generated positions"):
    two town centres on one spot; a generated centre outside the county or nearer another
    than the gap; a generated town's territory below a third of the median territory of its
    kind (urban or rural) in the county, or a source-located town's taken below that by the
    generated ones."""
    faults = []
    codes = list(layout.centres)
    xy = np.array([layout.centres[t] for t in codes])
    for i, t in enumerate(codes):
        d = np.hypot(xy[:, 0] - xy[i, 0], xy[:, 1] - xy[i, 1])
        d[i] = np.inf
        j = int(np.argmin(d))
        if d[j] == 0 and i < j:
            faults.append(f"towns {t} and {codes[j]} share a centre")
        if layout.centre_source[t] == "generated":
            if d[j] < layout.min_gap - 1e-6:
                faults.append(
                    f"town {t} is {d[j]:.0f} m from town {codes[j]} "
                    f"(at least {layout.min_gap:.0f} m)"
                )
            if not layout.boundary.contains(Point(layout.centres[t])):
                faults.append(f"town {t} is placed outside the county")
    areas = np.array([layout.territories[t].area for t in codes])
    urban = np.array([t in layout.urban for t in codes])
    floors = _floors(areas, urban, np.ones(len(codes), dtype=bool))
    for t, area, floor, kind in zip(codes, areas, floors, urban, strict=True):
        if area >= floor:
            continue
        what = f"{area / 1e6:.2f} km² of territory, below a third of the median of its kind "
        what += f"({'urban' if kind else 'rural'}: {3 * floor / 1e6:.2f} km²)"
        if layout.centre_source[t] == "generated":
            faults.append(f"generated town {t} has {what}")
        elif layout.source_areas[t] >= floor:
            faults.append(f"town {t} has {what} after the generated towns were placed")
    return faults


def place_towns(admin: CountyAdmin) -> TownLayout:
    """Town centres (source where known, generated otherwise), the county seat and the towns'
    territories, in the county's local metric projection."""
    c = admin.boundary.centroid
    proj = LocalProjection(c.x, c.y)
    boundary = shapely.transform(
        admin.boundary, lambda a: np.column_stack(proj.to_xy(a[:, 0], a[:, 1]))
    )
    inner = boundary.buffer(-INSET_M)
    if inner.is_empty:
        inner = boundary
    moved: set[str] = set()

    def xy(u: AdminUnit) -> tuple[float, float]:
        """A source position; one beyond the county line (the source's points and boundary
        were digitised apart) moves to the nearest point `INSET_M` inside it."""
        x, y = proj.to_xy(u.lon, u.lat)
        p = Point(float(x), float(y))
        if boundary.distance(p) > OUTSIDE_M:
            moved.add(u.code)
            p = nearest_points(inner, p)[0]
        return p.x, p.y

    county = f"{admin.name} ({admin.adcode}), {admin.source}"
    towns = [t.code for t in admin.towns]
    if not towns:
        raise InputError(Fault(county, "the county has no towns"))
    centres: dict[str, tuple[float, float]] = {}
    for t in admin.towns:  # a centre repeating an earlier town's is no position: generated
        if t.lon is not None and (at := xy(t)) not in centres.values():
            centres[t.code] = at
    centre_source = {t: "moved" if t in moved else "source" for t in centres}
    located: dict[str, list[tuple[float, float]]] = {t: [] for t in towns}
    for v in admin.villages:
        if v.lon is not None:
            located[v.parent].append(xy(v))

    def labelled(at: dict[str, tuple[float, float]]) -> list[tuple[str, float, float]]:
        out = [(t, *at[t]) for t in towns if t in at]
        return out + [(t, x, y) for t in towns for x, y in located[t]]

    kinds: dict[str, list[bool]] = {t: [] for t in towns}
    for v in admin.villages:
        kinds[v.parent].append(v.ur_code in URBAN_UR_CODES)
    urban = frozenset(t for t in towns if kinds[t] and 2 * sum(kinds[t]) >= len(kinds[t]))
    gap = town_gap(boundary.area, len(towns))
    missing = [t for t in towns if t not in centres]
    source_only = labelled(centres)
    source_areas = {t: 0.0 for t in towns}
    if len(source_only) == 1:
        source_areas[source_only[0][0]] = boundary.area
    elif source_only:
        for code, poly in _territories(boundary, source_only, county).items():
            source_areas[code] = poly.area
    centre_source.update({t: "generated" for t in missing})
    # no county position: the first town (the seat's street office) is the seat
    seat = xy(admin.county) if admin.county.lon is not None else None
    layout = None
    for margin in PLACEMENT_MARGINS if missing else PLACEMENT_MARGINS[:1]:
        placed = centres
        if missing:
            placed = _generate_centres(
                missing, towns, urban, centres, located, seat, boundary, inner, gap, county, margin
            )
        layout = TownLayout(
            proj=proj,
            boundary=boundary,
            inner=inner,
            seat=seat or placed[towns[0]],
            centres={t: placed[t] for t in towns},
            centre_source=centre_source,
            territories=_territories(boundary, labelled(placed), county),
            source_areas=source_areas,
            min_gap=gap,
            located=located,
            moved=frozenset(moved),
            urban=urban,
        )
        if not layout_faults(layout):
            break
    assert layout is not None
    return layout
