"""Region runs: every county of a region planned side by side, whichever executor runs them.

The test region, 测试市 (990000), is three copies of Wugong under their own adcodes (so each
gets its own demo orders), planned with an iteration budget; a fourth county, in the partial
failure tests, has a broken fleet file, and a fifth has no data at all.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from routing.datasets.region_index import (
    COLUMNS,
    county_folder,
    divisions,
    index_rows,
    index_text,
)
from routing.inputs.locations import raw_division_dir
from routing.regions.county_run import FAILED, PLANNED, UNCHANGED, CountyTask
from routing.regions.region import resolve_region
from routing.regions.run import RECORD, run_region

from .conftest import REPO, WUGONG, reseal

DATE = "2026-11-29"
BROKEN = Path(__file__).parent / "data" / "broken"
COUNTIES = {"990001": "甲县", "990002": "乙县", "990003": "丙县"}
SHARED_RAW = REPO.parent / "shared" / "data" / "raw" / "vonng_adcode"


def _copy(home: Path, adcode: str, name: str, folder: str) -> Path:
    dest = home / folder
    shutil.copytree(WUGONG, dest, ignore=shutil.ignore_patterns("orders"))
    meta = json.loads((dest / "county.json").read_text(encoding="utf-8"))
    meta.update(adcode=adcode, name=name, slug=folder)
    (dest / "county.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    reseal(dest)
    return dest


def _home(tmp: Path, extra: dict[str, str] | None = None) -> Path:
    """A data home with the test region's index and its counties built (`extra`: more
    counties in the index, not built)."""
    home = tmp / "home"
    counties = {**COUNTIES, **(extra or {})}
    lines = [",".join(COLUMNS), "990000,测试市,prefecture,"]
    lines += [f"{code},{name},county,990000" for code, name in counties.items()]
    home.mkdir(parents=True)
    (home / "regions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for code, name in COUNTIES.items():
        _copy(home, code, name, county_folder(code, name))
    return home


def _task(home: Path, **kw) -> CountyTask:
    region = resolve_region("990000", home)
    base = CountyTask(region.counties[0], DATE, None, home, None, 600.0, 0, 20)
    return replace(base, maps=False, **kw)


def _plans(out: Path, rows) -> dict[str, dict]:
    """Each county's plan as it matters: routes, unserved and summary (not the timings)."""
    out_docs = {}
    for r in rows:
        doc = json.loads((out / r["folder"] / "plan.json").read_text(encoding="utf-8"))
        out_docs[r["adcode"]] = {k: doc[k] for k in ("routes", "unserved", "summary")}
    return out_docs


def _figures(rows) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in ("seconds", "worker")} for r in rows]


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return _home(tmp_path_factory.mktemp("region"))


@pytest.fixture(scope="module")
def inline(home, tmp_path_factory):
    out = tmp_path_factory.mktemp("inline") / "out"
    run = run_region(resolve_region("990000", home), _task(home), out, workers=1)
    return out, run


def test_the_region_is_every_county_of_the_index_under_it(home):
    region = resolve_region("测试市", home)
    assert [c.adcode for c in region.counties] == list(COUNTIES)
    longnan = resolve_region("longnan")
    assert longnan.adcode == "621200" and len(longnan.counties) == 9
    assert {c.folder for c in longnan.counties} >= {"lixian", "wudu", "liangdang"}
    assert resolve_region("shaanxi").slug == "shaanxi"
    assert len(resolve_region("620000").counties) == 87


def test_counties_sharing_a_name_get_folders_of_their_own():
    folders = {c.adcode: c.folder for c in resolve_region("linxia").counties}
    assert folders["622901"] == "linxia-622901" and folders["622921"] == "linxia-622921"
    shaanxi = resolve_region("shaanxi").counties
    assert len({c.folder for c in shaanxi}) == len(shaanxi)


def test_an_unknown_region_is_named_with_the_known_ones():
    result = CliRunner().invoke(main, ["plan", "--date", DATE, "--region", "atlantis"])
    assert result.exit_code == 3
    assert "no province or prefecture 'atlantis'" in result.output
    assert "longnan (621200)" in result.output


@pytest.mark.skipif(not SHARED_RAW.is_dir(), reason="the shared division data is not here")
def test_the_bundled_index_is_the_shared_data_s():
    assert (REPO / "data" / "regions.csv").read_text(encoding="utf-8") == index_text(
        index_rows(SHARED_RAW)
    )


def test_a_data_home_index_adds_its_regions(home):
    assert {d.adcode for d in divisions(home)} >= {"990000", "621200", *COUNTIES}


def test_every_county_is_planned_into_its_own_folder_with_a_summary(inline, home):
    out, run = inline
    assert [r["status"] for r in run.rows] == [PLANNED] * 3
    for r in run.rows:
        folder = out / r["folder"]
        doc = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
        assert doc["adcode"] == r["adcode"]
        assert r["orders"] == doc["summary"]["orders_served"] + len(doc["unserved"])
        assert (r["vehicles"], r["km"], r["cost_yuan"]) == (
            doc["summary"]["vehicles_used"],
            doc["summary"]["distance_km"],
            doc["summary"]["cost_yuan"],
        )
        assert r["unserved"] == len(doc["unserved"])
        assert (folder / "routes.csv").is_file() and (folder / "overview.geojson").is_file()
    # each copy has its own demo orders: the counties are not one plan three times
    assert len({r["cost_yuan"] for r in run.rows}) == 3
    region = json.loads((out / "region.json").read_text(encoding="utf-8"))
    assert region["totals"]["cost_yuan"] == round(sum(r["cost_yuan"] for r in run.rows), 2)
    assert region["totals"]["orders"] == sum(r["orders"] for r in run.rows)
    summary = (out / "summary.txt").read_text(encoding="utf-8")
    assert all(name in summary for name in COUNTIES.values()) and "total" in summary
    assert (out / "overview.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    routes = json.loads((out / "routes.geojson").read_text(encoding="utf-8"))
    per_county = {
        f["properties"]["county"] for f in routes["features"] if f["properties"]["kind"] == "route"
    }
    assert per_county == {r["folder"] for r in run.rows}


def test_local_processes_give_the_results_of_one_process(inline, home, tmp_path):
    out, run = inline
    twice = run_region(resolve_region("990000", home), _task(home), tmp_path / "out", workers=2)
    assert _figures(twice.rows) == _figures(run.rows)
    assert _plans(tmp_path / "out", twice.rows) == _plans(out, run.rows)


def test_a_local_dask_cluster_gives_the_same_results(inline, home, tmp_path):
    distributed = pytest.importorskip("distributed")
    out, run = inline
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        on_dask = run_region(
            resolve_region("990000", home),
            _task(home),
            tmp_path / "out",
            scheduler=cluster.scheduler_address,
        )
    assert _figures(on_dask.rows) == _figures(run.rows)
    assert _plans(tmp_path / "out", on_dask.rows) == _plans(out, run.rows)


def test_a_killed_worker_s_county_is_planned_elsewhere(inline, home, tmp_path):
    """A real local cluster; one worker process is killed while it plans a county. The
    scheduler gives that county to another worker, and no county is lost."""
    distributed = pytest.importorskip("distributed")
    out, run = inline
    done: dict = {}
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        scheduler = cluster.scheduler

        def region_run() -> None:
            done["run"] = run_region(
                resolve_region("990000", home),
                _task(home),
                tmp_path / "out",
                scheduler=cluster.scheduler_address,
            )

        thread = threading.Thread(target=region_run)
        thread.start()
        killed_pid, victims = None, set()
        deadline = time.monotonic() + 120
        while killed_pid is None and time.monotonic() < deadline and thread.is_alive():
            busy = [
                ts for ts in scheduler.tasks.values()
                if ts.state == "processing" and ts.key and "run_county" in str(ts.key)
            ]  # fmt: skip
            if busy:
                time.sleep(1.0)  # well into the county (a plan here takes several seconds)
                address = busy[0].processing_on.address
                victims = {
                    str(ts.key) for ts in busy if ts.processing_on and ts.processing_on.address
                    == address and ts.state == "processing"
                }  # fmt: skip
                nanny = next(n for n in cluster.workers.values() if n.worker_address == address)
                killed_pid = nanny.process.process.pid
                os.kill(killed_pid, signal.SIGKILL)
            time.sleep(0.05)
        thread.join(timeout=300)
    assert killed_pid is not None and victims, "no county was seen running to kill its worker"
    result = done["run"]
    assert [r["status"] for r in result.rows] == [PLANNED] * 3
    assert all(not r["worker"].endswith(f":{killed_pid}") for r in result.rows)
    assert _figures(result.rows) == _figures(run.rows)
    assert _plans(tmp_path / "out", result.rows) == _plans(out, run.rows)


def test_a_failing_county_is_reported_while_the_rest_complete(tmp_path):
    home = _home(tmp_path, extra={"990004": "丁县", "990005": "戊县"})
    broken = _copy(home, "990004", "丁县", "dingxian")
    shutil.copy(BROKEN / "fleet_driver_day_text.csv", broken / "fleet.csv")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            *("plan", "--date", DATE, "--region", "990000", "--iterations", "20", "--no-maps"),
            *("--time-limit", "600", "--workers", "2", "--data-dir", str(home), "--out", str(out)),
        ],
    )
    assert result.exit_code == 7, result.output
    assert "2 of 5 counties failed: 丁县 (990004), 戊县 (990005)" in result.output
    region = json.loads((out / "region.json").read_text(encoding="utf-8"))
    status = {r["adcode"]: r["status"] for r in region["counties"]}
    assert status == {**dict.fromkeys(COUNTIES, PLANNED), "990004": FAILED, "990005": FAILED}
    errors = {r["adcode"]: r["error"] for r in region["counties"] if r["error"]}
    assert errors["990004"] == (
        f"{broken / 'fleet.csv'}, row 3, field 'driver_day_yuan': '215 yuan' is not a number"
    )
    assert errors["990005"].startswith(
        f"{raw_division_dir() / 'adcode' / '990005.csv'}: not found: the county has no dataset"
    )
    summary = (out / "summary.txt").read_text(encoding="utf-8")
    assert f"FAILED 丁县 (990004): {errors['990004']}" in summary
    assert "3 planned, 0 unchanged (inputs as before), 2 failed" in summary
    assert (out / "dingxian" / "error.txt").read_text(encoding="utf-8").strip() == errors["990004"]
    assert not (out / "dingxian" / "plan.json").exists()
    assert region["totals"]["orders"] == sum(
        r["orders"] for r in region["counties"] if r["status"] == PLANNED
    )


def test_reruns_plan_only_the_counties_whose_inputs_changed(tmp_path):
    home = _home(tmp_path)
    region = resolve_region("990000", home)
    out = tmp_path / "out"
    first = run_region(region, _task(home), out, workers=1)
    written = {r["folder"]: (out / r["folder"] / "plan.json").stat().st_ino for r in first.rows}

    again = run_region(region, _task(home), out, workers=1)
    assert [r["status"] for r in again.rows] == [UNCHANGED] * 3
    assert _figures(again.rows) == [{**r, "status": UNCHANGED} for r in _figures(first.rows)]
    assert {r["folder"]: (out / r["folder"] / "plan.json").stat().st_ino for r in again.rows} == (
        written
    )

    # one county gets an orders file for the day; another's plan is edited by hand
    a, b, c = (r["folder"] for r in first.rows)
    (home / a / "orders").mkdir()
    shutil.copy(out / a / "orders.csv", home / a / "orders" / f"{DATE}.csv")
    (out / b / "plan.json").write_text("{}", encoding="utf-8")
    third = run_region(region, _task(home), out, workers=1)
    assert [r["status"] for r in third.rows] == [PLANNED, PLANNED, UNCHANGED]
    assert json.loads((out / b / "plan.json").read_text(encoding="utf-8"))["routes"]

    # other settings are other inputs; --force plans everything
    assert {r["status"] for r in run_region(region, _task(home, seed=1), out).rows} == {PLANNED}
    forced = run_region(region, _task(home, seed=1), out, workers=1, force=True)
    assert [r["status"] for r in forced.rows] == [PLANNED] * 3
    record = json.loads((out / c / RECORD).read_text(encoding="utf-8"))
    assert record["settings"]["seed"] == 1 and record["status"] == PLANNED


@pytest.mark.parametrize(
    ("fixture", "faults"),
    [
        (
            "regions_bad_rows.csv",
            [
                (3, "level", "must be one of province, prefecture, county"),
                (4, "adcode", "must be six digits"),
            ],
        ),
        (
            "regions_wrong_columns.csv",
            [(1, None, "the columns must be adcode, name, level, parent")],
        ),
    ],
)
def test_a_broken_region_index_names_its_rows(tmp_path, fixture, faults):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(BROKEN / fixture, home / "regions.csv")
    result = CliRunner().invoke(
        main, ["plan", "--date", DATE, "--region", "990000", "--data-dir", str(home)]
    )
    assert result.exit_code == 3
    for row, field, message in faults:
        where = f"{(home / 'regions.csv').resolve()}, row {row}"
        assert (f"{where}, field '{field}'" if field else where) + f": {message}" in result.output
    assert not (home / "plans").exists()
