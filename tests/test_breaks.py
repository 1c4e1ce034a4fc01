"""Drivers' rests: no more than 4 hours of driving without 20 minutes of rest (Road Traffic
Safety Law Implementing Regulations, Art. 62). The timing rule places them, the engines plan
with the time held back, `route check` verifies them."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.model.params import SolveParams
from routing.model.schedule import evaluate
from routing.model.visits import build_nodes
from routing.pipeline import load_day
from routing.plans.validate import replay, validate
from routing.scenarios.couriers import courier_problems
from routing.solve.construction import greedy_routes
from routing.solve.repair import trim_to_rules
from routing.solve.solver import solve_problem

from .conftest import WUGONG, H, budget, make_problem, order, plan_of, point, vehicle
from .test_model_bruteforce import compass_villages, long_drives_need_rests, solve_and_compare


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


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_long_random_tours_rest_by_the_rule(data):
    """Villages 40-160 km out, a van at 60 km/h (legs up to 5 h): whatever the solver plans
    keeps every rule, and the driving between rests, recomputed here from the legs (with a
    rest on the road in each 4 hours of a longer leg), never passes 4 hours."""
    n = data.draw(st.integers(2, 5), label="villages")
    pts = [point("HUB", 0, 0, tier="hub")]
    for k in range(n):
        x = data.draw(st.integers(-160, 160), label=f"x{k}")
        y = data.draw(st.integers(40, 160), label=f"y{k}")
        pts.append(point(f"P{k}", x, y, fixed=300))
    vans = [vehicle(f"V{k}", start=5 * H, max_hours=16.0, speed=60.0) for k in range(2)]
    problem = make_problem(pts, vans, [order(f"o{k}", f"P{k}") for k in range(n)])
    solved = solve_problem(problem, budget(30))
    assert validate(plan_of(problem, solved), problem) == []
    tmat = problem.time_s[vans[0].profile.key]
    for r in solved.routes:
        legs = ["HUB", *(s.point for s in r.stops), "HUB"]
        driving = 0
        for k, (a, b) in enumerate(itertools.pairwise(legs)):
            leg = int(tmat[problem.index[a], problem.index[b]])
            if leg > 4 * H:  # a very long leg rests on the road every 4 hours
                leg -= (leg - 1) // (4 * H) * 4 * H
            driving += leg
            assert driving <= 4 * H
            stop = r.stops[k] if k < len(r.stops) else None
            if stop is not None and (stop.break_s >= 1200 or stop.start_s - stop.arrival_s >= 1500):
                driving = 0


def lunch_on_the_road(start: int = 11 * H):
    """The compass villages toured from 11:00 by a van whose driver lunches 30 minutes between
    11:30 and 13:30: the lunch falls at the second village, the first stop whose service ends
    in the window (11:38)."""
    pts = compass_villages()
    van = replace(vehicle("V1", start=start, per_hour=20.0), lunch=(41400, 48600, 1800))
    return make_problem(pts, [van], [order(f"o{p}", p) for p in "NESW"])


def test_the_lunch_is_taken_in_its_window_and_agrees_with_brute_force():
    problem = lunch_on_the_road()
    opt, solved = solve_and_compare(problem)
    (route,) = solved.routes
    assert [s.break_s for s in route.stops] == [0, 1800, 0, 0]
    assert 41400 <= route.stops[1].departure_s - 1800 <= 48600 - 1800
    # 10 yuan + 49.94 km + 20 yuan/h x (4,990 s driving + 4 x 300 s + 1,800 s lunch)
    assert opt.cost == pytest.approx(10 + 49.94 + 20 * 7990 / 3600, abs=0.02)


def test_route_check_catches_a_lunch_left_out():
    """From 11:45 the tour is out from before 12:00 to after 13:00 without its lunch: too late
    to lunch before leaving, too late after coming back."""
    problem = lunch_on_the_road(start=11 * H + 45 * 60)
    plan = plan_of(problem, solve_problem(problem, budget(50)))
    (route,) = plan.routes
    stops = tuple(replace(s, break_s=0) for s in route.stops)
    tampered = replay(replace(plan, routes=(replace(route, stops=stops),)), problem)
    found = [v for v in validate(tampered, problem) if v.rule == "breaks"]
    assert [v.message for v in found] == ["no 30-minute lunch break between 11:30:00 and 13:30:00"]


def test_a_route_its_rests_push_past_the_shift_is_trimmed_to_the_rules():
    """An engine plans without the rests where the shift holds no reserve for them; a route
    that comes back over its shift loses visits from its end, not the whole plan."""
    problem = long_drives_need_rests()
    nm = build_nodes(problem)
    (seq,) = greedy_routes(nm)  # both villages, a rest before each
    full = evaluate(problem, nm.nodes, 0, seq)
    short = replace(problem.vehicles[0], max_work_s=full.ret - full.depart - 1)
    tight = replace(problem, vehicles=(short,))
    assert not evaluate(tight, nm.nodes, 0, seq).feasible
    (kept,) = trim_to_rules(replace(nm, problem=tight), (seq,))
    assert list(kept) == list(seq[: len(kept)]) and len(kept) < len(seq)
    assert evaluate(tight, nm.nodes, 0, kept).feasible


def test_a_courier_fleet_searched_on_one_core_gives_a_valid_plan():
    """Wugong's STO orders of 2026-11-29 on its five vehicles, one PyVRP search (one core): the
    search returned a van 6 minutes over its 10-hour tour once its 20-minute rest was added,
    and the day failed with 'an infeasible route'."""
    day = load_day("wugong", "2026-11-29", data_dir=WUGONG.parent).problem
    sto = dict(courier_problems(day))["STO"]
    solved = solve_problem(sto, SolveParams(time_limit=600, iterations=30, workers=1))
    assert validate(plan_of(sto, solved), sto) == []
