"""Terrain: each county's class from the table, valley roads in the mountains that meet their
class's targets (circuity, dead ends, slower speeds, switchbacks, villages on valley floors),
and the DEM path on a small synthetic GeoTIFF."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import shapely
from click.testing import CliRunner

from cli import main
from routing.datasets.admin import read_county
from routing.datasets.build import build_county
from routing.datasets.terrain import CLASSES, SWITCHBACK_KPH, table_path, terrain_class
from routing.errors import InputError
from routing.geo import LocalProjection
from routing.inputs.locations import raw_division_dir
from routing.network.graph import (
    ROAD_SPEEDS_KPH,
    RoadArrays,
    dead_end_share,
    junction_shares,
    read_road_arrays,
)


def test_every_shipped_county_has_a_class_from_the_table():
    with table_path().open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["class"] for r in rows} <= set(CLASSES)
    assert all(r["source"].strip() for r in rows)
    assert terrain_class("610431").name == "plain"  # Wugong, on the Guanzhong plain
    assert terrain_class("621226").name == "mountain"  # Lixian, Longnan
    assert terrain_class("610426").name == "loess"  # Yongshou, Weibei tableland
    for f in (raw_division_dir() / "adcode").glob("*.csv"):
        assert terrain_class(f.stem).name in CLASSES


def test_an_unknown_class_in_the_table_names_its_row(tmp_path):
    table = tmp_path / "terrain.csv"
    table.write_text("adcode_prefix,class,region,source\n62,steppe,x,y\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        terrain_class("621226", table)
    assert "row 2" in str(err.value) and "'class'" in str(err.value)


@pytest.fixture(scope="module")
def lixian(tmp_path_factory):
    report = build_county("lixian", raw_division_dir(), tmp_path_factory.mktemp("lixian"))
    return report


def test_mountain_roads_meet_the_mountain_targets(lixian):
    meta = lixian.meta
    mountain = CLASSES["mountain"]
    assert meta["terrain"] == {"class": "mountain", "heights": "procedural"}
    low, high = mountain.circuity
    assert low <= meta["road_network"]["circuity"]["ratio_of_sums"] <= high
    arrays = read_road_arrays(lixian.dir / "roads.graphml")
    low, high = mountain.dead_ends
    assert low <= dead_end_share(arrays) <= high
    low, high = mountain.four_way
    assert low <= junction_shares(arrays)[4] <= high  # valleys fork: three-way junctions
    # every road slower than its class on the plain, and switchbacks where it climbs steeply
    plain = np.array([ROAD_SPEEDS_KPH[h] for h in arrays.highway])
    assert np.all(arrays.speed_kph <= plain * mountain.speed_factor + 0.05)
    switchbacks = arrays.length_m[arrays.speed_kph == SWITCHBACK_KPH].sum()
    assert 0 < switchbacks < 0.2 * arrays.length_m.sum()


@pytest.fixture(scope="module")
def wugong(tmp_path_factory):
    return build_county("wugong", raw_division_dir(), tmp_path_factory.mktemp("wugong"))


def test_plain_roads_meet_the_plain_targets(wugong):
    """Wugong, on the Guanzhong plain: a field grid north-south and east-west with spurs to
    farmsteads, at the class speeds."""
    plain = CLASSES["plain"]
    assert "terrain" not in wugong.meta  # no height field: the plain is flat
    low, high = plain.circuity
    assert low <= wugong.meta["road_network"]["circuity"]["ratio_of_sums"] <= high
    arrays = read_road_arrays(wugong.dir / "roads.graphml")
    shares = junction_shares(arrays)
    assert plain.dead_ends[0] <= shares[1] <= plain.dead_ends[1]
    assert plain.four_way[0] <= shares[4] <= plain.four_way[1]
    assert np.array_equal(arrays.speed_kph, [ROAD_SPEEDS_KPH[h] for h in arrays.highway])
    # the village and field roads run north-south or east-west
    proj = LocalProjection(float(arrays.lon.mean()), float(arrays.lat.mean()))
    x, y = proj.to_xy(arrays.lon, arrays.lat)
    grid = np.isin(arrays.highway, ["unclassified", "track", "tertiary", "secondary"])
    dx = (x[arrays.dst] - x[arrays.src])[grid]
    dy = (y[arrays.dst] - y[arrays.src])[grid]
    length = np.hypot(dx, dy)
    angle = np.degrees(np.arctan2(np.abs(dy), np.abs(dx)))  # 0 east-west .. 90 north-south
    square = (angle < 15) | (angle > 75)
    assert length[square].sum() > 0.8 * length.sum()


def test_generated_villages_sit_lower_than_the_country_around_them(lixian):
    """Valley floors: a village's cell is below the mean height within 1.5 km for nearly
    every generated village (a random point is so about half the time)."""
    from routing.datasets.terrain import build_terrain

    admin = read_county("621226", raw_division_dir())
    c = admin.boundary.centroid
    proj = LocalProjection(c.x, c.y)
    local = shapely.transform(
        admin.boundary, lambda a: np.column_stack(proj.to_xy(a[:, 0], a[:, 1]))
    )
    terrain = build_terrain(CLASSES["mountain"], local, proj, 1, "621226")
    floor = terrain.valley_floor()
    with (lixian.dir / "points.csv").open(encoding="utf-8") as fh:
        rows = [
            r for r in csv.DictReader(fh) if r["tier"] == "village" and r["located"] == "generated"
        ]
    x, y = proj.to_xy([float(r["lon"]) for r in rows], [float(r["lat"]) for r in rows])
    r, col = terrain.cell_of(x, y)
    on_floor = floor[r, col].mean()
    assert on_floor > 0.85, on_floor
    assert floor[terrain.inside].mean() < 0.45


def _v_valley_dem(path, bounds, axis_lat: float) -> None:
    """A GeoTIFF (EPSG:4326) whose heights rise 60 m per km north and south of one valley
    running east-west at `axis_lat`: the only low ground."""
    import rasterio
    from rasterio.transform import from_bounds

    minx, miny, maxx, maxy = bounds
    rows, cols = 120, 160
    lat = np.linspace(maxy, miny, rows)[:, None] * np.ones((1, cols))
    heights = (1000.0 + 60.0 * np.abs(lat - axis_lat) * 111.0).astype("float32")
    transform = from_bounds(minx, miny, maxx, maxy, cols, rows)
    with rasterio.open(
        path, "w", driver="GTiff", height=rows, width=cols, count=1, dtype="float32",
        crs="EPSG:4326", transform=transform,
    ) as dst:  # fmt: skip
        dst.write(heights, 1)


def test_a_dem_shapes_the_roads_and_places_the_villages(tmp_path):
    admin = read_county("621228", raw_division_dir())  # Liangdang: 12 towns, 122 villages
    minx, miny, maxx, maxy = admin.boundary.bounds
    axis = (miny + maxy) / 2
    dem = tmp_path / "valley.tif"
    _v_valley_dem(dem, (minx - 0.05, miny - 0.05, maxx + 0.05, maxy + 0.05), axis)
    result = CliRunner().invoke(
        main,
        ["data", "build", "621228", "--dem", str(dem), "--data-dir", str(tmp_path / "d")],
    )
    assert result.exit_code == 0, result.output
    built = next((tmp_path / "d").iterdir())
    meta = json.loads((built / "county.json").read_text(encoding="utf-8"))
    assert meta["terrain"] == {"class": "mountain", "heights": "valley.tif"}
    with (built / "points.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["located"] == "generated"]
    off_axis = np.abs(np.array([float(r["lat"]) for r in rows if r["tier"] == "village"]) - axis)
    # the villages crowd towards the valley (0.79 here): within a quarter of the county's height
    near = np.mean(off_axis < (maxy - miny) / 4)
    assert near > 0.7, near  # about half, were they spread evenly


def test_a_bad_dem_is_refused_with_its_name(tmp_path):
    bad = tmp_path / "heights.tif"
    bad.write_text("not a GeoTIFF", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["data", "build", "621228", "--dem", str(bad), "--data-dir", str(tmp_path / "d")]
    )
    assert result.exit_code == 3, result.output
    assert "heights.tif" in result.output and "not a readable GeoTIFF" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "d").exists() or not any((tmp_path / "d").iterdir())


def test_a_dem_for_a_plain_county_is_refused(tmp_path):
    admin = read_county("610431", raw_division_dir())
    dem = tmp_path / "plain.tif"
    minx, miny, maxx, maxy = admin.boundary.bounds
    _v_valley_dem(dem, (minx, miny, maxx, maxy), (miny + maxy) / 2)
    result = CliRunner().invoke(
        main, ["data", "build", "wugong", "--dem", str(dem), "--data-dir", str(tmp_path / "d")]
    )
    assert result.exit_code == 3, result.output
    assert "plain country" in result.output and "plain.tif" in result.output


def test_dead_end_share_counts_junctions_and_two_way_streets_once():
    """A star of four two-way streets from node 0, the fourth going on through node 4 (a
    shape node, 2 roads) to node 5: junctions 0, 1, 2, 3 and 5, dead ends 1, 2, 3 and 5."""
    src = np.array([0, 1, 0, 2, 0, 3, 0, 4, 4, 5])
    dst = np.array([1, 0, 2, 0, 3, 0, 4, 0, 5, 4])
    arrays = RoadArrays(
        digest="star",
        lon=np.zeros(6),
        lat=np.zeros(6),
        src=src,
        dst=dst,
        length_m=np.full(10, 100.0),
        speed_kph=np.full(10, 30.0),
        highway=np.array(["unclassified"] * 10),
    )
    assert dead_end_share(arrays) == pytest.approx(4 / 5)
