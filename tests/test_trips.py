"""Trips: a vehicle back at its centre between two trips unloads the produce for the centre and
loads the next trip's deliveries. The solver plans them, `route check` verifies them, and an
unserved order's 'fleet full' is false while a further trip could carry it."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from routing.model.nodes import RELOAD
from routing.model.visits import build_nodes
from routing.plans.document import Unserved
from routing.plans.reader import plan_from_dict
from routing.plans.validate import replay, validate
from routing.solve.engines.pyvrp_engine import _without_empty_trips
from routing.solve.solver import solve_problem

from .conftest import H, budget, make_problem, order, plan_of, point, vehicle
from .test_model_bruteforce import (
    produce_unloaded_at_the_reload,
    rest_at_the_reload,
    second_trip_or_second_van,
)


def _rules(plan, problem) -> list[tuple[str, int | None]]:
    return [(v.rule, v.stop) for v in validate(plan, problem) if v.rule != "summary"]


def test_the_reload_unloads_produce_and_loads_the_next_trip():
    problem = produce_unloaded_at_the_reload()
    plan = plan_of(problem, solve_problem(problem, budget(200)))
    (route,) = plan.routes
    assert [(s.point, s.reload) for s in route.stops] == [
        ("A", False),
        ("B", False),
        ("HUB", True),
        ("C", False),
    ]
    # 60 kg out; 0 after A; 80 kg of produce after B; 90 kg of C's deliveries after the reload
    assert route.start_load_kg == 60
    assert [s.load_kg for s in route.stops] == [0, 80, 90, 0]
    reload = route.stops[2]
    assert reload.departure_s - reload.arrival_s == 15 * 60  # the reload time, no set-up
    assert route.trips == 2
    assert plan.summary()["trips"] == 2
    assert validate(plan, problem) == []


def test_produce_for_a_facility_stays_on_board_across_a_reload():
    """A's produce goes to the facility, which V1 passes only on its second trip: it rides
    through the reload (40 kg), and the 50 kg loaded there for C come on top of it."""
    pts = [
        point("HUB", 0, 0, tier="hub"),
        point("FAC", 0, -5, tier="facility"),
        point("A", 3, 0),
        point("C", 0, -4),
    ]
    van = vehicle("V1", kg=100, trips=2, reload_min=20)
    orders = [
        order("a", "A", kind="pickup", kg=40, destination="FAC"),
        order("a2", "A", kg=70),
        order("c", "C", kg=50),
    ]
    problem = make_problem(pts, [van], orders)
    (route,) = plan_of(problem, solve_problem(problem, budget(20))).routes  # any route of V1
    stops = [
        replace(route.stops[0], point="A", deliver=("a2",), collect=("a",), unload=()),
        replace(route.stops[0], point="HUB", deliver=(), collect=(), unload=(), reload=True),
        replace(route.stops[0], point="C", deliver=("c",), collect=(), unload=()),
        replace(route.stops[0], point="FAC", deliver=(), collect=(), unload=("a",)),
    ]
    plan = plan_of(problem, solve_problem(problem, budget(20)))
    plan = replace(plan, routes=(replace(route, stops=tuple(stops)),), unserved=())
    plan = replay(plan, problem)
    (r,) = plan.routes
    assert r.start_load_kg == 70
    assert [s.load_kg for s in r.stops] == [40, 90, 40, 0]
    assert _rules(plan, problem) == []
    # a load stated as if the produce had come off at the reload is caught
    wrong = replace(r, stops=(r.stops[0], replace(r.stops[1], load_kg=50), *r.stops[2:]))
    assert ("load", 2) in _rules(replace(plan, routes=(wrong,)), problem)


def test_loading_is_not_a_rest():
    """After 3 h of driving and 30 minutes at the dock, the driver still rests 20 minutes
    before the next 1.5 h leg (rest_at_the_reload); a plan without it breaks `breaks`."""
    problem = rest_at_the_reload()
    plan = plan_of(problem, solve_problem(problem, budget(100)))
    (route,) = plan.routes
    assert [(s.reload, s.break_s) for s in route.stops] == [(False, 0), (True, 1200), (False, 0)]
    stops = (route.stops[0], replace(route.stops[1], break_s=0), route.stops[2])
    tampered = replay(replace(plan, routes=(replace(route, stops=stops),)), problem)
    assert [v.rule for v in validate(tampered, problem) if v.rule != "summary"] == ["breaks"]


def test_route_check_catches_what_a_reload_may_not_do():
    problem = second_trip_or_second_van()
    plan = plan_of(problem, solve_problem(problem, budget(200)))
    (route,) = plan.routes
    k = next(i for i, s in enumerate(route.stops) if s.reload)
    at = k + 1  # 1-based stop number

    def tampered(**changes):
        stops = list(route.stops)
        stops[k] = replace(stops[k], **changes)
        return replace(plan, routes=(replace(route, stops=tuple(stops)),))

    assert validate(plan, problem) == []
    # the reload time left out: the times are wrong from there on
    quick = tampered(departure_s=route.stops[k].start_s)
    assert ("times", at) in _rules(quick, problem)
    # a reload elsewhere than the centre, or one that lists orders
    assert ("trips", at) in _rules(replay(tampered(point="A"), problem), problem)
    listed = tampered(deliver=(route.stops[k + 1].deliver[0],))
    assert ("trips", at) in _rules(listed, problem)
    # the same plan for a vehicle allowed one trip
    one = replace(
        problem, vehicles=(replace(problem.vehicles[0], max_trips=1), problem.vehicles[1])
    )
    found = [v for v in validate(plan, one) if v.rule == "trips"]
    assert [v.message for v in found] == ["2 trips, but the vehicle may make 1"]


def test_a_second_trip_serves_what_one_trip_leaves_out():
    """One 120 kg van, four 60 kg deliveries: on one trip two of them wait as 'fleet full'; on
    two trips all are served. That reason is then false of the one-trip plan."""
    one = second_trip_or_second_van()
    one = replace(one, vehicles=(replace(one.vehicles[0], max_trips=1),))
    plan = plan_of(one, solve_problem(one, budget(200)))
    assert len(plan.unserved) == 2
    assert {u.reason for u in plan.unserved} == {"fleet full"}
    assert validate(plan, one) == []

    two = replace(one, vehicles=(replace(one.vehicles[0], max_trips=2),))
    both = plan_of(two, solve_problem(two, budget(200)))
    assert both.unserved == () and [r.trips for r in both.routes] == [2]
    assert validate(both, two) == []
    wrong = [v for v in validate(plan, two) if v.rule == "reason"]
    assert len(wrong) == 2
    assert "it fits on V1 as stop 1" in wrong[0].message  # a trip of its own, first


def test_fleet_full_is_not_claimed_when_a_further_trip_fits():
    """The same check on a claim made by hand: one order out, room only on a second trip."""
    problem = second_trip_or_second_van()
    plan = plan_of(problem, solve_problem(problem, budget(200)))
    (route,) = plan.routes
    k = next(i for i, s in enumerate(route.stops) if s.reload)
    first = replace(route, stops=route.stops[:k])
    left = [oid for s in route.stops[k + 1 :] for oid in s.deliver]
    claim = replace(
        plan,
        routes=(first,),
        unserved=tuple(Unserved(oid, "fleet full") for oid in left),
    )
    claim = replay(claim, problem)
    assert [v.rule for v in validate(claim, problem) if v.rule not in ("summary", "idle")] == [
        "reason",
        "reason",
    ]


def test_a_version_1_plan_is_read_as_one_trip_per_route():
    problem = produce_unloaded_at_the_reload()
    one = replace(problem, vehicles=(replace(problem.vehicles[0], max_trips=1),))
    d = json.loads(plan_of(one, solve_problem(one, budget(50))).to_json())
    assert d["version"] == 2
    d["version"] = 1
    del d["inputs"]  # a test plan names no input files
    for r in d["routes"]:
        for s in r["stops"]:
            del s["reload"]
    plan = plan_from_dict(d, courier=True)
    assert all(r.trips == 1 for r in plan.routes)
    assert validate(plan, one) == []


@pytest.mark.parametrize("reload_min", [0, 45])
def test_a_reload_that_leaves_no_time_for_the_window_is_not_planned(reload_min):
    """A must be served by 08:15 and C by 09:00, 100 kg each: one trip each. With no reload
    time V1 makes both (A 08:10, back at the hub 08:20, at C 08:40); with 45 minutes it
    reaches C at 09:25, and one of them waits."""
    pts = [point("HUB", 0, 0, tier="hub"), point("A", 6, 0), point("C", 0, 12)]
    van = vehicle("V1", kg=100, start=8 * H, trips=2, reload_min=reload_min)
    orders = [order("a", "A", kg=100, latest=8 * H + 900), order("c", "C", kg=100, latest=9 * H)]
    problem = make_problem(pts, [van], orders)
    plan = plan_of(problem, solve_problem(problem, budget(200)))
    assert validate(plan, problem) == []
    if reload_min == 0:
        assert plan.unserved == () and plan.routes[0].trips == 2
    else:
        assert len(plan.unserved) == 1 and plan.routes[0].trips == 1


def test_an_empty_trip_from_the_engine_is_dropped():
    """PyVRP may end a route with a reload and nothing after it: the route keeps its trips."""
    problem = produce_unloaded_at_the_reload()
    nm = build_nodes(problem)
    at = {n.point: k for k, n in enumerate(nm.nodes)}
    a, b, c = (at[problem.index[p]] for p in "ABC")
    best = [a, b, RELOAD, c]
    assert _without_empty_trips(nm, 0, [a, b, RELOAD, c, RELOAD]) == best
    assert _without_empty_trips(nm, 0, [RELOAD, a, b, RELOAD, RELOAD, c]) == best
    assert _without_empty_trips(nm, 0, best) == best
