"""`route network show`: the county's roads and service points in a PNG with its figures."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from cli import main
from routing.inputs.county import load_county
from routing.network.picture import figures

from .conftest import WUGONG


def test_the_picture_shows_roads_the_hub_and_the_figures(tmp_path):
    out = tmp_path / "wugong.png"
    result = CliRunner().invoke(
        main, ["network", "show", "wugong", "--out", str(out), "--width", "800"]
    )
    assert result.exit_code == 0, result.output
    assert "4,734 nodes" in result.output and "4% dead ends" in result.output
    image = np.asarray(Image.open(out).convert("RGB")).astype(int)
    assert image.shape[1] == 800
    grey = (np.ptp(image, axis=2) < 8) & (image[:, :, 0] > 40) & (image[:, :, 0] < 215)
    assert grey.sum() > 5_000  # roads
    black = image.sum(axis=2) < 30
    assert black.sum() > 50  # the hub's square (and the title's letters)
    green = (image[:, :, 1] > image[:, :, 0] + 40) & (image[:, :, 1] > image[:, :, 2] + 40)
    assert green.sum() > 196 * 5  # a dot per village


def test_the_caption_figures_are_the_networks():
    _, fig = figures(load_county("wugong"))
    meta = json.loads((WUGONG / "county.json").read_text(encoding="utf-8"))
    assert round(fig.circuity, 4) == meta["road_network"]["circuity"]["ratio_of_sums"]
    assert fig.nodes == meta["road_network"]["nodes"]
    assert fig.km == pytest.approx(sum(meta["road_network"]["km_by_class"].values()), abs=0.5)
    assert fig.generated


def test_an_unknown_county_is_a_clear_error(tmp_path):
    out = tmp_path / "x.png"
    result = CliRunner().invoke(
        main, ["network", "show", "atlantis", "--out", str(out), "--data-dir", str(tmp_path)]
    )
    assert result.exit_code == 3, result.output
    assert "no dataset for county 'atlantis'" in result.output and "Traceback" not in result.output
    assert not out.exists()
