"""Read one county of the NBS division list in the Vonng/adcode layout.

Files: `adcode/<adcode>.csv` (no header; county, town and village rows, GCJ-02 centres where
known) and `fences/<adcode>.json` (county boundary, GeoJSON geometry, GCJ-02). Everything
leaves this module in WGS-84.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import transform

from ..errors import Fault, InputError
from ..geo import gcj02_to_wgs84
from .names import county_slug

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
        return county_slug(self.name)


def _unit(row: list[str]) -> AdminUnit:
    lon = lat = None
    if row[_LON].strip() and row[_LAT].strip():
        wlon, wlat = gcj02_to_wgs84(float(row[_LON]), float(row[_LAT]))
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


def list_counties(raw_dir: Path) -> list[tuple[str, str]]:
    """(adcode, name) of every county-level unit with towns in `raw_dir`."""
    out = []
    for path in sorted((raw_dir / "adcode").glob("*.csv")):
        with path.open(encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        if rows and rows[0][_LEVEL] == "county" and any(r[_LEVEL] == "town" for r in rows):
            out.append((path.stem, rows[0][_NAME]))
    return out


def resolve_county(query: str, raw_dir: Path) -> str:
    """Adcode for '610431', '武功县', '武功' or 'wugong'; an error lists the near misses."""
    q = query.strip().lower()
    counties = list_counties(raw_dir)
    if not counties:
        raise InputError(Fault(str(raw_dir), "no county division files (adcode/*.csv) found"))
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
        Fault(str(raw_dir), f"no county '{query}' in the division data; known: {known}, ...")
    )


def read_county(adcode: str, raw_dir: Path) -> CountyAdmin:
    csv_path = raw_dir / "adcode" / f"{adcode}.csv"
    fence_path = raw_dir / "fences" / f"{adcode}.json"
    for p in (csv_path, fence_path):
        if not p.exists():
            raise InputError(Fault(str(p), "file not found"))
    with csv_path.open(encoding="utf-8") as fh:
        units = [_unit(r) for r in csv.reader(fh) if r]
    county = next((u for u in units if u.level == "county"), None)
    if county is None:
        raise InputError(Fault(str(csv_path), "no county row"))
    towns = tuple(u for u in units if u.level == "town")
    town_codes = {t.code for t in towns}
    villages = tuple(u for u in units if u.level == "village" and u.parent in town_codes)
    with fence_path.open(encoding="utf-8") as fh:
        gcj = shape(json.load(fh))

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
