"""The demand profile of a county, built once by `route data build`: each village-level unit's
resident population and the produce it sells online per year (demand.csv). How those become a
day's orders is `routing.inputs.demo_orders`. Every figure is a named constant here and is
justified in data/README.md ("Demand model").
"""

from __future__ import annotations

import numpy as np

# --- population -------------------------------------------------------------------------------
PEOPLE_PER_VILLAGE = 2_000  # mean residents per village-level unit (Wugong: 196 units ~ 400,000)
URBAN_FACTOR = 2.5  # urban communities (居委会) are this much larger than villages
POPULATION_SIGMA = 0.35  # lognormal spread of village sizes

# --- produce sold online -----------------------------------------------------------------------
# Tonnes per year collected by the county fleet for online sale, per 400,000 residents.
PRODUCE_T_PER_400K = {"apples": 600.0, "kiwifruit": 450.0, "noodles": 200.0, "vegetables": 300.0}
NOODLE_VILLAGE_SHARE = 0.12  # villages with a noodle workshop
VEGETABLE_VILLAGE_SHARE = 0.40


def build_profiles(points: list[dict], urban: frozenset[str], adcode: str, seed: int) -> list[dict]:
    """Rows of demand.csv: population and annual produce (t) per village-level unit."""
    rng = np.random.default_rng([seed, int(adcode), 11])
    villages = [p for p in points if p["tier"] == "village"]
    if not villages:
        return []
    raw = rng.lognormal(0.0, POPULATION_SIGMA, size=len(villages))
    raw *= np.array([URBAN_FACTOR if v["id"] in urban else 1.0 for v in villages])
    pop = raw / raw.mean() * PEOPLE_PER_VILLAGE
    lat = np.array([v["lat"] for v in villages])
    north = (lat - lat.min()) / max(lat.max() - lat.min(), 1e-9)  # 0 south .. 1 north
    total_pop = pop.sum()
    scale = total_pop / 400_000.0
    rural = np.array([v["id"] not in urban for v in villages])
    weights = {
        # apples on the northern tableland, kiwifruit on the southern plain, both mixed
        "apples": rural * pop * np.clip(0.2 + north + rng.normal(0, 0.25, len(villages)), 0, None),
        "kiwifruit": rural
        * pop
        * np.clip(1.2 - north + rng.normal(0, 0.25, len(villages)), 0, None),
        "noodles": rural * (rng.random(len(villages)) < NOODLE_VILLAGE_SHARE) * pop,
        "vegetables": rural * (rng.random(len(villages)) < VEGETABLE_VILLAGE_SHARE) * pop,
    }
    tonnes = {}
    for crop, w in weights.items():
        w = np.asarray(w, dtype=float)
        tonnes[crop] = w / w.sum() * PRODUCE_T_PER_400K[crop] * scale if w.sum() > 0 else w
    rows = []
    for k, v in enumerate(villages):
        row = {"point_id": v["id"], "population": int(round(pop[k]))}
        for crop in PRODUCE_T_PER_400K:
            row[f"{crop}_t"] = round(float(tonnes[crop][k]), 2)
        rows.append(row)
    return rows
