"""`route network show`: the county's roads and service points in a PNG with its figures."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from cli import main
from routing.geo import haversine_m
from routing.inputs.county import load_county
from routing.network.graph import RoadArrays, dead_end_share
from routing.network.picture import figures, network_picture

from .conftest import WUGONG, grid_roads

META = json.loads((WUGONG / "county.json").read_text(encoding="utf-8"))["road_network"]


@pytest.fixture(scope="module")
def wugong():
    return load_county("wugong")


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    """The command's PNG of Wugong, 800 px wide, as an RGB array, and its summary line."""
    out = tmp_path_factory.mktemp("show") / "wugong.png"
    result = CliRunner().invoke(
        main, ["network", "show", "wugong", "--out", str(out), "--width", "800"]
    )
    assert result.exit_code == 0, result.output
    with Image.open(out) as image:
        assert image.format == "PNG"
        return np.asarray(image.convert("RGB")).astype(int), result.output


def test_the_command_says_the_networks_figures(drawn):
    _, output = drawn
    assert f"{META['nodes']:,} nodes" in output
    assert f"circuity {META['circuity']['ratio_of_sums']:.2f}" in output


def test_the_picture_has_the_width_asked_for_and_grey_roads(drawn):
    image, _ = drawn
    assert image.shape[1] == 800
    grey = (np.ptp(image, axis=2) < 8) & (image[:, :, 0] > 40) & (image[:, :, 0] < 215)
    assert grey.sum() > 5_000
    green = (image[:, :, 1] > image[:, :, 0] + 40) & (image[:, :, 1] > image[:, :, 2] + 40)
    assert green.sum() > 196 * 5  # a dot per village


def test_the_hub_is_the_black_square_where_the_projection_puts_it(drawn, wugong):
    image, _ = drawn
    frame = network_picture(wugong, 800).frame
    x, y = (round(v) for v in frame.xy(wugong.hub.lon, wugong.hub.lat))
    black = image.sum(axis=2) < 30
    assert black[y - 2 : y + 3, x - 2 : x + 3].all()
    # below the header nothing else is black: roads are grey, the other points coloured
    ys, xs = np.nonzero(black[frame.top :, :])
    assert len(ys) >= 36
    assert np.abs(xs - x).max() <= 5 and np.abs(ys + frame.top - y).max() <= 5


def test_the_map_is_true_to_scale_and_shows_the_whole_county(wugong):
    picture = network_picture(wugong, 800)
    frame = picture.frame
    with Image.open(io.BytesIO(picture.png)) as image:
        width, height = image.size
    lon, lat, d = wugong.hub.lon, wugong.hub.lat, 0.01
    east = frame.xy(lon + d, lat)[0] - frame.xy(lon, lat)[0]
    north = frame.xy(lon, lat)[1] - frame.xy(lon, lat + d)[1]
    metres = haversine_m(lon, lat, lon + d, lat) / haversine_m(lon, lat, lon, lat + d)
    assert east / north == pytest.approx(metres, rel=0.01)
    x0, y0, x1, y1 = wugong.boundary.bounds
    left, top = frame.xy(x0, y1)
    right, bottom = frame.xy(x1, y0)
    assert 0 < left < right < width and frame.top <= top < bottom < height


def test_the_header_fits_a_narrow_picture(tmp_path):
    out = tmp_path / "narrow.png"
    result = CliRunner().invoke(
        main, ["network", "show", "wugong", "--out", str(out), "--width", "400"]
    )
    assert result.exit_code == 0, result.output
    with Image.open(out) as image:
        pixels = np.asarray(image.convert("RGB"))
    assert pixels.shape[1] == 400
    assert (pixels[:60, -8:] == 255).all()  # the caption wraps before the right edge


def test_the_caption_figures_are_the_networks(wugong):
    _, fig = figures(wugong)
    assert round(fig.circuity, 4) == META["circuity"]["ratio_of_sums"]
    assert fig.nodes == META["nodes"]
    assert fig.km == pytest.approx(sum(META["km_by_class"].values()), abs=0.5)
    assert fig.generated


def test_dead_end_share_on_a_small_grid():
    """Three east-west streets of four nodes, crossed by one north-south street at the second
    node, every street stored in both directions: the six street ends are dead ends, the three
    crossings are junctions and the three mid-street nodes are not junctions: 6 of 9."""
    grid = grid_roads((108.0, 108.03, 4), (34.0, 34.02, 3))
    src = np.concatenate([grid.src, [1, 5]])
    dst = np.concatenate([grid.dst, [5, 9]])
    src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
    roads = RoadArrays(
        digest="toy",
        lon=grid.lon,
        lat=grid.lat,
        src=src,
        dst=dst,
        length_m=np.full(len(src), 1000.0),
        speed_kph=np.full(len(src), 40.0),
        highway=np.array(["tertiary"] * len(src)),
    )
    assert dead_end_share(roads) == pytest.approx(6 / 9)


def test_an_unknown_county_is_a_clear_error(tmp_path):
    out = tmp_path / "x.png"
    result = CliRunner().invoke(
        main, ["network", "show", "atlantis", "--out", str(out), "--data-dir", str(tmp_path)]
    )
    assert result.exit_code == 3, result.output
    assert "no dataset for county 'atlantis'" in result.output and "Traceback" not in result.output
    assert not out.exists()
