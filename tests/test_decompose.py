"""Large days are improved group by group, a group of routes per core: the result keeps every
rule, never costs more than its start, and a fixed seed and iteration budget give the same
routes."""

from __future__ import annotations

from pathlib import Path

from routing.bench.readers import read_instance, to_problem
from routing.model.params import SolveParams
from routing.model.visits import build_nodes
from routing.pipeline import load_day
from routing.solve.construction import greedy_routes
from routing.solve.engines import EngineResult, decompose, portfolio
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
    served = [k for seq in first.routes for k in seq]
    assert len(served) == len(set(served))  # nothing twice
    # the greedy start leaves visits out on this day; a group may trade a served visit for
    # cheaper ones (its value counts the penalty of each visit left out), but serves more
    visits = {k for k, n in enumerate(nm.nodes) if not n.unload}
    assert len(visits & set(served)) > len(visits & {k for seq in start for k in seq})


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


def test_each_round_splits_the_routes_among_the_workers_and_every_left_out_visit_joins_one():
    nm = build_nodes(load_day("wugong", "2026-10-14", data_dir=WUGONG.parent).problem)
    start = list(greedy_routes(nm))
    out = next(v for v, seq in enumerate(start) if seq)  # leave one route's visits out
    left_out = set(start[out])
    start[out] = ()
    used = [v for v, seq in enumerate(start) if seq]
    size = decompose.group_size(len(used), 2)
    assert size == max(decompose.MIN_GROUP_ROUTES, -(-len(used) // 2))
    for round_no in (0, 1):
        groups = decompose._groups(nm, tuple(start), round_no, workers=2)
        assert len(groups) == -(-len(used) // size)
        routed = [v for vehicles, _ in groups for v in vehicles if start[v]]
        assert sorted(routed) == used  # every route in exactly one group
        spares = [v for vehicles, _ in groups for v in vehicles if not start[v]]
        assert len(spares) == len(set(spares)) == decompose.SPARE_VEHICLES * len(groups)
        nodes = [k for _, ks in groups for k in ks]
        assert len(nodes) == len(set(nodes))
        assert left_out <= set(nodes)
    first = decompose._groups(nm, tuple(start), 0, workers=2)
    second = decompose._groups(nm, tuple(start), 1, workers=2)
    assert first[0][0] != second[0][0]  # the next round shifts the split


def test_one_core_searches_the_whole_day_instead(monkeypatch):
    monkeypatch.setattr(portfolio, "DECOMPOSE_MIN_NODES", 100)
    nm = build_nodes(load_day("wugong", "2026-10-14", data_dir=WUGONG.parent).problem)
    solved = portfolio.solve(nm, SolveParams(time_limit=BACKSTOP_S, iterations=20, workers=1))
    assert "decomposition" not in solved.stats
    assert solved.stats["workers"] == [
        {
            "engine": "pyvrp",
            "seed": 0,
            "start": "greedy",
            "drops": "at the end",
            "objective": solved.stats["workers"][0]["objective"],
        }
    ]


def test_after_the_groups_pyvrp_searches_the_whole_day_from_their_plan(monkeypatch):
    monkeypatch.setattr(portfolio, "DECOMPOSE_MIN_NODES", 100)
    nm = build_nodes(load_day("wugong", "2026-10-14", data_dir=WUGONG.parent).problem)
    params = SolveParams(time_limit=BACKSTOP_S, iterations=30, workers=2)
    solved = portfolio.solve(nm, params)
    assert solved.stats["decomposition"]["rounds"] == decompose.ROUNDS_WITH_ITERATIONS
    workers = solved.stats["workers"]
    assert [(w["start"], w["drops"]) for w in workers] == [("decomposition", "at the end")] * 2
    assert [w["seed"] for w in workers] == [0, 1]
    best = min(w["objective"] for w in workers)  # the stats round to the fen
    assert objective(nm, solved) <= best + 0.005 + 1e-6
    assert portfolio.solve(nm, params).routes == solved.routes
