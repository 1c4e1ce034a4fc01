"""Large days are improved group by group: the result keeps every rule, never costs more than
its start, and a fixed seed and iteration budget give the same routes."""

from __future__ import annotations

from routing.model.params import SolveParams
from routing.model.visits import build_nodes
from routing.pipeline import load_day
from routing.solve.construction import greedy_routes
from routing.solve.engines import EngineResult, decompose
from routing.solve.engines.workers import objective

from .conftest import BACKSTOP_S, WUGONG


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
