"""Produce dropped at the end of each route (PyVRP without shipments): each vehicle ends via one
facility, its routes keep every rule, PyVRP's cost is the true cost, and the portfolio runs it
beside the free-drop model."""

from __future__ import annotations

from pathlib import Path

import pytest

from routing.bench.readers import read_instance, to_problem
from routing.model.schedule import evaluate
from routing.model.visits import build_nodes
from routing.pipeline import load_day
from routing.solve.construction import greedy_routes
from routing.solve.engines import portfolio, pyvrp_engine
from routing.solve.engines.portfolio import Job

from .conftest import WUGONG, budget, one_trip

BENCH = Path(__file__).parent / "data" / "bench"


@pytest.fixture(scope="module")
def harvest():
    """Wugong's harvest day: 523 stops, 157 of them visits whose produce goes to a facility."""
    return build_nodes(load_day("wugong", "2026-10-14", data_dir=WUGONG.parent).problem)


def _facility_id(nm, k: int) -> str:
    return nm.problem.points[nm.nodes[nm.nodes[k].pair].point].id


def test_refrigerated_trucks_end_at_the_cold_store_and_the_others_at_the_park(harvest):
    ends = pyvrp_engine.end_facilities(harvest)
    ids = {v: harvest.problem.points[f].id for v, f in ends.items()}
    vehicles = harvest.problem.vehicles
    assert set(ids) == set(range(len(vehicles)))  # every vehicle may carry some produce
    for v, where in ids.items():
        assert where == ("610431-COLD" if vehicles[v].cold_chain else "610431-PARK"), v


def test_the_model_has_no_shipments_and_each_vehicle_type_ends_via_its_facility(harvest):
    m = pyvrp_engine.build_data(harvest, drops_at_end=True)
    ends = pyvrp_engine.end_facilities(harvest)
    assert m.data.num_shipments == 0
    assert len(m.client_node) == sum(1 for n in harvest.nodes if not n.unload)
    facilities = sorted(set(ends.values()))
    assert m.data.num_depots == 1 + len(facilities)
    for t, members in enumerate(m.type_vehicles):
        assert len({ends[v] for v in members}) == 1
        assert m.data.vehicle_type(t).end_depot == 1 + facilities.index(ends[members[0]])
        assert all(m.vehicle_end[v] == ends[v] for v in members)
    free = pyvrp_engine.build_data(harvest)
    assert free.data.num_shipments == sum(1 for n in harvest.nodes if n.unload)


def test_routes_drop_everything_at_the_end_keep_every_rule_and_cost_what_pyvrp_says(harvest):
    result = pyvrp_engine.solve(harvest, budget(200), greedy_routes(harvest), drops_at_end=True)
    assert result.stats["feasible"]
    ends = pyvrp_engine.end_facilities(harvest)
    total = 0.0
    for v, seq in enumerate(result.routes):
        if not seq:
            continue
        visits = [k for k in seq if not harvest.nodes[k].unload]
        drops = seq[len(visits) :]
        assert list(seq[: len(visits)]) == visits  # every drop after the last visit
        assert drops == tuple(harvest.nodes[k].pair for k in visits if harvest.nodes[k].pair >= 0)
        assert {harvest.nodes[k].point for k in drops} <= {ends[v]}
        ev = evaluate(harvest.problem, harvest.nodes, v, seq)
        assert ev.feasible, (v, ev.violation)
        total += ev.cost
    served = {k for seq in result.routes for k in seq}
    prizes = sum(n.penalty for k, n in enumerate(harvest.nodes) if k not in served)
    # PyVRP's objective (the return from the facility included) is the schedule's cost
    assert result.stats["objective"] == pytest.approx(total + prizes, abs=0.01 * len(served))


def test_a_warm_start_leaves_out_produce_for_another_facility(harvest):
    m = pyvrp_engine.build_data(harvest, drops_at_end=True)
    start = [list(seq) for seq in greedy_routes(harvest)]
    # move one visit with produce for the park onto a refrigerated truck (it ends at the cold
    # store), with its drop
    reefer = next(v for v, x in enumerate(harvest.problem.vehicles) if x.cold_chain)
    owner, k = next(
        (v, k)
        for v, seq in enumerate(start)
        for k in seq
        if v != reefer
        and harvest.nodes[k].pair >= 0
        and not harvest.nodes[k].unload
        and reefer in harvest.nodes[k].allowed
        and harvest.nodes[harvest.nodes[k].pair].point != m.vehicle_end[reefer]
    )
    drop = harvest.nodes[k].pair
    start[owner] = [x for x in start[owner] if x not in (k, drop)]
    start[reefer] += [k, drop]
    warm = pyvrp_engine.warm_start(m, harvest, start)
    kept = [m.client_node[a.idx] for r in warm.routes() for a in r.schedule() if a.is_client()]
    visits = [x for seq in start for x in seq if not harvest.nodes[x].unload]
    assert sorted(kept) == sorted(x for x in visits if x != k)


def test_the_portfolio_runs_both_drop_models_and_repeats_exactly(harvest):
    assert portfolio.plan_jobs(harvest, 7, 2) == [
        Job("pyvrp", 7, True, False),
        Job("pyvrp", 8, False, True),
    ]
    solved = portfolio.solve(harvest, budget(100))
    assert [w["drops"] for w in solved.stats["workers"]] == ["free", "at the end"]
    assert [w["start"] for w in solved.stats["workers"]] == ["greedy", "pyvrp"]
    assert portfolio.solve(harvest, budget(100)).routes == solved.routes


def test_drops_at_the_end_where_much_produce_goes_to_facilities_unless_the_day_is_over_full(
    harvest,
):
    assert portfolio.plan_jobs(harvest, 3, 1) == [Job("pyvrp", 3, True, True)]
    ordinary = build_nodes(load_day("wugong", "2026-11-29", data_dir=WUGONG.parent).problem)
    share = sum(1 for n in ordinary.nodes if n.pair >= 0 and not n.unload) / len(ordinary.nodes)
    assert share < portfolio.DROPS_AT_END_MIN_SHARE
    assert portfolio.plan_jobs(ordinary, 3, 1) == [Job("pyvrp", 3, True, False)]
    # an over-full day drops freely: a vehicle that unloads mid-route can collect more
    peak = build_nodes(one_trip(load_day("wugong", "2026-11-16", data_dir=WUGONG.parent).problem))
    share = sum(1 for n in peak.nodes if n.pair >= 0 and not n.unload) / len(peak.nodes)
    assert share >= portfolio.DROPS_AT_END_MIN_SHARE and peak.overfull
    assert portfolio.plan_jobs(peak, 3, 1) == [Job("pyvrp", 3, True, False)]
    assert [j.drops_at_end for j in portfolio.plan_jobs(peak, 3, 2)] == [False, False]


def test_without_produce_for_a_facility_both_models_are_the_same():
    nm = build_nodes(to_problem(read_instance(BENCH / "R101.vrp")))
    free = pyvrp_engine.build_data(nm)
    at_end = pyvrp_engine.build_data(nm, drops_at_end=True)
    assert at_end.vehicle_end == tuple(-1 for _ in nm.problem.vehicles)
    assert at_end.data.num_depots == free.data.num_depots == 1
    assert [c.location for c in at_end.data.clients()] == [c.location for c in free.data.clients()]
