"""The cost model: standing costs paid every day, marginal costs the search minimises, and the
year's total beside the county's budget."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from cli import main
from routing.costs.annual import annual_costs, sample_dates
from routing.datasets.fleet import VEHICLE_TYPES
from routing.errors import InputError
from routing.inputs.county import load_county

from .conftest import DAY, H, budget, vehicle


def test_a_tour_pays_overtime_only_beyond_the_salaried_hours():
    v = vehicle("V", fixed=20.0, per_km=1.5, per_hour=2.0, salaried_hours=8.0, overtime=40.0)
    assert v.route_cost(10_000, 7 * H) == pytest.approx(20 + 15 + 14)
    assert v.route_cost(10_000, 8 * H) == pytest.approx(20 + 15 + 16)
    assert v.route_cost(10_000, 9.5 * H) == pytest.approx(20 + 15 + 19 + 60)


def test_the_default_fleet_costs_follow_their_documented_derivation():
    """data/README.md, Costs: 8-year depreciation to 5 %, insurance; wage x 1.25 on-costs x 7/6
    relief over 365 days; overtime 150 % of wage / 21.75 days / 8 h."""
    by_code = {t.code: t for t in VEHICLE_TYPES}
    van, truck, reefer = by_code["van"], by_code["truck42"], by_code["reefer42"]
    assert (van.vehicle_day_yuan, van.driver_day_yuan, van.overtime_per_hour_yuan) == (
        49.49,
        215.75,
        38.79,
    )
    assert (truck.vehicle_day_yuan, truck.driver_day_yuan) == (71.49, 239.73)
    assert (reefer.vehicle_day_yuan, reefer.overtime_per_hour_yuan) == (115.36, 47.41)
    fleet = load_county("wugong").fleet
    assert sum(v.standing_cost for v in fleet) == pytest.approx(9_191.88)


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    out = tmp_path_factory.mktemp("plan")
    args = ["plan", "--date", DAY, "--iterations", "30", "--time-limit", "600", "--no-maps"]
    result = CliRunner().invoke(main, [*args, "--quiet", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / "plan.json"


def test_a_plan_states_its_standing_and_full_cost_of_the_day(planned):
    doc = json.loads(planned.read_text(encoding="utf-8"))
    summary = doc["summary"]
    assert doc["standing_cost_yuan"] == summary["standing_cost_yuan"] == 9_191.88
    assert summary["day_cost_yuan"] == round(summary["cost_yuan"] + 9_191.88, 2)
    # marginal: no route pays a standing cost
    assert summary["cost_yuan"] < 0.2 * summary["day_cost_yuan"]


def _check(doc: dict, planned, tmp_path) -> tuple[int, str]:
    """`route check` of a changed plan.json, beside the orders file its plan names."""
    shutil.copytree(planned.parent, tmp_path, dirs_exist_ok=True)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path), "--quiet"])
    return result.exit_code, result.output


def test_route_check_recomputes_the_standing_cost_from_the_fleet(planned, tmp_path):
    doc = json.loads(planned.read_text(encoding="utf-8"))
    doc["standing_cost_yuan"] = 1_000.0
    code, out = _check(doc, planned, tmp_path)
    assert code == 1
    assert (
        "standing_cost_yuan stated 1000.00, but the fleet's vehicles and drivers cost 9191.88"
        in out
    )


def test_route_check_catches_a_wrong_day_cost_in_the_summary(planned, tmp_path):
    doc = json.loads(planned.read_text(encoding="utf-8"))
    doc["summary"]["day_cost_yuan"] += 100
    code, out = _check(doc, planned, tmp_path)
    assert code == 1 and "day_cost_yuan stated" in out


def test_a_plan_of_the_earlier_format_without_standing_costs_still_checks(planned, tmp_path):
    doc = json.loads(planned.read_text(encoding="utf-8"))
    del doc["standing_cost_yuan"], doc["summary"]["standing_cost_yuan"]
    del doc["summary"]["day_cost_yuan"]
    code, out = _check(doc, planned, tmp_path)
    assert code == 0, out


def test_sample_days_stand_for_the_whole_year():
    dates = sample_dates(2026, 8)
    assert sum(days for _, days in dates) == 365
    assert dates[-1][1] == 365 - 8 * 45  # the 46th sample stands for the last 5 days
    assert sample_dates(2028, 183)[-1][1] == 183  # a leap year


def test_the_year_adds_standing_costs_every_day_and_scales_the_sampled_routes():
    a = annual_costs("wugong", 2026, every=183, params=budget(20))
    assert [s.date for s in a.samples] == ["2026-01-01", "2026-07-03"]
    assert [s.days for s in a.samples] == [183, 182]
    marginal = sum(s.marginal_yuan * s.days for s in a.samples)
    assert a.year_yuan == pytest.approx(9_191.88 * 365 + marginal)
    assert all(s.marginal_yuan > 0 and s.vehicles_used > 0 for s in a.samples)
    assert a.budget is not None
    assert a.budget.per_year == pytest.approx(3_000_000 + 5_000_000 * 0.95 / 8)


def test_route_costs_prints_the_year_beside_the_budget():
    args = ["costs", "--year", "2026", "--every", "200", "--iterations", "20", "--quiet"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "budget: 3,000,000 a year to run + 5,000,000 of vehicles" in result.output
    assert "planned against budget:" in result.output


def test_a_malformed_budget_names_its_field(wugong_copy):
    path = wugong_copy / "county.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta["budget"]["running_yuan_per_year"] = "3M"
    path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_county("wugong", wugong_copy.parent)
    (fault,) = err.value.faults
    assert (fault.file, fault.field) == (str(path), "budget.running_yuan_per_year")
    assert "'3M' is not a number" in fault.message


def test_a_day_cost_stated_without_a_standing_cost_is_still_checked(planned, tmp_path):
    doc = json.loads(planned.read_text(encoding="utf-8"))
    del doc["standing_cost_yuan"], doc["summary"]["standing_cost_yuan"]
    doc["summary"]["day_cost_yuan"] = 1.0
    code, out = _check(doc, planned, tmp_path)
    assert code == 1 and "day_cost_yuan stated 1.0" in out
