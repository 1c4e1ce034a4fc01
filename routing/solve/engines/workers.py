"""What the parallel searches share: the objective they are ranked by, and worker processes
that die with the planning process."""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing as mp
import os
import signal
import threading
import time
from collections.abc import Iterator
from multiprocessing.pool import Pool

from ...model.nodes import NodeModel
from ...model.schedule import evaluate
from . import EngineResult

_PR_SET_PDEATHSIG = 1  # prctl option (Linux)


def objective(nm: NodeModel, result: EngineResult) -> float:
    """Cost in yuan plus the penalties of the nodes left out: what every engine minimises."""
    served = {k for seq in result.routes for k in seq}
    cost = 0.0
    for v, seq in enumerate(result.routes):
        if seq:
            ev = evaluate(nm.problem, nm.nodes, v, seq)
            if not ev.feasible:
                return float("inf")
            cost += ev.cost
    return cost + sum(n.penalty for k, n in enumerate(nm.nodes) if k not in served)


def _die_with_parent(parent: int) -> None:
    """In a worker: end when the planning process ends, even by kill -9 (Linux delivers
    SIGKILL on the parent's death; elsewhere a watchdog thread notices within a second)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


@contextlib.contextmanager
def forked_pool(processes: int) -> Iterator[Pool]:
    """Forked worker processes (they inherit the caller's module state copy-on-write) that
    die with this process."""
    ctx = mp.get_context("fork")
    with ctx.Pool(processes, initializer=_die_with_parent, initargs=(os.getpid(),)) as pool:
        yield pool
