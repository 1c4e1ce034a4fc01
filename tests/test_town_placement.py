"""Town placement (data/README.md, "Generated positions"): a town without a source position gets
a centre of its own, inside the county, with a territory that is not a sliver; no two towns on
one spot; duplicate source positions never reach the Voronoi step."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import Point, box

from routing.datasets.admin import AdminUnit, CountyAdmin, list_counties, read_county
from routing.datasets.sites import build_sites
from routing.datasets.towns import (
    OUTSIDE_M,
    TERRITORY_SHARE,
    URBAN_REACH_M,
    layout_faults,
    place_towns,
)
from routing.inputs.locations import raw_division_dir

# The full Shaanxi and Gansu division data, where the project's shared material is checked out.
SHARED_RAW = Path(
    os.environ.get(
        "ROUTE_SHARED_RAW",
        Path(__file__).resolve().parents[2] / "shared" / "data" / "raw" / "vonng_adcode",
    )
)


def assert_guarantees(layout) -> None:
    """The placement's guarantees, checked here from scratch as well as by layout_faults."""
    assert layout_faults(layout) == []
    codes = list(layout.centres)
    xy = np.array([layout.centres[t] for t in codes])
    d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    np.fill_diagonal(d, np.inf)
    assert d.min() > 0, "two towns share a spot"
    areas = {t: layout.territories[t].area for t in codes}
    median = {
        kind: float(np.median([a for t, a in areas.items() if (t in layout.urban) == kind]))
        for kind in {t in layout.urban for t in codes}
    }
    for i, t in enumerate(codes):
        centre = Point(layout.centres[t])
        assert layout.boundary.distance(centre) <= OUTSIDE_M, t
        if layout.centre_source[t] == "generated":
            assert layout.boundary.contains(centre), t
            assert d[i].min() >= layout.min_gap - 1e-6, t
            assert areas[t] >= TERRITORY_SHARE * median[t in layout.urban], t
    # The territories tile the county.
    union = shapely.union_all(list(layout.territories.values()))
    assert union.symmetric_difference(layout.boundary).area < 1e-6 * layout.boundary.area


def unit(code: str, parent: str, level: str, lon=None, lat=None, ur: str = "220") -> AdminUnit:
    return AdminUnit(
        code=code, parent=parent, name=f"{level}{code[-6:]}", level=level, ur_code=ur, lon=lon,
        lat=lat,
    )  # fmt: skip


def synthetic(towns: list[tuple[float | None, float | None, str]], located=()) -> CountyAdmin:
    """A 28 km x 22 km county at 108.0-108.3 E, 34.0-34.2 N; `towns` as (lon, lat, ur_code of
    their villages), six villages each; `located` as (town index, village index, lon, lat)."""
    county = unit("990101000000", "990100000000", "county", 108.15, 34.1)
    tl, vl = [], []
    where = {(t, v): (lon, lat) for t, v, lon, lat in located}
    for i, (lon, lat, ur) in enumerate(towns):
        code = f"990101{100 + i:03d}000"
        tl.append(unit(code, county.code, "town", lon, lat))
        for j in range(6):
            vlon, vlat = where.get((i, j), (None, None))
            vl.append(unit(f"{code[:9]}{200 + j:03d}", code, "village", vlon, vlat, ur))
    return CountyAdmin(
        adcode="990101",
        name="测试县",
        county=county,
        towns=tuple(tl),
        villages=tuple(vl),
        boundary=box(108.0, 34.0, 108.3, 34.2),
        source="synthetic",
    )


FOUR_MISSING = [
    (108.05, 34.05, "220"),
    (108.25, 34.05, "220"),
    (None, None, "220"),  # one located village: its centroid is that village
    (108.15, 34.15, "220"),
    (None, None, "220"),
    (None, None, "220"),
    (108.10, 34.12, "220"),
    (None, None, "220"),
]


def test_four_towns_without_positions_get_distinct_spots_and_fair_territories():
    """The case that crashed (GEOSException: Multiple input coordinates): several towns without
    a position, one of them with a single located village."""
    admin = synthetic(FOUR_MISSING, located=[(2, 0, 108.27, 34.17), (0, 1, 108.06, 34.07)])
    layout = place_towns(admin)
    generated = [t for t, s in layout.centre_source.items() if s == "generated"]
    assert len(generated) == 4
    assert_guarantees(layout)
    # Deterministic: the same layout again.
    again = place_towns(admin)
    assert again.centres == layout.centres
    plan = build_sites(admin, seed=1)
    towns = [(r["lon"], r["lat"]) for r in plan.rows if r["tier"] == "township"]
    assert len(set(towns)) == len(towns) == 8


def test_villages_sharing_a_source_position_do_not_break_the_voronoi_step():
    """Two villages of different towns at one source position, and a third of a town that has
    no centre: the territories still tile the county and each town keeps its own."""
    same = (108.12, 34.08)
    admin = synthetic(
        FOUR_MISSING,
        located=[(0, 0, *same), (1, 0, *same), (4, 0, *same), (4, 1, 108.2, 34.1)],
    )
    layout = place_towns(admin)
    assert_guarantees(layout)
    assert all(not poly.is_empty for poly in layout.territories.values())
    build_sites(admin, seed=1)


def test_urban_towns_without_positions_are_placed_near_the_seat():
    """Street offices whose villages are urban residents' committees belong to the seat's
    built-up area, not to the county's emptiest corner; their floor is their own kind's median."""
    towns = [
        (108.05, 34.05, "220"),
        (108.25, 34.05, "220"),
        (108.25, 34.17, "220"),
        (108.05, 34.17, "220"),
        (108.15, 34.1, "111"),  # the seat's own street office
        (None, None, "111"),
        (None, None, "111"),
        (None, None, "220"),
    ]
    layout = place_towns(synthetic(towns))
    assert_guarantees(layout)
    urban_generated = [
        t for t in layout.urban if layout.centre_source[t] == "generated"
    ]  # fmt: skip
    assert len(urban_generated) == 2
    for t in urban_generated:
        x, y = layout.centres[t]
        assert np.hypot(x - layout.seat[0], y - layout.seat[1]) <= URBAN_REACH_M


def test_a_town_repeating_another_towns_source_centre_is_placed_anew():
    """Lanzhou's 城关区 gives 雁南街道 and 雁北街道 the same centre: the second is generated."""
    towns = [*FOUR_MISSING[:2], (108.05, 34.05, "220"), *FOUR_MISSING[3:]]
    layout = place_towns(synthetic(towns))
    assert layout.centre_source["990101102000"] == "generated"
    assert_guarantees(layout)


def test_wugong_youfeng_gets_a_fair_territory_inside_the_county():
    """游风镇 has no source position; it was placed on the north-west tip with 14 km²."""
    admin = read_county("610431", raw_division_dir())
    layout = place_towns(admin)
    assert_guarantees(layout)
    youfeng = next(t.code for t in admin.towns if t.name == "游风镇")
    assert layout.centre_source[youfeng] == "generated"
    assert layout.territories[youfeng].area > 20e6
    assert layout.boundary.exterior.distance(Point(layout.centres[youfeng])) > 2000


@pytest.mark.parametrize(("adcode", "missing"), [("621202", 4), ("621222", 3)])
def test_wudu_and_wenxian_place_every_town(adcode, missing):
    """Wudu (4 towns without a position) and Wenxian (3) could not be built at all."""
    admin = read_county(adcode, raw_division_dir())
    layout = place_towns(admin)
    assert sum(s == "generated" for s in layout.centre_source.values()) == missing
    assert_guarantees(layout)
    plan = build_sites(admin, seed=1)
    assert sum(r["tier"] == "township" for r in plan.rows) == len(admin.towns)


def test_every_bundled_county_places_its_towns():
    counties, _ = list_counties(raw_division_dir())
    assert len(counties) >= 10
    for adcode, _name in counties:
        assert_guarantees(place_towns(read_county(adcode, raw_division_dir())))


@pytest.mark.skipif(not (SHARED_RAW / "adcode").is_dir(), reason="no full division data here")
def test_every_county_of_shaanxi_and_gansu_places_its_towns():
    """The placement step of `route data build` for all of Shaanxi's and Gansu's counties in
    the full division data (about 15 s; benchmarks/all_counties.py --placement-only)."""
    counties, _ = list_counties(SHARED_RAW)
    codes = [
        c
        for c, _ in counties
        if c[:2] in ("61", "62") and (SHARED_RAW / "fences" / f"{c}.json").is_file()
    ]
    assert len(codes) > 150
    failed = {}
    for adcode in codes:
        faults = layout_faults(place_towns(read_county(adcode, SHARED_RAW)))
        if faults:
            failed[adcode] = faults
    assert failed == {}
