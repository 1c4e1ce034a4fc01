"""Drivers' rests: no more than 4 hours of driving without 20 minutes of rest (Road Traffic
Safety Law Implementing Regulations, Art. 62). The timing rule places them, the engines plan
with the time held back, `route check` verifies them."""

from __future__ import annotations

from dataclasses import replace

from routing.plans.validate import replay, validate
from routing.solve.solver import solve_problem

from .conftest import H, budget, make_problem, order, plan_of, point, vehicle
from .test_model_bruteforce import long_drives_need_rests


def test_rests_are_taken_where_the_driving_would_pass_four_hours():
    problem = long_drives_need_rests()
    solved = solve_problem(problem, budget(50))
    (route,) = solved.routes
    # 2.5 h to the first village, 2.5 h on to the second: a rest at each before going on
    assert [s.break_s for s in route.stops] == [1200, 1200]
    assert validate(plan_of(problem, solved), problem) == []


def test_route_check_catches_a_rest_left_out():
    problem = long_drives_need_rests()
    plan = plan_of(problem, solve_problem(problem, budget(50)))
    (route,) = plan.routes
    stops = (replace(route.stops[0], break_s=0), route.stops[1])
    # the times re-driven without that rest: only the rest is missing
    tampered = replay(replace(plan, routes=(replace(route, stops=stops),)), problem)
    found = validate(tampered, problem)
    assert [(v.rule, v.stop) for v in found if v.rule != "summary"] == [("breaks", 2)]
    assert "5.00 h of driving without a 20-minute rest on reaching it" in found[0].message


def test_a_long_wait_for_a_window_counts_as_the_rest():
    """3 h to A, which opens an hour after a van leaving at 06:00 gets there; 3 h back. The
    planner leaves an hour later and rests 20 minutes at A (shorter); a plan that leaves at
    06:00 and waits the hour instead is as lawful."""
    pts = [point("HUB", 0, 0, tier="hub"), point("A", 180, 0, opens=10 * H)]
    van = vehicle("V1", start=6 * H, max_hours=12.0, speed=60.0)
    problem = make_problem(pts, [van], [order("a", "A", earliest=10 * H)])
    plan = plan_of(problem, solve_problem(problem, budget(20)))
    (route,) = plan.routes
    assert (route.depart_s, route.stops[0].break_s) == (7 * H, 1200)
    early = replay(
        replace(
            plan,
            routes=(replace(route, depart_s=6 * H, stops=(replace(route.stops[0], break_s=0),)),),
        ),
        problem,
    )
    assert early.routes[0].stops[0].start_s - early.routes[0].stops[0].arrival_s == H
    assert [v.rule for v in validate(early, problem) if v.rule not in ("summary",)] == []
