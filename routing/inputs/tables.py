"""CSV schemas of a county's data files, and one reader that reports every fault at once.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first record row 2.
Column names, units and meanings here are the contract documented in data/README.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import KEPT_FAULTS, Faults
from ..model.problem import LIMITS
from ..model.records import ORDER_KINDS, ROAD_CLASSES, TIERS
from ..units import format_hhmm, parse_bool, parse_date, parse_hhmm, parse_hhmmss

MAX_TABLE_BYTES = 200_000_000  # a county's largest table (orders of a peak day) is a few MB
MAX_CELL_CHARS = 1000  # longer is a stray quote mark that swallowed rows, not a value
SHOWN_CHARS = 40  # a value quoted in a message is cut to this many characters
SOLVER_LIMIT = "the largest the solver represents"
STOP_AFTER = KEPT_FAULTS - 1  # faults in one file before reading stops (the stop is the last)


def shown(v: str) -> str:
    """A cell quoted for a message, cut short: a message names a value, it does not carry it."""
    v = v.strip()
    return f"'{v}'" if len(v) <= SHOWN_CHARS else f"'{v[:SHOWN_CHARS]}...' ({len(v):,} characters)"


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


def _text(v: str) -> str:
    if not v.strip():
        raise ValueError("must not be empty")
    return v.strip()


def _optional_text(v: str) -> str:
    return v.strip()


def _number(
    lo: float | None = None,
    hi: float | None = None,
    positive: bool = False,
    solver_max: float | None = None,
):
    """A finite number in range; `solver_max` is a limit of the solver's integers (LIMITS),
    and its message says so."""

    def parse(v: str) -> float:
        try:
            x = float(v)
        except ValueError:
            raise ValueError(f"{shown(v)} is not a number") from None
        if not math.isfinite(x):
            raise ValueError(f"{shown(v)} is not a finite number")
        if positive and x <= 0:
            raise ValueError(f"must be > 0, got {v.strip()}")
        if lo is not None and x < lo:
            raise ValueError(f"must be >= {lo:g}, got {v.strip()}")
        if hi is not None and x > hi:
            raise ValueError(f"must be <= {hi:g}, got {v.strip()}")
        if solver_max is not None and x > solver_max:
            raise ValueError(f"must be <= {_fmt(solver_max)} ({SOLVER_LIMIT}), got {v.strip()}")
        return x

    return parse


def _integer(lo: int | None = None, hi: int | None = None, solver_max: int | None = None):
    def parse(v: str) -> int:
        try:
            x = int(v.strip())
        except ValueError:
            raise ValueError(f"{shown(v)} is not a whole number") from None
        if lo is not None and x < lo:
            raise ValueError(f"must be >= {lo}, got {x}")
        if hi is not None and x > hi:
            raise ValueError(f"must be <= {hi}, got {x}")
        if solver_max is not None and x > solver_max:
            raise ValueError(f"must be <= {solver_max} ({SOLVER_LIMIT}), got {x}")
        return x

    return parse


def _choice(options: Iterable[str]):
    opts = tuple(options)

    def parse(v: str) -> str:
        if v.strip() not in opts:
            raise ValueError(f"{shown(v)} is not one of {', '.join(opts)}")
        return v.strip()

    return parse


def _ids(v: str) -> tuple[str, ...]:
    """';'-separated order ids (empty: none)."""
    return tuple(x.strip() for x in v.split(";") if x.strip())


def _road_classes(v: str) -> frozenset[str]:
    names = frozenset(x.strip() for x in v.split(";") if x.strip())
    unknown = sorted(names - set(ROAD_CLASSES))
    if unknown:
        named = ", ".join(shown(u) for u in unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        raise ValueError(f"unknown road class {named}; known: {', '.join(ROAD_CLASSES)}")
    return names


def _date(v: str) -> str:
    return parse_date(v).isoformat()


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], Any]
    unit: str
    doc: str
    optional: bool = False  # the column may be left out, a cell left blank: the value is None


# Demand and price columns are not solver integers; their limits keep generated demo orders
# (one order per lot of produce) and the documentation figures within reason.
MAX_POPULATION = 1_000_000  # residents of one village-level unit (a large one has 10,000)
MAX_CROP_T = 20_000  # t/year of one crop from one village (a large apple village: 5,000)
MAX_PARCELS_YEAR = 10_000_000  # parcels a year to or from one point (a big one: 200,000)
MAX_PRICE_YUAN = 1e9
MAX_DAY_YUAN = 1e6  # a vehicle's or driver's day

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
        _choice(("source", "moved", "generated")),
        "",
        "position from the source data, the source's moved inside the county, or generated",
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
    Column(
        "capacity_kg", _number(positive=True, solver_max=LIMITS["capacity_kg"]), "kg", "payload"
    ),
    Column(
        "capacity_l", _number(positive=True, solver_max=LIMITS["capacity_l"]), "L", "cargo volume"
    ),
    Column("shift_start", parse_hhmm, "HH:MM", "earliest departure from the depot"),
    Column("shift_end", parse_hhmm, "HH:MM", "latest return to the depot"),
    Column("max_hours", _number(positive=True, hi=24), "h", "longest tour, depot to depot"),
    Column(
        "fixed_cost_yuan",
        _number(0, solver_max=LIMITS["fixed_cost_yuan"]),
        "yuan/day",
        "cost of using the vehicle on a day",
    ),
    Column(
        "cost_per_km_yuan",
        _number(0, solver_max=LIMITS["cost_per_km_yuan"]),
        "yuan/km",
        "fuel, tyres, maintenance",
    ),
    Column(
        "cost_per_hour_yuan",
        _number(0, solver_max=LIMITS["cost_per_hour_yuan"]),
        "yuan/h",
        "driver time, on the tour's duration",
    ),
    Column("banned_roads", _road_classes, "", "OSM highway classes it may not use, ';'-separated"),
    Column("cold_chain", parse_bool, "", "refrigerated: true or false"),
    Column("depot", _text, "", "home hub (service point id)"),
    Column("max_speed_kph", _number(positive=True, hi=130), "km/h", "top speed; caps road speeds"),
    Column(
        "purchase_price_yuan",
        _number(0, hi=MAX_PRICE_YUAN),
        "yuan",
        "purchase price (documentation only)",
    ),
    Column(
        "vehicle_day_yuan",
        _number(0, hi=MAX_DAY_YUAN),
        "yuan/day",
        "standing cost, used or not: depreciation, insurance (blank: 0)",
        optional=True,
    ),
    Column(
        "driver_day_yuan",
        _number(0, hi=MAX_DAY_YUAN),
        "yuan/day",
        "the driver's salaried day, paid whether the vehicle goes out or not (blank: 0)",
        optional=True,
    ),
    Column(
        "salaried_hours",
        _number(0, hi=24),
        "h",
        "tour time the salaried day covers; overtime beyond it (blank: 0)",
        optional=True,
    ),
    Column(
        "insulated",
        parse_bool,
        "",
        "an insulated cargo box: cold produce may ride 2 h unrefrigerated, not 1 (blank: false)",
        optional=True,
    ),
    Column("lunch_from", parse_hhmm, "HH:MM", "lunch break: earliest start", optional=True),
    Column("lunch_to", parse_hhmm, "HH:MM", "lunch break: latest end", optional=True),
    Column(
        "lunch_minutes",
        _integer(1, 180),
        "min",
        "lunch break length; blank lunch columns: no lunch break",
        optional=True,
    ),
    Column(
        "max_trips",
        _integer(1, 10),
        "",
        "trips a day: back to the centre to unload and reload between them (blank: 1)",
        optional=True,
    ),
    Column(
        "reload_minutes",
        _integer(0, 240),
        "min",
        "time at the centre between two trips (needed when max_trips is above 1)",
        optional=True,
    ),
    Column(
        "overtime_per_hour_yuan",
        _number(0, solver_max=LIMITS["overtime_per_hour_yuan"]),
        "yuan/h",
        "each tour hour beyond salaried_hours, on top of cost_per_hour_yuan (blank: 0)",
        optional=True,
    ),
)

ORDER_COLUMNS = (
    Column("order_id", _text, "", "order id, unique in the file"),
    Column("date", _date, "YYYY-MM-DD", "service date"),
    Column("courier", _text, "", "courier company that owns the order"),
    Column("point_id", _text, "", "service point where the vehicle delivers or collects"),
    Column("kind", _choice(ORDER_KINDS), "", "delivery (from the hub) | pickup (to destination)"),
    Column("destination", _optional_text, "", "pickups: hub or facility id (empty = hub)"),
    Column("goods", _optional_text, "", "what is carried, e.g. parcels, apples"),
    Column(
        "parcels",
        _integer(0, solver_max=int(LIMITS["parcels"])),
        "count",
        "parcels, crates or boxes handled",
    ),
    Column("kg", _number(0, solver_max=LIMITS["kg"]), "kg", "weight"),
    Column("litres", _number(0, solver_max=LIMITS["litres"]), "L", "volume"),
    Column("earliest", parse_hhmm, "HH:MM", "not before (delivery) / ready at (pickup)"),
    Column("latest", parse_hhmm, "HH:MM", "due by (delivery) / last collection (pickup)"),
    Column("cold_chain", parse_bool, "", "needs a refrigerated vehicle"),
    Column("priority", _integer(1, 3), "", "1 normal, 2 express, 3 urgent or perishable"),
)

CALENDAR_COLUMNS = (
    Column("point_id", _text, "", "village-level service point"),
    Column("name", _optional_text, "", "its name (for people; not read)"),
    Column("pattern", _choice(("daily", "mon-wed-fri", "tue-thu-sat")), "", "visiting days"),
    Column("reason", _optional_text, "", "why this pattern (for people; not read)"),
    Column("parcels_per_day", _number(0), "count", "mean parcels a day over the period"),
    Column("max_wait_days", _integer(0, 6), "days", "the parcel waiting limit it was made for"),
)

DEMAND_COLUMNS = (  # and a `<crop>_t` column per crop the county sells (`demand_columns`)
    Column("point_id", _text, "", "village-level service point"),
    Column(
        "population", _integer(0, MAX_POPULATION), "people", "residents (census figure, spread)"
    ),
    Column(
        "parcels_year",
        _number(0, MAX_PARCELS_YEAR),
        "parcels/year",
        "parcels the centre delivers to the point a year (blank or left out: population x "
        "the model's rate)",
        optional=True,
    ),
    Column(
        "sent_year",
        _number(0, MAX_PARCELS_YEAR),
        "parcels/year",
        "e-commerce parcels sent from the point a year, collected for the hub (blank or left "
        "out: none)",
        optional=True,
    ),
)
CROP_SUFFIX = "_t"  # demand.csv's column of a crop: `<crop>_t`, tonnes a year sold online


def crop_column(crop: str) -> Column:
    return Column(
        f"{crop}{CROP_SUFFIX}",
        _number(0, MAX_CROP_T),
        "t/year",
        f"{crop} sold online, collected by the fleet (a column per crop of the county)",
        optional=True,
    )


def demand_columns(crops: Iterable[str]) -> tuple[Column, ...]:
    """demand.csv's columns for these crops (the crop catalogue's names, in its order)."""
    return (*DEMAND_COLUMNS, *(crop_column(c) for c in crops))


def unknown_crop_column(crops: Iterable[str]) -> Callable[[str], str | None]:
    """For `read_table`: a message for a header's `*_t` column that is no known crop."""
    known = tuple(crops)

    def check(name: str) -> str | None:
        if name.endswith(CROP_SUFFIX) and name[: -len(CROP_SUFFIX)] not in known:
            return (
                f"unknown crop column {shown(name)}: a crop's column is <crop>_t, for the "
                f"crops of crops.csv ({', '.join(known)})"
            )
        return None

    return check


# --- the bundled tables `route data build` reads (data/README.md, "Demand model") ---------------
MonthDay = tuple[int, int]
SeasonRow = tuple[MonthDay, MonthDay | None, MonthDay, float]  # start, peak or None, end, share
SEASON_FORMAT = (
    "MM-DD/MM-DD/MM-DD:share (start/peak/end) or MM-DD..MM-DD:share (flat), ';'-separated"
)


def _month_day(v: str) -> MonthDay:
    try:
        month, day = (int(x) for x in v.strip().split("-"))
        dt.date(2025, month, day)  # a year without 29 February: every year has the day
    except ValueError:
        raise ValueError(f"{shown(v)} is not a day of the year MM-DD") from None
    return month, day


def _days_after(start: MonthDay, day: MonthDay) -> int:
    """Days from `start` to the next `day` (in a year without 29 February)."""
    first = dt.date(2025, *start)
    return (dt.date(2025 + (day < start), *day) - first).days


def _seasons(v: str) -> tuple[SeasonRow, ...]:
    """Selling seasons: (start, peak or None for a flat span, end, share of the year), the
    shares summing to 1."""
    out: list[SeasonRow] = []
    for part in (x.strip() for x in v.split(";")):
        if not part:
            continue
        span, _, share_text = part.partition(":")
        share = _number(0, 1, positive=True)(share_text) if share_text.strip() else -1.0
        if share < 0:
            raise ValueError(f"season {shown(part)}: no share; the format is {SEASON_FORMAT}")
        if ".." in span:
            start, end = (_month_day(x) for x in span.split("..", 1))
            out.append((start, None, end, share))
            continue
        days = span.split("/")
        if len(days) != 3:
            raise ValueError(f"season {shown(part)}: the format is {SEASON_FORMAT}")
        start, peak, end = (_month_day(x) for x in days)
        if _days_after(start, peak) > _days_after(start, end):
            raise ValueError(f"season {shown(part)}: its peak is not between its start and end")
        out.append((start, peak, end, share))
    if not out:
        raise ValueError(f"no season; the format is {SEASON_FORMAT}")
    total = sum(s[3] for s in out)
    if abs(total - 1.0) > 0.005:
        raise ValueError(f"the seasons' shares add up to {total:g}, not 1")
    return tuple(out)


def _crop_name(v: str) -> str:
    name = v.strip()
    if not name or not all(c.islower() or c == "_" for c in name) or name.endswith("_"):
        raise ValueError(f"{shown(v)} is not a crop name (lowercase letters and _)")
    return name


def _prefix(v: str) -> str:
    if not v.strip().isdigit() or len(v.strip()) > 12:
        raise ValueError(f"{shown(v)} is not a division-code prefix (digits)")
    return v.strip()


def longest_prefix(rows: list[dict], adcode: str) -> list[dict]:
    """The rows of a prefix table (terrain.csv, population.csv, produce.csv) whose
    `adcode_prefix` starts county `adcode`'s code, longest prefix first."""
    hits = [r for r in rows if "adcode_prefix" not in r["_bad"] and r.get("adcode_prefix")]
    hits = [r for r in hits if adcode.startswith(r["adcode_prefix"])]
    return sorted(hits, key=lambda r: -len(r["adcode_prefix"]))


TERRAIN_COLUMNS = (
    Column("adcode_prefix", _prefix, "", "division-code prefix; the longest matching wins"),
    Column("class", _crop_name, "", "a terrain class of routing/datasets/terrain.py"),
    Column("region", _text, "", "the county or region, for people"),
    Column("source", _text, "", "where the class comes from"),
)


CROP_COLUMNS = (
    Column("crop", _crop_name, "", "crop name; demand.csv's column is <crop>_t"),
    Column("label", _text, "", "what it is, for people"),
    Column("crate_kg", _number(positive=True, hi=1000), "kg", "a crate, box or sack"),
    Column("crate_litres", _number(positive=True, hi=2000), "L", "its volume"),
    Column("cold_share", _number(0, 1), "", "share of the collections that need the cold chain"),
    Column("destination", _choice(("PARK", "HUB")), "", "where ambient collections go"),
    Column(
        "ready",
        parse_hhmm,
        "HH:MM",
        "ready for collection (blank: when the point opens)",
        optional=True,
    ),
    Column("grows", _choice(("north", "south", "any")), "", "where in the county it leans"),
    Column("villages", _number(0, 1, positive=True), "", "share of rural villages that sell it"),
    Column(
        "keeps_days",
        _integer(0, 6),
        "days",
        "how long it may wait at the village point for a collection (visit calendars)",
    ),
    Column("seasons", _seasons, "", SEASON_FORMAT),
    Column("source", _text, "", "where the figures come from"),
)

PRODUCE_COLUMNS = (
    Column("adcode_prefix", _prefix, "", "division-code prefix; the longest matching wins"),
    Column("region", _text, "", "the county or region, for people"),
    Column("crop", _crop_name, "", "a crop of crops.csv"),
    Column("tonnes", _number(0, 1e6), "t/year", "sold online and collected by the fleet"),
    Column(
        "basis", _choice(("county", "per_100k")), "", "for the county, or per 100,000 residents"
    ),
    Column("source", _text, "", "where the figure comes from"),
)

POPULATION_COLUMNS = (
    Column("adcode_prefix", _prefix, "", "division-code prefix; the longest matching row wins"),
    Column("region", _text, "", "the county or region, for people"),
    Column(
        "population",
        _integer(1, 100_000_000),
        "people",
        "residents of the county (census)",
        optional=True,
    ),
    Column("year", _integer(1950, 2100), "", "of the census or estimate", optional=True),
    Column(
        "rural_per_unit",
        _number(positive=True, hi=MAX_POPULATION),
        "people",
        "residents per rural village-level unit, where no county figure is given",
        optional=True,
    ),
    Column(
        "sent_per_person",
        _number(0, 1000),
        "parcels/year",
        "e-commerce parcels each resident sends a year (blank: the shorter prefix's)",
        optional=True,
    ),
    Column("source", _text, "", "where the figures come from"),
)


# A courier's own routes for `route import` (docs/route-files.md): a row per stop, with the
# depot rows around each route. Other columns of our CSV export are allowed and ignored.
CANDIDATE_COLUMNS = (  # route site --candidates
    Column("id", _text, "", "the new service point's id"),
    Column("name", _optional_text, "", "its name (blank: the id)", optional=True),
    Column("lon", _number(-180, 180), "degrees", "WGS-84 longitude"),
    Column("lat", _number(-90, 90), "degrees", "WGS-84 latitude"),
)

ROUTE_COLUMNS = (
    Column("vehicle", _text, "", "vehicle id"),
    Column(
        "sequence", _integer(0, 100_000), "", "0 = depot departure, 1.. = stops in visiting order"
    ),
    Column("stop_id", _text, "", "service point id"),
    Column("orders_delivered", _ids, "", "';'-separated order ids handed over here"),
    Column("orders_collected", _ids, "", "';'-separated order ids collected here"),
    Column("orders_unloaded", _ids, "", "';'-separated order ids unloaded here"),
    Column("arrival", parse_hhmmss, "HH:MM[:SS]", "arrival", optional=True),
    Column("start", parse_hhmmss, "HH:MM[:SS]", "service start", optional=True),
    Column("departure", parse_hhmmss, "HH:MM[:SS]", "leaving", optional=True),
    Column("break_min", _number(0, 24 * 60), "min", "the driver's rest here", optional=True),
    Column(
        "reload",
        parse_bool,
        "",
        "true: back at the centre between two trips (blank: a centre row with no orders "
        "between stops is one)",
        optional=True,
    ),
)


def _decode(data: bytes, name: str, faults: Faults) -> str | None:
    """The text of a CSV file, or None with a fault that says why it is not a text CSV."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        faults.add(name, "not a text CSV file in UTF-8: it is UTF-16 (save it as 'CSV UTF-8')")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        faults.add(
            name,
            f"not a text CSV file: byte {exc.start + 1:,} is not UTF-8 (a binary file? save it "
            "as 'CSV UTF-8')",
            row=line,
        )
        return None
    if not text.strip():
        faults.add(name, "the file is empty: a CSV file needs a header row", row=1)
        return None
    return text


def _read_bytes(path: Path, name: str, faults: Faults) -> bytes | None:
    try:
        size = path.stat().st_size
        if size > MAX_TABLE_BYTES:
            faults.add(name, f"is {size:,} bytes: too large for a CSV table of this kind")
            return None
        return path.read_bytes()
    except FileNotFoundError:
        faults.add(name, "file not found")
    except IsADirectoryError:
        faults.add(name, "is a folder, not a CSV file")
    except OSError as exc:
        faults.add(name, f"cannot read the file ({exc.strerror})")
    return None


def _header(
    cells: list[str],
    columns: tuple[Column, ...],
    name: str,
    faults: Faults,
    unknown: Callable[[str], str | None] | None = None,
) -> dict[str, int] | None:
    """Position of each column present; None (with faults) if one is missing or repeated, or
    if `unknown` has a message for a column that is none of `columns`."""
    header = [h.strip() for h in cells]
    ok = True
    names = {c.name for c in columns}
    for h in header:
        message = unknown(h) if unknown is not None and h not in names else None
        if message:
            faults.add(name, message, row=1, field=h)
            ok = False
    for c in columns:
        at = [k + 1 for k, h in enumerate(header) if h == c.name]
        if not at and not c.optional:
            faults.add(name, f"missing column '{c.name}'", row=1)
            ok = False
        elif len(at) > 1:
            where = ", ".join(map(str, at))
            faults.add(
                name,
                f"column '{c.name}' is given {len(at)} times in the header (columns {where})",
                row=1,
                field=c.name,
            )
            ok = False
    if not ok:
        return None
    return {c.name: header.index(c.name) for c in columns if c.name in header}


def read_table(
    path: Path,
    columns: tuple[Column, ...],
    faults: Faults,
    label: str | None = None,
    unknown: Callable[[str], str | None] | None = None,
) -> list[dict]:
    """Parse every row; bad cells go to `faults` (file, row, field), good values to the rows.
    Each returned dict has the parsed columns plus '_row'. Rows with a bad cell are still
    returned (without that cell) so that cross-row checks can report on them too.

    Whatever the bytes, nothing raises: a file that is not a UTF-8 CSV, an empty file, a
    repeated or missing column, a row with more or fewer cells than the header, an over-long
    cell and a CSV syntax error (a stray quote mark) are faults; reading stops at a syntax
    error, at a NUL byte (a binary file) and after KEPT_FAULTS faults in the file. Columns
    beyond `columns` are ignored, unless `unknown` has a message for one (a fault)."""
    name = label or str(path)
    data = _read_bytes(path, name, faults)
    text = None if data is None else _decode(data, name, faults)
    if text is None:
        return []
    start = faults.count
    rows = read_records(_csv_lines(text, name, faults), columns, name, faults, unknown)
    if rows is None:
        if not faults.count - start:
            faults.add(name, "the file is empty: a CSV file needs a header row", row=1)
        return []
    return rows


def _csv_lines(text: str, name: str, faults: Faults) -> Iterator[tuple[int, list[str]]]:
    """The records of a CSV text, numbered from 1; a syntax error or a NUL byte is a fault
    that ends them."""
    reader = csv.reader(io.StringIO(text))
    k = 0
    while True:
        k += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            faults.add(
                name,
                f"not readable as CSV ({exc}; a stray quote mark?); reading stopped here",
                row=k,
            )
            return
        if any("\x00" in cell for cell in cells):
            faults.add(name, "has a NUL byte: not a text CSV file; reading stopped here", row=k)
            return
        yield k, cells


def read_records(
    lines: Iterable[tuple[int, list[str]]],
    columns: tuple[Column, ...],
    name: str,
    faults: Faults,
    unknown: Callable[[str], str | None] | None = None,
    ragged: bool = False,
) -> list[dict] | None:
    """The rows of a table given as numbered lists of cell texts, the first one the header
    (a CSV file's records, a sheet's rows): every cell parsed by its column, faults as
    `read_table` describes. None if there is no header row (no fault added: the caller says
    what an empty file of its kind is). `ragged`: a row may have fewer or more cells than the
    header (a sheet's rows end at their last value): the missing ones are blank, the others
    ignored."""
    start = faults.count
    pos: dict[str, int] | None = None
    width = 0
    rows = []
    for k, cells in lines:
        if pos is None:  # the header row
            pos = _header(cells, columns, name, faults, unknown)
            if pos is None:
                return []
            width = len(cells)
            continue
        if not any(cell.strip() for cell in cells):
            continue
        if faults.count - start >= STOP_AFTER or len(faults.items) >= KEPT_FAULTS - 1:
            faults.add(
                name,
                f"reading stopped at row {k:,} after {faults.count - start:,} problems (is it "
                "the right file?)",
            )  # kept, and listed first (no row): the count covers the rows read
            break
        if ragged:
            cells = (cells + [""] * width)[:width]
        elif len(cells) != width:
            n = len(cells)
            quote = any("\n" in c for c in cells)  # a quoted cell ran over the line end
            hint = " (a quote mark opened here is never closed?)" if quote else ""
            faults.add(name, f"has {n} cell{'s' * (n != 1)}, the header has {width}{hint}", row=k)
            continue
        row: dict[str, Any] = {"_row": k, "_bad": set()}
        for c in columns:
            if c.name not in pos:
                row[c.name] = None
                continue
            v = cells[pos[c.name]]
            if len(v) > MAX_CELL_CHARS:
                faults.add(
                    name,
                    f"the cell is {len(v):,} characters long (at most {MAX_CELL_CHARS:,}): a "
                    "stray quote mark?",
                    row=k,
                    field=c.name,
                )
                row["_bad"].add(c.name)
                continue
            if c.optional and not v.strip():
                row[c.name] = None
                continue
            try:
                row[c.name] = c.parse(v)
            except ValueError as exc:
                message = str(exc)
                if len(message) > 300:
                    message = message[:300] + " ..."
                faults.add(name, message, row=k, field=c.name)
                row["_bad"].add(c.name)
        rows.append(row)
    return None if pos is None else rows


def rows_lost(faults: Faults, file: str) -> bool:
    """Whether `read_table` left out a whole row of `file` (too few or too many cells, a CSV
    syntax error): checks across rows would then report what is only missing."""
    return any(f.file == file and f.row and f.row > 1 and f.field is None for f in faults.items)


def check_unique(
    rows: list[dict], key: str, file: str, faults: Faults, within: str | None = None
) -> None:
    """A fault for each row whose `key` an earlier row has (in the same `within` value)."""
    first: dict[tuple, int] = {}
    for r in rows:
        if key in r["_bad"] or key not in r or (within and within in r["_bad"]):
            continue
        v = (str(r[within]) if within else "", r[key])
        if v in first:
            what = f"duplicate id {shown(v[1])}"
            if within:
                what = f"duplicate {key} {shown(v[1])} for {within} {shown(v[0])}"
            faults.add(file, f"{what} (first on row {first[v]})", row=r["_row"], field=key)
        else:
            first[v] = r["_row"]


def check_known(
    rows: list[dict], key: str, known: Iterable[str], file: str, faults: Faults, what: str
) -> None:
    """A fault for each row whose `key` is none of `known` (`what` names the list)."""
    names = tuple(known)
    for r in rows:
        if key not in r["_bad"] and key in r and r[key] not in names:
            faults.add(
                file,
                f"unknown {key} {shown(r[key])}: {what} ({', '.join(names)})",
                row=r["_row"],
                field=key,
            )


def cell(value: Any, column: Column) -> str:
    """Format a value for writing, the inverse of the column's parser (None: a blank cell)."""
    if value is None:
        return ""
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
