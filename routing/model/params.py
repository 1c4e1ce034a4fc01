"""The settings of one search, passed down as one value from the command line to the engines."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ENGINES = ("auto", "ortools", "pyvrp")


def silent(message: str) -> None:
    """The default progress sink: say nothing."""


@dataclass(frozen=True)
class SolveParams:
    """How to search: `time_limit` is wall time in seconds for the whole solve stage
    (construction, search, repair); `iterations`, when set, also stops each search after that
    many solutions, which makes a run deterministic whatever the machine's speed. `workers`
    is the number of parallel searches (None: one per core). `progress` gets stage messages;
    `on_improve(seconds, cost_yuan, unserved_orders)` gets each better plan found
    (better: a lower cost plus penalties; the cost shown is what the routes cost)."""

    time_limit: float = 30.0
    seed: int = 0
    iterations: int | None = None
    engine: str = "auto"
    workers: int | None = None
    progress: Callable[[str], None] = field(default=silent, compare=False, repr=False)
    on_improve: Callable[[float, float, int], None] | None = field(
        default=None, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"unknown engine {self.engine!r}; use one of {', '.join(ENGINES)}")
        if not self.time_limit > 0:
            raise ValueError(f"time_limit must be > 0 seconds, got {self.time_limit}")
        if self.iterations is not None and self.iterations < 1:
            raise ValueError(f"iterations must be >= 1, got {self.iterations}")
