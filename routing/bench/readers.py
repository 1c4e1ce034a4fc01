"""Readers for benchmark instance files, and their translation into a `Problem`.

Distance conventions, per family (the one each family's best-known solutions use):
Solomon and VRPLIB-TW: DIMACS, every arc truncated to one decimal; CVRP (VRPLIB without time
windows): rounded to the nearest integer; Li & Lim: unrounded Euclidean; LKH-3: the explicit
matrix. Every instance keeps the node ids written in its file (VRPLIB and LKH-3: depot 1;
Solomon and Li & Lim text: depot 0).

Benchmarks have no yuan, seconds or metres, so `to_problem` picks an integer scale per family:
distances and times are multiplied by `scale` (10 for one-decimal DIMACS, so the integers are
exact) and a vehicle costs 1000 / (scale x unit) per 1000 units, so plan cost equals the
objective as the best-known solutions state it. Service times are handling after the start of
service (the benchmarks' convention), so they become a per-parcel time with one parcel per
customer, not the fixed time that the product spends before service starts.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from ..errors import Fault, Faults, InputError
from ..model.problem import LIMITS, Problem, build_problem
from ..model.records import Order, ServicePoint, Vehicle
from ..network.matrices import Matrices

BENCH_DATE = "2000-01-01"


@dataclass(frozen=True)
class Instance:
    name: str
    ids: tuple[str, ...]  # node ids as written in the file; ids[0] is the depot
    dist: np.ndarray  # [i, j] in instance units, convention already applied
    capacity: float
    vehicles: int
    delivery: np.ndarray  # per node: load brought from the depot
    pickup: np.ndarray  # per node: load taken back to the depot
    ready: np.ndarray  # per node time window
    due: np.ndarray
    service: np.ndarray
    pairs: tuple[tuple[int, int, float], ...] = ()  # Li & Lim: (pickup node, delivery node, load)
    scale: int = 1  # instance units -> integer problem units
    unit: float = 1.0  # instance distance units per objective unit (LKH-3 files are x 10^4)
    coords: np.ndarray | None = field(default=None, repr=False)
    source: str = ""  # the file read, named in errors

    def cost(self, routes: list[list[int]]) -> float:
        """Objective of routes given as node positions (depot excluded), as the BKS states it."""
        total = 0.0
        for r in routes:
            seq = [0, *r, 0]
            total += sum(self.dist[a, b] for a, b in itertools.pairwise(seq))
        return total / self.unit


def _euclid(xy: np.ndarray) -> np.ndarray:
    return np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))


def _dimacs(xy: np.ndarray) -> np.ndarray:
    return np.floor(_euclid(xy) * 10.0 + 1e-9) / 10.0


MAX_BENCH_BYTES = 100_000_000  # the largest explicit-matrix instance of 5,000 nodes is ~ 90 MB
MAX_NODES = 5_000  # dense [n, n] matrices: 200 MB each at this size
MAX_VEHICLES = 10_000
MAX_NUMBER = 1e100  # larger is no benchmark's, and scaled or squared would overflow a float

Line = tuple[int, str]  # (line number in the file, text)


class _Faults(Faults):
    """Faults of one benchmark file, numbered by line (shown as 'row')."""

    def __init__(self, path: Path):
        super().__init__()
        self.name = str(path)

    def at(self, line: int | None, message: str, field: str | None = None) -> None:
        self.add(self.name, message, row=line, field=field)


def _lines(path: Path) -> list[Line]:
    """The non-blank lines of a text file with their numbers; anything that is not a small
    UTF-8 text file is an input error naming the file."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BENCH_BYTES:
            raise InputError(Fault(name, f"is {size:,} bytes: too large for a benchmark file"))
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(Fault(name, "file not found")) from None
    except IsADirectoryError:
        raise InputError(Fault(name, "is a folder, not a benchmark file")) from None
    except OSError as exc:
        raise InputError(Fault(name, f"cannot read the file ({exc.strerror})")) from None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputError(Fault(name, "not a text benchmark file in UTF-8: it is UTF-16"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            Fault(
                name, f"not a text benchmark file (byte {exc.start + 1:,} is not UTF-8)", row=line
            )
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InputError(Fault(name, "not a text benchmark file (a NUL byte)", row=line))
    lines = [(k, ln.strip()) for k, ln in enumerate(text.splitlines(), start=1) if ln.strip()]
    if not lines:
        raise InputError(Fault(name, "the file is empty"))
    return lines


def _shown(token: str) -> str:
    return f"'{token}'" if len(token) <= 40 else f"'{token[:40]}...'"


def _numbers(line: Line, faults: _Faults, count: int | None = None) -> list[float] | None:
    """The numbers of a line, or None with a fault naming the line (a text token, a
    non-finite or huge number, or the wrong count)."""
    k, text = line
    out = []
    for token in text.split():
        try:
            x = float(token)
        except ValueError:
            faults.at(k, f"{_shown(token)} is not a number")
            return None
        if not math.isfinite(x) or abs(x) > MAX_NUMBER:
            faults.at(k, f"{_shown(token)} is not a finite number of at most {MAX_NUMBER:g}")
            return None
        out.append(x)
    if count is not None and len(out) != count:
        faults.at(k, f"has {len(out)} number{'s' * (len(out) != 1)}, expected {count}")
        return None
    return out


def _table(lines: list[Line], width: int, faults: _Faults) -> np.ndarray:
    """Rows of `width` numbers; bad lines are faults (and left out)."""
    rows = [r for r in (_numbers(ln, faults, width) for ln in lines) if r is not None]
    return np.array(rows, dtype=float).reshape(len(rows), width)


def _whole(x: float) -> bool:
    return float(x).is_integer()


def _check_nodes(
    lines: list[Line], ids: np.ndarray, faults: _Faults, what: str = "node"
) -> tuple[str, ...]:
    """Node ids as written: whole numbers, each once; at most MAX_NODES, at least a depot and
    one customer."""
    seen: dict[int, int] = {}
    for (k, _), x in zip(lines, ids, strict=False):
        if not _whole(x) or x < 0:
            faults.at(k, f"{what} id {x:g} is not a whole number >= 0")
        elif int(x) in seen:
            faults.at(k, f"{what} id {int(x)} is given twice (first on line {seen[int(x)]})")
        else:
            seen[int(x)] = k
    if len(ids) > MAX_NODES:
        faults.at(None, f"has {len(ids):,} nodes; at most {MAX_NODES:,} are supported")
    elif len(ids) < 2:
        faults.at(None, f"has {len(ids)} node(s): a benchmark needs a depot and customers")
    return tuple(str(int(x)) if _whole(x) else str(x) for x in ids)


def _check_fleet(vehicles: float, capacity: float, line: int | None, faults: _Faults) -> None:
    if not _whole(vehicles) or not 1 <= vehicles <= MAX_VEHICLES:
        faults.at(
            line, f"the number of vehicles {vehicles:g} is not a whole number 1..{MAX_VEHICLES}"
        )
    if capacity <= 0:
        faults.at(line, f"the capacity {capacity:g} must be > 0", field="CAPACITY")


def _check_windows(
    lines: list[Line], ready: np.ndarray, due: np.ndarray, service: np.ndarray, faults: _Faults
) -> None:
    for (k, _), a, b, c in zip(lines, ready, due, service, strict=False):
        if a < 0 or b < a or c < 0:
            faults.at(k, f"time window {a:g}..{b:g} with service {c:g}: need 0 <= ready <= due")


def read_solomon_txt(path: Path) -> Instance:
    """Original Solomon text: name, VEHICLE NUMBER/CAPACITY, then one line per node."""
    faults = _Faults(path)
    lines = _lines(path)
    heads = [k for k, (_, t) in enumerate(lines) if t.split()[0].upper() in ("NUMBER", "CUSTOMER")]
    if len(heads) < 2 or len(lines) < heads[1] + 3:
        raise InputError(
            Fault(
                str(path),
                "not a Solomon instance (expected the name, a VEHICLE section with NUMBER and "
                "CAPACITY, a CUSTOMER section, then one line per node)",
            )
        )
    numbers_line = lines[heads[0] + 1]
    fleet = _numbers(numbers_line, faults, 2) if heads[0] + 1 < heads[1] else None
    if heads[0] + 1 >= heads[1]:
        faults.at(numbers_line[0], "expected the NUMBER and CAPACITY of the vehicles here")
    body = lines[heads[1] + 2 :]  # after the CUSTOMER heading and its column titles
    arr = _table(body, 7, faults)
    faults.raise_if_any()
    vehicles, capacity = fleet or (0.0, 0.0)
    _check_fleet(vehicles, capacity, numbers_line[0], faults)
    ids = _check_nodes(body, arr[:, 0], faults)
    if (arr[:, 3] < 0).any():
        faults.at(body[int(np.argmax(arr[:, 3] < 0))][0], "a demand is negative")
    _check_windows(body, arr[:, 4], arr[:, 5], arr[:, 6], faults)
    faults.raise_if_any()
    xy, demand = arr[:, 1:3], arr[:, 3]
    return Instance(
        name=lines[0][1],
        ids=ids,
        dist=_dimacs(xy),
        capacity=capacity,
        vehicles=int(vehicles),
        delivery=demand,
        pickup=np.zeros(len(arr)),
        ready=arr[:, 4],
        due=arr[:, 5],
        service=arr[:, 6],
        scale=10,
        coords=xy,
        source=str(path),
    )


def _vrplib_sections(path: Path, faults: _Faults) -> tuple[dict[str, Line], dict[str, list[Line]]]:
    """Header `KEY : value` lines (with their line) and each SECTION's lines."""
    header: dict[str, Line] = {}
    sections: dict[str, list[Line]] = {}
    current = None
    for k, line in _lines(path):
        if line == "EOF":
            break
        if line.split()[0].endswith("SECTION"):
            current = line.split()[0]
            if current in sections:
                faults.at(k, f"{current} is given twice")
            sections[current] = []
        elif current is None:
            if ":" not in line:
                faults.at(k, f"{_shown(line)} is neither 'KEY : value' nor a SECTION")
                continue
            key, v = line.split(":", 1)
            header[key.strip().upper()] = (k, v.strip())
        else:
            sections[current].append((k, line))
    return header, sections


def _header_number(
    header: dict[str, Line], key: str, faults: _Faults, default: float | None = None
) -> float | None:
    if key not in header:
        if default is None:
            faults.at(None, f"has no {key} line", field=key)
        return default
    k, v = header[key]
    x = _numbers((k, v), faults, 1)
    return x[0] if x else None


def _dimension(header: dict[str, Line], faults: _Faults) -> int | None:
    """DIMENSION: the number of nodes, 2..MAX_NODES."""
    dim = _header_number(header, "DIMENSION", faults)
    if dim is None:
        return None
    if not _whole(dim) or not 2 <= dim <= MAX_NODES:
        faults.at(header["DIMENSION"][0], f"DIMENSION {dim:g} is not a whole number 2..{MAX_NODES}")
        return None
    return int(dim)


def _sized(
    sec: dict[str, list[Line]],
    name: str,
    width: int,
    n: int | None,
    faults: _Faults,
    source: str = "DIMENSION says",
) -> tuple[list[Line], np.ndarray] | None:
    """A section as a table of `width` numbers per line, with `n` lines when `n` is known
    (`source` says where `n` comes from)."""
    if name not in sec:
        faults.at(None, f"has no {name}", field=name)
        return None
    lines = sec[name]
    if n is not None and len(lines) != n:
        first = lines[0][0] - 1 if lines else None
        faults.at(first, f"{name} has {len(lines)} lines, {source} {n}", field=name)
    return lines, _table(lines, width, faults)


def read_vrplib(path: Path) -> Instance:
    """VRPLIB CVRP / CVRPTW (.vrp), EUC_2D; depot 1. DIMACS with time windows, else rounded."""
    faults = _Faults(path)
    header, sec = _vrplib_sections(path, faults)
    if "NODE_COORD_SECTION" not in sec and "DEMAND_SECTION" not in sec:
        raise InputError(
            Fault(
                str(path),
                "not a VRPLIB instance (needs NODE_COORD_SECTION, "
                "DEMAND_SECTION and DEPOT_SECTION)",
            )
        )
    kind = header.get("EDGE_WEIGHT_TYPE", (None, "EUC_2D"))
    if kind[1].upper() != "EUC_2D":
        faults.at(kind[0], f"EDGE_WEIGHT_TYPE {_shown(kind[1])}: only EUC_2D is supported")
    capacity = _header_number(header, "CAPACITY", faults)
    n = _dimension(header, faults) if "DIMENSION" in header else None
    coords = _sized(sec, "NODE_COORD_SECTION", 3, n, faults)
    source = "DIMENSION says"
    if n is None and coords:
        n, source = len(coords[0]), "NODE_COORD_SECTION has"
    demands = _sized(sec, "DEMAND_SECTION", 2, n, faults, source)
    depot_lines = sec.get("DEPOT_SECTION")
    if not depot_lines:
        faults.at(None, "has no DEPOT_SECTION", field="DEPOT_SECTION")
    tw, svc = (
        _sized(sec, name, width, n, faults, source) if name in sec else None
        for name, width in (("TIME_WINDOW_SECTION", 3), ("SERVICE_TIME_SECTION", 2))
    )
    faults.raise_if_any()
    assert coords and demands and depot_lines and capacity is not None and n is not None
    lines, c = coords
    ids = _check_nodes(lines, c[:, 0], faults)
    for (k, _), a, b in zip(demands[0], demands[1][:, 0], c[:, 0], strict=False):
        if a != b:
            faults.at(k, f"DEMAND_SECTION names node {a:g} where NODE_COORD_SECTION has {b:g}")
    if (demands[1][:, 1] < 0).any():
        faults.at(demands[0][int(np.argmax(demands[1][:, 1] < 0))][0], "a demand is negative")
    depot_row = _numbers(depot_lines[0], faults, 1)
    vehicles = _header_number(header, "VEHICLES", faults, default=float(n - 1))
    service_time = _header_number(header, "SERVICE_TIME", faults, default=0.0)
    faults.raise_if_any()
    assert depot_row is not None and vehicles is not None and service_time is not None
    _check_fleet(vehicles, capacity, header.get("CAPACITY", (None,))[0], faults)
    depot = depot_row[0]
    if ids[0] != f"{depot:g}":
        faults.at(depot_lines[0][0], f"depot {depot:g} is not the first node")
    xy, demand = c[:, 1:3], demands[1][:, 1]
    if tw is not None:
        windows = tw[1][:, 1:3]
        dist, scale = _dimacs(xy), 10
        service = np.where(np.arange(n) == 0, 0.0, service_time)
        if svc is not None:
            service = svc[1][:, 1]
        _check_windows(tw[0], windows[:, 0], windows[:, 1], service, faults)
    else:
        windows = np.tile([0.0, 1e7], (n, 1))
        dist, scale = np.floor(_euclid(xy) + 0.5), 1
        service = np.zeros(n)
    faults.raise_if_any()
    return Instance(
        name=header.get("NAME", (0, path.stem))[1] or path.stem,
        ids=ids,
        dist=dist,
        capacity=capacity,
        vehicles=int(vehicles),
        delivery=demand,
        pickup=np.zeros(n),
        ready=windows[:, 0],
        due=windows[:, 1],
        service=service,
        scale=scale,
        coords=xy,
        source=str(path),
    )


def read_lilim(path: Path) -> Instance:
    """Li & Lim PDPTW text: 'vehicles capacity speed', then 'id x y demand ready due service
    pickup_sibling delivery_sibling' per node; node 0 is the depot."""
    faults = _Faults(path)
    lines = _lines(path)
    fleet = _numbers(lines[0], faults, 3)
    body = lines[1:]
    arr = _table(body, 9, faults)
    faults.raise_if_any()
    assert fleet is not None
    vehicles, capacity = fleet[:2]
    _check_fleet(vehicles, capacity, lines[0][0], faults)
    n = len(arr)
    for k, ((line, _), node) in enumerate(zip(body, arr[:, 0], strict=True)):
        if node != k:
            faults.at(line, f"node id {node:g} where {k} is expected (ids run 0, 1, 2 ...)")
    if n < 2:
        faults.at(None, "has no customers")
    elif n > MAX_NODES:
        faults.at(None, f"has {n:,} nodes; at most {MAX_NODES:,} are supported")
    _check_windows(body, arr[:, 4], arr[:, 5], arr[:, 6], faults)
    faults.raise_if_any()
    pairs = []
    for i in range(1, n):
        if arr[i, 3] > 0:
            d = arr[i, 8]
            if not _whole(d) or not 1 <= d < n or arr[int(d), 3] >= 0 or arr[int(d), 7] != i:
                faults.at(body[i][0], f"pickup {i} names delivery {d:g}, which is not its pair")
                continue
            pairs.append((i, int(d), float(arr[i, 3])))
    faults.raise_if_any()
    return Instance(
        name=path.stem,
        ids=tuple(str(int(i)) for i in arr[:, 0]),
        dist=_euclid(arr[:, 1:3]),
        capacity=capacity,
        vehicles=int(vehicles),
        delivery=np.zeros(n),
        pickup=np.zeros(n),
        ready=arr[:, 4],
        due=arr[:, 5],
        service=arr[:, 6],
        pairs=tuple(pairs),
        scale=1000,
        coords=arr[:, 1:3],
        source=str(path),
    )


def read_vrpspd(path: Path) -> Instance:
    """LKH-3 VRPSPD: explicit full matrix; PICKUP_AND_DELIVERY_SECTION lines are 'id demand
    earliest latest service pickup delivery'."""
    faults = _Faults(path)
    header, sec = _vrplib_sections(path, faults)
    if "EDGE_WEIGHT_SECTION" not in sec or "PICKUP_AND_DELIVERY_SECTION" not in sec:
        raise InputError(
            Fault(
                str(path),
                "not an LKH-3 VRPSPD instance (needs DIMENSION, a full "
                "EDGE_WEIGHT_SECTION and PICKUP_AND_DELIVERY_SECTION)",
            )
        )
    fmt = header.get("EDGE_WEIGHT_FORMAT", (None, "FULL_MATRIX"))
    if fmt[1].upper() != "FULL_MATRIX":
        faults.at(fmt[0], f"EDGE_WEIGHT_FORMAT {_shown(fmt[1])}: only FULL_MATRIX is supported")
    n = _dimension(header, faults)
    capacity = _header_number(header, "CAPACITY", faults)
    faults.raise_if_any()
    assert n is not None and capacity is not None
    flat = []
    for line in sec["EDGE_WEIGHT_SECTION"]:
        flat += _numbers(line, faults) or []
    if not faults and len(flat) != n * n:
        faults.at(
            sec["EDGE_WEIGHT_SECTION"][-1][0] if sec["EDGE_WEIGHT_SECTION"] else None,
            f"EDGE_WEIGHT_SECTION has {len(flat):,} numbers, a full matrix of DIMENSION {n} "
            f"has {n * n:,}",
            field="EDGE_WEIGHT_SECTION",
        )
    if flat and min(flat) < 0:
        faults.at(None, "EDGE_WEIGHT_SECTION has a negative distance", field="EDGE_WEIGHT_SECTION")
    pd_lines, pd = _sized(sec, "PICKUP_AND_DELIVERY_SECTION", 7, n, faults) or ([], None)
    vehicles = _header_number(header, "VEHICLES", faults, default=float(n - 1))
    faults.raise_if_any()
    assert pd is not None and vehicles is not None
    _check_fleet(vehicles, capacity, header["CAPACITY"][0], faults)
    ids = _check_nodes(pd_lines, pd[:, 0], faults)
    if (pd[:, 5:7] < 0).any():
        faults.at(pd_lines[int(np.argmax((pd[:, 5:7] < 0).any(1)))][0], "a demand is negative")
    _check_windows(pd_lines, pd[:, 2], pd[:, 3], pd[:, 4], faults)
    faults.raise_if_any()
    return Instance(
        name=header.get("NAME", (0, path.stem))[1] or path.stem,
        ids=ids,
        dist=np.array(flat, dtype=float).reshape(n, n),
        capacity=capacity,
        vehicles=int(vehicles),
        delivery=pd[:, 6],
        pickup=pd[:, 5],
        ready=pd[:, 2],
        due=pd[:, 3],
        service=pd[:, 4],
        scale=1,
        unit=1e4,
        source=str(path),
    )


def read_instance(path: Path) -> Instance:
    """Pick the reader by suffix and content."""
    path = Path(path)
    lines = _lines(path)
    if path.suffix == ".vrpspd" or any(t == "PICKUP_AND_DELIVERY_SECTION" for _, t in lines):
        return read_vrpspd(path)
    if path.suffix == ".vrp":
        return read_vrplib(path)
    first = lines[0][1].split()
    if len(first) == 3 and all(re.fullmatch(r"[\d.]+", x) for x in first):
        return read_lilim(path)
    return read_solomon_txt(path)


def to_problem(inst: Instance, fleet: int | None = None) -> Problem:
    """The instance as a day's problem: one point per node, a delivery and/or pickup order per
    customer (Li & Lim: a pickup bound for its delivery node, which is a facility)."""
    s = inst.scale
    n = len(inst.ids)
    deliveries_to = {d for _, d, _ in inst.pairs}
    horizon = int(math.ceil(float(inst.due[0]) * s))
    points = []
    for k, pid in enumerate(inst.ids):
        tier: Literal["hub", "facility", "village"] = (
            "hub" if k == 0 else ("facility" if k in deliveries_to else "village")
        )
        x, y = inst.coords[k] if inst.coords is not None else (0.0, 0.0)
        points.append(
            ServicePoint(
                id=pid,
                name=pid,
                name_pinyin=pid,
                tier=tier,
                town="",
                lon=float(x),
                lat=float(y),
                located="source",
                opens=int(round(inst.ready[k] * s)),
                closes=int(round(inst.due[k] * s)),
                service_fixed_s=0,
                service_per_parcel_s=int(round(inst.service[k] * s)),
            )
        )
    vehicles = [
        Vehicle(
            id=f"V{v + 1}",
            type="bench",
            capacity_kg=inst.capacity,
            capacity_l=LIMITS["capacity_l"],  # benchmarks carry no volumes (0 L per order)
            shift_start=int(round(inst.ready[0] * s)),
            shift_end=horizon,
            max_work_s=horizon,
            fixed_cost=0.0,
            cost_per_km=1000.0 / (s * inst.unit),
            cost_per_hour=0.0,
            banned_roads=frozenset(),
            cold_chain=False,
            depot=inst.ids[0],
            max_speed_kph=3.6,
            max_driving_s=0,  # no drivers' breaks in the benchmarks' rules
        )
        for v in range(fleet or inst.vehicles)
    ]
    orders = []

    def add(oid, at, kind, qty, dest="", parcels=1):
        orders.append(
            Order(
                id=oid,
                date=BENCH_DATE,
                courier="bench",
                point=inst.ids[at],
                kind=kind,
                destination=dest,
                parcels=parcels,
                kg=float(qty),
                litres=0.0,
                earliest=int(round(inst.ready[at] * s)),
                latest=int(round(inst.due[at] * s)),
                cold_chain=False,
                priority=1,
            )
        )

    for k in range(1, n):
        if inst.delivery[k] > 0 or (inst.pickup[k] == 0 and not inst.pairs):
            add(f"{inst.ids[k]}-d", k, "delivery", inst.delivery[k])
        if inst.pickup[k] > 0:  # one handling time per customer: the delivery carries it
            add(
                f"{inst.ids[k]}-p",
                k,
                "pickup",
                inst.pickup[k],
                inst.ids[0],
                parcels=0 if inst.delivery[k] > 0 else 1,
            )
    for p, d, qty in inst.pairs:
        add(f"{inst.ids[p]}-{inst.ids[d]}", p, "pickup", qty, inst.ids[d])
    t = inst.dist * s
    mat = Matrices(vehicles[0].profile.key, t, t)
    return build_problem(
        inst.name,
        BENCH_DATE,
        tuple(points),
        tuple(vehicles),
        tuple(orders),
        {mat.profile: mat},
        source=inst.source or inst.name,
    )
