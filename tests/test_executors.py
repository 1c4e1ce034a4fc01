"""The same scenario plans, run in this process, in local processes and on a real local Dask
cluster of two workers, give identical results (fixed seeds and iteration budgets)."""

from __future__ import annotations

import pytest

from routing import executors
from routing.errors import RouteError
from routing.executors import run_tasks
from routing.scenarios.run import Task, run_task

from .conftest import WUGONG

SCENARIOS = WUGONG.parent.parent / "scenarios"


def _tasks() -> list[Task]:
    return [
        Task(SCENARIOS / f"{name}.toml", "2026-11-29", seed, 600.0, 20, WUGONG.parent)
        for name in ("wugong-base", "wugong-fleet-25")
        for seed in (0, 1)
    ]


def _in_order(results) -> list[dict]:
    return [row for _, row in sorted(results, key=lambda kr: kr[0])]


@pytest.fixture(scope="module")
def inline() -> list[dict]:
    return _in_order(run_tasks(run_task, _tasks(), workers=1))


def test_local_processes_give_the_results_of_one_process(inline):
    assert _in_order(run_tasks(run_task, _tasks(), workers=2)) == inline
    assert {r["scenario"] for r in inline} == {"base", "fleet-25"}
    assert inline[0] != inline[1]  # the seeds differ: the comparison is not vacuous


def test_a_local_dask_cluster_gives_the_same_results(inline):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        on_dask = _in_order(run_tasks(run_task, _tasks(), scheduler=cluster.scheduler_address))
    assert on_dask == inline


def test_an_unreachable_scheduler_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 1)
    with pytest.raises(
        RouteError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9"
    ):
        list(run_tasks(run_task, _tasks()[:1], scheduler="tcp://127.0.0.1:9"))
