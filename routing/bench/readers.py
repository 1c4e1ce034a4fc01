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

import numpy as np

from ..errors import Fault, InputError
from ..model.problem import Problem, build_problem
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


def _numbers(line: str) -> list[float]:
    return [float(x) for x in line.split()]


def read_solomon_txt(path: Path) -> Instance:
    """Original Solomon text: name, VEHICLE NUMBER/CAPACITY, then one line per node."""
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    try:
        vehicles, capacity = _numbers(lines[3])[:2]
        rows = [_numbers(ln) for ln in lines[6:] if re.match(r"^\s*\d", ln)]
        arr = np.array(rows, dtype=float)
        xy, demand = arr[:, 1:3], arr[:, 3]
    except (IndexError, ValueError):
        raise InputError(
            Fault(
                str(path),
                "not a Solomon instance (expected the 9-line header and one line per customer)",
            )
        ) from None
    return Instance(
        name=lines[0].strip(),
        ids=tuple(str(int(i)) for i in arr[:, 0]),
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
    )


def _vrplib_sections(path: Path) -> tuple[dict[str, str], dict[str, list[list[float]]]]:
    header: dict[str, str] = {}
    sections: dict[str, list[list[float]]] = {}
    current = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line == "EOF":
            continue
        if line.endswith("SECTION"):
            current = line.split()[0]
            sections[current] = []
        elif ":" in line and current is None:
            k, v = line.split(":", 1)
            header[k.strip().upper()] = v.strip()
        elif current is not None:
            sections[current].append(_numbers(line))
    return header, sections


def read_vrplib(path: Path) -> Instance:
    """VRPLIB CVRP / CVRPTW (.vrp), EUC_2D; depot 1. DIMACS with time windows, else rounded."""
    header, sec = _vrplib_sections(path)
    try:
        coords = np.array(sec["NODE_COORD_SECTION"])
        ids = tuple(str(int(i)) for i in coords[:, 0])
        xy = coords[:, 1:3]
        demand = np.array(sec["DEMAND_SECTION"])[:, 1]
        depot = int(sec["DEPOT_SECTION"][0][0])
    except (KeyError, IndexError):
        raise InputError(
            Fault(
                str(path),
                "not a VRPLIB instance (needs NODE_COORD_SECTION, "
                "DEMAND_SECTION and DEPOT_SECTION)",
            )
        ) from None
    if ids[0] != str(depot):
        raise InputError(Fault(str(path), f"depot {depot} is not the first node"))
    n = len(ids)
    tw = sec.get("TIME_WINDOW_SECTION")
    if tw:
        windows = np.array(tw)[:, 1:3]
        dist, scale = _dimacs(xy), 10
        svc = float(header.get("SERVICE_TIME", 0))
        service = np.where(np.arange(n) == 0, 0.0, svc)
        if "SERVICE_TIME_SECTION" in sec:
            service = np.array(sec["SERVICE_TIME_SECTION"])[:, 1]
    else:
        windows = np.tile([0.0, 1e7], (n, 1))
        dist, scale = np.floor(_euclid(xy) + 0.5), 1
        service = np.zeros(n)
    return Instance(
        name=header.get("NAME", path.stem),
        ids=ids,
        dist=dist,
        capacity=float(header["CAPACITY"]),
        vehicles=int(header.get("VEHICLES", n - 1)),
        delivery=demand,
        pickup=np.zeros(n),
        ready=windows[:, 0],
        due=windows[:, 1],
        service=service,
        scale=scale,
        coords=xy,
    )


def read_lilim(path: Path) -> Instance:
    """Li & Lim PDPTW text: 'vehicles capacity speed', then 'id x y demand ready due service
    pickup_sibling delivery_sibling' per node; node 0 is the depot."""
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    try:
        vehicles, capacity = _numbers(lines[0])[:2]
        arr = np.array([_numbers(ln) for ln in lines[1:]], dtype=float)
        if arr.shape[1] != 9:
            raise ValueError
    except ValueError:
        raise InputError(
            Fault(str(path), "not a Li & Lim instance (expected 9 numbers per node line)")
        ) from None
    pairs = tuple(
        (int(i), int(arr[i, 8]), float(arr[i, 3])) for i in range(1, len(arr)) if arr[i, 3] > 0
    )
    n = len(arr)
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
        pairs=pairs,
        scale=1000,
        coords=arr[:, 1:3],
    )


def read_vrpspd(path: Path) -> Instance:
    """LKH-3 VRPSPD: explicit full matrix; PICKUP_AND_DELIVERY_SECTION lines are 'id demand
    earliest latest service pickup delivery'."""
    header, sec = _vrplib_sections(path)
    try:
        n = int(header["DIMENSION"])
        flat = [x for row in sec["EDGE_WEIGHT_SECTION"] for x in row]
        dist = np.array(flat, dtype=float).reshape(n, n)
        pd = np.array(sec["PICKUP_AND_DELIVERY_SECTION"], dtype=float)
    except (KeyError, ValueError):
        raise InputError(
            Fault(
                str(path),
                "not an LKH-3 VRPSPD instance (needs DIMENSION, a full "
                "EDGE_WEIGHT_SECTION and PICKUP_AND_DELIVERY_SECTION)",
            )
        ) from None
    return Instance(
        name=header.get("NAME", path.stem),
        ids=tuple(str(int(i)) for i in pd[:, 0]),
        dist=dist,
        capacity=float(header["CAPACITY"]),
        vehicles=int(header.get("VEHICLES", n - 1)),
        delivery=pd[:, 6],
        pickup=pd[:, 5],
        ready=pd[:, 2],
        due=pd[:, 3],
        service=pd[:, 4],
        scale=1,
        unit=1e4,
    )


def read_instance(path: Path) -> Instance:
    """Pick the reader by suffix and content."""
    path = Path(path)
    if not path.exists():
        raise InputError(Fault(str(path), "file not found"))
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".vrpspd" or "PICKUP_AND_DELIVERY_SECTION" in text:
        return read_vrpspd(path)
    if path.suffix == ".vrp":
        return read_vrplib(path)
    first = text.split("\n", 1)[0].split()
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
        tier = "hub" if k == 0 else ("facility" if k in deliveries_to else "village")
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
            capacity_l=1e12,
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
        inst.name, BENCH_DATE, tuple(points), tuple(vehicles), tuple(orders), {mat.profile: mat}
    )
