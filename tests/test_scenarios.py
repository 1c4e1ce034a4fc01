"""Scenario files and their changes: every problem of a bad file in one error, the shipped
examples readable, fleet, demand and co-distribution changes as documented, and the same
results whichever executor runs the plans."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from routing.errors import InputError
from routing.inputs.county import load_county
from routing.pipeline import load_day
from routing.scenarios.changes import fleet_of, scaled
from routing.scenarios.compare import read_all
from routing.scenarios.couriers import courier_problems
from routing.scenarios.kpi_table import KPIS, rows_csv, summarise, table_text
from routing.scenarios.scenario_file import Demand, read_scenario
from routing.units import parse_date_range

from .conftest import WUGONG

ROOT = WUGONG.parent.parent
BROKEN = ROOT / "tests" / "data" / "broken"
EXAMPLES = sorted((ROOT / "scenarios").glob("*.toml"))


def _scenario(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text('name = "s"\ncounty = "wugong"\n' + text, encoding="utf-8")
    return path


def test_the_shipped_examples_read_and_name_wugongs_ids():
    names = {p.stem for p in EXAMPLES}
    assert {
        "wugong-base",
        "wugong-new-station",
        "wugong-fleet-25",
        "wugong-township-transfer",
        "wugong-harvest-peak",
        "wugong-separate-couriers",
    } <= names
    scenarios = read_all(EXAMPLES)
    assert len({s.name for s in scenarios}) == len(EXAMPLES)


@pytest.mark.parametrize(
    "file, where",
    [
        ("scenario_unknown_key.toml", "field 'fleet.sise': unknown key"),
        ("scenario_unknown_point.toml", "field 'points.remove[1]': unknown service point"),
        ("scenario_negative_multiplier.toml", "field 'demand.kinds.pickup': -0.5 is negative"),
        ("scenario_not_toml.toml", "not a readable TOML file"),
    ],
)
def test_a_broken_scenario_names_the_file_and_the_key(file, where):
    with pytest.raises(InputError) as err:
        read_all([BROKEN / file])
    assert f"{BROKEN / file}" in str(err.value) and where in str(err.value)


def test_every_problem_of_a_file_is_listed_at_once():
    with pytest.raises(InputError) as err:
        read_all([BROKEN / "scenario_every_problem.toml"])
    text = str(err.value)
    for where in (
        "field 'colour': unknown key",
        "field 'points.remove[1]': unknown service point '610431999999'",
        "field 'points.move[1].id': 610431-HUB is a hub",
        "field 'demand.goods.apples'",
        "field 'tiers.mode'",
        "field 'fleet.types.bicycle': unknown vehicle type",
    ):
        assert where in text
    assert "6 problems" in text


def test_compare_refuses_an_empty_date_range_and_a_bad_file_before_planning(tmp_path):
    base = str(ROOT / "scenarios" / "wugong-base.toml")
    result = CliRunner().invoke(main, ["compare", base, "--dates", "2026-10-11..2026-10-05"])
    assert result.exit_code == 2 and "empty date range" in result.output
    bad = str(BROKEN / "scenario_unknown_point.toml")
    args = ["compare", base, bad, "--dates", "2026-10-05", "--out", str(tmp_path / "c")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 3 and "unknown service point" in result.output
    assert not (tmp_path / "c").exists()  # nothing written


def test_date_ranges():
    assert parse_date_range("2026-10-05..2026-10-11")[-1] == dt.date(2026, 10, 11)
    assert len(parse_date_range("2026-10-05..2026-10-11")) == 7
    assert parse_date_range("2026-10-05") == [dt.date(2026, 10, 5)]
    for bad in ("2026-10-11..2026-10-05", "2026-01-01..2027-06-01", "2026-13-01"):
        with pytest.raises(ValueError):
            parse_date_range(bad)


def test_a_smaller_fleet_keeps_the_mix_and_a_larger_one_copies_a_type(tmp_path):
    fleet = load_county("wugong").fleet  # 12 vans, 12 trucks, 6 refrigerated trucks
    smaller = fleet_of(read_scenario(_scenario(tmp_path, "[fleet]\nsize = 25\n")), fleet)
    assert [sum(v.type == t for v in smaller) for t in ("van", "truck42", "reefer42")] == [
        10,
        10,
        5,
    ]
    assert {v.id for v in smaller} <= {v.id for v in fleet}
    more = read_scenario(
        _scenario(tmp_path, '[fleet]\ntypes = { van = 14 }\nshift_end = "16:00"\n')
    )
    grown = fleet_of(more, fleet)
    vans = [v for v in grown if v.type == "van"]
    assert len(vans) == 14 and len({v.id for v in grown}) == len(grown)
    assert all(
        v.shift_end == 16 * 3600 and v.max_work_s <= v.shift_end - v.shift_start for v in grown
    )


def test_demand_multipliers_copy_or_thin_the_orders_by_their_ids():
    orders = load_day("wugong", "2026-10-14", data_dir=WUGONG.parent).problem.orders
    produce = [o for o in orders if o.goods == "kiwifruit"]
    peak = scaled(Demand(goods={"kiwifruit": 1.6}), orders, 10)
    copies = [o for o in peak if o.goods == "kiwifruit"]
    assert 1.45 * len(produce) < len(copies) < 1.75 * len(produce)
    assert len(peak) - len(copies) == len(orders) - len(produce)  # the rest unchanged
    assert len({o.id for o in peak}) == len(peak)
    assert scaled(Demand(goods={"kiwifruit": 1.6}), orders, 10) == peak  # by id, every run
    half = scaled(Demand(months={10: 0.5}), orders, 10)
    assert 0.4 * len(orders) < len(half) < 0.6 * len(orders)
    assert scaled(Demand(months={10: 0.5}), orders, 11) == orders  # another month: unchanged


def test_separate_couriers_divide_the_fleet_and_the_orders():
    problem = load_day("wugong", "2026-11-29", data_dir=WUGONG.parent).problem
    parts = courier_problems(problem)
    assert [c for c, _ in parts] == sorted({o.courier for o in problem.orders})
    assert sum(len(p.orders) for _, p in parts) == len(problem.orders)
    vehicles = [v.id for _, p in parts for v in p.vehicles]
    assert sorted(vehicles) == sorted(v.id for v in problem.vehicles)  # each exactly once
    assert all(p.vehicles and {o.courier for o in p.orders} == {c} for c, p in parts)


def _row(scenario: str, seed: int, cost: float, date: str = "2026-11-29") -> dict:
    row = {key: 1.0 for key, *_ in KPIS}
    return {
        **row,
        "scenario": scenario,
        "date": date,
        "seed": seed,
        "day_cost_yuan": cost,
        "unserved_by_reason": {"fleet full": 2} if scenario == "b" else {},
    }


def test_a_difference_within_the_seeds_noise_is_flagged():
    rows = [_row("a", 0, 100.0), _row("a", 1, 110.0), _row("b", 0, 104.0), _row("b", 1, 112.0)]
    rows += [_row("c", 0, 150.0), _row("c", 1, 152.0)]
    summary = summarise(rows, ["a", "b", "c"])
    assert summary["a"]["day_cost_yuan"].mean == 105.0
    assert summary["a"]["day_cost_yuan"].noise == pytest.approx(7.0711, abs=1e-3)
    text = table_text(summary, rows, seeds=2)
    line = next(x for x in text.splitlines() if x.startswith("day's full cost"))
    assert "+3 (+2.9%) (noise)" in line  # b: within twice the combined spread
    assert "+46 (+43.8%)" in line and "+46 (+43.8%) (noise)" not in line  # c: beyond it
    assert "fleet full 2.0" in text
    assert rows_csv(rows).splitlines()[0].endswith("unserved: fleet full")


def test_route_compare_plans_every_scenario_and_writes_the_table(tmp_path):
    base = str(ROOT / "scenarios" / "wugong-base.toml")
    fleet = str(ROOT / "scenarios" / "wugong-fleet-25.toml")
    args = ["compare", base, fleet, "--dates", "2026-11-29", "--iterations", "20"]
    args += ["--time-limit", "600", "--seeds", "2", "--workers", "1", "--quiet"]
    result = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    assert "fleet-25 - base" in result.output and "day's full cost (yuan)" in result.output
    lines = (tmp_path / "c" / "compare.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + 2 * 2  # a row per scenario and seed
    assert (tmp_path / "c" / "compare.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "name", ["wugong-township-transfer", "wugong-separate-couriers", "wugong-new-station"]
)
def test_a_scenario_day_accounts_for_every_order(name):
    """Each order of the scenario's day is served once or unserved with a reason, whatever
    the plans it takes (two echelons, a plan per courier, orders moved to a new point)."""
    from routing.scenarios.run import Task, run_task

    row = run_task(Task(ROOT / "scenarios" / f"{name}.toml", "2026-11-29", 0, 600.0, 20))
    assert row["served"] + row["unserved"] == row["orders"] == sum_orders()
    assert row["unserved"] == sum(row["unserved_by_reason"].values())


def sum_orders() -> int:
    return len(load_day("wugong", "2026-11-29", data_dir=WUGONG.parent).problem.orders)


def test_closed_and_moved_points_take_their_orders_with_them(tmp_path):
    """A closed village's orders follow its residents to the open points they now use; a
    closed township station's own orders go to the nearest station; nothing is lost."""
    from routing.scenarios.changes import points_of, repointed
    from routing.scenarios.run import _to_open, access_of

    day = load_day("wugong", "2026-11-29", data_dir=WUGONG.parent)
    villages = [p for p in day.county.points if p.tier == "village"]
    station = next(p for p in day.county.points if p.tier == "township")
    busy = max(villages, key=lambda p: sum(o.point == p.id for o in day.problem.orders))
    moved = villages[0]
    text = f'[points]\nremove = ["{busy.id}", "{station.id}"]\n'
    text += f'[[points.move]]\nid = "{moved.id}"\nlon = {moved.lon + 0.01}\nlat = {moved.lat}\n'
    s = read_scenario(_scenario(tmp_path, text))
    points = points_of(s, day.county.points)
    assert busy.id not in {p.id for p in points} and station.id not in {p.id for p in points}
    assert next(p for p in points if p.id == moved.id).lon == pytest.approx(moved.lon + 0.01)
    reach = access_of(day, points)
    shares = {u.unit: dict(u.shares) for u in reach.units}
    assert busy.id not in shares[busy.id]  # its residents use other points now
    orders = _to_open(repointed(day.problem.orders, shares), points, day.county.points)
    assert [o.id for o in orders] == [o.id for o in day.problem.orders]
    open_ids = {p.id for p in points}
    assert all(o.point in open_ids for o in orders)
    went = {
        o.point for o, was in zip(orders, day.problem.orders, strict=True) if was.point == busy.id
    }
    assert went and went <= set(shares[busy.id])
    assert next(u for u in reach.units if u.unit == busy.id).mean_m > 0


def test_route_site_writes_a_scenario_that_compare_reads(tmp_path):
    out = tmp_path / "new.toml"
    result = CliRunner().invoke(
        main, ["site", "--add", "1", "--time-limit", "5", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "proven optimal" in result.output or "NOT proven optimal" in result.output
    (s,) = read_all([out])
    assert len(s.added) == 1 and s.county == "wugong"


def test_under_a_visit_calendar_the_parcels_wait_shows(tmp_path):
    """A county with a visit calendar: the scenario day plans what the calendar plans that
    day, and the parcels carried from earlier days show as waiting; without it, none wait."""
    from routing.calendars.schedule import make_calendar
    from routing.scenarios.run import Task, run_task

    base = ROOT / "scenarios" / "wugong-base.toml"
    plain = run_task(Task(base, "2026-03-04", 0, 600.0, 20, tmp_path))
    assert plain["wait_days"] == 0.0
    make_calendar("wugong", dt.date(2026, 3, 2), dt.date(2026, 3, 8), 2, 60, data_dir=tmp_path)
    row = run_task(Task(base, "2026-03-04", 0, 600.0, 20, tmp_path))  # a Wednesday
    assert 0.0 < row["wait_days"] <= 2.0
    assert row["orders"] != plain["orders"]  # deferred and carried orders


def test_two_files_with_one_name_are_refused(tmp_path):
    base = ROOT / "scenarios" / "wugong-base.toml"
    copy = tmp_path / "copy.toml"
    copy.write_text(base.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_all([base, copy])
    assert f"{copy}, field 'name': 'base' is the name of another file" in str(err.value)
