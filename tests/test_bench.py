"""Benchmark readers against their samples, `route bench solve` re-checked independently, and
the two engines agreeing on what a plan costs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cli import main
from routing.bench.readers import (
    read_instance,
    read_lilim,
    read_solomon_txt,
    read_vrplib,
    read_vrpspd,
    to_problem,
)
from routing.model.schedule import evaluate
from routing.model.visits import build_nodes
from routing.solve.engines import ortools_engine, pyvrp_engine
from routing.solve.engines.ortools_engine import MICRO, _Model

from .conftest import BACKSTOP_S, budget

BENCH = Path(__file__).parent / "data" / "bench"


def test_solomon_text_and_vrplib_readers_agree_on_r101():
    txt, vrp = read_solomon_txt(BENCH / "R101.txt"), read_vrplib(BENCH / "R101.vrp")
    assert (txt.name, txt.vehicles, txt.capacity, len(txt.ids)) == ("R101", 25, 200, 101)
    assert txt.ids[:3] == ("0", "1", "2") and vrp.ids[:3] == ("1", "2", "3")  # ids as written
    for field in ("delivery", "ready", "due", "service", "dist"):
        assert np.array_equal(getattr(txt, field), getattr(vrp, field)), field
    # DIMACS: depot (35, 35) to customer 1 (41, 49) is sqrt(232) = 15.23..., truncated to 15.2
    assert txt.dist[0, 1] == 15.2
    assert (txt.ready[1], txt.due[1], txt.service[1], txt.delivery[1]) == (161, 171, 10, 10)


def test_cvrp_distances_round_to_the_nearest_integer():
    inst = read_vrplib(BENCH / "tiny_cvrp.vrp")
    assert inst.dist[0, 1] == 5 and inst.dist[0, 2] == 1  # 5.0 and sqrt(2) = 1.41
    assert inst.dist[1, 4] == 4  # (3, 4) to (0, 7): sqrt(18) = 4.24
    assert inst.dist[2, 4] == round(math.hypot(1, 6))


def test_lilim_reader_pairs_and_unrounded_distances():
    inst = read_lilim(BENCH / "lc101.txt")
    assert (inst.vehicles, inst.capacity, len(inst.ids), len(inst.pairs)) == (25, 200, 107, 53)
    assert all(inst.due[d] >= inst.ready[p] for p, d, _ in inst.pairs)
    assert inst.dist[0, 1] == pytest.approx(math.hypot(45 - 40, 68 - 50))


def test_vrpspd_reader_reads_pickup_then_delivery():
    inst = read_vrpspd(BENCH / "CON3-0.vrpspd")
    assert (inst.name, len(inst.ids), inst.capacity, inst.vehicles) == ("CON3-0", 51, 8080987, 4)
    assert (inst.pickup[1], inst.delivery[1]) == (1015547, 109447)  # '2 0 0 1e7 0 1015547 109447'
    assert inst.dist[0, 1] == 174413 and inst.unit == 1e4


def _independent_solomon_check(path: Path, result: dict) -> float:
    """From the raw file, not the project's reader: every customer once, capacity, windows,
    the depot's due time; returns the DIMACS cost."""
    lines = [ln.split() for ln in path.read_text().splitlines()[9:] if ln.strip()]
    node = {int(c[0]): [float(x) for x in c[1:]] for c in lines}
    capacity = 200

    def d(a, b):
        return math.floor(10 * math.hypot(node[a][0] - node[b][0], node[a][1] - node[b][1])) / 10

    assert sorted(c for r in result["routes"] for c in r) == sorted(k for k in node if k)
    total = 0.0
    for r in result["routes"]:
        assert sum(node[c][2] for c in r) <= capacity
        t, at = 0.0, 0
        for c in r:
            t = max(t + d(at, c), node[c][3])
            assert t <= node[c][4] + 1e-9
            t += node[c][5]
            total += d(at, c)
            at = c
        assert t + d(at, 0) <= node[0][4] + 1e-9
        total += d(at, 0)
    return total


def test_bench_solve_json_routes_recheck_independently():
    args = ["bench", "solve", str(BENCH / "R101.txt"), "--json", "--iterations", "2000"]
    result = CliRunner().invoke(main, [*args, "--time-limit", "600"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc) >= {"instance", "cost", "vehicles", "feasible", "seconds", "routes"}
    assert doc["feasible"] is True and doc["vehicles"] == len(doc["routes"])
    assert _independent_solomon_check(BENCH / "R101.txt", doc) == pytest.approx(doc["cost"])
    assert doc["cost"] >= 1637.7 - 0.05  # never below the best known: the check above is real


@pytest.mark.parametrize("name", ["R101.vrp", "CON3-0.vrpspd", "lc101.txt"])
def test_engines_agree_on_the_cost_of_the_same_routes(name):
    """PyVRP's plan, priced by the OR-Tools model, PyVRP's own cost and the schedule alike."""
    nm = build_nodes(to_problem(read_instance(BENCH / name)))
    result = pyvrp_engine.solve(nm, budget(500, seed=1))
    ours = sum(evaluate(nm.problem, nm.nodes, v, s).cost for v, s in enumerate(result.routes) if s)
    assert result.stats["objective"] == pytest.approx(ours, abs=1e-3)
    model = _Model(
        nm.problem,
        nm.nodes,
        exact=ortools_engine.needs_exact_load(nm.nodes),
        perm=np.arange(len(nm.nodes)),
    )
    params = ortools_engine._params(1.0, first=False, iterations=None)
    assignment = model.read(result.routes, params)
    assert assignment is not None  # the OR-Tools model accepts PyVRP's plan as feasible
    assert assignment.ObjectiveValue() / MICRO == pytest.approx(ours, abs=1e-3)


def test_both_engines_plans_pass_the_validator_on_a_small_day():
    from routing.pipeline import load_day
    from routing.plans.document import Plan
    from routing.plans.validate import validate
    from routing.solve.solver import solve_problem

    day = load_day("wugong", "2026-11-29")
    for engine in ("ortools", "pyvrp"):
        s = solve_problem(day.problem, budget(200, engine=engine))
        plan = Plan(
            county="wugong",
            adcode="610431",
            date="2026-11-29",
            engine=s.engine,
            seed=0,
            time_limit_s=BACKSTOP_S,
            iterations=200,
            inputs={},
            routes=s.routes,
            unserved=s.unserved,
        )
        assert validate(plan, day.problem) == [], engine
        assert s.unserved == ()
