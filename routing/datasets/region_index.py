"""Which counties make up a province or prefecture, and the folder each county is built in.

The bundled division data holds a few counties (Wugong, its neighbours, Longnan); a region run
must still know every county of Shaanxi or Gansu, so that one whose division data is missing
is reported, not skipped. `data/regions.csv` lists them: every province, prefecture and
county-level unit with towns in the shared Vonng/adcode data (county-level "市辖区" rows with
no towns are placeholders, not counties). It is made by this module from the full data:

    python -m routing.datasets.region_index ../shared/data/raw/vonng_adcode > data/regions.csv

A `regions.csv` in the data home adds regions of its own (another province's, made the same
way from its division data), and its rows take precedence over the bundled ones.
"""

from __future__ import annotations

import csv
import io
import sys
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..errors import Fault, InputError
from .names import county_slug

TABLE = "regions.csv"
COLUMNS = ("adcode", "name", "level", "parent")
LEVELS = ("province", "prefecture", "county")


@dataclass(frozen=True)
class Division:
    adcode: str  # six digits
    name: str  # official name, e.g. 陇南市
    level: str  # province | prefecture | county
    parent: str  # the adcode of the unit above ('' for a province)


def table_path() -> Path:
    from ..inputs.locations import bundled_dir

    return bundled_dir() / TABLE


def read_index(path: Path | None = None) -> tuple[Division, ...]:
    """Every division of an index file (default: the bundled one, read once), in adcode
    order."""
    return _bundled() if path is None else _read(path)


@cache
def _bundled() -> tuple[Division, ...]:
    return _read(table_path())


def _read(path: Path) -> tuple[Division, ...]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(Fault(str(path), f"cannot be read ({exc.strerror})")) from None
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or tuple(rows[0]) != COLUMNS:
        raise InputError(Fault(str(path), f"the columns must be {', '.join(COLUMNS)}", row=1))
    faults = []
    for k, r in enumerate(rows, start=2):
        if r.get("level") not in LEVELS:
            faults.append(Fault(str(path), f"must be one of {', '.join(LEVELS)}", k, "level"))
        if not (r.get("adcode") or "").isdigit() or len(r.get("adcode") or "") != 6:
            faults.append(Fault(str(path), "must be six digits", k, "adcode"))
    if faults:
        raise InputError(faults)
    return tuple(
        sorted(
            (Division(r["adcode"], r["name"], r["level"], r["parent"]) for r in rows),
            key=lambda d: d.adcode,
        )
    )


def divisions(data_dir: Path | None = None) -> tuple[Division, ...]:
    """The bundled index, with the data home's own `regions.csv` over it if there is one."""
    from ..inputs.locations import data_home

    own = data_home(data_dir) / TABLE
    merged = {d.adcode: d for d in read_index()}
    if own.is_file():
        merged.update({d.adcode: d for d in read_index(own.resolve())})
    return tuple(sorted(merged.values(), key=lambda d: d.adcode))


@cache
def _shared_slugs() -> frozenset[str]:
    slugs = Counter(county_slug(d.name) for d in read_index() if d.level == "county")
    return frozenset(s for s, n in slugs.items() if n > 1)


def county_folder(adcode: str, name: str) -> str:
    """The folder a county is built in: its slug ('wugong'), or, where two counties of the
    index share it (富平县 and 佛坪县 are both 'fuping'), the slug and adcode ('fuping-610528'),
    so a province's counties never overwrite each other."""
    slug = county_slug(name)
    return f"{slug}-{adcode}" if slug in _shared_slugs() else slug


def index_rows(raw_dir: Path) -> list[Division]:
    """The index of the division data in `raw_dir` (the Vonng/adcode layout)."""
    level = {"province": "province", "city": "prefecture", "county": "county"}
    out = []
    for path in sorted((raw_dir / "adcode").glob("*.csv")):
        rows = [r for r in csv.reader(path.read_text(encoding="utf-8").splitlines()) if r]
        if not rows or rows[0][3] not in level:
            continue
        kind = level[rows[0][3]]
        if kind == "county" and not any(r[3] == "town" for r in rows):
            continue  # a 市辖区 placeholder: no towns, nothing to plan
        parent = rows[0][1][:6] if kind != "province" else ""
        out.append(Division(path.stem, rows[0][2], kind, parent))
    return out


def index_text(divisions: list[Division]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for d in divisions:
        w.writerow([d.adcode, d.name, d.level, d.parent])
    return buf.getvalue()


if __name__ == "__main__":
    sys.stdout.write(index_text(index_rows(Path(sys.argv[1]))))
