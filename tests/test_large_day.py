"""A day too large for its time limit still gets a valid plan: every order served or given a
true reason, and no order left out beside an idle vehicle that could carry it."""

from __future__ import annotations

from dataclasses import replace

from routing.model.params import SolveParams
from routing.model.problem import build_problem
from routing.network.matrices import Matrices
from routing.pipeline import load_day
from routing.plans.document import Plan
from routing.plans.validate import validate
from routing.solve.solver import solve_problem

from .conftest import WUGONG


def test_a_1_s_limit_on_a_large_generated_day_gives_a_valid_plan():
    """Wugong's harvest day with every other order twice (about 3,500 orders, more than the
    fleet can carry): whatever part of the second the search gets, the plan keeps every
    rule, every order is served or has a true reason, and none is left out while a vehicle
    that could carry it stands idle (all checked by `validate`)."""
    day = load_day("wugong", "2026-10-14", data_dir=WUGONG.parent)
    p = day.problem
    again = tuple(replace(o, id=f"{o.id}-again") for o in p.orders[::2])
    orders = p.orders + again
    matrices = {k: Matrices(k, p.time_s[k], p.dist_m[k]) for k in p.time_s}
    big = build_problem(p.county, p.date, p.points, p.vehicles, orders, matrices)
    solved = solve_problem(big, SolveParams(time_limit=1.0, workers=2))
    plan = Plan(
        county=p.county,
        adcode="",
        date=p.date,
        engine=solved.engine,
        seed=0,
        time_limit_s=1.0,
        iterations=None,
        inputs={},
        routes=solved.routes,
        unserved=solved.unserved,
    )
    assert validate(plan, big) == []
    served = {o for r in plan.routes for s in r.stops for o in (*s.deliver, *s.collect)}
    assert len(served) + len(plan.unserved) == len(orders) > 3000
    assert len(plan.routes) == len(p.vehicles)  # an over-full day: every vehicle goes out
