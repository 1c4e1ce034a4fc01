"""Tight days: the first solution must never fail, and a day that has a feasible plan gets
one with nothing dropped (Solomon R101's tight windows, a Dethloff VRPSPD instance with its
tight fleet, Li & Lim pairs), within an iteration budget."""

from __future__ import annotations

from pathlib import Path

import pytest

from routing.bench.readers import read_instance, to_problem
from routing.plans.document import Plan
from routing.plans.validate import validate
from routing.solve.solver import solve_problem

from .conftest import BACKSTOP_S, budget

BENCH = Path(__file__).parent / "data" / "bench"
ITERATIONS = 150  # OR-Tools solutions: a few seconds per instance


@pytest.mark.parametrize(
    ("name", "bks", "max_gap"),
    [("R101.vrp", 1637.7, 0.1), ("CON3-0.vrpspd", 616.52, 0.1), ("lc101.txt", 828.9369, 0.1)],
)
def test_tight_instance_is_served_completely(name, bks, max_gap):
    inst = read_instance(BENCH / name)
    problem = to_problem(inst)
    solved = solve_problem(problem, budget(ITERATIONS, engine="ortools"))
    assert solved.unserved == ()
    plan = Plan(
        county="bench",
        adcode="",
        date=problem.date,
        engine=solved.engine,
        seed=0,
        time_limit_s=BACKSTOP_S,
        iterations=ITERATIONS,
        inputs={},
        routes=solved.routes,
        unserved=solved.unserved,
    )
    assert validate(plan, problem) == []
    assert len(solved.routes) <= inst.vehicles
    pos = {pid: k for k, pid in enumerate(inst.ids)}
    cost = inst.cost([[pos[s.point] for s in r.stops] for r in solved.routes])
    assert bks * (1 - 1e-6) <= cost <= bks * (1 + max_gap)
