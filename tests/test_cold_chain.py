"""Cold chain as practised: cold produce may ride without refrigeration on its first kilometre,
to its pre-cooling store within the vehicle's unrefrigerated ride (1 h, 2 h insulated);
deliveries and produce for the hub ride refrigerated all the way."""

from __future__ import annotations

from dataclasses import replace

from routing.model.schedule import evaluate
from routing.model.visits import build_nodes, link, visit_nodes
from routing.plans.document import Plan, Route, Stop, Unserved
from routing.plans.explain import explained
from routing.plans.reasons import check_reason
from routing.plans.validate import replay, validate
from routing.solve.solver import solve_problem

from .conftest import H, budget, make_problem, order, plan_of, point, vehicle

# 36 km/h: a km is 100 s. The cold store is 9 km east of the hub.
VAN = replace(vehicle("VAN-1", start=8 * H), type="van")
REEFER = replace(
    vehicle("REF-1", start=8 * H, cold=True, banned=frozenset({"track"})), type="reefer42"
)


def _day(village_km: float, orders, vans=(VAN,)):
    """The hub, the cold store and a village `village_km` east that only lanes reach (the
    refrigerated truck may not use them)."""
    pts = [
        point("HUB", 0, 0, tier="hub"),
        point("COLD", 9, 0, tier="facility"),
        point("A", village_km, 0),
    ]
    return make_problem(pts, [*vans, REEFER], orders, {REEFER.profile.key: {"A"}})


def _apples(at: str = "A", dest: str = "COLD"):
    return order("apples", at, kind="pickup", kg=50, cold=True, destination=dest)


def test_cold_produce_behind_lanes_rides_a_van_straight_to_the_store():
    problem = _day(3, [_apples()])
    assert build_nodes(problem).first_km == frozenset({0})  # left to the leg, not the search
    solved = solve_problem(problem, budget(50))
    assert solved.unserved == ()
    (route,) = solved.routes
    assert route.vehicle == "VAN-1"
    assert [(s.point, s.collect, s.unload) for s in route.stops] == [
        ("A", ("apples",), ()),
        ("COLD", (), ("apples",)),
    ]
    assert validate(plan_of(problem, solved), problem) == []


def test_a_ride_beyond_the_limit_is_unserved_and_says_why():
    """45 km from the store: 75 minutes, more than an ordinary van's hour."""
    problem = _day(54, [_apples()])
    solved = solve_problem(problem, budget(50))
    ((u),) = explained(problem, solved.unserved)
    assert u.reason == "unreachable"
    assert u.detail.endswith(
        "vehicles allowed there: vans (none with refrigeration), which may carry it without "
        "refrigeration for 60 min, and the drive to COLD takes 75 min"
    )
    assert validate(plan_of(problem, solved), problem) == []


def test_an_insulated_box_doubles_the_ride():
    insulated = replace(VAN, insulated=True)
    problem = _day(54, [_apples()], vans=(insulated,))
    solved = solve_problem(problem, budget(50))
    assert solved.unserved == ()
    assert validate(plan_of(problem, solved), problem) == []


def test_cold_deliveries_and_produce_for_the_hub_never_ride_unrefrigerated():
    orders = [
        order("ice cream", "A", kg=10, cold=True),
        order("fish", "A", kind="pickup", kg=10, cold=True, destination="HUB"),
    ]
    problem = _day(3, orders)
    solved = solve_problem(problem, budget(50))
    assert {u.order: u.reason for u in solved.unserved} == {
        "ice cream": "unreachable",
        "fish": "unreachable",
    }
    assert validate(plan_of(problem, solved), problem) == []


def _with_b(orders):
    """The hub, the store 9 km east, village A 3 km east and B 40 km north of A."""
    pts = [
        point("HUB", 0, 0, tier="hub"),
        point("COLD", 9, 0, tier="facility"),
        point("A", 3, 0),
        point("B", 3, 40),
    ]
    return make_problem(pts, [VAN, REEFER], orders)


def test_the_schedule_refuses_a_stop_that_stretches_a_ride_beyond_the_limit():
    problem = _with_b([_apples(), order("parcel", "B", kg=5)])
    nodes = [*link(visit_nodes(problem, [0], 0), 0), *visit_nodes(problem, [1], 1)]
    assert evaluate(problem, nodes, 0, [2, 0, 1]).feasible  # B first, then the leg
    # A, then 40 km north to B and 40.4 km down to the store: 134 minutes of ride
    assert evaluate(problem, nodes, 0, [0, 2, 1]).violation == "cold ride"


def _hand_plan(problem, stops: tuple[Stop, ...], depart: int) -> Plan:
    route = Route("VAN-1", depart, depart, 0, 0.0, 0.0, 0.0, stops)
    return Plan("test", "", problem.date, "imported", 0, 0.0, None, {}, (route,), ())


def _apples_then_parcel_at(b_km: tuple[float, float], parcel_latest: int):
    """The van's day: apples at A (by 08:10) for the cold store 9 km east of the hub, and a
    parcel at B, due by `parcel_latest`."""
    apples = replace(_apples(), latest=8 * H + 600)
    parcel = order("parcel", "B", kg=5, latest=parcel_latest)
    pts = [
        point("HUB", 0, 0, tier="hub"),
        point("COLD", 9, 0, tier="facility"),
        point("A", 3, 0),
        point("B", *b_km),
    ]
    return make_problem(pts, [VAN], [apples, parcel])


def test_a_leg_may_make_a_stop_on_the_way_to_the_store():
    """Apples at A (by 08:10) and a parcel at B (by 08:12), both on the way east to the store:
    A, the store, then B is late for the parcel, and B first is late for A. Only A, B, the
    store serves both, a 10-minute ride: the leg unloads after a later stop, not only next."""
    problem = _apples_then_parcel_at((5, 0), 8 * H + 720)
    solved = solve_problem(problem, budget(50))
    plan = plan_of(problem, solved)
    assert solved.unserved == ()
    assert [s.point for s in plan.routes[0].stops] == ["A", "B", "COLD"]
    assert validate(plan, problem) == []


def test_the_validator_catches_a_ride_too_long_and_cold_produce_for_the_hub():
    fish = order("fish", "B", kind="pickup", kg=10, cold=True, destination="HUB")
    problem = _with_b([_apples(), fish])
    stops = (
        Stop("A", 0, 0, 0, collect=("apples",)),
        Stop("B", 0, 0, 0, collect=("fish",)),
        Stop("COLD", 0, 0, 0, unload=("apples",)),
    )
    found = validate(_hand_plan(problem, stops, 8 * H), problem)
    (v,) = [v for v in found if v.rule == "compatibility"]
    assert v.message == (
        "cold-chain order 'apples' rides 134 min without refrigeration to its store (at most "
        "60 min on this vehicle) (and 1 more such orders on this route)"
    )
    assert (v.vehicle, v.stop) == ("VAN-1", 1)


def test_fleet_full_counts_the_ride_a_stop_would_stretch():
    """The van's only slot in time for the parcel at B (by 09:15) is between A's apples (by
    08:10) and the store: 134 minutes of ride. B first makes A late, B after the store arrives
    09:22. So with the apples on board, the parcel is 'fleet full', and the check agrees."""
    problem = _apples_then_parcel_at((3, 40), 9 * H + 900)
    solved = solve_problem(problem, budget(50))  # the search takes the parcel; no leg fits
    assert [(u.order, u.reason) for u in solved.unserved] == [("apples", "fleet full")]
    assert validate(plan_of(problem, solved), problem) == []
    stops = (
        Stop("A", 0, 0, 0, collect=("apples",)),
        Stop("COLD", 0, 0, 0, unload=("apples",)),
    )
    leg = replace(_hand_plan(problem, stops, 8 * H), unserved=(Unserved("parcel", "fleet full"),))
    leg = replay(leg, problem)  # its times, loads and cost, as the rules make them
    assert validate(leg, problem) == []
    assert check_reason(leg, problem, problem.orders[1], "not placed by the search") == (
        "no route has room for it (the reason is 'fleet full')"
    )
