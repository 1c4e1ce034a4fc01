"""`route costs`: the year's cost of the county's fleet, from planned sample days.

Planning all 365 days takes a long time, so every `every`-th day of the year is planned (its
stored orders, else the demand model's) and stands for the days up to the next sample: a
systematic sample that follows the seasons of the demand model. The standing costs (vehicles
and salaried drivers) are the same every day; the routes' marginal costs are scaled by the
days each sample stands for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..inputs.budget import Budget, budget_of
from ..model.params import SolveParams
from ..model.problem import Problem
from ..pipeline import Progress, _quiet, load_day, solve_day
from ..plans.document import Plan


@dataclass(frozen=True)
class SampleDay:
    date: str
    days: int  # days of the year this sample stands for
    orders: int
    unserved: int
    vehicles_used: int
    km: float
    distance_yuan: float  # fuel and wear per km
    time_yuan: float  # hourly pay and overtime
    dispatch_yuan: float

    @property
    def marginal_yuan(self) -> float:
        return self.distance_yuan + self.time_yuan + self.dispatch_yuan


@dataclass(frozen=True)
class AnnualCosts:
    county: str
    year: int
    every: int
    time_limit_s: float
    samples: tuple[SampleDay, ...]
    vehicles: int
    vehicles_day_yuan: float  # standing: depreciation, insurance
    drivers_day_yuan: float  # standing: salaried days
    budget: Budget | None

    def total(self, field: str) -> float:
        return sum(getattr(s, field) * s.days for s in self.samples)

    @property
    def days(self) -> int:
        return sum(s.days for s in self.samples)

    @property
    def year_yuan(self) -> float:
        standing = (self.vehicles_day_yuan + self.drivers_day_yuan) * self.days
        return standing + self.total("marginal_yuan")


def _sample(plan: Plan, problem: Problem, days: int) -> SampleDay:
    fleet = {v.id: v for v in problem.vehicles}
    distance = time = dispatch = 0.0
    for r in plan.routes:
        v = fleet[r.vehicle]
        distance += v.cost_per_km * r.distance_m / 1000
        time += v.time_cost(r.duration_s)
        dispatch += v.fixed_cost
    return SampleDay(
        date=plan.date,
        days=days,
        orders=len(problem.orders),
        unserved=len(plan.unserved),
        vehicles_used=len(plan.routes),
        km=plan.distance_m / 1000,
        distance_yuan=distance,
        time_yuan=time,
        dispatch_yuan=dispatch,
    )


def sample_dates(year: int, every: int) -> list[tuple[dt.date, int]]:
    """Every `every`-th day from 1 January, each with the days it stands for."""
    first, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    out = []
    day = first
    while day < end:
        out.append((day, min(every, (end - day).days)))
        day += dt.timedelta(days=every)
    return out


def annual_costs(
    county: str,
    year: int,
    every: int = 8,
    params: SolveParams | None = None,
    data_dir: Path | None = None,
    progress: Progress = _quiet,
) -> AnnualCosts:
    """Plan the sample days of `year` (each plan validated) and add up the year's costs."""
    params = params or SolveParams(time_limit=5.0)
    samples, day = [], None
    dates = sample_dates(year, every)
    for k, (date, days) in enumerate(dates, start=1):
        day = load_day(county, date.isoformat(), data_dir)
        plan = solve_day(day, params)
        s = _sample(plan, day.problem, days)
        samples.append(s)
        progress(
            f"{k}/{len(dates)} {s.date}: {s.orders} orders, {s.vehicles_used} vehicles, "
            f"{s.km:,.0f} km, {s.marginal_yuan:,.2f} yuan on the routes"
        )
    assert day is not None  # a year has days
    fleet = day.problem.vehicles
    return AnnualCosts(
        county=day.county.slug,
        year=year,
        every=every,
        time_limit_s=params.time_limit,
        samples=tuple(samples),
        vehicles=len(fleet),
        vehicles_day_yuan=sum(v.vehicle_day for v in fleet),
        drivers_day_yuan=sum(v.driver_day for v in fleet),
        budget=budget_of(day.county.meta),
    )


def costs_text(a: AnnualCosts) -> str:
    """The year's costs by month and by kind, beside the budget."""
    lines = [
        f"{a.county} {a.year}: {len(a.samples)} days planned (one every {a.every} days, "
        f"{a.time_limit_s:g} s each), standing for {a.days} days",
        "by the month of the sampled days; 'days' are the days they stand for",
        f"{'month':7} {'days':>4} {'orders/day':>10} {'vehicles':>8} {'km/day':>8} "
        f"{'routes ¥/day':>12}",
    ]
    for m in range(1, 13):
        mine = [s for s in a.samples if int(s.date[5:7]) == m]
        days = sum(s.days for s in mine)
        if not days:
            continue
        orders, used, km, yuan = (
            sum(getattr(s, f) * s.days for s in mine) / days
            for f in ("orders", "vehicles_used", "km", "marginal_yuan")
        )
        lines.append(
            f"{a.year}-{m:02d} {days:4d} {orders:10.0f} {used:8.1f} {km:8.0f} {yuan:12,.2f}"
        )
    rows = [
        (
            f"vehicles, standing ({a.vehicles}: depreciation, insurance)",
            a.vehicles_day_yuan * a.days,
        ),
        ("drivers, standing (salaried days, relief included)", a.drivers_day_yuan * a.days),
        ("routes: fuel and wear per km", a.total("distance_yuan")),
        ("routes: hourly pay and overtime", a.total("time_yuan")),
        ("routes: dispatch (pre-cooling)", a.total("dispatch_yuan")),
        ("total", a.year_yuan),
    ]
    lines.append("")
    lines += [f"{label:55} {value:14,.0f} yuan" for label, value in rows]
    unserved = a.total("unserved")
    if unserved:
        lines.append(f"unserved orders, scaled to the year: {unserved:,.0f}")
    b = a.budget
    if b is None:
        lines.append("no budget in county.json: nothing to compare with")
        return "\n".join(lines)
    gap = a.year_yuan - b.per_year
    lines += [
        f"budget: {b.running_yuan_per_year:,.0f} a year to run + {b.vehicles_yuan:,.0f} of "
        f"vehicles over {b.vehicle_life_years:g} years ({b.residual_share:.0%} residual) = "
        f"{b.per_year:,.0f} yuan a year",
        f"planned against budget: {gap:+,.0f} yuan ({gap / b.per_year:+.1%})",
    ]
    if b.source:
        lines.append(f"budget source: {b.source}")
    return "\n".join(lines)
