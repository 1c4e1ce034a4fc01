"""The county's budget, from the `budget` block of county.json (data/README.md, "Costs")."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import Faults

FIELDS = (  # name, lowest, highest
    ("running_yuan_per_year", 0, 1e12),
    ("vehicles_yuan", 0, 1e12),
    ("vehicle_life_years", 1, 50),
    ("residual_share", 0, 1),
)


@dataclass(frozen=True)
class Budget:
    """The county's budget as county.json states it (data/README.md, "Costs")."""

    running_yuan_per_year: float
    vehicles_yuan: float
    vehicle_life_years: float
    residual_share: float
    source: str

    @property
    def per_year(self) -> float:
        """Running budget plus the vehicles' purchase spread over their life."""
        depreciation = self.vehicles_yuan * (1 - self.residual_share) / self.vehicle_life_years
        return self.running_yuan_per_year + depreciation


def check_budget(meta: dict, source: str, faults: Faults) -> None:
    """Every field of a `budget` block that is not a number in its range, as faults."""
    block = meta.get("budget")
    if block is None:
        return
    if not isinstance(block, dict):
        faults.add(source, f"{block!r:.40} is not an object", field="budget")
        return
    for key, lo, hi in FIELDS:
        x = block.get(key)
        if not isinstance(x, int | float) or isinstance(x, bool) or not lo <= x <= hi:
            why = f"{x!r:.40} is not a number in [{lo:g}, {hi:g}]"
            faults.add(source, why, field=f"budget.{key}")


def budget_of(meta: dict) -> Budget | None:
    """The budget of a county whose county.json passed `check_budget`; None if it has none."""
    block = meta.get("budget")
    if block is None:
        return None
    return Budget(
        **{key: float(block[key]) for key, _, _ in FIELDS}, source=str(block.get("source", ""))
    )
