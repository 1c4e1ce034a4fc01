"""The demand profile of a county, built once by `route data build`: each village-level unit's
resident population and the produce it sells online per year (demand.csv). How those become a
day's orders is `routing.inputs.demo_orders`. Each county's produce comes from the bundled
table produce.csv; the other figures are named constants here, justified in data/README.md
("Demand model").
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from ..errors import Fault, Faults, InputError

# --- population -------------------------------------------------------------------------------
PEOPLE_PER_VILLAGE = 2_000  # mean residents per village-level unit (Wugong: 196 units ~ 400,000)
URBAN_FACTOR = 2.5  # urban communities (居委会) are this much larger than villages
POPULATION_SIGMA = 0.35  # lognormal spread of village sizes

# --- produce sold online -----------------------------------------------------------------------
# Tonnes per year collected by the county fleet for online sale: the bundled table produce.csv,
# per division-code prefix (the longest wins), either for the whole county or per 400,000
# residents. CROPS are its columns, and those of demand.csv.
CROPS = ("apples", "kiwifruit", "noodles", "vegetables", "herbs")
TABLE = "produce.csv"
NOODLE_VILLAGE_SHARE = 0.12  # villages with a noodle workshop
VEGETABLE_VILLAGE_SHARE = 0.40
HERB_VILLAGE_SHARE = 0.5  # villages that grow medicinal herbs, where a county does


def table_path() -> Path:
    from ..inputs.locations import bundled_dir

    return bundled_dir() / TABLE


def produce_tonnes(adcode: str, population: float, path: Path | None = None) -> dict[str, float]:
    """The county's tonnes a year per crop: the row of the table with the longest prefix of its
    code, scaled to `population` where the row is per 400,000 residents."""
    path = path or table_path()
    faults = Faults()
    best: dict[str, float] | None = None
    best_len = -1
    with path.open(encoding="utf-8", newline="") as fh:
        for k, row in enumerate(csv.DictReader(fh), start=2):
            prefix, basis = row.get("adcode_prefix", "").strip(), row.get("basis", "").strip()
            if basis not in ("county", "per_400k"):
                faults.add(
                    str(path), f"basis {basis!r}: need county or per_400k", row=k, field="basis"
                )
            tonnes = {}
            for crop in CROPS:
                text = (row.get(f"{crop}_t") or "").strip()
                try:
                    tonnes[crop] = float(text)
                except ValueError:
                    tonnes[crop] = math.nan
                if not 0 <= tonnes[crop] <= 1e6:
                    faults.add(
                        str(path), f"{text!r}: need tonnes from 0 to 1e6", row=k, field=f"{crop}_t"
                    )
            if adcode.startswith(prefix) and len(prefix) > best_len:
                scale = population / 400_000.0 if basis == "per_400k" else 1.0
                best, best_len = {c: t * scale for c, t in tonnes.items()}, len(prefix)
    faults.raise_if_any()
    if best is None:
        raise InputError(Fault(str(path), f"no produce row for county {adcode}"))
    return best


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
    tonnes_of = produce_tonnes(adcode, float(pop.sum()))
    rural = np.array([v["id"] not in urban for v in villages])
    weights = {
        # apples on the northern uplands, kiwifruit in the southern lowlands, both mixed
        "apples": rural * pop * np.clip(0.2 + north + rng.normal(0, 0.25, len(villages)), 0, None),
        "kiwifruit": rural
        * pop
        * np.clip(1.2 - north + rng.normal(0, 0.25, len(villages)), 0, None),
        "noodles": rural * (rng.random(len(villages)) < NOODLE_VILLAGE_SHARE) * pop,
        "vegetables": rural * (rng.random(len(villages)) < VEGETABLE_VILLAGE_SHARE) * pop,
    }
    if tonnes_of["herbs"] > 0:  # drawn last: counties without herbs keep their earlier draws
        weights["herbs"] = rural * (rng.random(len(villages)) < HERB_VILLAGE_SHARE) * pop
    tonnes = {}
    for crop in CROPS:
        w = np.asarray(weights.get(crop, np.zeros(len(villages))), dtype=float)
        tonnes[crop] = w / w.sum() * tonnes_of[crop] if w.sum() > 0 else w
    rows = []
    for k, v in enumerate(villages):
        row = {"point_id": v["id"], "population": int(round(pop[k]))}
        for crop in CROPS:
            row[f"{crop}_t"] = round(float(tonnes[crop][k]), 2)
        rows.append(row)
    return rows
