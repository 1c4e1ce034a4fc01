"""Large days are improved group by group: the result keeps every rule, never costs more than
its start, and a fixed seed and iteration budget give the same routes."""

from __future__ import annotations

from pathlib import Path

from routing.bench.readers import read_instance, to_problem
from routing.model.params import SolveParams
from routing.model.visits import build_nodes
from routing.pipeline import load_day
from routing.solve.construction import greedy_routes
from routing.solve.engines import EngineResult, decompose, portfolio, pyvrp_engine
from routing.solve.engines.workers import objective

from .conftest import BACKSTOP_S, WUGONG

BENCH = Path(__file__).parent / "data" / "bench"


def test_groups_of_routes_improve_the_harvest_day_and_repeat_exactly():
    day = load_day("wugong", "2026-10-14", data_dir=WUGONG.parent)
    nm = build_nodes(day.problem)
    start = greedy_routes(nm)
    params = SolveParams(time_limit=BACKSTOP_S, iterations=50, workers=2)
    first = decompose.improve(nm, start, params, workers=2)
    again = decompose.improve(nm, start, params, workers=2)
    assert first.routes == again.routes
    before = objective(nm, EngineResult("greedy", start, {}))
    after = objective(nm, first)  # inf if any route broke a rule
    assert after < before
    assert first.stats["decomposition"]["rounds"] == decompose.ROUNDS_WITH_ITERATIONS
    served = sorted(k for seq in first.routes for k in seq)
    assert served == sorted(k for seq in start for k in seq)  # nothing lost, nothing twice


def test_large_days_with_produce_for_facilities_are_decomposed_and_benchmarks_are_not(
    monkeypatch,
):
    # the rule by the day's make-up, at a size the tests can afford
    monkeypatch.setattr(portfolio, "DECOMPOSE_MIN_NODES", 100)
    harvest = build_nodes(load_day("wugong", "2026-10-14", data_dir=WUGONG.parent).problem)
    assert sum(1 for n in harvest.nodes if n.unload) >= 0.1 * len(harvest.nodes)
    assert portfolio._decompose(harvest)
    r101 = build_nodes(to_problem(read_instance(BENCH / "R101.vrp")))
    assert len(r101.nodes) >= 100
    assert not portfolio._decompose(r101)  # no produce for a facility: PyVRP on the whole day


def test_the_second_pyvrp_worker_starts_from_pyvrps_own_start():
    nm = build_nodes(to_problem(read_instance(BENCH / "R101.vrp")))
    assert portfolio.plan_jobs(nm, 7, 2) == [("pyvrp", 7, True), ("pyvrp", 8, False)]
    solved = portfolio.solve(nm, SolveParams(time_limit=BACKSTOP_S, iterations=300, workers=2))
    starts = [w["start"] for w in solved.stats["workers"]]
    assert starts[1] == "pyvrp" and starts[0] in ("greedy", "ortools")
    again = portfolio.solve(nm, SolveParams(time_limit=BACKSTOP_S, iterations=300, workers=2))
    assert again.routes == solved.routes


def test_group_search_settings_reach_pyvrp():
    nm = build_nodes(to_problem(read_instance(BENCH / "R101.vrp")))
    data = pyvrp_engine.build_data(nm).data
    p = pyvrp_engine._params(data, search=decompose.GROUP_SEARCH)
    assert p.ils.history_length == decompose.GROUP_SEARCH.history_length
    assert p.perturbation.max_perturbations == decompose.GROUP_SEARCH.max_perturbations
    assert p.neighbourhood.num_neighbours == decompose.GROUP_SEARCH.num_neighbours
    names = {op.__name__ for op in p.operators}
    assert "RelocateShipment" in names and not names & pyvrp_engine.SKIPPED_OPERATORS
    default = pyvrp_engine._params(data)
    assert default.ils.history_length == 300  # PyVRP's own elsewhere
