"""CSV schemas of a county's data files, and one reader that reports every fault at once.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first record row 2.
Column names, units and meanings here are the contract documented in data/README.md.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import Faults
from ..model.records import ORDER_KINDS, ROAD_CLASSES, TIERS
from ..units import format_hhmm, parse_bool, parse_date, parse_hhmm


def _text(v: str) -> str:
    if not v.strip():
        raise ValueError("must not be empty")
    return v.strip()


def _optional_text(v: str) -> str:
    return v.strip()


def _number(lo: float | None = None, hi: float | None = None, positive: bool = False):
    def parse(v: str) -> float:
        try:
            x = float(v)
        except ValueError:
            raise ValueError(f"'{v}' is not a number") from None
        if not math.isfinite(x):
            raise ValueError(f"'{v}' is not a finite number")
        if positive and x <= 0:
            raise ValueError(f"must be > 0, got {v.strip()}")
        if lo is not None and x < lo:
            raise ValueError(f"must be >= {lo:g}, got {v.strip()}")
        if hi is not None and x > hi:
            raise ValueError(f"must be <= {hi:g}, got {v.strip()}")
        return x

    return parse


def _integer(lo: int | None = None, hi: int | None = None):
    def parse(v: str) -> int:
        try:
            x = int(v.strip())
        except ValueError:
            raise ValueError(f"'{v}' is not a whole number") from None
        if lo is not None and x < lo:
            raise ValueError(f"must be >= {lo}, got {x}")
        if hi is not None and x > hi:
            raise ValueError(f"must be <= {hi}, got {x}")
        return x

    return parse


def _choice(options: Iterable[str]):
    opts = tuple(options)

    def parse(v: str) -> str:
        if v.strip() not in opts:
            raise ValueError(f"'{v}' is not one of {', '.join(opts)}")
        return v.strip()

    return parse


def _road_classes(v: str) -> frozenset[str]:
    names = frozenset(x.strip() for x in v.split(";") if x.strip())
    unknown = sorted(names - set(ROAD_CLASSES))
    if unknown:
        raise ValueError(
            f"unknown road class {', '.join(unknown)}; known: {', '.join(ROAD_CLASSES)}"
        )
    return names


def _date(v: str) -> str:
    return parse_date(v).isoformat()


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], Any]
    unit: str
    doc: str


POINT_COLUMNS = (
    Column("id", _text, "", "service point id; NBS 12-digit code for towns and villages"),
    Column("name", _text, "", "display name in Chinese"),
    Column("name_pinyin", _optional_text, "", "name in pinyin (place-name spelling)"),
    Column("tier", _choice(TIERS), "", "hub | facility | township | village"),
    Column("town", _optional_text, "", "id of the township station of its town"),
    Column("lon", _number(-180, 180), "degrees", "longitude, WGS-84"),
    Column("lat", _number(-90, 90), "degrees", "latitude, WGS-84"),
    Column(
        "located",
        _choice(("source", "generated")),
        "",
        "position from the source data or generated",
    ),
    Column("opens", parse_hhmm, "HH:MM", "opening time"),
    Column("closes", parse_hhmm, "HH:MM", "closing time (service must start by then)"),
    Column("service_fixed_s", _integer(0, 4 * 3600), "s", "fixed time per arrival"),
    Column(
        "service_per_parcel_s", _integer(0, 3600), "s", "time per parcel handed over or collected"
    ),
)

FLEET_COLUMNS = (
    Column("id", _text, "", "vehicle id"),
    Column("type", _text, "", "vehicle type code"),
    Column("capacity_kg", _number(positive=True), "kg", "payload"),
    Column("capacity_l", _number(positive=True), "L", "cargo volume"),
    Column("shift_start", parse_hhmm, "HH:MM", "earliest departure from the depot"),
    Column("shift_end", parse_hhmm, "HH:MM", "latest return to the depot"),
    Column("max_hours", _number(positive=True, hi=24), "h", "longest tour, depot to depot"),
    Column("fixed_cost_yuan", _number(0), "yuan/day", "cost of using the vehicle on a day"),
    Column("cost_per_km_yuan", _number(0), "yuan/km", "fuel, tyres, maintenance"),
    Column("cost_per_hour_yuan", _number(0), "yuan/h", "driver time, on the tour's duration"),
    Column("banned_roads", _road_classes, "", "OSM highway classes it may not use, ';'-separated"),
    Column("cold_chain", parse_bool, "", "refrigerated: true or false"),
    Column("depot", _text, "", "home hub (service point id)"),
    Column("max_speed_kph", _number(positive=True, hi=130), "km/h", "top speed; caps road speeds"),
    Column("purchase_price_yuan", _number(0), "yuan", "purchase price (documentation only)"),
)

ORDER_COLUMNS = (
    Column("order_id", _text, "", "order id, unique in the file"),
    Column("date", _date, "YYYY-MM-DD", "service date"),
    Column("courier", _text, "", "courier company that owns the order"),
    Column("point_id", _text, "", "service point where the vehicle delivers or collects"),
    Column("kind", _choice(ORDER_KINDS), "", "delivery (from the hub) | pickup (to destination)"),
    Column("destination", _optional_text, "", "pickups: hub or facility id (empty = hub)"),
    Column("goods", _optional_text, "", "what is carried, e.g. parcels, apples"),
    Column("parcels", _integer(0), "count", "parcels, crates or boxes handled"),
    Column("kg", _number(0), "kg", "weight"),
    Column("litres", _number(0), "L", "volume"),
    Column("earliest", parse_hhmm, "HH:MM", "not before (delivery) / ready at (pickup)"),
    Column("latest", parse_hhmm, "HH:MM", "due by (delivery) / last collection (pickup)"),
    Column("cold_chain", parse_bool, "", "needs a refrigerated vehicle"),
    Column("priority", _integer(1, 3), "", "1 normal, 2 express, 3 urgent or perishable"),
)

DEMAND_COLUMNS = (
    Column("point_id", _text, "", "village-level service point"),
    Column("population", _integer(0), "people", "residents (generated estimate)"),
    Column("apples_t", _number(0), "t/year", "apples sold online, collected by the fleet"),
    Column("kiwifruit_t", _number(0), "t/year", "kiwifruit sold online"),
    Column("noodles_t", _number(0), "t/year", "hand-made noodles sold online"),
    Column("vegetables_t", _number(0), "t/year", "vegetables and melons sold online"),
)


def read_table(
    path: Path, columns: tuple[Column, ...], faults: Faults, label: str | None = None
) -> list[dict]:
    """Parse every row; bad cells go to `faults` (file, row, field), good values to the rows.
    Each returned dict has the parsed columns plus '_row'. Rows with a bad cell are still
    returned (without that cell) so that cross-row checks can report on them too."""
    name = label or str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        faults.add(name, "file not found")
        return []
    except UnicodeDecodeError:
        faults.add(name, "not UTF-8 text")
        return []
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    missing = [c.name for c in columns if c.name not in header]
    for m in missing:
        faults.add(name, f"missing column '{m}'", row=1)
    if missing:
        return []
    pos = {c.name: header.index(c.name) for c in columns}
    rows = []
    for k, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) < len(header):
            faults.add(name, f"has {len(cells)} cells, the header has {len(header)}", row=k)
            continue
        row: dict[str, Any] = {"_row": k, "_bad": set()}
        for c in columns:
            try:
                row[c.name] = c.parse(cells[pos[c.name]])
            except ValueError as exc:
                faults.add(name, str(exc), row=k, field=c.name)
                row["_bad"].add(c.name)
        rows.append(row)
    return rows


def check_unique(rows: list[dict], key: str, file: str, faults: Faults) -> None:
    first: dict[str, int] = {}
    for r in rows:
        if key in r["_bad"] or key not in r:
            continue
        v = r[key]
        if v in first:
            faults.add(
                file, f"duplicate id '{v}' (first on row {first[v]})", row=r["_row"], field=key
            )
        else:
            first[v] = r["_row"]


def cell(value: Any, column: Column) -> str:
    """Format a value for writing, the inverse of the column's parser."""
    if column.parse is parse_hhmm:
        return format_hhmm(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, frozenset | set | tuple | list):
        return ";".join(sorted(value))
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return str(value)


def csv_text(rows: Iterable[dict], columns: tuple[Column, ...]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([c.name for c in columns])
    for r in rows:
        w.writerow([cell(r[c.name], c) for c in columns])
    return buf.getvalue()
