"""Rural logistics route optimiser: a county fleet's daily last-kilometre deliveries and
first-kilometre produce pickups, planned on one tour."""

__version__ = "0.1.0"

from .pipeline import plan

__all__ = ["__version__", "plan"]
