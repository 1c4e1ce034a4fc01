"""Re-planning the rest of a day from a time: vehicles carry on from where they are, with new,
cancelled and locked orders (`route replan`, docs/replan.md)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..model.params import SolveParams
from ..model.records import Order
from .run import Replanned, replan, write_replan


def replan_day(
    source: Path,
    at_s: int,
    new_orders: Sequence[Order] = (),
    cancel: Sequence[str] = (),
    lock: Sequence[str] = (),
    params: SolveParams | None = None,
    out_dir: Path | None = None,
    place_only: bool = False,
    maps: bool = True,
) -> Replanned:
    """`replan`, and its folder written to `out_dir` if given: the one call `route replan`
    and the desk make."""
    result = replan(source, at_s, new_orders, cancel, lock, params, place_only)
    if out_dir is not None:
        write_replan(result, out_dir, maps)
    return result


__all__ = ["Replanned", "replan", "replan_day", "write_replan"]
