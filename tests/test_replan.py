"""Re-planning during the day (`route replan`): committed and locked stops kept, vehicles on
from where they are, the changes placed, and the result valid under `route check`.

The optimum of tiny re-plans is found by brute force written from the rules alone (the
reference evaluator of test_model_bruteforce, leaving at the route's real departure when it
is on the road), and the re-planner must reach it.
"""

from __future__ import annotations

import csv
import itertools
import json
import random
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli import main
from routing.model.problem import Problem
from routing.model.records import Order
from routing.plans.document import Plan, Route, Stop
from routing.plans.replan_rule import replan_violations
from routing.replan.run import replan_problem
from routing.replan.state import Lock, committed_stops
from routing.solve.solver import solve_problem

from .conftest import DAY, H, budget, make_problem, order, plan_of, point, vehicle
from .test_model_bruteforce import TIE, RefStop, ref_route, reload_cuts

BROKEN = Path(__file__).parent / "data" / "broken"
AT = 8 * H + 900  # the tiny days' re-plan time: a quarter of an hour into the shift


# --- tiny days ---------------------------------------------------------------------------------
def tiny_day(seed: int, trips: int = 1) -> tuple[Problem, list[Order]]:
    """Two vans from 08:00 and five villages with a delivery and a pickup each (one stop per
    village), plus two new orders at two further villages: a pickup and a delivery."""
    rng = random.Random(seed)
    names = "ABCDEFG"
    pts = [point("HUB", 0, 0, tier="hub")] + [
        point(n, rng.uniform(-6, 6), rng.uniform(-6, 6), fixed=60, per_parcel=30) for n in names
    ]
    vans = [vehicle(f"V{i}", kg=60, start=8 * H, trips=trips, reload_min=10) for i in (1, 2)]
    orders = []
    for n in names[:5]:
        orders.append(order(f"d{n}", n, kg=rng.choice([5, 10, 15])))
        orders.append(order(f"p{n}", n, kind="pickup", kg=rng.choice([5, 10])))
    new = [order("nF", "F", kind="pickup", kg=5), order("nG", "G", kg=5)]
    return make_problem(pts, vans, orders), new


def source_plan(problem: Problem) -> Plan:
    return plan_of(problem, solve_problem(problem, budget(300)), 300)


def with_orders(problem: Problem, orders) -> Problem:
    return replace(problem, orders=tuple(orders))


def replanned(source: Plan, real: Problem, at: int, locks=(), rounds: int = 300) -> Plan:
    routes, unserved, stats = replan_problem(source, real, at, tuple(locks), budget(rounds))
    return replace(
        source,
        engine="replan",
        routes=routes,
        unserved=unserved,
        stats=stats,
        replan={
            "source": "source-plan.json",
            "source_sha256": "0" * 64,
            "at_s": at,
            "cancelled": sorted({o for o in _ids(source)} - {o.id for o in real.orders}),
            "added": sorted({o.id for o in real.orders} - _ids(source)),
            "locked": [str(lk) for lk in locks],
        },
    )


def _ids(plan: Plan) -> set[str]:
    return {o for r in plan.routes for s in r.stops for o in (*s.deliver, *s.collect)} | {
        u.order for u in plan.unserved
    }


# --- the reference: every completion of the committed routes ---------------------------------
def _ref(stop: Stop, orders: dict[str, Order]) -> RefStop:
    return RefStop(
        stop.point,
        stop.point,
        deliver=tuple(orders[o] for o in stop.deliver),
        collect=tuple(orders[o] for o in stop.collect),
        reload=stop.reload,
    )


def brute_force_replan(source: Plan, real: Problem, at: int) -> float:
    """The cheapest day that keeps every stop a vehicle had set off for by `at`, its
    departure, and the deliveries on board in their trip, serving every order."""
    orders = {o.id: o for o in real.orders}
    by_vehicle = {r.vehicle: r for r in source.routes}
    heads, departs, home = [], [], []
    loaded: list[set[str] | None] = []
    for v in real.vehicles:
        r = by_vehicle.get(v.id)
        n = committed_stops(r, at) if r else 0
        heads.append([_ref(s, orders) for s in r.stops[:n]] if r else [])
        departs.append(r.depart_s if r and n else None)
        trip: set[str] | None = None  # None: no trip under way (not left, or reloading)
        if r and n and not (r.stops[n - 1].reload and r.stops[n - 1].departure_s > at):
            trip = set()
            for s in r.stops[n:]:
                if s.reload:
                    break
                if s.deliver:
                    trip.add(s.point)
        loaded.append(trip)
        home.append(bool(r) and n == len(r.stops) and r.stops[-1].departure_s <= at)
    fixed = {s.point for h in heads for s in h}
    free = sorted({o.point for o in real.orders} - fixed)
    stops = {
        p: RefStop(
            p,
            p,
            deliver=tuple(o for o in real.orders if o.point == p and o.kind == "delivery"),
            collect=tuple(o for o in real.orders if o.point == p and o.kind == "pickup"),
        )
        for p in free
    }
    later = replace(
        real,
        vehicles=tuple(replace(v, shift_start=max(v.shift_start, at)) for v in real.vehicles),
    )
    best_route: list[dict[frozenset, float]] = []
    for v, veh in enumerate(real.vehicles):
        options: dict[frozenset, float | None] = {}
        ready = (len(heads[v]), at)  # its reloads after the head wait for the re-plan time
        if not loaded[v]:  # nothing on board to deliver: the route may end after its head
            options[frozenset()] = _cost(real, v, heads[v], departs[v], ready)
        first = 0 if heads[v] else 1  # after committed stops a reload may come first
        for size in range(1, len(free) + 1):
            for seq in itertools.permutations(free, size):
                for tail in reload_cuts([stops[p] for p in seq], veh.max_trips, first):
                    if not _keeps_load(tail, loaded[v]) or (home[v] and not tail[0].reload):
                        continue  # a vehicle that left its last stop may only reload
                    problem = real if departs[v] is not None else later
                    c = _cost(problem, v, heads[v] + tail, departs[v], ready)
                    key = frozenset(seq)
                    if c is not None and c < (options.get(key) or float("inf")):
                        options[key] = c
        best_route.append({k: c for k, c in options.items() if c is not None})
    everything = frozenset(free)
    best = float("inf")
    for a, ca in best_route[0].items():
        cb = best_route[1].get(everything - a)
        if cb is not None:
            best = min(best, ca + cb)
    return best


def _cost(
    problem: Problem, v: int, stops: list[RefStop], depart: int | None, ready: tuple[int, int]
) -> float | None:
    if not stops:
        return 0.0
    r = ref_route(problem, v, stops, depart, ready)
    return None if r is None else r.cost


def _keeps_load(tail: list[RefStop], loaded: set[str] | None) -> bool:
    """The trip under way delivers exactly what it loaded before the next reload."""
    if loaded is None:
        return True
    first: list[RefStop] = []
    for s in tail:
        if s.reload:
            break
        first.append(s)
    here = {s.point for s in first if s.deliver}
    return here == loaded


HOME = 9 * H + 1800  # late enough that vans are back or on their way home: a further trip


@pytest.mark.parametrize(
    "seed,trips,at",
    [(1, 1, AT), (2, 1, AT), (3, 2, AT), (4, 2, AT), (5, 1, AT), (3, 2, HOME), (6, 2, HOME)],
)
def test_replan_reaches_the_brute_force_optimum(seed, trips, at):
    problem, new = tiny_day(seed, trips)
    source = source_plan(problem)
    assert not source.unserved
    real = with_orders(problem, (*problem.orders, *new))
    plan = replanned(source, real, at)
    assert replan_violations(plan, real, source) == []
    best = brute_force_replan(source, real, at)
    assert best < float("inf")
    assert not plan.unserved
    assert plan.cost_yuan == pytest.approx(best, abs=TIE)


def test_a_cancelled_village_is_not_driven_to():
    problem, _ = tiny_day(2)
    source = source_plan(problem)
    before = 7 * H  # before the vans leave: nothing is on board yet
    gone = source.routes[0].stops[1].point
    real = with_orders(problem, [o for o in problem.orders if o.point != gone])
    plan = replanned(source, real, before)
    assert replan_violations(plan, real, source) == []
    assert gone not in {s.point for x in plan.routes for s in x.stops}
    assert all(r.depart_s >= before for r in plan.routes)


# --- the properties at any time of day ----------------------------------------------------------
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(at=st.integers(min_value=7 * H, max_value=11 * H), seed=st.sampled_from([1, 3, 4]))
def test_any_replan_time_keeps_what_is_committed(at, seed):
    problem, new = tiny_day(seed, trips=2)
    source = _sources.setdefault(seed, source_plan(problem))
    real = with_orders(problem, (*problem.orders, *new))
    plan = replanned(source, real, at, rounds=20)
    assert replan_violations(plan, real, source) == []
    now = {r.vehicle: r for r in plan.routes}
    for r in source.routes:
        n = committed_stops(r, at)
        if n:
            assert now[r.vehicle].stops[: n - 1] == r.stops[: n - 1]
            assert now[r.vehicle].depart_s == r.depart_s
        for s in now.get(r.vehicle, r).stops[n:]:  # a reload may be the drive home it was on
            assert s.start_s >= at if s.reload else s.arrival_s > at
    served = [o for x in plan.routes for s in x.stops for o in (*s.deliver, *s.collect)]
    assert sorted(served + [u.order for u in plan.unserved]) == sorted(o.id for o in real.orders)


_sources: dict[int, Plan] = {}


# --- the validator catches a re-plan that breaks its rules --------------------------------------
@pytest.fixture(scope="module")
def valid_replan():
    problem, new = tiny_day(3, trips=2)
    source = source_plan(problem)
    real = with_orders(problem, (*problem.orders, *new))
    r = next(r for r in source.routes if committed_stops(r, AT) < len(r.stops))
    lock = Lock(r.vehicle, committed_stops(r, AT) + 1)
    plan = replanned(source, real, AT, locks=[lock])
    assert replan_violations(plan, real, source) == []
    return source, real, plan, lock


def _route(plan: Plan, vehicle: str) -> Route:
    return next(r for r in plan.routes if r.vehicle == vehicle)


def _with_route(plan: Plan, route: Route) -> Plan:
    return replace(
        plan, routes=tuple(route if r.vehicle == route.vehicle else r for r in plan.routes)
    )


def test_a_changed_committed_stop_is_caught(valid_replan):
    source, real, plan, _ = valid_replan
    r = _route(plan, source.routes[0].vehicle)
    first = replace(r.stops[0], arrival_s=r.stops[0].arrival_s + 60)
    bad = _with_route(plan, replace(r, stops=(first, *r.stops[1:])))
    rules = {v.rule for v in replan_violations(bad, real, source)}
    assert "replan served" in rules


def test_a_lost_locked_stop_is_caught(valid_replan):
    source, real, plan, lock = valid_replan
    r = _route(plan, lock.vehicle)
    held = _route(source, lock.vehicle).stops[lock.stop - 1]
    stops = tuple(s for s in r.stops if s.point != held.point)
    bad = _with_route(plan, replace(r, stops=stops))
    rules = {v.rule for v in replan_violations(bad, real, source)}
    assert "replan locked" in rules


def test_a_stop_before_the_replan_time_is_caught(valid_replan):
    source, real, plan, _ = valid_replan
    r = next(_route(plan, x.vehicle) for x in source.routes if committed_stops(x, AT))
    n = committed_stops(_route(source, r.vehicle), AT)
    assert n < len(r.stops)
    stops = list(r.stops)
    stops[n - 1] = replace(stops[n - 1], departure_s=AT - 60)  # set off for the next too early
    bad = _with_route(plan, replace(r, stops=tuple(stops)))
    rules = {v.rule for v in replan_violations(bad, real, source)}
    assert "replan continuity" in rules


def test_a_delivery_added_to_a_trip_on_the_road_is_caught(valid_replan):
    source, real, plan, _ = valid_replan
    on_road = next(r for r in source.routes if committed_stops(r, AT))
    n = committed_stops(on_road, AT)
    r = _route(plan, on_road.vehicle)
    extra = next(
        o
        for o in real.orders
        if o.kind == "delivery" and o.point not in {s.point for s in r.stops[:n]}
    )
    stops = [replace(s, deliver=tuple(x for x in s.deliver if x != extra.id)) for s in r.stops]
    stops.insert(n, Stop(extra.point, 0, 0, 0, deliver=(extra.id,)))
    bad = _with_route(plan, replace(r, stops=tuple(stops)))
    rules = {v.rule for v in replan_violations(bad, real, source)}
    assert "replan on board" in rules


def test_a_cancelled_order_left_in_is_caught(valid_replan):
    source, real, plan, _ = valid_replan
    bad = replace(plan, replan={**plan.replan, "cancelled": [real.orders[0].id]})
    rules = {v.rule for v in replan_violations(bad, real, source)}
    assert "replan orders" in rules


# --- the command line on the Wugong default day -------------------------------------------------
@pytest.fixture(scope="module")
def wugong_plan(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("plan")
    run(["plan", "--date", DAY, "--iterations", "30", "--no-maps", "--quiet", "--out", str(out)])
    return out / "plan.json"


def run(args: list[str], code: int = 0):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == code, result.output
    return result


def new_orders(plan_file: Path, tmp: Path, n: int = 20) -> Path:
    """`n` urgent orders: copies of the day's orders at other points, under new ids."""
    rows = list(csv.DictReader((plan_file.parent / "orders.csv").open(encoding="utf-8")))
    picked = random.Random(5).sample(rows, n)
    path = tmp / "urgent.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows({**r, "order_id": f"URG-{i:02d}"} for i, r in enumerate(picked, 1))
    return path


def _not_started_stop(plan: dict, at: int) -> tuple[str, int, str]:
    """(vehicle, stop number, an order id) of a stop no vehicle has set off for by `at`,
    holding a pickup (cancellable whatever is on board)."""
    for r in plan["routes"]:
        leave = r["depart_s"]
        for i, s in enumerate(r["stops"]):
            if leave > at and s["collect"] and not s["deliver"]:
                return r["vehicle"], i + 1, s["collect"][0]
            leave = s["departure_s"]
    raise AssertionError("no stop left after the re-plan time")


def test_route_replan_wugong_keeps_served_and_locked_stops(wugong_plan, tmp_path):
    source = json.loads(wugong_plan.read_text(encoding="utf-8"))
    at = 10 * H + 1800
    vehicle_, number, cancel = _not_started_stop(source, at)
    locked_route = next(r["vehicle"] for r in source["routes"] if r["vehicle"] != vehicle_)
    out = tmp_path / "replan"
    args = ["replan", str(wugong_plan), "--at", "10:30", "--iterations", "40", "--no-maps"]
    args += ["--orders", str(new_orders(wugong_plan, tmp_path)), "--cancel", cancel]
    args += ["--lock", f"{locked_route},{vehicle_}:{number + 1}", "--out", str(out), "--quiet"]
    run(args)
    run(["check", str(out / "plan.json"), "--quiet"])
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["replan"]["at"] == "10:30" and plan["replan"]["cancelled"] == [cancel]
    now = {r["vehicle"]: r for r in plan["routes"]}
    for r in source["routes"]:
        leave, kept = r["depart_s"], 0
        for s in r["stops"]:
            if leave > at:
                break
            kept, leave = kept + 1, s["departure_s"]
        for a, b in zip(r["stops"][: kept - 1], now[r["vehicle"]]["stops"], strict=False):
            assert a == b
    assert now[locked_route] == next(r for r in source["routes"] if r["vehicle"] == locked_route)
    served = {o for r in plan["routes"] for s in r["stops"] for o in s["deliver"] + s["collect"]}
    unserved = {u["order"] for u in plan["unserved"]}
    assert {f"URG-{i:02d}" for i in range(1, 21)} <= served | unserved
    assert cancel not in served | unserved
    # the same inputs, seed and budget give the same re-plan
    again = tmp_path / "again"
    run([*args[:-3], "--out", str(again), "--quiet"])
    twin = json.loads((again / "plan.json").read_text(encoding="utf-8"))
    assert twin["routes"] == plan["routes"] and twin["unserved"] == plan["unserved"]


def test_route_check_refuses_a_replan_whose_source_changed(wugong_plan, tmp_path):
    out = tmp_path / "replan"
    run(["replan", str(wugong_plan), "--at", "09:00", "--iterations", "5", "--no-maps",
         "--out", str(out), "--quiet"])  # fmt: skip
    source = out / "source-plan.json"
    source.write_text(source.read_text(encoding="utf-8") + " ", encoding="utf-8")
    result = run(["check", str(out / "plan.json")], code=3)
    assert "source-plan.json" in result.output and "changed" in result.output


@pytest.mark.parametrize(
    "extra,message",
    [
        (["--lock", "NOPE-1"], "no route of vehicle 'NOPE-1'"),
        (["--lock", "VAN-01:99"], "'VAN-01:99': VAN-01 has stops 1 to"),
        (["--cancel", "NO-SUCH-ORDER"], "order 'NO-SUCH-ORDER' is not in the plan"),
        (["--orders", str(BROKEN / "replan_clashing_ids.csv")], "already an order of the plan"),
        (["--orders", str(BROKEN / "replan_other_date.csv")], "row 2, field 'date'"),
    ],
)
def test_bad_changes_are_refused_with_their_place(wugong_plan, tmp_path, extra, message):
    out = tmp_path / "replan"
    result = run(["replan", str(wugong_plan), "--at", "10:30", "--out", str(out), *extra], 3)
    assert message in result.output
    assert not out.exists()


def test_a_served_order_cannot_be_cancelled(wugong_plan, tmp_path):
    source = json.loads(wugong_plan.read_text(encoding="utf-8"))
    first = source["routes"][0]["stops"][0]
    oid = (first["deliver"] + first["collect"])[0]
    result = run(
        [
            "replan",
            str(wugong_plan),
            "--at",
            "12:00",
            "--cancel",
            oid,
            "--out",
            str(tmp_path / "x"),
        ],
        3,
    )
    assert f"order '{oid}' is at stop 1 of" in result.output


def test_a_bad_time_is_a_usage_error(wugong_plan, tmp_path):
    result = run(["replan", str(wugong_plan), "--at", "25:99", "--out", str(tmp_path / "x")], 2)
    assert "not a time of day" in result.output


def test_a_planners_edit_of_a_replan_keeps_reasons_judged_at_its_time():
    """An order whose window closed before the re-plan time is 'time window' there; the
    desk's re-timing of an edit must judge it the same way, or every edit is refused."""
    from routing.desk.edits import restate_reasons
    from routing.plans.replan_rule import replan_view
    from routing.replan.retime import retimed

    problem, _ = tiny_day(3, trips=2)
    source = source_plan(problem)
    late = order("nX", "F", kg=5, earliest=8 * H, latest=9 * H)
    real = with_orders(problem, (*problem.orders, late))
    plan = replanned(source, real, 10 * H, rounds=10)
    assert [(u.order, u.reason) for u in plan.unserved] == [("nX", "time window")]
    edited = restate_reasons(retimed(plan, real), real, replan_view(plan, real, source))
    assert [(u.order, u.reason) for u in edited.unserved] == [("nX", "time window")]
    assert edited.routes == plan.routes  # re-timing an unchanged re-plan changes nothing
    assert replan_violations(edited, real, source) == []


def test_a_replan_cannot_start_before_the_one_it_comes_from():
    problem, new = tiny_day(1)
    source = source_plan(problem)
    real = with_orders(problem, (*problem.orders, *new))
    first = replanned(source, real, 10 * H, rounds=10)
    again = replanned(first, real, 9 * H, rounds=10)
    rules = {v.rule for v in replan_violations(again, real, first)}
    assert "replan continuity" in rules
