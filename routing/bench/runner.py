"""`route bench`: solve benchmark instances through the product's own path (problem -> portfolio
-> plan -> validator) and compare with best-known solutions."""

from __future__ import annotations

import csv
import io
import statistics
import time
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import Fault, InputError
from ..model.params import SolveParams, silent
from ..plans.document import Plan
from ..plans.validate import validate
from ..solve.solver import solve_problem
from .readers import read_instance, to_problem

SUFFIXES = (".vrp", ".txt", ".vrpspd")
WALL_MARGIN_S = 0.25  # measured: forking the workers, building and validating the plan


@dataclass(frozen=True)
class BenchResult:
    instance: str
    cost: float  # objective under the family's distance convention
    vehicles: int
    feasible: bool  # validated, and every customer served
    seconds: float
    routes: list[list[int]]  # node ids as written in the instance file, depot excluded
    engine: str

    def to_dict(self) -> dict:
        return {
            "instance": self.instance,
            "cost": round(self.cost, 4),
            "vehicles": self.vehicles,
            "feasible": self.feasible,
            "seconds": round(self.seconds, 2),
            "routes": self.routes,
            "engine": self.engine,
        }


def solve_instance(path: Path, params: SolveParams) -> BenchResult:
    """Solve one instance file; `params.time_limit` is wall time for the whole call."""
    t0 = time.perf_counter()
    inst = read_instance(path)
    problem = to_problem(inst)
    # leave room for building and checking the plan
    remaining = max(0.1, params.time_limit - (time.perf_counter() - t0) - WALL_MARGIN_S)
    solved = solve_problem(problem, replace(params, time_limit=remaining, progress=silent))
    time_limit, seed, iterations = params.time_limit, params.seed, params.iterations
    plan = Plan(
        county=inst.name,
        adcode="",
        date=problem.date,
        engine=solved.engine,
        seed=seed,
        time_limit_s=time_limit,
        iterations=iterations,
        inputs={},
        routes=solved.routes,
        unserved=solved.unserved,
    )
    ok = not validate(plan, problem) and not solved.unserved
    position = {pid: k for k, pid in enumerate(inst.ids)}
    routes = [[position[s.point] for s in r.stops] for r in solved.routes]
    return BenchResult(
        instance=inst.name,
        cost=inst.cost(routes),
        vehicles=len(routes),
        feasible=ok,
        seconds=time.perf_counter() - t0,
        routes=[[int(inst.ids[k]) for k in r] for r in routes],
        engine=solved.engine,
    )


def read_bks(path: Path) -> dict[str, float]:
    """instance -> best-known distance, from a CSV with columns instance and distance."""
    try:
        with path.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        return {r["instance"]: float(r["distance"]) for r in rows}
    except FileNotFoundError:
        raise InputError(Fault(str(path), "file not found")) from None
    except (KeyError, ValueError):
        raise InputError(
            Fault(str(path), "needs columns 'instance' and 'distance' (a number)")
        ) from None


def instance_files(directory: Path) -> list[Path]:
    files = sorted(p for p in Path(directory).iterdir() if p.suffix in SUFFIXES and p.is_file())
    if not files:
        raise InputError(Fault(str(directory), f"no instance files ({', '.join(SUFFIXES)})"))
    return files


def gap(cost: float, bks: float) -> float:
    """Percent above the best-known solution."""
    return 100.0 * (cost - bks) / bks


def run(directory: Path, bks_file: Path, params: SolveParams) -> tuple[list[dict], dict]:
    """Every instance of `directory` that has a best-known solution; rows and a summary."""
    bks = read_bks(bks_file)
    files = [f for f in instance_files(directory) if f.stem in bks]
    if not files:
        raise InputError(Fault(str(bks_file), f"no instance of {directory} has a row here"))
    rows = []
    for k, f in enumerate(files, start=1):
        r = solve_instance(f, params)
        row = {
            **r.to_dict(),
            "bks": bks[f.stem],
            # + 0.0 turns the -0.0 of a cost equal to the BKS into 0.0
            "gap_pct": round(gap(r.cost, bks[f.stem]), 3) + 0.0 if r.feasible else None,
        }
        del row["routes"]
        rows.append(row)
        params.progress(
            f"[{k}/{len(files)}] {r.instance}: {r.cost:.2f} (BKS {row['bks']}) gap "
            f"{row['gap_pct'] if r.feasible else 'INFEASIBLE'} % in {r.seconds:.1f} s"
        )
    return rows, summarize(rows)


def summarize(rows: list[dict]) -> dict:
    gaps = [r["gap_pct"] for r in rows if r["gap_pct"] is not None]
    return {
        "instances": len(rows),
        "feasible": len(gaps),
        "infeasible": len(rows) - len(gaps),
        "mean_gap_pct": round(statistics.fmean(gaps), 3) if gaps else None,
        "median_gap_pct": round(statistics.median(gaps), 3) if gaps else None,
        "max_gap_pct": round(max(gaps), 3) if gaps else None,
    }


def rows_csv(rows: list[dict]) -> str:
    """Per-instance results as CSV text (`route bench run --out`)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()
