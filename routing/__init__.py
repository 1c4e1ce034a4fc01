"""Rural logistics route optimiser: a county fleet's daily last-kilometre deliveries and
first-kilometre produce pickups, planned on one tour.

`routing.plan(county, date, params)` is the Python API; the submodules load on first use, so
importing the package (and starting `route`) is instant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["SolveParams", "__version__", "plan"]

if TYPE_CHECKING:
    from .model.params import SolveParams
    from .pipeline import plan


def __getattr__(name: str) -> Any:
    if name == "plan":
        from .pipeline import plan

        return plan
    if name == "SolveParams":
        from .model.params import SolveParams

        return SolveParams
    raise AttributeError(f"module 'routing' has no attribute {name!r}")
