"""The standing-cost formulas of a vehicle and its driver (data/README.md, "Costs"), one place
for the default fleet that `route data build` writes and for the vehicles a scenario adds
(a township station's tricycles)."""

from __future__ import annotations

LIFE_YEARS = 8  # straight-line depreciation of a light commercial vehicle
RESIDUAL_SHARE = 0.05  # of the purchase price, left at the end of its life
ON_COSTS = 1.25  # social insurance and housing fund on top of the gross wage
RELIEF = 7 / 6  # drivers work 6 days a week and the fleet 7: one relief driver per six
MONTHLY_WORKDAYS = 21.75  # PRC statutory average, the base of hourly and overtime pay
OVERTIME_RATE = 1.5  # Labour Law Art. 44: at least 150 % of the hourly wage on working days
SALARIED_HOURS = 8.0


def vehicle_day_yuan(price: float, insurance_year: float, life_years: float = LIFE_YEARS) -> float:
    """Depreciation to the residual value over its life, and a year's insurance, per day."""
    return round((price * (1 - RESIDUAL_SHARE) / life_years + insurance_year) / 365, 2)


def driver_day_yuan(wage_month: float) -> float:
    """A salaried driver's gross wage with on-costs, every day of the year (relief included)."""
    return round(wage_month * 12 * ON_COSTS * RELIEF / 365, 2)


def overtime_per_hour_yuan(wage_month: float) -> float:
    """An hour beyond the salaried day, at the statutory overtime rate."""
    return round(wage_month / MONTHLY_WORKDAYS / SALARIED_HOURS * OVERTIME_RATE, 2)
