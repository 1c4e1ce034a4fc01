"""The tiers scenario: township stations as transfer points, planned and checked echelon by
echelon (routing.scenarios.tiers)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from routing.errors import InputError
from routing.model.problem import Problem
from routing.plans.validate import validate
from routing.scenarios.tiers import (
    TRICYCLE,
    StationFleet,
    TwoEchelon,
    station_matrices,
    township_transfer,
)

from .conftest import WUGONG, H, budget, make_problem, order, point, vehicle

TRANSFER = 20 * 60
# the station vehicle of the tiny instance: a small, slow tricycle, one per station
TRIKE = replace(TRICYCLE, capacity_kg=60.0, capacity_l=600.0, max_speed_kph=18.0)
ONE_TRIKE = StationFleet(vehicle=TRIKE, per_station=1)


def _params():
    return budget(20, workers=1)


def _in_town(p, town: str):
    return replace(p, town=town)


@pytest.fixture(scope="module")
def tiny() -> Problem:
    """Hub at 0; stations S1 5 km east and S2 5 km west, each with villages 1-2 km beyond it;
    a park 2 km north. Two trucks at the hub (one refrigerated); the tricycle's profile is
    in the matrices but not in the fleet (the stations' vehicles are the scenario's)."""
    pts = [
        point("HUB", 0, 0, tier="hub"),
        point("PARK", 0, 2, tier="facility", fixed=300),
        _in_town(point("S1", 5, 0, tier="township", fixed=600, per_parcel=6), "S1"),
        _in_town(point("S2", -5, 0, tier="township", fixed=600, per_parcel=6), "S2"),
        _in_town(point("A1", 6, 1, fixed=300, per_parcel=8), "S1"),
        _in_town(point("A2", 6, -1, fixed=300, per_parcel=8), "S1"),
        _in_town(point("A3", 7, 0, fixed=300, per_parcel=8), "S1"),
        _in_town(point("B1", -6, 1, fixed=300, per_parcel=8), "S2"),
        _in_town(point("B2", -7, -1, fixed=300, per_parcel=8), "S2"),
    ]
    trucks = [
        vehicle("T1", kg=400, litres=4000, start=7 * H, end=19 * H, max_hours=10, trips=2),
        vehicle("R1", kg=300, litres=3000, start=7 * H, end=19 * H, max_hours=10, cold=True),
    ]
    orders = [
        order("dA1", "A1", kg=20, litres=100),
        order("dA2", "A2", kg=15, litres=80, latest=14 * H, priority=2),
        order("dA3", "A3", kg=25, litres=120),
        order("cA3", "A3", kg=10, litres=40, cold=True),  # cold chain: stays direct
        order("dB1", "B1", kg=30, litres=150),
        order("dB2", "B2", kg=10, litres=60),
        order("pA1", "A1", kind="pickup", kg=12, litres=60),
        order("pB2", "B2", kind="pickup", kg=8, litres=40, destination="PARK"),
        order("dS1", "S1", kg=5, litres=20),  # the station's own parcels: direct
    ]
    p = make_problem(pts, [*trucks, replace(TRIKE, id="template", depot="HUB")], orders)
    return replace(p, vehicles=tuple(trucks))


@pytest.fixture(scope="module")
def tiered(tiny) -> TwoEchelon:
    return township_transfer(tiny, _params(), ONE_TRIKE, transfer_s=TRANSFER)


def test_every_echelon_validates(tiered):
    """The validator passes each echelon's plan against its own problem: both waves of the
    centre's fleet and each town's station vehicles."""
    assert [leg.name for leg in tiered.echelon1] == ["deliver", "collect"]
    assert [leg.name for leg in tiered.echelon2] == ["S1", "S2"]
    for leg in (*tiered.echelon1, *tiered.echelon2):
        assert validate(leg.plan, leg.problem) == [], leg.name


def test_every_original_order_appears_once(tiny, tiered):
    assert [o.order for o in tiered.outcomes] == [o.id for o in tiny.orders]
    how = {o.order: o.how for o in tiered.outcomes}
    assert how == {
        "dA1": "station",
        "dA2": "station",
        "dA3": "station",
        "cA3": "direct",
        "dB1": "station",
        "dB2": "station",
        "pA1": "station",
        "pB2": "station",
        "dS1": "direct",
    }
    assert tiered.unserved == ()
    summary = tiered.summary()["total"]
    assert (summary["orders_via_station"], summary["orders_direct"]) == (7, 2)


def _served(plan) -> dict[str, str]:
    return {k: s.point for r in plan.routes for s in r.stops for k in (*s.deliver, *s.collect)}


def test_station_orders_ride_both_echelons(tiered):
    """A village delivery reaches its station in echelon 1 and its village in echelon 2;
    produce goes the other way, and on to its own destination (PARK for pB2)."""
    deliver, collect = (_served(leg.plan) for leg in tiered.echelon1)
    town = {k: p for leg in tiered.echelon2 for k, p in _served(leg.plan).items()}
    assert {k: deliver[k] for k in ("dA1", "dA2", "dA3", "dB1", "dB2")} == {
        "dA1": "S1",
        "dA2": "S1",
        "dA3": "S1",
        "dB1": "S2",
        "dB2": "S2",
    }
    assert town["dA3"] == "A3" and town["pB2"] == "B2"
    assert collect == {"pA1": "S1", "pB2": "S2"}
    unloads = [k for r in tiered.echelon1[1].plan.routes for s in r.stops for k in s.unload]
    assert unloads == ["pB2"]
    assert deliver["cA3"] == "A3" and "cA3" not in town  # cold: straight from the centre


def _truck_left(out: TwoEchelon, station: str) -> int:
    """When the last truck that brought the station its town's deliveries left it."""
    town = {o.id for leg in out.echelon2 if leg.name == station for o in leg.problem.orders}
    return max(
        s.departure_s
        for r in out.echelon1[0].plan.routes
        for s in r.stops
        if s.point == station and town & set(s.deliver)
    )


def test_echelon2_starts_after_the_truck_and_the_transfer(tiered):
    for leg in tiered.echelon2:
        ready = _truck_left(tiered, leg.name) + TRANSFER
        assert {v.shift_start for v in leg.problem.vehicles} == {max(TRIKE.shift_start, ready)}
        # ... and is back in time for the collect wave (by default from 18:00 at the latest)
        assert {v.shift_end for v in leg.problem.vehicles} == {18 * H - TRANSFER}
        for r in leg.plan.routes:
            assert r.depart_s >= ready


def test_collection_waits_for_the_station_vehicles(tiered):
    back = {leg.name: max(r.return_s for r in leg.plan.routes) for leg in tiered.echelon2}
    stops = [s for r in tiered.echelon1[1].plan.routes for s in r.stops if s.collect]
    assert {s.point for s in stops} == {"S1", "S2"}
    for s in stops:
        assert s.start_s >= back[s.point] + TRANSFER


def test_a_longer_transfer_starts_echelon2_later(tiny, tiered):
    later = township_transfer(tiny, _params(), ONE_TRIKE, transfer_s=TRANSFER + H)
    for before, after in zip(tiered.echelon2, later.echelon2, strict=True):
        ready = _truck_left(later, after.name) + TRANSFER + H
        assert after.problem.vehicles[0].shift_start == ready
        assert ready > before.problem.vehicles[0].shift_start
        assert min(r.depart_s for r in after.plan.routes) >= ready


def test_a_tampered_echelon_is_caught(tiered):
    """Routes broken by hand fail the validator: a tricycle leaving before its truck came
    (and its transfer), and a village delivery dropped from its stop."""
    leg = tiered.echelon2[0]
    r = leg.plan.routes[0]
    early = replace(leg.plan, routes=(replace(r, depart_s=r.depart_s - H), *leg.plan.routes[1:]))
    assert {v.rule for v in validate(early, leg.problem)} >= {"shift", "times"}

    k = next(i for i, s in enumerate(r.stops) if s.deliver)
    stops = list(r.stops)
    stops[k] = replace(stops[k], deliver=stops[k].deliver[1:])
    lost = replace(leg.plan, routes=(replace(r, stops=tuple(stops)), *leg.plan.routes[1:]))
    assert "order" in {v.rule for v in validate(lost, leg.problem)}


def test_costs_add_up(tiered):
    s = tiered.summary()
    one, two, total = s["echelon1"], s["echelon2"], s["total"]
    plans = [leg.plan for leg in (*tiered.echelon1, *tiered.echelon2)]
    assert total["cost_yuan"] == pytest.approx(sum(p.cost_yuan for p in plans), abs=0.011)
    assert total["cost_yuan"] == pytest.approx(one["cost_yuan"] + two["cost_yuan"], abs=0.011)
    # standing: the centre's two trucks (0 in the test fleet) and one tricycle per station
    assert two["standing_cost_yuan"] == pytest.approx(2 * TRIKE.standing_cost)
    assert total["day_cost_yuan"] == pytest.approx(total["cost_yuan"] + total["standing_cost_yuan"])
    # the truck that drove both waves counts once
    assert one["vehicles_used"] == len(
        {r.vehicle for leg in tiered.echelon1 for r in leg.plan.routes}
    )


def test_deterministic(tiny, tiered):
    again = township_transfer(tiny, _params(), ONE_TRIKE, transfer_s=TRANSFER)
    assert again.summary() == tiered.summary()
    assert again.outcomes == tiered.outcomes


def test_cold_orders_have_no_station_vehicle(tiny):
    """Without a refrigerated truck the cold order is unserved, once, with its reason."""
    warm = replace(tiny, vehicles=tiny.vehicles[:1])
    out = township_transfer(warm, _params(), ONE_TRIKE, transfer_s=TRANSFER)
    assert [(o.order, o.reason, o.echelon) for o in out.unserved] == [
        ("cA3", "no compatible vehicle", 1)
    ]


def test_a_missing_profile_names_the_way_out(tiny):
    fast = StationFleet(vehicle=replace(TRIKE, max_speed_kph=31.0))
    with pytest.raises(InputError, match="station_matrices"):
        township_transfer(tiny, _params(), fast)


def test_wugong_day():
    """Wugong's 2026-11-29 under a small budget: every echelon validated inside, every order
    accounted for once, and the stations' tricycles carry most orders."""
    from routing.pipeline import load_day

    day = load_day("wugong", "2026-11-29", data_dir=WUGONG.parent)
    out = township_transfer(day.problem, _params(), matrices=station_matrices(day))
    assert [o.order for o in out.outcomes] == [o.id for o in day.problem.orders]
    assert len(out.echelon2) == 8
    total = out.summary()["total"]
    assert total["orders_via_station"] > 0.9 * len(day.problem.orders)
    assert all(o.reason for o in out.unserved)
