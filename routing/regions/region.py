"""A region: a province or prefecture, and the counties a region run plans."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..datasets.names import county_slug
from ..datasets.region_index import Division, county_folder, divisions
from ..errors import Fault, InputError


@dataclass(frozen=True)
class CountyRef:
    adcode: str
    name: str  # official name
    folder: str  # the county's folder in the data home, and in the region's output


@dataclass(frozen=True)
class Region:
    adcode: str
    name: str
    slug: str  # the region's output folder: 'longnan', 'shaanxi'
    counties: tuple[CountyRef, ...]


def _names(d: Division) -> set[str]:
    """What a user may call a division: 621200, 陇南市, 陇南, longnan."""
    short = d.name
    for generic in ("回族自治州", "藏族自治州", "省", "市"):
        if short.endswith(generic) and len(short) > len(generic):
            short = short[: -len(generic)]
            break
    return {d.adcode, d.name, short, county_slug(short).lower()}


def region_slug(d: Division) -> str:
    """'longnan' for 陇南市, 'shaanxi' for 陕西省 (the conventional spelling, not 'shanxi',
    which is 山西), 'gannan' for 甘南藏族自治州."""
    if d.adcode == "610000":
        return "shaanxi"
    return min((n for n in _names(d) if n.isascii() and not n.isdigit()), key=len)


def resolve_region(query: str, data_dir: Path | None = None) -> Region:
    """The province or prefecture called `query` (adcode, Chinese name or pinyin), with every
    county-level unit of the index (`region_index.divisions`) under it."""
    q = query.strip().lower()
    index = divisions(data_dir)
    regions = [d for d in index if d.level in ("province", "prefecture")]
    hits = [d for d in regions if q in {n.lower() for n in _names(d)} or q == region_slug(d)]
    if not hits:
        known = ", ".join(f"{region_slug(d)} ({d.adcode})" for d in regions)
        raise InputError(
            Fault("--region", f"no province or prefecture '{query}' in the index; known: {known}")
        )
    d = hits[0]
    prefix = d.adcode[:2] if d.level == "province" else d.adcode[:4]
    counties = tuple(
        CountyRef(c.adcode, c.name, county_folder(c.adcode, c.name))
        for c in index
        if c.level == "county" and c.adcode.startswith(prefix)
    )
    return Region(d.adcode, d.name, region_slug(d), counties)
