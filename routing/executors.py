"""One way to run many independent tasks (scenario x date x seed plans, a region's counties):
local processes by default, or an existing Dask distributed cluster given its scheduler's
address. Results come back in the tasks' order whichever executor ran them, so a fixed seed
and iteration budget give the same results on either.

A task is a picklable value and `fn` a module-level function; each task should do its own
work single-threaded (the executor supplies the parallelism).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, TypeVar

from .errors import RouteError

T = TypeVar("T")
R = TypeVar("R")
DASK_RETRIES = 2  # a task whose worker died is run again elsewhere, this many times
CONNECT_TIMEOUT_S = 10  # to reach the scheduler


class ExecutorError(RouteError):
    """The cluster cannot be reached, or a task failed on it."""

    exit_code = 6


def local_workers(requested: int | None = None) -> int:
    """Processes to use here: `requested`, else one per core."""
    return max(1, requested or os.cpu_count() or 1)


def run_tasks(
    fn: Callable[[T], R],
    tasks: Sequence[T],
    workers: int | None = None,
    scheduler: str | None = None,
    on_lost: Callable[[T, BaseException], R] | None = None,
) -> Iterator[tuple[int, R]]:
    """(task index, result) for every task, as each completes; with `scheduler` on the Dask
    cluster at that address, else in `workers` local processes (in this process with one
    worker or one task, which keeps tracebacks and progress simple).

    A Dask task whose worker dies is run again on another (the scheduler's allowed failures);
    a task that cannot be completed at all, or whose local process died, raises, or with
    `on_lost` yields `on_lost(task, error)` in its place so the other tasks carry on."""
    if scheduler:
        yield from _on_dask(fn, tasks, scheduler, on_lost)
        return
    n = min(local_workers(workers), len(tasks))
    if n <= 1:
        for k, task in enumerate(tasks):
            yield k, fn(task)
        return
    # fork where there is one: the workers inherit the loaded modules and start at once
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(max_workers=n, mp_context=context) as pool:
        futures = {pool.submit(fn, task): k for k, task in enumerate(tasks)}
        for future in as_completed(futures):
            yield futures[future], _result(future, tasks[futures[future]], on_lost)


def _result(future: Any, task: Any, on_lost: Callable[[Any, BaseException], R] | None) -> R:
    if on_lost is None:
        return future.result()
    try:
        return future.result()
    except Exception as exc:  # the process running it died, or the cluster gave up on it
        return on_lost(task, exc)


def _on_dask(
    fn: Callable[[Any], R],
    tasks: Sequence[Any],
    address: str,
    on_lost: Callable[[Any, BaseException], R] | None = None,
) -> Iterator[tuple[int, R]]:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:  # pragma: no cover - distributed is a dependency
        raise ExecutorError("--scheduler needs the 'distributed' package") from None
    try:
        client = Client(address, timeout=f"{CONNECT_TIMEOUT_S}s")
    except OSError as exc:
        raise ExecutorError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        futures = client.map(fn, list(tasks), pure=False, retries=DASK_RETRIES)
        index = {f.key: k for k, f in enumerate(futures)}
        for future in dask_completed(futures):
            k = index[future.key]
            yield k, _result(future, tasks[k], on_lost)
    finally:
        client.close()
