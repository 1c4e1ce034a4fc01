"""The county datasets: reproducible builds, real geography, a usable generated network and a
demand model that follows the calendar."""

from __future__ import annotations

import csv
import datetime as dt
import filecmp
import json

import numpy as np
import osmnx as ox
import pytest
import shapely
from shapely.geometry import Point, shape

from routing.datasets.admin import read_county, resolve_county
from routing.datasets.build import build_county
from routing.datasets.terrain import CLASSES
from routing.geo import gcj02_to_wgs84, wgs84_to_gcj02
from routing.inputs.county import load_county
from routing.inputs.crops import crop_table
from routing.inputs.demo_orders import generate_orders, harvest_share, pickup_factor
from routing.inputs.locations import raw_division_dir
from routing.network.graph import check_connected, circuity, read_road_arrays, snap
from routing.network.matrices import profile_matrices

from .conftest import WUGONG

BUILT_FILES = (
    "points.csv",
    "fleet.csv",
    "demand.csv",
    "boundary.geojson",
    "towns.geojson",
    "county.json",
    "roads.graphml",
)


@pytest.fixture(scope="module")
def wugong_build(tmp_path_factory):
    """`route data build wugong` run twice into fresh folders."""
    out = []
    for k in range(2):
        d = tmp_path_factory.mktemp(f"build{k}")
        build_county("wugong", raw_division_dir(), d)
        out.append(d / "wugong")
    return out


def test_build_is_reproducible_and_equals_the_committed_data(wugong_build):
    first, second = wugong_build
    for name in BUILT_FILES:
        assert filecmp.cmp(first / name, second / name, shallow=False), name
        assert filecmp.cmp(first / name, WUGONG / name, shallow=False), name


def test_other_county_by_name_lixian(tmp_path):
    assert resolve_county("lixian", raw_division_dir()) == "621226"
    report = build_county("lixian", raw_division_dir(), tmp_path)
    meta = report.meta
    assert (meta["adcode"], meta["name"], meta["counts"]["villages"]) == ("621226", "礼县", 579)
    county = load_county("lixian", tmp_path)
    assert sum(p.tier == "township" for p in county.points) == 29
    arrays = read_road_arrays(county.graph_path)
    ids = [p.id for p in county.points]
    nodes, dist = snap(
        arrays,
        ids,
        np.array([p.lon for p in county.points]),
        np.array([p.lat for p in county.points]),
    )
    check_connected(arrays, ids, nodes, ids.index(county.hub.id))
    assert dist.max() < 1.0
    low, high = CLASSES["mountain"].circuity  # roads along the valleys (tests/test_terrain.py)
    assert low <= meta["road_network"]["circuity"]["ratio_of_sums"] <= high


def test_every_village_level_unit_is_a_service_point_under_its_real_name():
    admin = read_county("610431", raw_division_dir())
    points = {p.id: p for p in load_county("wugong").points}
    assert len(admin.villages) == 196
    for v in admin.villages:
        p = points[v.code]
        assert p.tier == "village"
        assert p.name == v.name.replace("村委会", "村").replace("社区居委会", "社区")
        assert p.town == v.parent
    assert sum(p.tier == "township" for p in points.values()) == 8
    assert points["610431001201"].name_pinyin == "Tiangui Cun"
    assert points["610431105000"].name_pinyin == "Changning Zhen"


def test_source_positions_are_kept_and_generated_ones_sit_in_their_town():
    admin = read_county("610431", raw_division_dir())
    source = {u.code: (u.lon, u.lat) for u in admin.towns + admin.villages if u.lon is not None}
    towns = {
        f["properties"]["town"]: shape(f["geometry"])
        for f in json.loads((WUGONG / "towns.geojson").read_text(encoding="utf-8"))["features"]
    }
    county = load_county("wugong")
    for p in county.points:
        if p.id in source:
            assert p.located == "source"
            assert (p.lon, p.lat) == pytest.approx(source[p.id], abs=1e-6)
        elif p.tier == "village":
            assert p.located == "generated"
            assert towns[p.town].buffer(1e-6).contains(Point(p.lon, p.lat)), p.id
        assert county.boundary.contains(Point(p.lon, p.lat))
    assert sum(p.located == "source" for p in county.points) == 18


def test_gcj02_conversion_matches_reference_pairs():
    # WGS-84 values of the county seat and 梅花村 from the shared derived file (standard inverse).
    lon, lat = gcj02_to_wgs84([108.200398, 108.250784], [34.260203, 34.218063])
    assert lon == pytest.approx([108.195674, 108.246135], abs=2e-6)
    assert lat == pytest.approx([34.261603, 34.219529], abs=2e-6)
    back = wgs84_to_gcj02(lon, lat)
    assert back[0] == pytest.approx([108.200398, 108.250784], abs=1e-8)


def test_all_points_reachable_both_ways_for_every_vehicle_profile_that_may_go_there():
    county = load_county("wugong")
    arrays = read_road_arrays(county.graph_path)
    ids = [p.id for p in county.points]
    lon = np.array([p.lon for p in county.points])
    lat = np.array([p.lat for p in county.points])
    nodes, _ = snap(arrays, ids, lon, lat)
    check_connected(arrays, ids, nodes, ids.index(county.hub.id))
    hub = ids.index(county.hub.id)
    van = next(v for v in county.fleet if not v.banned_roads).profile
    m = profile_matrices(arrays, nodes, van)
    assert np.isfinite(m.time_s[hub]).all() and np.isfinite(m.time_s[:, hub]).all()
    truck = next(v for v in county.fleet if "track" in v.banned_roads).profile
    t = profile_matrices(arrays, nodes, truck)
    cut = [ids[k] for k in np.flatnonzero(~np.isfinite(t.time_s[hub]))]
    assert 0 < len(cut) < 30  # narrow-lane villages only vans reach
    assert all(county.points[ids.index(i)].tier == "village" for i in cut)


def test_network_is_generated_county_sized_and_circuity_in_range():
    meta = json.loads((WUGONG / "county.json").read_text(encoding="utf-8"))
    net = meta["road_network"]
    assert net["generated"] is True and "GENERATED" in net["note"]
    assert net["nodes"] > 1000 and sum(net["km_by_class"].values()) > 500
    assert set(net["km_by_class"]) >= {"trunk", "secondary", "tertiary", "unclassified", "track"}
    county = load_county("wugong")
    arrays = read_road_arrays(county.graph_path)
    c = circuity(
        arrays, np.array([p.lon for p in county.points]), np.array([p.lat for p in county.points])
    )
    low, high = CLASSES["plain"].circuity  # a field grid (tests/test_terrain.py)
    assert low <= c["ratio_of_sums"] <= high
    assert c["ratio_of_sums"] == pytest.approx(net["circuity"]["ratio_of_sums"], abs=1e-4)
    g = ox.load_graphml(WUGONG / "roads.graphml")
    assert g.graph["generated"] == "true"
    assert "not a real road network" in g.graph["source"]


def test_fleet_is_thirty_vehicles_for_five_million_yuan():
    with (WUGONG / "fleet.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 30
    assert 4_900_000 <= sum(float(r["purchase_price_yuan"]) for r in rows) <= 5_000_000
    assert {r["type"] for r in rows} == {"van", "truck42", "reefer42"}
    assert sum(r["cold_chain"] == "true" for r in rows) == 6


def test_order_generator_is_deterministic_per_county_date_and_seed():
    county = load_county("wugong")
    profiles = county.demand_rows()
    day = dt.date(2026, 10, 14)
    a = generate_orders(day, county.points, profiles, "610431", 1)
    b = generate_orders(day, county.points, profiles, "610431", 1)
    c = generate_orders(day, county.points, profiles, "610431", 2)
    d = generate_orders(dt.date(2026, 10, 15), county.points, profiles, "610431", 1)
    assert a == b
    assert a != c and a != d


def _pickup_kg(county, profiles, year, month):
    day = dt.date(year, month, 1)
    total = 0.0
    while day.month == month:
        total += sum(
            o.kg
            for o in generate_orders(day, county.points, profiles, "610431", 1)
            if o.kind == "pickup" and o.goods not in ("parcels", "returns")  # produce
        )
        day += dt.timedelta(days=1)
    return total


def test_october_pickups_are_far_above_march():
    county = load_county("wugong")
    profiles = county.demand_rows()
    october = _pickup_kg(county, profiles, 2026, 10)
    march = _pickup_kg(county, profiles, 2026, 3)
    assert october > 4 * march
    # the month's orders carry the profile's tonnes for the month (crates filled 90-100 %,
    # small lots booked with a proportional chance)
    days = [dt.date(2026, 10, 1) + dt.timedelta(days=k) for k in range(31)]
    expected = sum(
        r[f"{c.name}_t"] * 1000 * c.share_on(d) * pickup_factor(d)
        for r in profiles
        for c in crop_table().values()
        if r.get(f"{c.name}_t")
        for d in days
    )
    assert 0.85 * expected < october < 1.02 * expected


def _delivered_parcels(county):
    """Parcels delivered on a day of the county's demo orders (seed 1)."""
    profiles = county.demand_rows()

    def parcels(day):
        return sum(
            o.parcels
            for o in generate_orders(day, county.points, profiles, county.meta["adcode"], 1)
            if o.kind == "delivery"
        )

    return parcels


def test_november_peak_and_weekday_effects_on_deliveries():
    parcels = _delivered_parcels(load_county("wugong"))

    assert parcels(dt.date(2026, 11, 16)) > 1.8 * parcels(dt.date(2026, 11, 2))
    assert parcels(dt.date(2026, 9, 7)) > parcels(dt.date(2026, 9, 6))  # Monday over Sunday


def test_chinese_new_year_is_far_below_an_average_day():
    """The Spring Festival on its real date each year (the holidays package): 17 February
    2026 and 6 February 2027 get a small share of an average day's parcels, and February as a
    whole is not flattened: a week before the festival is still busy."""
    parcels = _delivered_parcels(load_county("wugong"))

    year = [dt.date(2026, 1, 1) + dt.timedelta(days=k) for k in range(0, 365, 7)]
    average = sum(parcels(d) for d in year) / len(year)
    assert parcels(dt.date(2026, 2, 17)) < 0.2 * average
    assert parcels(dt.date(2027, 2, 6)) < 0.2 * average  # the next year's New Year's Day
    assert parcels(dt.date(2027, 2, 17)) > 0.5 * average  # ... and not 17 February again
    assert parcels(dt.date(2026, 2, 4)) > 0.8 * average  # New Year shopping, two weeks before


def test_harvest_calendar_shares_sum_to_one_per_year():
    for crop in crop_table():  # the crops of data/crops.csv
        total = sum(
            harvest_share(crop, dt.date(2025, 1, 1) + dt.timedelta(days=k)) for k in range(365)
        )
        assert total == pytest.approx(1.0, abs=1e-9)


def test_repository_data_stays_light():
    size = sum(p.stat().st_size for p in (WUGONG.parent).rglob("*") if p.is_file())
    assert size < 10_000_000


def test_boundary_geojson_is_the_converted_source_polygon():
    admin = read_county("610431", raw_division_dir())
    county = load_county("wugong")
    assert shapely.equals_exact(county.boundary, admin.boundary, tolerance=1e-6)


def test_a_source_position_outside_the_county_moves_inside_and_the_loader_accepts_it(tmp_path):
    """Kangxian's source puts one town centre 106 m beyond the county line (points and
    boundary were digitised apart): the builder moves it inside, says so, and the county
    loads, where it was refused before ("outside the county boundary (by 0.1 km)")."""
    build_county("kangxian", raw_division_dir(), tmp_path)
    county = load_county("kangxian", tmp_path)
    moved = [p for p in county.points if p.located == "moved"]
    assert [p.tier for p in moved] == ["township"]
    boundary = shape(
        json.loads((tmp_path / "kangxian" / "boundary.geojson").read_text())["features"][0][
            "geometry"
        ]
    )
    assert boundary.contains(Point(moved[0].lon, moved[0].lat))


def test_a_town_centre_on_the_county_seat_gets_roads(tmp_path):
    """Yongchang (620321) has its seat where a town's centre is: the road generator crashed
    (networkx NodeNotFound). Here Wugong with one town moved onto the hub."""
    from routing.datasets.roadgen import generate_roads
    from routing.network.graph import road_arrays

    with (WUGONG / "points.csv").open(encoding="utf-8") as fh:
        rows = [{**r, "lon": float(r["lon"]), "lat": float(r["lat"])} for r in csv.DictReader(fh)]
    hub = next(r for r in rows if r["tier"] == "hub")
    town = next(r for r in rows if r["tier"] == "township")
    town["lon"], town["lat"] = hub["lon"], hub["lat"]
    boundary = shape(
        json.loads((WUGONG / "boundary.geojson").read_text())["features"][0]["geometry"]
    )
    arrays = road_arrays(generate_roads(rows, boundary, 1, "武功县"), "test")
    ids = [r["id"] for r in rows]
    lon = np.array([r["lon"] for r in rows])
    lat = np.array([r["lat"] for r in rows])
    nodes, dist = snap(arrays, ids, lon, lat)
    check_connected(arrays, ids, nodes, ids.index(hub["id"]))
    assert nodes[ids.index(town["id"])] == nodes[ids.index(hub["id"])] and dist.max() < 1.0
