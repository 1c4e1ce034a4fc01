"""The construction that backs up OR-Tools' first solution: always feasible routes, whatever
the time left, so no time limit ends in an engine failure."""

from __future__ import annotations

import time

from click.testing import CliRunner

from cli import main
from routing.model.schedule import evaluate
from routing.model.visits import build_nodes
from routing.pipeline import load_day
from routing.solve.construction import greedy_routes

from .conftest import make_problem, order, point, vehicle


def test_greedy_routes_on_wugong_are_feasible_and_cover_most_of_the_day():
    nm = build_nodes(load_day("wugong", "2026-10-14").problem)  # a harvest day
    routes = greedy_routes(nm)
    placed = [k for seq in routes for k in seq]
    assert len(placed) == len(set(placed))  # each node at most once
    for v, seq in enumerate(routes):
        if seq:
            ev = evaluate(nm.problem, nm.nodes, v, seq)
            assert ev.feasible, (nm.problem.vehicles[v].id, ev.violation)
        for k in seq:  # a facility drop follows its visit on the same route
            n = nm.nodes[k]
            if n.unload:
                assert seq.index(n.pair) < seq.index(k)
            assert v in n.allowed
    visits = [k for k, n in enumerate(nm.nodes) if not n.unload]
    # most of the day: a backup start, which the search completes (it serves every order)
    assert len([k for k in placed if not nm.nodes[k].unload]) >= 0.75 * len(visits)
    assert greedy_routes(nm) == routes  # deterministic


def test_greedy_routes_past_the_deadline_is_an_empty_plan_not_a_failure():
    nm = build_nodes(load_day("wugong", "2026-11-29").problem)
    routes = greedy_routes(nm, deadline=time.perf_counter() - 1.0)
    assert routes == tuple(() for _ in nm.problem.vehicles)


def test_greedy_routes_leave_out_what_no_vehicle_can_take_in_time():
    pts = [point("HUB", 0, 0, tier="hub"), point("A", 1, 0), point("B", 30, 0)]
    orders = [order("oA", "A"), order("oB", "B", latest=600)]  # B is 50 min away at 36 km/h
    nm = build_nodes(make_problem(pts, [vehicle("V1")], orders))
    routes = greedy_routes(nm)
    served = {o for seq in routes for k in seq for o in nm.nodes[k].orders}
    assert served == {0}


def test_a_tiny_time_limit_still_plans_a_valid_day(wugong_copy, tmp_path):
    """0.3 s is too little for OR-Tools' first solution on Wugong: the plan still comes out,
    validated (a plan that fails validation is never written)."""
    out = tmp_path / "p"
    args = ["plan", "--date", "2026-11-29", "--time-limit", "0.3", "--no-maps", "--quiet"]
    result = CliRunner().invoke(
        main, [*args, "--data-dir", str(wugong_copy.parent), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    check = CliRunner().invoke(main, ["check", str(out / "plan.json")])
    assert check.exit_code == 0, check.output
