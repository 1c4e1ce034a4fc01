"""Scenario files (TOML): a base county and what changes in it, read into an immutable
`Scenario` with every problem of the file reported at once (docs/scenarios.md).

A file names its base county and any of: service points added, removed or moved; the fleet's
size, types and shift hours; direct or township-transfer tiers; demand multipliers by month,
kind, goods or courier; one shared fleet or each courier its own. Keys and values are checked
here, against the file alone; ids are checked against the county by `check_against`.
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Fault, InputError
from ..inputs.county import County
from ..units import parse_hhmm

TIERS = ("direct", "township")
CO_DISTRIBUTION = ("shared", "separate")
KINDS = ("delivery", "pickup")
MAX_MULTIPLIER = 100.0
MAX_VEHICLES = 10_000
DEFAULT_TRANSFER_MINUTES = 30  # unloading a truck's cages at a station (reasoned)

# Every key a file may have, by table; a dict is a table, None a value.
SCHEMA: dict[str, Any] = {
    "name": None,
    "county": None,
    "description": None,
    "fleet": {"size": None, "types": None, "shift_start": None, "shift_end": None},
    "points": {"add": None, "remove": None, "move": None},
    "tiers": {"mode": None, "transfer_minutes": None, "station_vehicles": None},
    "demand": {"months": None, "kinds": None, "goods": None, "couriers": None},
    "co_distribution": {"mode": None},
}
ADDED_POINT_KEYS = ("id", "name", "lon", "lat", "town")
MOVED_POINT_KEYS = ("id", "lon", "lat")


@dataclass(frozen=True)
class AddedPoint:
    id: str
    name: str
    lon: float  # WGS-84
    lat: float
    town: str  # the township station's id; '' for the nearest


@dataclass(frozen=True)
class MovedPoint:
    id: str
    lon: float
    lat: float


@dataclass(frozen=True)
class Demand:
    """Multipliers on the day's orders; 1 where a file says nothing."""

    months: dict[int, float] = field(default_factory=dict)
    kinds: dict[str, float] = field(default_factory=dict)
    goods: dict[str, float] = field(default_factory=dict)
    couriers: dict[str, float] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(
            v != 1.0
            for d in (self.months, self.kinds, self.goods, self.couriers)
            for v in d.values()
        )


@dataclass(frozen=True)
class Scenario:
    path: Path
    name: str
    county: str
    description: str = ""
    fleet_size: int | None = None
    fleet_types: dict[str, int] = field(default_factory=dict)
    shift_start: int | None = None  # s since midnight
    shift_end: int | None = None
    added: tuple[AddedPoint, ...] = ()
    removed: tuple[str, ...] = ()
    moved: tuple[MovedPoint, ...] = ()
    tiers: str = "direct"
    transfer_s: int = DEFAULT_TRANSFER_MINUTES * 60
    station_vehicles: int | None = None  # per township station; None: sized to the day
    demand: Demand = field(default_factory=Demand)
    co_distribution: str = "shared"

    @property
    def changes_points(self) -> bool:
        return bool(self.added or self.removed or self.moved)


class _Reader:
    """Collects every fault of one file, each named by its key path."""

    def __init__(self, path: Path):
        self.path = path
        self.faults: list[Fault] = []

    def fault(self, key: str, message: str) -> None:
        self.faults.append(Fault(str(self.path), message, field=key))

    def unknown_keys(self, table: dict, schema: dict, prefix: str = "") -> None:
        for key, value in table.items():
            where = f"{prefix}{key}"
            if key not in schema:
                self.fault(where, f"unknown key; the keys here are {', '.join(schema)}")
            elif isinstance(schema[key], dict):
                if isinstance(value, dict):
                    self.unknown_keys(value, schema[key], where + ".")
                else:
                    self.fault(where, f"need a table [{where}], not {value!r}")

    def text(self, table: dict, key: str, where: str, required: bool = False) -> str:
        value = table.get(key)
        if value is None:
            if required:
                self.fault(where, "missing")
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.fault(where, f"need text, not {value!r}")
            return ""
        return value.strip()

    def number(self, value: Any, where: str, lo: float, hi: float) -> float | None:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            self.fault(where, f"need a number, not {value!r}")
            return None
        if value < 0 <= lo:
            self.fault(where, f"{value!r} is negative: need {lo:g} to {hi:g}")
            return None
        if not lo <= value <= hi:
            self.fault(where, f"{value!r} is out of range: need {lo:g} to {hi:g}")
            return None
        return float(value)

    def integer(self, value: Any, where: str, lo: int, hi: int) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fault(where, f"need a whole number, not {value!r}")
            return None
        if not lo <= value <= hi:
            self.fault(where, f"{value} is out of range: need {lo} to {hi}")
            return None
        return value

    def choice(self, table: dict, key: str, where: str, options: tuple[str, ...]) -> str:
        value = table.get(key, options[0])
        if value not in options:
            self.fault(where, f"{value!r}: need one of {', '.join(options)}")
            return options[0]
        return value

    def clock(self, table: dict, key: str, where: str) -> int | None:
        value = table.get(key)
        if value is None:
            return None
        try:
            return parse_hhmm(str(value))
        except ValueError:
            self.fault(where, f"{value!r} is not a time of day HH:MM")
            return None

    def multipliers(self, table: dict, key: str) -> dict[str, float]:
        where = f"demand.{key}"
        value = table.get(key, {})
        if not isinstance(value, dict):
            self.fault(where, f"need a table of multipliers, not {value!r}")
            return {}
        out = {}
        for name, m in value.items():
            f = self.number(m, f"{where}.{name}", 0.0, MAX_MULTIPLIER)
            if f is not None:
                out[str(name)] = f
        return out

    def records(self, table: dict, key: str, keys: tuple[str, ...]) -> list[tuple[str, dict]]:
        where = f"points.{key}"
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
            self.fault(where, f"need a list of tables [[{where}]]")
            return []
        out = []
        for k, r in enumerate(value, start=1):
            at = f"{where}[{k}]"
            for extra in sorted(set(r) - set(keys)):
                self.fault(f"{at}.{extra}", f"unknown key; the keys here are {', '.join(keys)}")
            out.append((at, r))
        return out

    def position(self, r: dict, at: str) -> tuple[float, float] | None:
        lon = self.number(r.get("lon"), f"{at}.lon", -180.0, 180.0)
        lat = self.number(r.get("lat"), f"{at}.lat", -90.0, 90.0)
        return None if lon is None or lat is None else (lon, lat)


def read_scenario(path: Path) -> Scenario:
    """The scenario of a TOML file; one InputError listing every problem of the file."""
    scenario, faults = parse_scenario(path)
    if faults:
        raise InputError(faults)
    return scenario


def parse_scenario(path: Path) -> tuple[Scenario, list[Fault]]:
    """The scenario of a TOML file as far as it reads, and every problem found in it (an
    unreadable file raises)."""
    r = _Reader(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(Fault(str(path), "no such scenario file")) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(Fault(str(path), f"not a readable TOML file: {exc}")) from None
    r.unknown_keys(doc, SCHEMA)

    def table(key: str) -> dict:
        value = doc.get(key)
        return value if isinstance(value, dict) else {}

    fleet, points, tiers = table("fleet"), table("points"), table("tiers")
    demand, co = table("demand"), table("co_distribution")

    size = None
    if "size" in fleet:
        size = r.integer(fleet["size"], "fleet.size", 1, MAX_VEHICLES)
    types: dict[str, int] = {}
    if "types" in fleet:
        if not isinstance(fleet["types"], dict):
            r.fault("fleet.types", "need a table of vehicle counts by type")
        else:
            for t, n in fleet["types"].items():
                k = r.integer(n, f"fleet.types.{t}", 0, MAX_VEHICLES)
                if k is not None:
                    types[str(t)] = k
        if size is not None:
            r.fault("fleet.size", "give fleet.size or fleet.types, not both")
    start = r.clock(fleet, "shift_start", "fleet.shift_start")
    end = r.clock(fleet, "shift_end", "fleet.shift_end")
    if start is not None and end is not None and end <= start:
        r.fault("fleet.shift_end", "the shift ends before it starts")

    added = []
    for at, p in r.records(points, "add", ADDED_POINT_KEYS):
        pid = r.text(p, "id", f"{at}.id", required=True)
        pos = r.position(p, at)
        if pid and pos:
            name = r.text(p, "name", f"{at}.name") or pid
            added.append(AddedPoint(pid, name, *pos, r.text(p, "town", f"{at}.town")))
    moved = []
    for at, p in r.records(points, "move", MOVED_POINT_KEYS):
        pid = r.text(p, "id", f"{at}.id", required=True)
        pos = r.position(p, at)
        if pid and pos:
            moved.append(MovedPoint(pid, *pos))
    removed = points.get("remove", [])
    if not isinstance(removed, list) or not all(isinstance(x, str) for x in removed):
        r.fault("points.remove", "need a list of service point ids")
        removed = []

    station_vehicles = None
    if "station_vehicles" in tiers:
        station_vehicles = r.integer(tiers["station_vehicles"], "tiers.station_vehicles", 1, 100)
    transfer = tiers.get("transfer_minutes", DEFAULT_TRANSFER_MINUTES)
    minutes = r.number(transfer, "tiers.transfer_minutes", 0.0, 600.0)
    months: dict[int, float] = {}
    for month, f in r.multipliers(demand, "months").items():
        if month.isdigit() and 1 <= int(month) <= 12:
            months[int(month)] = f
        else:
            r.fault(f"demand.months.{month}", "not a month: need 1 to 12")
    kinds = r.multipliers(demand, "kinds")
    for kind in sorted(set(kinds) - set(KINDS)):
        r.fault(f"demand.kinds.{kind}", f"unknown kind; the kinds are {', '.join(KINDS)}")
    scenario = Scenario(
        path=path,
        name=r.text(doc, "name", "name") or path.stem,
        county=r.text(doc, "county", "county", required=True),
        description=r.text(doc, "description", "description"),
        fleet_size=size,
        fleet_types=types,
        shift_start=start,
        shift_end=end,
        added=tuple(added),
        removed=tuple(removed),
        moved=tuple(moved),
        tiers=r.choice(tiers, "mode", "tiers.mode", TIERS),
        transfer_s=round((minutes if minutes is not None else DEFAULT_TRANSFER_MINUTES) * 60),
        station_vehicles=station_vehicles,
        demand=Demand(
            months, kinds, r.multipliers(demand, "goods"), r.multipliers(demand, "couriers")
        ),
        co_distribution=r.choice(co, "mode", "co_distribution.mode", CO_DISTRIBUTION),
    )
    return scenario, r.faults


def check_against(s: Scenario, county: County) -> None:
    """Every id and type the scenario names exists in its county (every problem at once)."""
    faults = county_faults(s, county)
    if faults:
        raise InputError(faults)


def county_faults(s: Scenario, county: County) -> list[Fault]:
    """The ids and types the scenario names that its county does not have."""
    faults = []

    def fault(key: str, message: str) -> None:
        faults.append(Fault(str(s.path), message, field=key))

    points = {p.id: p for p in county.points}
    movable = {pid for pid, p in points.items() if p.tier in ("township", "village")}
    for k, pid in enumerate(s.removed, start=1):
        if pid not in points:
            fault(f"points.remove[{k}]", f"unknown service point {pid!r} in {county.slug}")
        elif pid not in movable:
            fault(
                f"points.remove[{k}]",
                f"{pid} is a {points[pid].tier}: only township "
                "stations and village points may be removed",
            )
    for k, m in enumerate(s.moved, start=1):
        if m.id not in points:
            fault(f"points.move[{k}].id", f"unknown service point {m.id!r} in {county.slug}")
        elif m.id not in movable:
            fault(
                f"points.move[{k}].id",
                f"{m.id} is a {points[m.id].tier}: only township "
                "stations and village points may be moved",
            )
        elif m.id in s.removed:
            fault(f"points.move[{k}].id", f"{m.id} is also removed")
    towns = {pid for pid, p in points.items() if p.tier == "township"}
    seen: set[str] = set()
    for k, a in enumerate(s.added, start=1):
        if a.id in points or a.id in seen:
            fault(f"points.add[{k}].id", f"{a.id!r} is already a service point id")
        seen.add(a.id)
        if a.town and a.town not in towns:
            fault(f"points.add[{k}].town", f"unknown township station {a.town!r}")
    types = sorted({v.type for v in county.fleet})
    for t in s.fleet_types:
        if t not in types:
            fault(f"fleet.types.{t}", f"unknown vehicle type; {county.slug} has {', '.join(types)}")
    return faults


def _toml_text(text: str) -> str:
    """A TOML basic string (json's escapes are TOML's for these characters)."""
    return json.dumps(text, ensure_ascii=False)


def scenario_text(
    name: str, county: str, description: str, added: list[AddedPoint], comment: str = ""
) -> str:
    """A scenario file that adds service points (what `route site` writes), readable back by
    `read_scenario`."""
    lines = [f"# {line}".rstrip() for line in comment.splitlines()]
    lines += [
        f"name = {_toml_text(name)}",
        f"county = {_toml_text(county)}",
        f"description = {_toml_text(description)}",
    ]
    for a in added:
        lines += [
            "",
            "[[points.add]]",
            f"id = {_toml_text(a.id)}",
            f"name = {_toml_text(a.name)}",
            f"lon = {a.lon:.6f}",
            f"lat = {a.lat:.6f}",
        ]
        if a.town:
            lines.append(f"town = {_toml_text(a.town)}")
    return "\n".join(lines) + "\n"
