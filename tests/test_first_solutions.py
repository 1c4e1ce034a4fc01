"""Tight days: the first solution must never fail, and a day that has a feasible plan gets
one with nothing dropped (Solomon R101's tight windows, a Dethloff VRPSPD instance with its
tight fleet, Li & Lim pairs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from routing.bench.readers import read_instance, to_problem
from routing.pipeline import solve_problem
from routing.plan import Plan
from routing.validate import validate

BENCH = Path(__file__).parent / "data" / "bench"


@pytest.mark.parametrize(
    ("name", "bks", "max_gap"),
    [("R101.vrp", 1637.7, 0.06), ("CON3-0.vrpspd", 616.52, 0.03), ("lc101.txt", 828.9369, 0.03)],
)
def test_tight_instance_is_served_completely(name, bks, max_gap):
    inst = read_instance(BENCH / name)
    problem = to_problem(inst)
    solved = solve_problem(problem, time_limit=3.0, engine="ortools")
    assert solved.unserved == ()
    assert solved.stats["first_solution_s"] < 1.0
    plan = Plan(
        county="bench",
        adcode="",
        date=problem.date,
        engine=solved.engine,
        seed=0,
        time_limit_s=3.0,
        iterations=None,
        inputs={},
        routes=solved.routes,
        unserved=solved.unserved,
    )
    assert validate(plan, problem) == []
    assert len(solved.routes) <= inst.vehicles
    pos = {pid: k for k, pid in enumerate(inst.ids)}
    cost = inst.cost([[pos[s.point] for s in r.stops] for r in solved.routes])
    assert bks * (1 - 1e-6) <= cost <= bks * (1 + max_gap)
