"""The problem behind a plan, kept per plan: what checking an edit needs (the county, the
orders, the travel matrices and the road graph). Building it takes a few seconds, so the desk
keeps it while the inputs the plan names stay the same (their sha256 are in `plan.inputs`)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

from ..inputs.plan_file import PlanFile, open_plan
from ..pipeline import Day, day_of, plan_violations
from ..plans.document import Plan
from ..plans.reader import read_plan
from ..plans.validate import Violation


@dataclass(frozen=True)
class Opened:
    """A plan as it is on disk now, and the day it was made for."""

    path: Path
    plan: Plan
    file: PlanFile  # the inputs the plan names (county, all orders, calendar)
    day: Day

    @property
    def road_node(self) -> dict[str, int]:
        return {q.id: int(n) for q, n in zip(self.day.problem.points, self.day.nodes, strict=True)}

    def check(self, plan: Plan) -> list[Violation]:
        """Every rule `route check` applies (a re-plan's and the visit calendar's included)."""
        return plan_violations(self.file, plan, self.day.problem)


class Days:
    """Opened plans by path; the day is rebuilt only when the plan names other inputs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._days: dict[Path, tuple[str, PlanFile, Day]] = {}

    def open(self, path: Path) -> Opened:
        path = Path(path).resolve()
        plan = read_plan(path)
        key = json.dumps(plan.inputs, sort_keys=True)
        with self._lock:
            kept = self._days.get(path)
        if kept is None or kept[0] != key:
            pf = open_plan(path)
            day = day_of(pf)
            kept = (key, pf, day)
            with self._lock:
                self._days[path] = kept
        return Opened(path, plan, kept[1], kept[2])

    def forget(self, path: Path) -> None:
        with self._lock:
            self._days.pop(Path(path).resolve(), None)
