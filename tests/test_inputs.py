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
from routing.bench.readers import read_instance, to_problem
from routing.errors import InputError
from routing.inputs.county import load_county
from routing.inputs.orders import read_orders
from routing.network.graph import load_graph, road_arrays, snap
from routing.pipeline import load_day
from routing.plans.compare import read_route_csv

from .conftest import make_problem, order, point, reseal, vehicle

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
        ("points_extra_cells.csv", 5, None, "has 13 cells, the header has 12"),
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
        ("orders_extra_cells.csv", 3, None, "has 15 cells, the header has 14"),
        (
            "orders_duplicate_column.csv",
            1,
            "kg",
            "column 'kg' is given 2 times in the header (columns 9, 15)",
        ),
        (
            "orders_stray_quote.csv",
            2,
            None,
            "has 1 cell, the header has 14 (a quote mark opened here is never closed?)",
        ),
        (
            "orders_nul_byte.csv",
            3,
            None,
            "has a NUL byte: not a text CSV file; reading stopped here",
        ),
        (
            "orders_not_utf8.csv",
            3,
            None,
            "not a text CSV file: byte 244 is not UTF-8 (a binary file? save it as 'CSV UTF-8')",
        ),
        (
            "orders_utf16.csv",
            None,
            None,
            "not a text CSV file in UTF-8: it is UTF-16 (save it as 'CSV UTF-8')",
        ),
        ("orders_empty.csv", 1, None, "the file is empty: a CSV file needs a header row"),
        (
            "orders_kg_1e30.csv",
            3,
            "kg",
            "must be <= 100000000 (the largest the solver represents), got 1e30",
        ),
    ],
)
def test_broken_orders_file(fixture, row, field, message):
    county = load_county("wugong")
    with pytest.raises(InputError) as err:
        read_orders(BROKEN / fixture, county, DAY)
    (fault,) = err.value.faults
    assert (fault.row, fault.field, fault.message) == (row, field, message)
    assert str(fault).startswith(str(BROKEN / fixture))


@pytest.mark.parametrize(
    ("fixture", "row", "field", "message"),
    [
        (
            "fleet_capacity_1e30.csv",
            4,
            "capacity_kg",
            "must be <= 100000000 (the largest the solver represents), got 1e30",
        ),
        ("fleet_cost_per_km_inf.csv", 3, "cost_per_km_yuan", "'inf' is not a finite number"),
        ("fleet_vehicle_day_negative.csv", 2, "vehicle_day_yuan", "must be >= 0, got -49.49"),
        ("fleet_driver_day_text.csv", 3, "driver_day_yuan", "'215 yuan' is not a number"),
        ("fleet_salaried_hours_25.csv", 4, "salaried_hours", "must be <= 24, got 25"),
        ("fleet_lunch_from_bad.csv", 2, "lunch_from", "'11h30' is not a time of day HH:MM"),
        (
            "fleet_lunch_to_missing.csv",
            3,
            "lunch_to",
            "a lunch break needs lunch_from, lunch_to and lunch_minutes",
        ),
        (
            "fleet_lunch_minutes_too_long.csv",
            4,
            "lunch_minutes",
            "45 minutes of lunch do not fit between 11:30 and 12:00",
        ),
        (
            "fleet_insulated_maybe.csv",
            3,
            "insulated",
            "'maybe' is not a yes/no value (use true or false)",
        ),
        (
            "fleet_overtime_inf.csv",
            3,
            "overtime_per_hour_yuan",
            "'inf' is not a finite number",
        ),
        ("fleet_max_trips_zero.csv", 2, "max_trips", "must be >= 1, got 0"),
        (
            "fleet_reload_minutes_missing.csv",
            3,
            "reload_minutes",
            "2 trips a day need reload_minutes, the time at the centre between two trips",
        ),
        (
            "fleet_reload_minutes_text.csv",
            4,
            "reload_minutes",
            "'half an hour' is not a whole number",
        ),
    ],
)
def test_broken_fleet_file(wugong_copy, fixture, row, field, message):
    shutil.copy(BROKEN / fixture, wugong_copy / "fleet.csv")  # not sealed: no reseal needed
    with pytest.raises(InputError) as err:
        load_county("wugong", wugong_copy.parent)
    (fault,) = err.value.faults
    assert (fault.file, fault.row, fault.field, fault.message) == (
        str(wugong_copy / "fleet.csv"),
        row,
        field,
        message,
    )


def test_a_field_beyond_the_csv_limit_is_a_fault_not_an_exception(tmp_path):
    """A quote mark never closed makes the rest of the file one field, here 200 kB: more than
    the csv module reads (csv.field_size_limit()), which raises; the reader names the row."""
    lines = (BROKEN.parent / "orders_ok.csv").read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "orders.csv"
    bad.write_text(f'{lines[0]}\n{lines[1]}\n"{lines[2]}{"x" * 200_000}\n', encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_orders(bad, load_county("wugong"), DAY)
    (fault,) = err.value.faults
    assert (fault.row, fault.field) == (3, None)
    assert fault.message == (
        "not readable as CSV (field larger than field limit (131072); a stray quote mark?); "
        "reading stopped here"
    )


@pytest.mark.parametrize(
    ("fixture", "row", "field", "message"),
    [
        ("bench_no_capacity.vrp", None, "CAPACITY", "has no CAPACITY line"),
        (
            "bench_capacity_1e30.vrp",
            None,
            "capacity_kg",
            "vehicle 'V1' (and 3 more) has 1e+30: must be <= 100000000 (the largest the solver "
            "represents)",
        ),
        (
            "bench_dimension_mismatch.vrp",
            7,
            "NODE_COORD_SECTION",
            "NODE_COORD_SECTION has 5 lines, DIMENSION says 6",
        ),
        ("bench_text_coordinate.vrp", 10, None, "'one' is not a number"),
        (
            "bench_sections_differ.vrp",
            12,
            "DEMAND_SECTION",
            "DEMAND_SECTION has 4 lines, NODE_COORD_SECTION has 5",
        ),
    ],
)
def test_broken_benchmark_file(fixture, row, field, message):
    with pytest.raises(InputError) as err:
        to_problem(read_instance(BROKEN / fixture))
    _names(err.value.faults[0], fixture, row, field, message)


@pytest.mark.parametrize(
    ("fixture", "field", "message"),
    [
        (
            "roads_speed_zero.graphml",
            "speed_kph",
            "edge 2->1 has speed_kph '0.0': need a number > 0 km/h",
        ),
        (
            "roads_truncated.graphml",
            None,
            "not a readable GraphML road graph (unclosed token: line 18, column 4)",
        ),
    ],
)
def test_broken_road_graph(fixture, field, message):
    with pytest.raises(InputError) as err:
        load_graph(BROKEN / fixture)
    (fault,) = err.value.faults
    assert (fault.file, fault.field, fault.message) == (str(BROKEN / fixture), field, message)


@pytest.fixture(scope="module")
def courier_day():
    """The hand-made courier day of tests/data/courier (four orders on 2026-12-01)."""
    courier = BROKEN.parent / "courier"
    return load_day("wugong", "2026-12-01", orders_file=courier / "orders_2026-12-01.csv").problem


@pytest.mark.parametrize(
    ("fixture", "row", "field", "message"),
    [
        ("route_short_row.csv", 4, None, "has 3 cells, the header has 7"),
        ("route_sequence_text.csv", 4, "sequence", "'second' is not a whole number"),
        (
            "route_binary.csv",
            2,  # byte 11 is a line feed
            None,
            "not a text CSV file: byte 129 is not UTF-8 (a binary file? save it as 'CSV UTF-8')",
        ),
    ],
)
def test_broken_courier_route_file(courier_day, fixture, row, field, message):
    with pytest.raises(InputError) as err:
        read_route_csv(BROKEN / fixture, courier_day)
    (fault,) = err.value.faults
    _names(fault, fixture, row, field, message)


@pytest.mark.parametrize(
    ("change", "field", "value"),
    [
        ({"kg": 1e30}, "capacity_kg", "1e+30"),
        ({"per_km": float("nan")}, "cost_per_km_yuan", "nan"),
        ({"fixed": -1.0}, "fixed_cost_yuan", "-1.0"),
        ({"per_hour": 1e6}, "cost_per_hour_yuan", "1000000.0"),
    ],
)
def test_problems_from_other_sources_are_held_to_the_solver_limits(change, field, value):
    """Benchmarks and the Python API build vehicles directly: `build_problem` checks them."""
    pts = [point("HUB", 0, 0, tier="hub"), point("A", 1, 0)]
    with pytest.raises(InputError) as err:
        make_problem(pts, [vehicle("V1", **change)], [order("o1", "A")])
    (fault,) = err.value.faults
    assert fault.field == field
    assert fault.message.startswith(f"vehicle 'V1' has {value}: must be ")


def test_a_day_whose_penalties_could_overflow_int64_is_refused():
    """Every number in range (the dearest costs allowed, a village 500 km out), but the sum of
    20,000 orders' penalties (each 2 x 4 x the most serving one could cost, in micro-yuan)
    would pass what the engines' 64-bit integers hold; 10,000 orders still fit."""
    pts = [point("HUB", 0, 0, tier="hub"), point("A", 500, 0)]
    fleet = [vehicle("V1", per_km=1e4, fixed=1e6, per_hour=1e5)]
    assert make_problem(pts, fleet, [order(f"o{k}", "A") for k in range(10_000)])
    with pytest.raises(InputError, match="costs too large for the solver: with 20,000 orders"):
        make_problem(pts, fleet, [order(f"o{k}", "A") for k in range(20_000)])


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
            "600",
            "--iterations",
            "30",
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


def _names(fault, fixture: str, row, field, message: str) -> None:
    """The fault names the broken file, its row and field, with exactly this message."""
    assert (fault.file, fault.row, fault.field, fault.message) == (
        str(BROKEN / fixture),
        row,
        field,
        message,
    )
