"""Bad input: one broken file per failure mode, each with its exact message and exit code, and
nothing written when it fails."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import networkx as nx
import numpy as np
import osmnx as ox
import pytest
from click.testing import CliRunner

from cli import main
from routing.errors import InputError
from routing.inputs.county import load_county
from routing.inputs.orders import read_orders
from routing.network.graph import road_arrays, snap

from .conftest import reseal

BROKEN = Path(__file__).parent / "data" / "broken"
DAY = dt.date(2026, 11, 29)


@pytest.mark.parametrize(
    ("fixture", "row", "field", "message"),
    [
        ("points_missing_column.csv", 1, None, "missing column 'closes'"),
        ("points_duplicate_id.csv", 5, "id", "duplicate id '610431001001' (first on row 4)"),
        (
            "points_closes_before_opens.csv",
            4,
            "closes",
            "closing time 07:00 is before opening time 18:00",
        ),
        (
            "points_outside_county.csv",
            5,
            "lon",
            "position 108.5, 34.263578 is outside the county boundary (by 17.3 km)",
        ),
    ],
)
def test_broken_points_file(wugong_copy, fixture, row, field, message):
    shutil.copy(BROKEN / fixture, wugong_copy / "points.csv")
    reseal(wugong_copy)  # as `route data seal` after an edit on purpose
    with pytest.raises(InputError) as err:
        load_county("wugong", wugong_copy.parent)
    (fault,) = err.value.faults
    assert (fault.file, fault.row, fault.field, fault.message) == (
        str(wugong_copy / "points.csv"),
        row,
        field,
        message,
    )


@pytest.mark.parametrize(
    ("fixture", "row", "field", "message"),
    [
        ("orders_missing_column.csv", 1, None, "missing column 'kg'"),
        ("orders_duplicate_id.csv", 3, "order_id", "duplicate id 'o1' (first on row 2)"),
        ("orders_unknown_point.csv", 3, "point_id", "unknown service point '610431999999'"),
        ("orders_negative_weight.csv", 2, "kg", "must be >= 0, got -4.5"),
        (
            "orders_impossible_window.csv",
            2,
            "latest",
            "impossible window: latest 07:00 is before earliest 08:00",
        ),
        (
            "orders_too_heavy.csv",
            3,
            "kg",
            "2500 kg is more than any vehicle carries (largest 1800 kg)",
        ),
        ("orders_malformed_date.csv", 2, "date", "'2026-11-31' is not a valid calendar date"),
    ],
)
def test_broken_orders_file(fixture, row, field, message):
    county = load_county("wugong")
    with pytest.raises(InputError) as err:
        read_orders(BROKEN / fixture, county, DAY)
    (fault,) = err.value.faults
    assert (fault.row, fault.field, fault.message) == (row, field, message)
    assert str(fault).startswith(str(BROKEN / fixture))


def test_all_faults_of_a_file_are_reported_together(tmp_path):
    text = (BROKEN / "orders_negative_weight.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    lines[2] = lines[2].replace("610431001201", "nowhere").replace("09:00", "25:00")
    bad = tmp_path / "two_faults.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_orders(bad, load_county("wugong"), DAY)
    assert [(f.row, f.field) for f in err.value.faults] == [
        (2, "kg"),
        (3, "earliest"),
        (3, "point_id"),
    ]
    assert str(err.value).startswith("3 problems in the input:")


def _plan(args, data_dir, out):
    return CliRunner().invoke(
        main,
        [
            "plan",
            "--date",
            "2026-11-29",
            "--time-limit",
            "1",
            "--data-dir",
            str(data_dir),
            "--out",
            str(out),
            *args,
        ],
    )


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        (
            "orders_unknown_point.csv",
            "row 3, field 'point_id': unknown service point '610431999999'",
        ),
        (
            "orders_impossible_window.csv",
            "row 2, field 'latest': impossible window: latest 07:00 is before earliest 08:00",
        ),
        (
            "orders_too_heavy.csv",
            "row 3, field 'kg': 2500 kg is more than any vehicle carries (largest 1800 kg)",
        ),
        (
            "orders_malformed_date.csv",
            "row 2, field 'date': '2026-11-31' is not a valid calendar date",
        ),
    ],
)
def test_plan_command_rejects_bad_orders_and_writes_nothing(
    wugong_copy, tmp_path, fixture, expected
):
    orders = wugong_copy / "orders" / "2026-11-29.csv"
    orders.parent.mkdir()
    shutil.copy(BROKEN / fixture, orders)
    out = tmp_path / "out"
    result = _plan([], wugong_copy.parent, out)
    assert result.exit_code == 3
    assert result.stderr.strip().splitlines()[-1] == f"error: {orders}, {expected}"
    assert "Traceback" not in result.output
    assert not out.exists()


def test_malformed_date_on_the_command_line(tmp_path):
    result = CliRunner().invoke(
        main, ["plan", "--date", "2026-13-01", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert "Invalid value for '--date': '2026-13-01' is not a valid calendar date" in result.stderr
    assert not (tmp_path / "o").exists()


def test_disconnected_point_is_a_network_error(wugong_copy, tmp_path):
    graph_path = wugong_copy / "roads.graphml"
    g = ox.load_graphml(graph_path)
    points = load_county("wugong", wugong_copy.parent).points
    village = next(p for p in points if p.id == "610431001002")
    arrays = road_arrays(g, "test")
    (pos,), _ = snap(arrays, [village.id], np.array([village.lon]), np.array([village.lat]))
    node = list(g.nodes)[pos]
    g.remove_edges_from(list(g.in_edges(node, keys=True)) + list(g.out_edges(node, keys=True)))
    assert not nx.is_strongly_connected(g)
    ox.save_graphml(g, graph_path)
    reseal(wugong_copy)
    out = tmp_path / "out"
    result = _plan([], wugong_copy.parent, out)
    assert result.exit_code == 4
    assert result.stderr.strip().splitlines()[-1] == (
        "error: the road graph is disconnected (2 strongly connected parts): no road from "
        "'610431-HUB' to '610431001002' and back"
    )
    assert not out.exists()


def test_unknown_county_names_the_built_ones(tmp_path, wugong_copy):
    result = _plan(["--county", "atlantis"], wugong_copy.parent, tmp_path / "out")
    assert result.exit_code == 3
    assert "no dataset for county 'atlantis'" in result.stderr
    assert "known counties: wugong" in result.stderr
