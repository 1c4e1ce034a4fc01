"""Planning jobs: a day planned end to end as `route plan` does it, in a worker thread, with
its progress kept as events for the page (server-sent events).

Files: a county's plan for a date is written by one job or edit at a time. Each county and
date has a lock; a second job on the same day waits for the first ("queued") and then plans
and writes on its own. The search itself runs one at a time for the whole desk (the engines
fork worker processes from module state, and a county centre's machine has few cores): a job
waiting for another county's search is "queued" too.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Fault, InputError, RouteError

KEPT_JOBS = 200


@dataclass
class Job:
    id: str
    county: str
    date: str
    status: str = "queued"
    error: str | None = None
    events: list[dict] = field(default_factory=list)  # {"event": kind, "data": {...}}
    summary: dict | None = None
    started: float = field(default_factory=time.monotonic)

    def emit(self, kind: str, **data) -> None:
        self.events.append({"event": kind, "data": {"t": self.elapsed(), **data}})

    def elapsed(self) -> float:
        return round(time.monotonic() - self.started, 1)

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "county": self.county,
            "date": self.date,
            "status": self.status,
            "error": self.error,
            "summary": self.summary,
            "messages": [e["data"].get("message") for e in self.events if e["event"] == "progress"],
        }


class DayLocks:
    """A lock per county and date: planning and edits of one day's files take turns."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[tuple[str, str], threading.Lock] = {}

    def of(self, county: str, date: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault((county, date), threading.Lock())

    @contextmanager
    def held(self, county: str, date: str, wait_s: float = 120.0) -> Iterator[None]:
        lock = self.of(county, date)
        if not lock.acquire(timeout=wait_s):
            raise Busy(Fault(f"{county}/{date}", "is being planned or changed; try again soon"))
        try:
            yield
        finally:
            lock.release()


class Busy(InputError):
    """Another job holds the day (answered 409)."""


# plan(county, date, say, improved) -> the plan's summary; raises RouteError with a message
Planner = Callable[[str, str, Callable[[str], None], Callable[[float, float, int], None]], dict]


class Jobs:
    def __init__(self, planner: Planner, locks: DayLocks, on_done: Callable[[Job], None]):
        self._planner = planner
        self._locks = locks
        self._on_done = on_done
        self._search = threading.Lock()  # one search at a time on this machine
        self._jobs: dict[str, Job] = {}
        self._ids = itertools.count(1)
        self._guard = threading.Lock()

    def get(self, job_id: str) -> Job | None:
        with self._guard:
            return self._jobs.get(job_id)

    def start(self, county: str, date: str) -> Job:
        with self._guard:
            job = Job(f"{next(self._ids)}", county, date)
            self._jobs[job.id] = job
            for old in list(self._jobs)[:-KEPT_JOBS]:
                if self._jobs[old].finished:
                    del self._jobs[old]
        day_lock = self._locks.of(county, date)
        job.emit("status", status="queued", message=f"{county} {date}: queued")
        threading.Thread(target=self._run, args=(job, day_lock), daemon=True).start()
        return job

    def _run(self, job: Job, day_lock: threading.Lock) -> None:
        if day_lock.locked():
            job.emit("progress", message="waiting for the job already planning this day ...")
        with day_lock:
            if self._search.locked():
                job.emit("progress", message="waiting for another county's search to end ...")
            with self._search:
                job.status = "running"
                job.emit("status", status="running", message="planning ...")
                try:
                    job.summary = self._planner(
                        job.county,
                        job.date,
                        lambda m: job.emit("progress", message=m),
                        lambda s, cost, unserved: job.emit(
                            "improve", seconds=round(s, 1), cost_yuan=cost, unserved=unserved
                        ),
                    )
                    job.status = "done"
                except RouteError as exc:
                    job.status, job.error = "failed", str(exc)
                except Exception as exc:  # no traceback reaches the page
                    job.status = "failed"
                    job.error = f"unexpected {type(exc).__name__}: {str(exc)[:300]}"
                self._on_done(job)
                job.emit(
                    "status",
                    status=job.status,
                    message=job.error or "plan validated and written",
                    summary=job.summary,
                )


def plan_day(
    county: str,
    date: str,
    out_dir: Path,
    data_dir: Path | None,
    time_limit: float,
    iterations: int | None,
    say: Callable[[str], None],
    improved: Callable[[float, float, int], None],
) -> dict:
    """`route plan` for one county and date: load, search, validate, write the plan's files
    into `out_dir` (the plan it replaces kept in history/ for undo). Returns the summary."""
    from ..exports.plan_outputs import write_plan
    from ..model.params import SolveParams
    from ..pipeline import load_day, solve_day
    from .store import push_history

    say(f"loading {county} for {date} ...")
    day = load_day(county, date, data_dir, None, None, say)
    say(f"searching for up to {time_limit:g} s ...")
    params = SolveParams(
        time_limit=time_limit,
        iterations=iterations,
        progress=say,
        on_improve=improved,
    )
    plan = solve_day(day, params)
    for why in plan.stats.get("overfull", ()):
        say(f"warning: over-full day: {why}")
    if (out_dir / "plan.json").is_file():
        push_history(out_dir)
    say(f"writing {out_dir.name}/ ...")
    plan = write_plan(plan, day, out_dir, maps=True, progress=say)
    return plan.summary()
