"""Unserved orders explained in a planner's words: the place by name and town, and the cause
behind the reason code, in plan.json, the terminal, `--json`, the sheets' cover and the map."""

from __future__ import annotations

import json
from dataclasses import replace

from click.testing import CliRunner

from cli import main
from routing.pipeline import load_day
from routing.plans.explain import explained
from routing.solve.solver import solve_problem

from .conftest import H, budget, make_problem, order, point, vehicle

PEAK = "2026-11-16"  # Wugong's Double-11 peak: more deliveries than one tour each can carry


def _why(problem) -> dict[str, tuple[str, str]]:
    solved = solve_problem(problem, budget(50))
    return {u.order: (u.reason, u.detail) for u in explained(problem, solved.unserved)}


def test_a_cold_order_behind_lanes_names_the_roads_and_the_vehicles():
    van = replace(vehicle("VAN-1"), type="van")
    reefer = replace(vehicle("REF-1", cold=True, banned=frozenset({"track"})), type="reefer42")
    pts = [point("HUB", 0, 0, tier="hub"), point("A", 2, 0)]
    problem = make_problem(
        pts,
        [van, reefer],
        [order("cold", "A", kind="pickup", cold=True)],
        {reefer.profile.key: {"A"}},
    )
    reason, detail = _why(problem)["cold"]
    assert reason == "unreachable"
    assert detail == (
        "A (A) (test, collection): only lane roads reach it, and vehicles with refrigeration "
        "(refrigerated trucks) may not use them; vehicles allowed there: vans (none with "
        "refrigeration)"
    )


def test_a_window_no_vehicle_can_reach_gives_the_window_and_the_earliest_arrival():
    pts = [point("HUB", 0, 0, tier="hub"), point("A", 3.6, 0, fixed=60)]
    early = order("early", "A", earliest=8 * H, latest=8 * H + 600)
    problem = make_problem(pts, [vehicle("V1", start=9 * H)], [early])
    reason, detail = _why(problem)["early"]
    assert reason == "time window"
    # 3.6 km at 36 km/h is 6 minutes, plus a minute of set-up: 09:07
    assert detail.endswith(
        "no vehicle can be there between 08:00 and 08:10: the earliest a vehicle allowed can "
        "start there is 09:07"
    )


def test_an_order_larger_than_any_vehicle_gives_both_sizes():
    pts = [point("HUB", 0, 0, tier="hub"), point("A", 1, 0)]
    problem = make_problem(pts, [vehicle("V1", kg=100)], [order("big", "A", kg=500)])
    reason, detail = _why(problem)["big"]
    assert reason == "capacity"
    assert detail.endswith(
        "500.0 kg and 0 L on its own; the largest vehicle allowed carries 100 kg and 1,000 L"
    )


def test_a_full_fleet_says_how_much_is_to_move_against_its_capacity():
    pts = [point("HUB", 0, 0, tier="hub"), point("A", 1, 0), point("B", 2, 0)]
    orders = [order("a", "A", kg=60), order("b", "B", kg=70)]
    problem = make_problem(pts, [vehicle("V1", kg=100)], orders)
    why = _why(problem)
    ((reason, detail),) = why.values()
    assert reason == "fleet full"
    assert detail.endswith(
        "fleet full: 130 kg of deliveries today, 100 kg of capacity in one trip per vehicle"
    )


def test_every_output_of_a_plan_explains_its_unserved_orders(tmp_path, one_trip_wugong):
    out = tmp_path / "plan"
    args = ["plan", "--date", PEAK, "--iterations", "30", "--time-limit", "600"]
    args += ["--data-dir", str(one_trip_wugong), "--json"]
    result = CliRunner().invoke(main, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    rows = report["unserved_orders"]
    assert rows, "the peak day has more deliveries than the fleet carries in one tour each"
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert [u["order"] for u in doc["unserved"]] == [r["order"] for r in rows]
    problem = load_day("wugong", PEAK, data_dir=one_trip_wugong).problem
    tonnes = sum(o.kg for o in problem.orders if o.kind == "delivery") / 1000
    full = f"fleet full: {tonnes:,.1f} t of deliveries today, 40.2 t of capacity in one trip"
    for u, r in zip(doc["unserved"], rows, strict=True):
        assert u["detail"] == r["detail"] and r["name"] in u["detail"] and r["name_pinyin"]
        if u["reason"] == "fleet full":
            assert full in u["detail"]
    # the map: a red cross per place, in its own layer
    page = (out / "map.html").read_text(encoding="utf-8")
    places = {r["point"] for r in rows}
    assert page.count('class="stop unserved"') == len(places)
    assert 'data-v="x-unserved"' in page
    # the terminal, without --json
    text = CliRunner().invoke(main, [*args[:-1], "--out", str(tmp_path / "again")]).output
    assert f"{rows[0]['order']}: {rows[0]['detail']}" in text


def test_the_sheets_open_with_the_days_cover_page(tmp_path):
    plan_dir = tmp_path / "plan"
    args = ["plan", "--date", PEAK, "--iterations", "30", "--time-limit", "600", "--quiet"]
    assert CliRunner().invoke(main, [*args, "--out", str(plan_dir)]).exit_code == 0
    whole = plan_dir / "sheets.pdf"
    plan = json.loads((plan_dir / "plan.json").read_text(encoding="utf-8"))
    vehicle_ = plan["routes"][0]["vehicle"]
    one = tmp_path / "one.pdf"
    sheets = ["sheets", str(plan_dir / "plan.json"), "--vehicle", vehicle_, "--out", str(one)]
    assert CliRunner().invoke(main, sheets).exit_code == 0
    whole_pages = whole.read_bytes().count(b"/Type /Page\n")
    assert whole_pages > 1 + len(plan["routes"]) - 1  # a cover and a page or more per route
    # a driver's own sheets have no cover: one route's pages only
    assert one.read_bytes().count(b"/Type /Page\n") < whole_pages


def test_the_sizes_compared_are_those_of_the_vehicles_that_can_get_there():
    """The truck carries more but may not use the lane to A: the van's size is the limit."""
    van = replace(vehicle("VAN-1", kg=800), type="van")
    truck = replace(vehicle("TRK-1", kg=1800, banned=frozenset({"track"})), type="truck42")
    pts = [point("HUB", 0, 0, tier="hub"), point("A", 1, 0)]
    heavy = order("heavy", "A", kg=1000)
    problem = make_problem(pts, [van, truck], [heavy], {truck.profile.key: {"A"}})
    reason, detail = _why(problem)["heavy"]
    assert reason == "capacity"
    assert detail.endswith("the largest vehicle allowed carries 800 kg and 1,000 L")
