"""The demand profile of a county, built once by `route data build` (demand.csv): each
village-level unit's residents, the parcels the centre delivers there and those it sends a
year, and the produce it sells online per crop. How those become a day's orders is
`routing.inputs.demo_orders`.

The figures come from three bundled tables, each row with its source: `population.csv`
(census figures per county, residents per rural unit and e-commerce parcels sent per resident
per region), `produce.csv` (each county's crops and tonnes, or its region's) and `crops.csv`
(where in a county each crop grows). How they are spread over the villages is named here;
data/README.md ("Demand model") justifies every figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import Fault, Faults, InputError
from ..inputs.crops import crop_table
from ..inputs.demo_orders import PARCELS_PER_PERSON_YEAR
from ..inputs.tables import (
    POPULATION_COLUMNS,
    PRODUCE_COLUMNS,
    check_known,
    check_unique,
    longest_prefix,
    read_table,
)

POPULATION_TABLE = "population.csv"
PRODUCE_TABLE = "produce.csv"

# --- spreading the county's residents over its village-level units ----------------------------
# Urban units (NBS urban-rural codes 111, 112, 121: the built-up seat of a town) hold this many
# times the residents of a rural one: Longnan's 2020 census (870,878 urban residents; its 260
# urban units, and its 164 units of codes 122/123 counted as rural ones at 536 each).
URBAN_FACTOR = 5.6
POPULATION_SIGMA = 0.35  # lognormal spread of unit sizes around their share
SENT_SIGMA = 0.8  # lognormal spread of the parcels villages send: a few sell far more
PER_100K = 100_000.0


@dataclass(frozen=True)
class People:
    """A county's residents and e-commerce from population.csv: the longest matching prefix
    that gives each figure."""

    population: int | None  # the county's census figure, else None
    year: int | None
    rural_per_unit: float | None  # residents per rural unit, for a county without a figure
    sent_per_person: float  # e-commerce parcels sent per resident per year
    source: str


@dataclass(frozen=True)
class Profiles:
    rows: list[dict]  # demand.csv's rows
    crops: tuple[str, ...]  # the county's crops (the catalogue's order): its `<crop>_t` columns
    population_source: str  # for county.json


def _table(name: str, path: Path | None) -> Path:
    from ..inputs.locations import bundled_dir

    return path or bundled_dir() / name


def county_people(adcode: str, path: Path | None = None) -> People:
    """The county's figures of population.csv (every fault of the file at once)."""
    path = _table(POPULATION_TABLE, path)
    faults = Faults()
    rows = read_table(path, POPULATION_COLUMNS, faults)
    check_unique(rows, "adcode_prefix", str(path), faults)
    for r in rows:
        fields = ("population", "rural_per_unit")
        if all(r.get(f) is None and f not in r["_bad"] for f in fields):
            faults.add(
                str(path),
                "needs a population (a county's) or a rural_per_unit (a region's)",
                row=r["_row"],
                field="population",
            )
    faults.raise_if_any()
    hits = longest_prefix(rows, adcode)

    def first_of(field: str):
        return next(((r[field], r) for r in hits if r.get(field) is not None), (None, None))

    population, by = first_of("population")
    per_unit, by_unit = first_of("rural_per_unit")
    sent, by_sent = first_of("sent_per_person")
    if (population is None and per_unit is None) or sent is None:
        field = "sent_per_person" if population or per_unit else "population or rural_per_unit"
        raise InputError(Fault(str(path), f"no row gives county {adcode} a {field}"))
    used = by if by is not None else by_unit
    assert used is not None and by_sent is not None
    source = f"{used['source']} ({path.name}, {used['region']})"
    return People(
        population=population,
        year=used.get("year"),
        rural_per_unit=per_unit,
        sent_per_person=sent,
        source=source,
    )


def produce_tonnes(adcode: str, population: float, path: Path | None = None) -> dict[str, float]:
    """The county's tonnes a year per crop (the catalogue's order): the rows of produce.csv
    with the longest prefix of its code, scaled to `population` where a row is per 100,000
    residents. Every fault of the file at once: a crop not in crops.csv, a crop given twice
    for one prefix, a bad number."""
    path = _table(PRODUCE_TABLE, path)
    catalogue = crop_table()
    faults = Faults()
    rows = read_table(path, PRODUCE_COLUMNS, faults)
    check_unique(rows, "crop", str(path), faults, within="adcode_prefix")
    check_known(rows, "crop", catalogue, str(path), faults, "the crops are those of crops.csv")
    faults.raise_if_any()
    hits = longest_prefix(rows, adcode)
    if not hits:
        raise InputError(Fault(str(path), f"no produce row for county {adcode}"))
    best = [r for r in hits if r["adcode_prefix"] == hits[0]["adcode_prefix"]]
    tonnes = {
        r["crop"]: r["tonnes"] * (population / PER_100K if r["basis"] == "per_100k" else 1.0)
        for r in best
    }
    return {c: tonnes[c] for c in catalogue if c in tonnes}


def _apportion(shares: np.ndarray, total: int) -> np.ndarray:
    """Whole numbers in proportion to `shares` that sum to `total` (largest remainders)."""
    exact = shares / shares.sum() * total
    out = np.floor(exact).astype(int)
    rest = total - int(out.sum())
    if rest > 0:
        out[np.argsort(-(exact - out), kind="stable")[:rest]] += 1
    return out


def build_profiles(
    points: list[dict],
    urban: frozenset[str],
    adcode: str,
    seed: int,
    population_path: Path | None = None,
    produce_path: Path | None = None,
) -> Profiles:
    """demand.csv's rows: residents, parcels delivered and sent a year, and tonnes a year per
    crop of each village-level unit. The urban units of the town that holds the hub (the
    county seat) are served door to door by the couriers' own outlets: no parcels through
    the centre there."""
    rng = np.random.default_rng([seed, int(adcode), 11])
    villages = [p for p in points if p["tier"] == "village"]
    people = county_people(adcode, population_path)
    if not villages:
        return Profiles([], (), people.source)
    n = len(villages)
    is_urban = np.array([v["id"] in urban for v in villages])
    rural = ~is_urban
    seat_town = next((p["town"] for p in points if p["tier"] == "hub"), None)
    seat = is_urban & np.array([v["town"] == seat_town for v in villages])
    weight = np.where(is_urban, URBAN_FACTOR, 1.0)
    if people.population is not None:
        total = people.population
    else:
        assert people.rural_per_unit is not None
        total = int(round(people.rural_per_unit * float(weight.sum())))
    pop = _apportion(rng.lognormal(0.0, POPULATION_SIGMA, size=n) * weight, total)
    parcels = pop * PARCELS_PER_PERSON_YEAR * ~seat
    spread = rng.lognormal(0.0, SENT_SIGMA, size=n)
    sent = pop * people.sent_per_person * spread / spread.mean() * ~seat

    lat = np.array([v["lat"] for v in villages])
    north = (lat - lat.min()) / max(lat.max() - lat.min(), 1e-9)  # 0 south .. 1 north
    catalogue = crop_table()
    tonnes_of = produce_tonnes(adcode, float(total), produce_path)
    tonnes = {}
    for crop, t in tonnes_of.items():
        c = catalogue[crop]
        lean = np.ones(n)
        if c.grows != "any":  # apples on the northern uplands, kiwifruit in the south
            base = 0.2 + north if c.grows == "north" else 1.2 - north
            lean = np.clip(base + rng.normal(0, 0.25, n), 0, None)
        sells = rng.random(n) < c.villages if c.villages < 1 else np.ones(n, dtype=bool)
        w = rural * sells * pop * lean  # urban units sell none
        tonnes[crop] = w / w.sum() * t if w.sum() > 0 else w
    rows = []
    for k, v in enumerate(villages):
        row = {
            "point_id": v["id"],
            "population": int(pop[k]),
            "parcels_year": round(float(parcels[k]), 1),
            "sent_year": round(float(sent[k]), 1),
        }
        for crop in tonnes:
            row[f"{crop}_t"] = round(float(tonnes[crop][k]), 2)
        rows.append(row)
    source = people.source
    if people.population is None:
        source = (
            f"estimate: {people.rural_per_unit:g} residents per rural unit, {URBAN_FACTOR:g} "
            f"times that per urban unit; {source}"
        )
    return Profiles(rows, tuple(tonnes), source)
