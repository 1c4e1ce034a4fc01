"""Read one county of the NBS division list in the Vonng/adcode layout.

Files: `adcode/<adcode>.csv` (no header; county, town and village rows, GCJ-02 centres where
known) and `fences/<adcode>.json` (county boundary, GeoJSON geometry, GCJ-02). Everything
leaves this module in WGS-84.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from shapely.errors import GEOSException
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import transform

from ..errors import Fault, Faults, InputError
from ..geo import gcj02_to_wgs84
from ..inputs.county import read_json
from .names import county_slug
from .region_index import county_folder

# Column positions in adcode/<code>.csv (from the source's sql/adcode.ddl).
_CODE, _PARENT, _NAME, _LEVEL, _URCODE, _LON, _LAT = 0, 1, 2, 3, 8, 12, 13


@dataclass(frozen=True)
class AdminUnit:
    code: str  # 12-digit NBS code
    parent: str
    name: str  # official NBS name
    level: str  # county | town | village
    ur_code: str  # NBS urban-rural class; 111/112/121 are urban
    lon: float | None  # WGS-84, None where the source has no position
    lat: float | None


@dataclass(frozen=True)
class CountyAdmin:
    adcode: str
    name: str
    county: AdminUnit
    towns: tuple[AdminUnit, ...]
    villages: tuple[AdminUnit, ...]
    boundary: BaseGeometry  # WGS-84
    source: str  # path of the division list read

    @property
    def slug(self) -> str:
        """The folder it is built in (`county_folder`)."""
        return county_folder(self.adcode, self.name)


def _rows(path: Path) -> tuple[list[list[str]], str | None]:
    """The rows of a division list, or why the file cannot be read as one."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return [], f"not UTF-8 text (byte {exc.start})"
    except OSError as exc:
        return [], f"cannot read the file ({exc.strerror})"
    if "\x00" in text:
        return [], "not a text file (it holds NUL bytes)"
    try:
        return [r for r in csv.reader(io.StringIO(text)) if r], None
    except csv.Error as exc:
        return [], f"not a readable CSV file ({exc})"


def _unit(row: list[str], path: Path, k: int, faults: Faults) -> AdminUnit | None:
    """One row of a division list; a short row or a position that is not a number is a
    fault naming the row."""
    if len(row) <= _LAT:
        faults.add(str(path), f"has {len(row)} cells, a division row has {_LAT + 1}", row=k)
        return None
    lon = lat = None
    if row[_LON].strip() and row[_LAT].strip():
        try:
            glon, glat = float(row[_LON]), float(row[_LAT])
        except ValueError:
            faults.add(
                str(path),
                f"position '{row[_LON][:20]}', '{row[_LAT][:20]}' is not a pair of numbers",
                row=k,
                field="lon",
            )
            return None
        if not (-180 <= glon <= 180 and -90 <= glat <= 90):
            faults.add(str(path), f"position {glon}, {glat} is not in degrees", row=k, field="lon")
            return None
        wlon, wlat = gcj02_to_wgs84(glon, glat)
        lon, lat = float(wlon), float(wlat)
    return AdminUnit(
        code=row[_CODE],
        parent=row[_PARENT],
        name=row[_NAME],
        level=row[_LEVEL],
        ur_code=row[_URCODE],
        lon=lon,
        lat=lat,
    )


def list_counties(raw_dir: Path) -> tuple[list[tuple[str, str]], list[Fault]]:
    """(adcode, name) of every county-level unit with towns in `raw_dir`, and the files that
    could not be read."""
    out, unreadable = [], []
    for path in sorted((raw_dir / "adcode").glob("*.csv")):
        rows, why = _rows(path)
        if why:
            unreadable.append(Fault(str(path), why))
            continue
        rows = [r for r in rows if len(r) > _LEVEL]
        if rows and rows[0][_LEVEL] == "county" and any(r[_LEVEL] == "town" for r in rows):
            out.append((path.stem, rows[0][_NAME]))
    return out, unreadable


def resolve_county(query: str, raw_dir: Path) -> str:
    """Adcode for '610431', '武功县', '武功' or 'wugong'; an error lists the near misses."""
    q = query.strip().lower()
    counties, unreadable = list_counties(raw_dir)
    if not counties:
        raise InputError(
            [Fault(str(raw_dir), "no county division files (adcode/*.csv) found"), *unreadable]
        )
    hits = [
        code
        for code, name in counties
        if q in (code, name.lower(), name[:-1].lower(), county_slug(name))
    ]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        names = ", ".join(f"{c} {n}" for c, n in counties if c in hits)
        raise InputError(Fault(str(raw_dir), f"county '{query}' is ambiguous: {names}"))
    known = ", ".join(f"{county_slug(n)} ({c})" for c, n in counties[:12])
    raise InputError(
        [
            Fault(str(raw_dir), f"no county '{query}' in the division data; known: {known}, ..."),
            *unreadable,
        ]
    )


def read_county(adcode: str, raw_dir: Path) -> CountyAdmin:
    csv_path = raw_dir / "adcode" / f"{adcode}.csv"
    fence_path = raw_dir / "fences" / f"{adcode}.json"
    for p in (csv_path, fence_path):
        if not p.exists():
            raise InputError(Fault(str(p), "file not found"))
    faults = Faults()
    rows, why = _rows(csv_path)
    if why:
        faults.add(str(csv_path), why)
    units = [u for k, r in enumerate(rows, start=1) if (u := _unit(r, csv_path, k, faults))]
    county = next((u for u in units if u.level == "county"), None)
    if county is None and not faults:
        faults.add(str(csv_path), "no county row")
    gcj = _fence(fence_path, faults)
    faults.raise_if_any()
    assert county is not None and gcj is not None  # both checked just above
    towns = tuple(u for u in units if u.level == "town")
    town_codes = {t.code for t in towns}
    villages = tuple(u for u in units if u.level == "village" and u.parent in town_codes)

    def to_wgs(x, y, z=None):
        return gcj02_to_wgs84(x, y)

    boundary = transform(to_wgs, gcj).buffer(0)
    return CountyAdmin(
        adcode=adcode,
        name=county.name,
        county=county,
        towns=towns,
        villages=villages,
        boundary=boundary,
        source=str(csv_path),
    )


def _fence(path: Path, faults: Faults) -> BaseGeometry | None:
    """The county polygon of a fence file (GeoJSON geometry, GCJ-02 degrees)."""
    doc = read_json(path, faults, "the county fence")
    if doc is None:
        return None
    try:
        geom = shape(doc)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError, GEOSException) as exc:
        faults.add(str(path), f"not a GeoJSON polygon geometry ({type(exc).__name__})")
        return None
    if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
        faults.add(str(path), f"the county fence is a {geom.geom_type}, not a polygon")
        return None
    x0, y0, x1, y1 = geom.bounds
    if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        faults.add(str(path), "the county fence's coordinates are not degrees")
        return None
    return geom
