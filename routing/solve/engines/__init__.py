"""Search engines. Each takes a node model and returns routes as node sequences; nothing else
(timing, loads, cost, plan) is an engine's business."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class EngineResult:
    engine: str
    routes: tuple[tuple[int, ...], ...]  # per vehicle: node indices in visiting order
    stats: dict = field(default_factory=dict)
