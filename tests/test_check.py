"""`route check` trusts nothing in a plan file: each kind of tampering gives one precise line,
and nothing else (no follow-on noise)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from routing.model.problem import UNREACHABLE
from routing.pipeline import day_of, open_plan
from routing.plans.document import Unserved
from routing.plans.validate import replay

from .conftest import WUGONG


@pytest.fixture(scope="module")
def planned(tmp_path_factory) -> Path:
    """A Wugong day planned on an iteration budget; its folder is copied per test."""
    base = tmp_path_factory.mktemp("check")
    shutil.copytree(WUGONG, base / "data" / "wugong", ignore=shutil.ignore_patterns("orders"))
    out = base / "plan"
    args = ["plan", "--date", "2026-11-29", "--iterations", "30", "--time-limit", "600"]
    args += ["--no-maps", "--quiet", "--data-dir", str(base / "data"), "--out", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return out / "plan.json"


def _check(path: Path) -> tuple[int, list[dict], str]:
    result = CliRunner().invoke(main, ["check", str(path), "--json"])
    doc = json.loads(result.stdout)
    text = CliRunner().invoke(main, ["check", str(path)]).stdout
    return result.exit_code, doc["violations"], text


def _write(tmp_path: Path, planned: Path, doc: dict) -> Path:
    """The tampered document beside a copy of the plan's generated orders."""
    shutil.copy(planned.parent / "orders.csv", tmp_path / "orders.csv")
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _left_out(planned: Path, reason: str):
    """The plan with the first delivery of its first route listed as unserved for `reason`,
    the route and the summary made consistent again; and that order's id."""
    pf = open_plan(planned)
    problem = day_of(pf).problem
    plan = pf.plan
    route = plan.routes[0]
    stop = next(s for s in route.stops if s.deliver)
    oid = stop.deliver[0]
    stops = tuple(
        replace(s, deliver=tuple(x for x in s.deliver if x != oid)) if s is stop else s
        for s in route.stops
    )
    routes = (replace(route, stops=stops), *plan.routes[1:])
    unserved = (*plan.unserved, Unserved(oid, reason))
    return replay(replace(plan, routes=routes, unserved=unserved), problem), oid


def test_an_untouched_plan_passes(planned):
    code, violations, text = _check(planned)
    assert (code, violations) == (0, [])
    assert ": OK (" in text


def test_a_changed_summary_gives_one_line_per_false_figure(planned, tmp_path):
    doc = json.loads(planned.read_text(encoding="utf-8"))
    real = dict(doc["summary"])
    doc["summary"].update(
        cost_yuan=round(real["cost_yuan"] - 12.34, 2),
        orders_served=real["orders_served"] + 1,
        vehicles_used=real["vehicles_used"] - 1,
        distance_km=round(real["distance_km"] - 10, 3),
        hours=round(real["hours"] - 1, 3),
    )
    code, violations, text = _check(_write(tmp_path, planned, doc))
    assert code == 1
    assert [(v["rule"], v["message"].split()[0]) for v in violations] == [
        ("summary", "vehicles_used"),
        ("summary", "distance_km"),
        ("summary", "hours"),
        ("summary", "cost_yuan"),
        ("summary", "orders_served"),
    ]
    cost = next(v for v in violations if v["message"].startswith("cost_yuan"))
    assert cost["message"] == (
        f"cost_yuan stated {doc['summary']['cost_yuan']}, but the plan's routes give "
        f"{real['cost_yuan']}"
    )
    # the last line shows the true figure beside the false one, never only its own
    assert f"the routes cost {real['cost_yuan']:.2f} yuan" in text
    assert f"the file states {doc['summary']['cost_yuan']:.2f}" in text


def test_a_false_unserved_reason_is_caught(planned, tmp_path):
    """A served order moved to `unserved` as 'unreachable', with every figure of the route and
    the summary made consistent again: only the reason is false, and that is the one line."""
    tampered, oid = _left_out(planned, "unreachable")
    code, violations, _ = _check(_write(tmp_path, planned, tampered.to_dict()))
    assert code == 1
    assert [(v["rule"], v["order"]) for v in violations] == [("reason", oid)]
    assert violations[0]["message"].startswith(f"order '{oid}' is not 'unreachable': ")
    assert "can drive there and back" in violations[0]["message"]


def test_a_route_given_to_a_truck_that_may_not_use_its_lanes(planned, tmp_path):
    """A van's route through a village reached only by a narrow lane (track), handed to an idle
    truck that may not use tracks: one line, on the first leg the truck cannot drive, and no
    follow-on noise (the old checker stopped there and then listed the route's orders as
    neither served nor unserved)."""
    pf = open_plan(planned)
    problem = day_of(pf).problem
    plan = pf.plan
    used = {r.vehicle for r in plan.routes}
    truck = next(v for v in problem.vehicles if "track" in v.banned_roads and v.id not in used)
    lanes = problem.time_s[truck.profile.key]
    hub = problem.index[truck.depot]

    def lane_only(point: str) -> bool:
        return lanes[hub, problem.index[point]] >= UNREACHABLE

    k, route = next(
        (k, r) for k, r in enumerate(plan.routes) if any(lane_only(s.point) for s in r.stops)
    )
    first = next(i for i, s in enumerate(route.stops, start=1) if lane_only(s.point))
    routes = list(plan.routes)
    routes[k] = replace(route, vehicle=truck.id)
    doc = replace(plan, routes=tuple(routes)).to_dict()
    code, violations, text = _check(_write(tmp_path, planned, doc))
    assert code == 1
    assert [(v["rule"], v["vehicle"], v["stop"]) for v in violations] == [("road", truck.id, first)]
    previous = route.stops[first - 2].point if first > 1 else truck.depot
    assert violations[0]["message"].startswith(
        f"no road this vehicle may use from '{previous}' to '{route.stops[first - 1].point}'"
    )
    assert "neither served nor listed" not in text


def test_two_tamperings_give_two_lines_with_route_stop_and_rule(planned, tmp_path):
    """--json gives every violation with its route (vehicle), stop and rule."""
    doc = json.loads(planned.read_text(encoding="utf-8"))
    doc["routes"][0]["stops"][1]["arrival_s"] += 300
    doc["routes"][1]["cost_yuan"] = round(doc["routes"][1]["cost_yuan"] + 1.0, 2)
    code, violations, _ = _check(_write(tmp_path, planned, doc))
    assert code == 1
    assert [(v["rule"], v["vehicle"], v["stop"]) for v in violations] == [
        ("times", doc["routes"][0]["vehicle"], 2),
        ("cost", doc["routes"][1]["vehicle"], None),
    ]


def test_an_order_left_out_beside_an_idle_vehicle_is_caught(planned, tmp_path):
    """A served order moved to `unserved` as 'not placed by the search', the route and the
    summary made consistent again. The reason is true (its old place is free), but vehicles
    stand idle that could carry it alone: one `idle` line, naming such a vehicle."""
    tampered, oid = _left_out(planned, "not placed by the search")
    plan = open_plan(planned).plan
    code, violations, text = _check(_write(tmp_path, planned, tampered.to_dict()))
    assert code == 1
    assert [(v["rule"], v["order"]) for v in violations] == [("idle", oid)]
    idle = violations[0]["vehicle"]
    assert idle not in {r.vehicle for r in plan.routes}
    assert f"while {idle} stands idle and could serve it on a trip of its own" in text
