"""`route compare`: every scenario planned on every date with every seed, in parallel on an
executor, and the results side by side (`routing.scenarios.kpi_table`).

The files are read and checked against their counties before any planning starts, so a
mistake in the last file is not found an hour in. The rows come back in task order, whichever
executor ran them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import Fault, InputError
from ..executors import run_tasks
from ..inputs.county import County, load_county
from .kpi_table import Summary, summarise
from .run import Task, run_task
from .scenario_file import Scenario, county_faults, parse_scenario


@dataclass(frozen=True)
class Comparison:
    scenarios: tuple[Scenario, ...]
    dates: tuple[str, ...]
    seeds: tuple[int, ...]
    rows: tuple[dict, ...]  # one per scenario, date and seed, in that order

    @property
    def summary(self) -> dict[str, dict[str, Summary]]:
        return summarise(list(self.rows), [s.name for s in self.scenarios])


def read_all(paths: list[Path], data_dir: Path | None = None) -> tuple[Scenario, ...]:
    """Every scenario file, checked against its county: one error listing the problems of all
    the files."""
    faults, out = [], []
    counties: dict[str, County] = {}  # each county loaded once, however many files name it
    for path in paths:
        try:
            s, found = parse_scenario(path)
            if s.county:
                if s.county not in counties:
                    counties[s.county] = load_county(s.county, data_dir)
                found += county_faults(s, counties[s.county])
        except InputError as exc:
            found = list(exc.faults)
        faults += found
        if not found:
            out.append(s)
    names = [s.name for s in out]
    for s in out:
        if names.count(s.name) > 1:
            faults.append(
                Fault(str(s.path), f"{s.name!r} is the name of another file", field="name")
            )
    if faults:
        raise InputError(faults)
    return tuple(out)


def compare_scenarios(
    paths: list[Path],
    dates: list[dt.date],
    seeds: list[int],
    time_limit: float,
    iterations: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    data_dir: Path | None = None,
    cache_dir: Path | None = None,
    done: Callable[[int, int], None] = lambda k, n: None,
) -> Comparison:
    """Plan scenario x date x seed; `done(finished, total)` after each task."""
    scenarios = read_all(paths, data_dir)
    tasks = [
        Task(s.path, d.isoformat(), seed, time_limit, iterations, data_dir, cache_dir)
        for s in scenarios
        for d in dates
        for seed in seeds
    ]
    rows: list[dict | None] = [None] * len(tasks)
    for finished, (k, row) in enumerate(run_tasks(run_task, tasks, workers, scheduler), 1):
        rows[k] = row
        done(finished, len(tasks))
    return Comparison(
        scenarios, tuple(d.isoformat() for d in dates), tuple(seeds), tuple(r for r in rows if r)
    )
