"""Tiny named fixtures: hand-made problems small enough to reason about (and brute-force)."""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from routing.inputs.county import write_meta
from routing.model.params import SolveParams
from routing.model.problem import Problem, build_problem
from routing.model.records import Order, ServicePoint, Vehicle
from routing.network.matrices import Matrices
from routing.plans.document import Plan

DAY = "2026-11-29"
H = 3600
BACKSTOP_S = 600.0


def point(
    pid: str,
    x_km: float,
    y_km: float,
    tier: str = "village",
    opens: int = 0,
    closes: int = 24 * H,
    fixed: int = 0,
    per_parcel: int = 0,
) -> ServicePoint:
    """A point on a flat plane; lon/lat are only labels here (matrices come from x/y)."""
    return ServicePoint(
        id=pid,
        name=pid,
        name_pinyin=pid,
        tier=tier,
        town="",
        lon=x_km,
        lat=y_km,
        located="generated",
        opens=opens,
        closes=closes,
        service_fixed_s=fixed,
        service_per_parcel_s=per_parcel,
    )


def vehicle(
    vid: str,
    kg: float = 100.0,
    litres: float = 1000.0,
    start: int = 0,
    end: int = 24 * H,
    max_hours: float = 24.0,
    fixed: float = 10.0,
    per_km: float = 1.0,
    per_hour: float = 0.0,
    cold: bool = False,
    speed: float = 36.0,
    banned: frozenset = frozenset(),
    salaried_hours: float = 0.0,
    overtime: float = 0.0,
    standing: float = 0.0,
    trips: int = 1,
    reload_min: float = 0.0,
) -> Vehicle:
    return Vehicle(
        id=vid,
        type="test",
        capacity_kg=kg,
        capacity_l=litres,
        shift_start=start,
        shift_end=end,
        max_work_s=int(max_hours * H),
        fixed_cost=fixed,
        cost_per_km=per_km,
        cost_per_hour=per_hour,
        banned_roads=banned,
        cold_chain=cold,
        depot="HUB",
        max_speed_kph=speed,
        vehicle_day=standing,
        salaried_s=int(salaried_hours * H),
        overtime_per_hour=overtime,
        max_trips=trips,
        reload_s=int(reload_min * 60),
    )


def order(
    oid: str,
    at: str,
    kind: str = "delivery",
    kg: float = 10.0,
    litres: float = 0.0,
    parcels: int = 1,
    earliest: int = 0,
    latest: int = 24 * H,
    cold: bool = False,
    priority: int = 1,
    destination: str | None = None,
) -> Order:
    dest = "" if kind == "delivery" else (destination or "HUB")
    return Order(
        id=oid,
        date=DAY,
        courier="ZTO",
        point=at,
        kind=kind,
        destination=dest,
        parcels=parcels,
        kg=kg,
        litres=litres,
        earliest=earliest,
        latest=latest,
        cold_chain=cold,
        priority=priority,
        goods="test",
    )


def grid_roads(lons: tuple[float, float, int], lats: tuple[float, float, int]):
    """A toy road network for drawing maps and sheets: east-west streets on a grid of
    (first, last, count) longitudes by latitudes."""
    from routing.network.graph import RoadArrays

    lon, lat = np.meshgrid(np.linspace(*lons), np.linspace(*lats))
    src = np.array([k for k in range(lon.size - 1) if (k + 1) % lons[2]])
    return RoadArrays(
        digest="toy",
        lon=lon.ravel(),
        lat=lat.ravel(),
        src=src,
        dst=src + 1,
        length_m=np.full(len(src), 1000.0),
        speed_kph=np.full(len(src), 40.0),
        highway=np.array(["tertiary"] * len(src)),
    )


def make_problem(
    points: list[ServicePoint],
    vehicles: list[Vehicle],
    orders: list[Order],
    unreachable: dict[str, set[str]] | None = None,
) -> Problem:
    """Euclidean distances between the points' (lon, lat) read as km; each vehicle profile
    drives at its max speed. `unreachable` maps a profile key to point ids it cannot reach."""
    xy = np.array([[p.lon, p.lat] for p in points]) * 1000.0
    dist = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    mats = {}
    for v in vehicles:
        key = v.profile.key
        t = dist / (v.max_speed_kph / 3.6)
        d = dist.copy()
        for pid in (unreachable or {}).get(key, set()):
            k = [p.id for p in points].index(pid)
            for m in (t, d):
                m[k, :] = np.inf
                m[:, k] = np.inf
                m[k, k] = 0.0
        mats[key] = Matrices(key, t, d)
    return build_problem("test", DAY, tuple(points), tuple(vehicles), tuple(orders), mats)


@pytest.fixture
def line_problem() -> Problem:
    """Hub at 0, villages A, B, C at 1, 2, 3 km east; one 100 kg vehicle; one delivery each."""
    pts = [point("HUB", 0, 0, tier="hub"), point("A", 1, 0), point("B", 2, 0), point("C", 3, 0)]
    return make_problem(pts, [vehicle("V1")], [order(f"o{p}", p) for p in "ABC"])


REPO = Path(__file__).resolve().parent.parent
WUGONG = REPO / "data" / "wugong"


@pytest.fixture(scope="session", autouse=True)
def _private_dirs(tmp_path_factory):
    """One matrix/graph cache and one data home for the whole run, never the user's own."""
    mp = pytest.MonkeyPatch()
    mp.setenv("ROUTE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    mp.setenv("ROUTE_DATA_DIR", str(tmp_path_factory.mktemp("datahome")))
    yield
    mp.undo()


def plan_of(problem: Problem, solved, iterations: int | None = None, seed: int = 0) -> Plan:
    """The plan document of a solver result on a test problem (no input files)."""
    return Plan(
        county=problem.county,
        adcode="",
        date=problem.date,
        engine=solved.engine,
        seed=seed,
        time_limit_s=BACKSTOP_S,
        iterations=iterations,
        inputs={},
        routes=solved.routes,
        unserved=solved.unserved,
    )


def budget(iterations: int, **kw) -> SolveParams:
    """Search settings for tests: an iteration budget and two workers, so a result depends
    neither on how busy the machine is nor on its number of cores (the time limit is only a
    backstop, far beyond what the budget needs). An iteration is the engine's own: an
    iterated-local-search step for PyVRP, a solution for OR-Tools."""
    kw.setdefault("workers", 2)
    return SolveParams(time_limit=BACKSTOP_S, iterations=iterations, **kw)


@pytest.fixture
def wugong_copy(tmp_path):
    """A private copy of the Wugong dataset (data dir = tmp_path / 'data')."""
    dest = tmp_path / "data" / "wugong"
    shutil.copytree(WUGONG, dest, ignore=shutil.ignore_patterns("orders"))
    return dest


def one_trip(problem: Problem) -> Problem:
    """The problem for a fleet that makes one trip per vehicle (no second waves)."""
    return replace(problem, vehicles=tuple(replace(v, max_trips=1) for v in problem.vehicles))


@pytest.fixture
def one_trip_wugong(wugong_copy) -> Path:
    """The data dir of a Wugong copy whose fleet makes one trip per vehicle."""
    fleet = wugong_copy / "fleet.csv"
    rows = list(csv.DictReader(fleet.open(encoding="utf-8")))
    with fleet.open("w", encoding="utf-8", newline="") as fh:
        out = csv.DictWriter(fh, list(rows[0]), lineterminator="\n")
        out.writeheader()
        out.writerows({**r, "max_trips": "1"} for r in rows)
    return wugong_copy.parent


def reseal(county_dir: Path) -> None:
    """Record a county folder's files as they are now (`route data seal`), after a test
    changed one on purpose."""
    meta = json.loads((county_dir / "county.json").read_text(encoding="utf-8"))
    write_meta(county_dir, meta)
