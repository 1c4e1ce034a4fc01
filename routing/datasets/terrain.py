"""The lie of the land under a generated road network: each county's terrain class (the
bundled table `terrain.csv`, by division code) and a height field over the county, made up
from the seed or read from a DEM the user supplies.

Plains get the field grid of `roadgen`; hills and mountains get roads that follow the valleys
(`valley_roads`), and their generated villages sit on valley floors. The class parameters and
their sources are in data/README.md ("Terrain").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from scipy import ndimage
from shapely.geometry.base import BaseGeometry

from ..errors import Fault, Faults, InputError
from ..geo import LocalProjection
from ..inputs.tables import (
    TERRAIN_COLUMNS,
    check_known,
    check_unique,
    longest_prefix,
    read_table,
)


@dataclass(frozen=True)
class TerrainClass:
    """How a kind of country shapes its roads. Ranges are the targets a built network is
    checked against (tests/test_terrain.py)."""

    name: str
    label: str
    roads: str  # "grid" (plains: `roadgen`) or "valleys" (`valley_roads`)
    relief_m: float  # procedural terrain: highest minus lowest point of the county
    grade: float  # a road's comfortable grade; steeper sections cost more to build
    max_grade: float  # steeper than this, a road climbs in switchbacks
    speed_factor: float  # free-flow speed against the class speed on the plain
    circuity: tuple[float, float]  # network over straight-line distance (ratio of sums)
    dead_ends: tuple[float, float]  # share of junctions that are dead ends
    four_way: tuple[float, float]  # share of junctions where four roads or more meet


_GRID_JUNCTIONS = (0.15, 0.45)  # a field grid crosses itself: many four-way junctions
_VALLEY_JUNCTIONS = (0.0, 0.10)  # valley roads fork: nearly every junction is three-way
CLASSES = {
    c.name: c
    for c in (
        TerrainClass(
            "plain",
            "plain",
            "grid",
            60.0,
            0.04,
            0.08,
            1.0,
            (1.2, 1.35),
            (0.15, 0.35),
            _GRID_JUNCTIONS,
        ),
        TerrainClass(
            "loess",
            "loess hills",
            "valleys",
            500.0,
            0.03,
            0.08,
            0.85,
            (1.15, 1.6),
            (0.15, 0.35),
            _VALLEY_JUNCTIONS,
        ),
        TerrainClass(
            "mountain",
            "mountains",
            "valleys",
            1500.0,
            0.03,
            0.08,
            0.75,
            (1.45, 2.1),
            (0.15, 0.35),
            _VALLEY_JUNCTIONS,
        ),
        TerrainClass(
            "plateau",
            "high plateau",
            "valleys",
            900.0,
            0.04,
            0.08,
            0.8,
            (1.4, 2.0),
            (0.15, 0.4),
            _VALLEY_JUNCTIONS,
        ),
    )
}
TABLE = "terrain.csv"  # in the bundled data: adcode prefix -> class, with the source
CELL_M = 200.0  # the height field's grid
MAX_CELLS = 160_000  # larger counties get coarser cells
SWITCHBACK_KPH = 20.0  # JTG B01-2014: design speed of class IV mountain roads


def table_path() -> Path:
    from ..inputs.locations import bundled_dir

    return bundled_dir() / TABLE


def terrain_class(adcode: str, path: Path | None = None) -> TerrainClass:
    """The county's class: the row of the table with the longest prefix of its code."""
    path = path or table_path()
    faults = Faults()
    rows = read_table(path, TERRAIN_COLUMNS, faults)
    check_unique(rows, "adcode_prefix", str(path), faults)
    check_known(rows, "class", CLASSES, str(path), faults, "the terrain classes are")
    faults.raise_if_any()
    hits = longest_prefix(rows, adcode)
    if not hits:
        raise InputError(Fault(str(path), f"no terrain class for county {adcode}"))
    return CLASSES[hits[0]["class"]]


@dataclass(frozen=True)
class Terrain:
    """Heights on a grid over the county, in its local metric projection."""

    cls: TerrainClass
    x0: float  # centre of cell (0, 0)
    y0: float
    cell: float
    height: np.ndarray  # (rows, cols), metres; rows go north
    inside: np.ndarray  # (rows, cols) bool: the cell's centre is in the county
    source: str  # "procedural" or the DEM file's name

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        rows, cols = self.height.shape
        return self.x0 + np.arange(cols) * self.cell, self.y0 + np.arange(rows) * self.cell

    def cell_of(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """(row, col) of the cells holding points x, y (clipped to the grid)."""
        rows, cols = self.height.shape
        c = np.clip(np.rint((np.asarray(x) - self.x0) / self.cell).astype(int), 0, cols - 1)
        r = np.clip(np.rint((np.asarray(y) - self.y0) / self.cell).astype(int), 0, rows - 1)
        return r, c

    def height_at(self, x, y) -> np.ndarray:
        """Bilinear height at points (metres)."""
        fx = (np.asarray(x, dtype=float) - self.x0) / self.cell
        fy = (np.asarray(y, dtype=float) - self.y0) / self.cell
        return ndimage.map_coordinates(self.height, [fy, fx], order=1, mode="nearest")

    def valley_floor(self) -> np.ndarray:
        """Cells below their surroundings (topographic position under its 40th percentile in
        the county): where villages sit in hill and mountain country."""
        sigma = max(1.0, 1500.0 / self.cell)
        tpi = self.height - ndimage.gaussian_filter(self.height, sigma)
        cut = np.percentile(tpi[self.inside], 40) if self.inside.any() else 0.0
        return self.inside & (tpi <= cut)


def _grid(boundary: BaseGeometry) -> tuple[float, float, float, int, int, np.ndarray]:
    minx, miny, maxx, maxy = boundary.bounds
    cell = max(CELL_M, float(np.sqrt((maxx - minx) * (maxy - miny) / MAX_CELLS)))
    cols = int(np.ceil((maxx - minx) / cell)) + 1
    rows = int(np.ceil((maxy - miny) / cell)) + 1
    gx, gy = np.meshgrid(minx + np.arange(cols) * cell, miny + np.arange(rows) * cell)
    inside = shapely.contains_xy(boundary.buffer(cell), gx, gy)
    return minx, miny, cell, rows, cols, inside


def procedural_heights(
    shape: tuple[int, int], cell: float, relief_m: float, rng: np.random.Generator
) -> np.ndarray:
    """Fractal relief: smoothed noise at wavelengths of 24 km down to 1.5 km, each octave
    half the amplitude of the one above (a Hurst exponent of 1), scaled to `relief_m`."""
    total = np.zeros(shape)
    wavelength, amplitude = 24_000.0, 1.0
    while wavelength >= 1_500.0:
        sigma = wavelength / cell / 4.0
        noise = ndimage.gaussian_filter(rng.normal(size=shape), sigma, mode="reflect")
        total += amplitude * noise / max(float(noise.std()), 1e-12)
        wavelength, amplitude = wavelength / 2.0, amplitude / 2.0
    span = float(total.max() - total.min()) or 1.0
    return (total - total.min()) / span * relief_m


def _dem_heights(dem: Path, gx: np.ndarray, gy: np.ndarray, proj: LocalProjection) -> np.ndarray:
    """Heights of a DEM GeoTIFF at the grid's cell centres (nearest cell of the DEM). Gaps
    (no-data, or cells off the DEM) take the nearest height that is there."""
    import rasterio
    from pyproj import Transformer

    name = str(dem)
    try:
        src = rasterio.open(dem)
    except (rasterio.errors.RasterioIOError, OSError) as exc:
        raise InputError(Fault(name, f"not a readable GeoTIFF ({exc})")) from None
    with src:
        if src.crs is None:
            raise InputError(Fault(name, "the DEM has no coordinate system"))
        band = src.read(1, masked=True).astype(float)
        lon, lat = proj.to_lonlat(gx.ravel(), gy.ravel())
        to_dem = Transformer.from_crs(4326, src.crs, always_xy=True)
        dx, dy = to_dem.transform(lon, lat)
        fc, fr = ~src.transform * (np.asarray(dx), np.asarray(dy))
    r, c = np.floor(fr).astype(int), np.floor(fc).astype(int)
    ok = (r >= 0) & (r < band.shape[0]) & (c >= 0) & (c < band.shape[1])
    values = np.full(r.shape, np.nan)
    picked = band[np.clip(r, 0, band.shape[0] - 1), np.clip(c, 0, band.shape[1] - 1)]
    have = ok & ~np.ma.getmaskarray(picked)
    values[have] = np.asarray(picked)[have]
    if not have.any():
        raise InputError(Fault(name, "the DEM does not cover the county"))
    heights = values.reshape(gx.shape)
    gap = np.isnan(heights)
    if gap.any():
        _, (ir, ic) = ndimage.distance_transform_edt(gap, return_indices=True)
        heights = heights[ir, ic]
    return heights


def build_terrain(
    cls: TerrainClass,
    boundary: BaseGeometry,
    proj: LocalProjection,
    seed: int,
    adcode: str,
    dem: Path | None = None,
) -> Terrain:
    """The county's height field (`boundary` in the local projection of `proj`)."""
    x0, y0, cell, rows, cols, inside = _grid(boundary)
    if dem is not None:
        gx, gy = np.meshgrid(x0 + np.arange(cols) * cell, y0 + np.arange(rows) * cell)
        heights = _dem_heights(dem, gx, gy, proj)
        source = Path(dem).name
    else:
        rng = np.random.default_rng([seed, int(adcode), 23])
        heights = procedural_heights((rows, cols), cell, cls.relief_m, rng)
        source = "procedural"
    return Terrain(cls, x0, y0, cell, heights, inside, source)
