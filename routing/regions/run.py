"""A region's day: every county planned side by side, each into its own folder, then the
region summary.

    <out>/<county folder>/   plan.json, routes.csv, map.html, sheets.pdf, (orders.csv),
                             overview.geojson and county-run.json; or error.txt and
                             county-run.json for a county that failed
    <out>/summary.txt, summary.csv, region.json, routes.geojson, overview.png

Reruns are incremental: a county whose inputs key (its files and the settings, see
`county_run.inputs_key`) matches the one recorded beside its plan is not planned again, and
its figures are taken from the record. Each county folder is swapped in whole as its result
arrives, so a run that is cut off keeps what it finished and the next run goes on from there.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from ..atomic import replacing_dir, write_atomic
from ..errors import RouteError
from ..executors import run_tasks
from .county_run import FAILED, PLANNED, UNCHANGED, CountyResult, CountyTask, run_county
from .region import Region
from .summary import overview_png, region_doc, routes_geojson, summary_csv, summary_text

RECORD = "county-run.json"
ERROR_FILE = "error.txt"


@dataclass(frozen=True)
class RegionRun:
    region: Region
    date: str
    rows: tuple[dict, ...]  # one per county, in the region's order
    wall_s: float
    out_dir: Path

    @property
    def failed(self) -> tuple[dict, ...]:
        return tuple(r for r in self.rows if r["status"] == FAILED)


class RegionIncomplete(RouteError):
    """Some counties failed; the others were planned and the summary names each failure."""

    exit_code = 7

    def __init__(self, run: RegionRun):
        names = ", ".join(f"{r['county']} ({r['adcode']})" for r in run.failed)
        super().__init__(
            f"{len(run.failed)} of {len(run.rows)} counties failed: {names}; their errors are "
            f"in {run.out_dir / 'summary.txt'}"
        )


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_record(folder: Path) -> dict | None:
    """A county folder's record, if it is there, readable and every file it lists is still
    as it was written (a plan someone edited or removed is planned again)."""
    try:
        record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
        for name, digest in record.get("files", {}).items():
            if _sha((folder / name).read_bytes()) != digest:
                return None
    except (OSError, ValueError, AttributeError):
        return None
    return record if isinstance(record, dict) else None


def _lost(task: CountyTask, exc: BaseException) -> CountyResult:
    why = f"{type(exc).__name__}: {exc}".strip()
    return CountyResult(task.county, FAILED, error=f"the process planning it was lost ({why})")


def _write_county(out_dir: Path, res: CountyResult, task: CountyTask) -> dict:
    """Swap the county's folder in whole; its record, as written."""
    files = dict(res.files) if res.status == PLANNED else {ERROR_FILE: (res.error + "\n").encode()}
    record = {
        "adcode": res.county.adcode,
        "name": res.county.name,
        "status": res.status,
        "key": res.key,
        "settings": task.settings(),
        "figures": res.figures,
        "error": res.error,
        "seconds": {k: round(v, 2) for k, v in res.seconds.items()},
        "worker": res.worker,
        "files": {name: _sha(data) for name, data in sorted(files.items())},
    }
    with replacing_dir(out_dir / res.county.folder) as stage:
        for name, data in files.items():
            write_atomic(stage / name, data)
        write_atomic(stage / RECORD, json.dumps(record, ensure_ascii=False, indent=1) + "\n")
    return record


def _row(res: CountyResult, record: dict | None) -> dict:
    """The county's line of the summary; an unchanged county's figures are its record's."""
    figures = res.figures if res.status != UNCHANGED or record is None else record["figures"]
    return {
        "adcode": res.county.adcode,
        "county": res.county.name,
        "folder": res.county.folder,
        "status": res.status,
        **figures,
        "error": res.error,
        "seconds": round(res.seconds.get("wall_s", 0.0), 1),
        "worker": res.worker,
    }


def run_region(
    region: Region,
    task: CountyTask,
    out_dir: Path,
    workers: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
    progress: Callable[[str], None] = lambda m: None,
) -> RegionRun:
    """Plan every county of `region` with the settings of `task` (its county is ignored):
    in `workers` local processes, or on the Dask cluster at `scheduler`; `force` plans
    counties whose inputs have not changed too."""
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    previous = {
        c.folder: None if force else read_record(out_dir / c.folder) for c in region.counties
    }
    # a failed county's record has no key: it is always tried again
    tasks = [
        replace(task, county=c, previous_key=(previous[c.folder] or {}).get("key"))
        for c in region.counties
    ]
    rows: list[dict | None] = [None] * len(tasks)
    where = scheduler or f"{workers or 'all'} local cores"
    progress(f"{region.name} ({region.adcode}): {len(tasks)} counties on {where} ...")
    for done, (k, res) in enumerate(run_tasks(run_county, tasks, workers, scheduler, _lost), 1):
        record = previous[res.county.folder] if res.status == UNCHANGED else None
        if res.status != UNCHANGED:
            _write_county(out_dir, res, tasks[k])
        rows[k] = row = _row(res, record)
        progress(f"[{done}/{len(tasks)}] {_line(row)}")
    run = RegionRun(
        region,
        task.date,
        tuple(r for r in rows if r is not None),
        time.perf_counter() - t0,
        out_dir,
    )
    write_summary(run)
    return run


def _line(row: dict) -> str:
    head = f"{row['folder']} {row['county']}: "
    if row["status"] == FAILED:
        return head + "FAILED " + row["error"].splitlines()[0]
    return head + (
        f"{row['status']}, {row['orders']:,} orders, {row['vehicles']} of {row['fleet']} "
        f"vehicles, {row['km']:,.0f} km, {row['cost_yuan']:,.2f} yuan, "
        f"{row['unserved']} unserved ({row['seconds']:.0f} s)"
    )


def write_summary(run: RegionRun) -> None:
    """The region's files, each written atomically, after every county has its result."""
    lines = {}
    for row in run.rows:
        if row["status"] != FAILED:
            path = run.out_dir / row["folder"] / "overview.geojson"
            lines[row["folder"]] = json.loads(path.read_text(encoding="utf-8"))
    write_atomic(run.out_dir / "summary.txt", summary_text(run) + "\n")
    write_atomic(run.out_dir / "summary.csv", summary_csv(run.rows))
    write_atomic(
        run.out_dir / "region.json",
        json.dumps(region_doc(run), ensure_ascii=False, indent=1) + "\n",
    )
    write_atomic(run.out_dir / "routes.geojson", routes_geojson(lines))
    write_atomic(run.out_dir / "overview.png", overview_png(run, lines))
