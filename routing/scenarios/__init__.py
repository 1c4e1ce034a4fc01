"""Scenarios: what-if variants of a county (service points, fleet, tiers, demand,
co-distribution) compared side by side, and the siting of new service points."""
