"""One county of a region run, as a worker does it: build the county's data if it has none
(cached in the data home from then on), work out its inputs key, and, unless the plan in the
output folder already has that key, plan the day and return the plan's files.

A task is a plain picklable value and `run_county` a module-level function, so the same task
runs in this process, in a local process or on a Dask worker. Whatever goes wrong in a county
comes back as a failed result with its error; only a dead worker is the executor's business.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..errors import Fault, InputError, RouteError
from .region import CountyRef

PLANNED, UNCHANGED, FAILED = "planned", "unchanged", "failed"
SIMPLIFY_DEG = 0.0005  # the overview's route lines: about 50 m, plenty for a region map


@dataclass(frozen=True)
class CountyTask:
    county: CountyRef
    date: str
    raw_dir: Path | None  # division data to build from, if not built (None: the bundled)
    data_dir: Path | None  # the data home (None: the worker's default)
    cache_dir: Path | None  # matrices (None: the worker's default)
    time_limit: float = 30.0
    seed: int = 0
    iterations: int | None = None
    engine: str = "auto"
    maps: bool = True
    calendar: bool = True
    previous_key: str | None = None  # the key of the plan already written, if any

    def settings(self) -> dict:
        """What, besides the county's files, makes the plan what it is."""
        return {
            "tool": __version__,
            "date": self.date,
            "time_limit": self.time_limit,
            "seed": self.seed,
            "iterations": self.iterations,
            "engine": self.engine,
            "maps": self.maps,
            "calendar": self.calendar,
        }


@dataclass(frozen=True)
class CountyResult:
    county: CountyRef
    status: str  # planned | unchanged | failed
    key: str | None = None  # the inputs key the plan was made from
    figures: dict = field(default_factory=dict)  # orders, vehicles, km, cost... (planned)
    files: dict[str, bytes] = field(default_factory=dict, repr=False)  # to write (planned)
    error: str = ""  # why it failed
    seconds: dict = field(default_factory=dict)  # build, load, solve, files, wall
    worker: str = ""  # host:pid of the process that ran it


def inputs_key(folder: Path, settings: dict) -> str:
    """sha256 over the settings and every file of the county's folder (its points, fleet,
    roads, demand, calendars and orders of every day: a calendar carries earlier days' orders
    into today): the same key means the same plan."""
    h = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if any(part.startswith(".") for part in rel.split("/")):
            continue  # locks and temporaries of writers
        h.update(rel.encode() + b"\0")
        with open(path, "rb") as fh:
            h.update(hashlib.file_digest(fh, "sha256").digest())
    return h.hexdigest()


def _county_dir(task: CountyTask, progress) -> tuple[Path, float]:
    """The county's folder, built from the division data first if there is none; and the
    seconds the build took."""
    from ..datasets.build import build_county
    from ..inputs.county import find_county_dir
    from ..inputs.locations import data_home, raw_division_dir

    try:
        return find_county_dir(task.county.adcode, task.data_dir), 0.0
    except InputError:
        pass
    raw = task.raw_dir or raw_division_dir()  # the worker's own copy of the bundled data
    listing = raw / "adcode" / f"{task.county.adcode}.csv"
    if not listing.is_file():
        raise InputError(
            Fault(
                str(listing),
                "not found: the county has no dataset and no division data to build one from "
                "(the bundled division data covers Wugong, its neighbours and Longnan; give "
                "--raw the full Vonng/adcode data)",
            )
        )
    t = time.perf_counter()
    report = build_county(task.county.adcode, raw, data_home(task.data_dir), 1, progress)
    return report.dir, time.perf_counter() - t


def run_county(task: CountyTask) -> CountyResult:
    """The county's result: planned (with its files), unchanged, or failed with its error."""
    worker = f"{socket.gethostname()}:{os.getpid()}"
    t0 = time.perf_counter()
    seconds: dict[str, float] = {}
    try:
        folder, seconds["build_s"] = _county_dir(task, lambda m: None)
        key = inputs_key(folder, task.settings())
        if key == task.previous_key:
            seconds["wall_s"] = time.perf_counter() - t0
            return CountyResult(task.county, UNCHANGED, key, seconds=seconds, worker=worker)
        figures, files = _plan(task, folder, seconds)
    except RouteError as exc:
        return _failed(task, str(exc), seconds, t0, worker)
    except Exception as exc:  # a bug in one county must not stop the region
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        where = f" at {Path(frame.filename).name}:{frame.lineno}"
        return _failed(task, f"unexpected {type(exc).__name__}{where}: {exc}", seconds, t0, worker)
    seconds["wall_s"] = time.perf_counter() - t0
    return CountyResult(task.county, PLANNED, key, figures, files, seconds=seconds, worker=worker)


def _failed(task: CountyTask, error: str, seconds: dict, t0: float, worker: str) -> CountyResult:
    seconds["wall_s"] = time.perf_counter() - t0
    return CountyResult(task.county, FAILED, error=error, seconds=seconds, worker=worker)


def _plan(task: CountyTask, folder: Path, seconds: dict) -> tuple[dict, dict[str, bytes]]:
    from ..exports.plan_outputs import plan_files, road_views
    from ..model.params import SolveParams
    from ..pipeline import load_day, solve_day

    t = time.perf_counter()
    day = load_day(str(folder), task.date, None, task.cache_dir, calendar=task.calendar)
    seconds["load_s"] = time.perf_counter() - t
    params = SolveParams(
        time_limit=task.time_limit,
        seed=task.seed,
        iterations=task.iterations,
        engine=task.engine,
        workers=1,  # the executor runs counties side by side, one core each
    )
    plan = solve_day(day, params)
    seconds["solve_s"] = plan.stats["timings"]["solve_s"]
    t = time.perf_counter()
    views = road_views(plan, day)  # the road paths once, for the map, sheets and overview
    plan, files = plan_files(plan, day, task.maps, views=views)
    files["overview.geojson"] = overview_geojson(plan, day, views[0])
    seconds["files_s"] = time.perf_counter() - t
    s = plan.summary()
    figures = {
        "orders": len(day.all_orders),
        "served": s["orders_served"],
        "unserved": s["orders_unserved"],
        "deferred": s.get("orders_deferred", 0),
        "vehicles": s["vehicles_used"],
        "fleet": len(day.problem.vehicles),
        "km": s["distance_km"],
        "hours": s["hours"],
        "cost_yuan": s["cost_yuan"],
        "standing_yuan": plan.standing_cost_yuan,
        "engine": plan.engine,
    }
    return figures, files


def overview_geojson(plan, day, routes) -> bytes:
    """The county's boundary and its routes along the roads (`plan_outputs.road_views`),
    simplified for a region map."""
    from shapely.geometry import LineString, mapping

    features = [
        {
            "type": "Feature",
            "properties": {"county": plan.county, "kind": "boundary"},
            "geometry": mapping(day.county.boundary.simplify(SIMPLIFY_DEG)),
        }
    ]
    for r in routes:
        if len(r.line) < 2:
            continue
        line = LineString(r.line).simplify(SIMPLIFY_DEG)
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "county": plan.county,
                    "kind": "route",
                    "vehicle": r.vehicle,
                    "colour": r.colour,
                    "km": round(r.km, 1),
                },
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[round(x, 5), round(y, 5)] for x, y in line.coords],
                },
            }
        )
    doc = {"type": "FeatureCollection", "features": features}
    return (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
