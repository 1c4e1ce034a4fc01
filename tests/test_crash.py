"""Crash safety: real `route` processes killed with SIGKILL in the middle of their work.

After each kill the previous outputs and data must be intact (or, past the final swap, the new
ones complete), no process of the command may remain, and the next run must succeed and leave
no temporary behind. Kills at exact steps use $ROUTE_CRASH_AT (`routing.atomic.crash_point`);
the kill during the search is a plain kill -9 from outside.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import WUGONG

DATE = "2026-11-29"
ROUTE = [sys.executable, "-m", "cli"]
PLAN = ["plan", "--date", DATE, "--iterations", "20", "--time-limit", "600", "--no-maps"]


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` (hidden ones too) and its sha256."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def leftovers(folder: Path) -> list[str]:
    """Temporaries of writers: staged folders, half swaps, temporary files."""
    return sorted(
        str(p.relative_to(folder))
        for p in folder.rglob(".*")
        if p.name.endswith((".tmp", ".staging", ".old"))
    )


def route(args: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*ROUTE, *args], capture_output=True, text=True, env={**os.environ, **(env or {})},
        timeout=600,
    )  # fmt: skip


def group(pgid: int) -> list[int]:
    """Live processes (not zombies) of a process group."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            out.append(int(stat.parent.name))
    return out


def gone(pgid: int, within_s: float = 10.0) -> bool:
    deadline = time.monotonic() + within_s
    while group(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not group(pgid)


@pytest.fixture
def data(tmp_path) -> Path:
    shutil.copytree(WUGONG, tmp_path / "data" / "wugong", ignore=shutil.ignore_patterns("orders"))
    return tmp_path / "data"


def test_plan_killed_during_the_search(data, tmp_path):
    out = tmp_path / "plans" / "today"
    assert route([*PLAN, "--data-dir", str(data), "--out", str(out)]).returncode == 0
    before = snapshot(out)
    args = ["plan", "--date", DATE, "--time-limit", "120", "--no-maps", "--data-dir", str(data)]
    proc = subprocess.Popen(
        [*ROUTE, *args, "--out", str(out)],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, start_new_session=True,
    )  # fmt: skip
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("search ") or "first solution" in line:
            break  # the workers are searching
    time.sleep(1.0)
    assert len(group(proc.pid)) >= 2, "the search runs in worker processes"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert gone(proc.pid), f"processes outlived the plan: {group(proc.pid)}"
    assert snapshot(out) == before
    assert leftovers(tmp_path) == []
    again = route([*PLAN, "--data-dir", str(data), "--out", str(out)])
    assert again.returncode == 0, again.stderr
    assert route(["check", str(out / "plan.json")]).returncode == 0


def test_plan_killed_while_writing(data, tmp_path):
    """Killed at each step of writing: the folder holds the previous plan, or, once the new one
    is swapped in, the new one complete; never a mix."""
    out = tmp_path / "plans" / "today"
    run = [*PLAN, "--data-dir", str(data), "--out", str(out)]
    assert route(run).returncode == 0
    before = snapshot(out)
    for point, lands in (
        ("write:orders.csv", False),  # the first file staged
        ("write:routes.csv", False),  # halfway through the staged files
        ("staged:today", False),  # everything staged, not yet swapped in
        ("swapped:today", True),  # swapped in, the old folder not yet removed
    ):
        killed = route([*run, "--seed", "7"], {"ROUTE_CRASH_AT": point})
        assert killed.returncode == -signal.SIGKILL, (point, killed.stderr)
        if lands:  # the new plan, complete: it checks against the files it names
            assert snapshot(out) != before, point
            assert route(["check", str(out / "plan.json")]).returncode == 0, point
        else:
            assert snapshot(out) == before, point
    again = route(run)
    assert again.returncode == 0, again.stderr
    assert leftovers(tmp_path) == []
    assert snapshot(out).keys() == before.keys()


ORDERS = """order_id,date,courier,point_id,kind,destination,goods,parcels,kg,litres,earliest,latest,cold_chain,priority
a1,2026-12-01,ZTO,610431001201,delivery,,parcels,2,3.5,10,08:00,18:00,false,1
b1,2026-12-02,ZTO,610431001201,delivery,,parcels,2,3.5,10,08:00,18:00,false,1
c1,2026-12-03,ZTO,610431001201,delivery,,parcels,2,3.5,10,08:00,18:00,false,1
"""  # noqa: E501


@pytest.mark.parametrize("point", ["write:2026-12-02.csv", "staged:wugong"])
def test_orders_import_killed_stores_no_date_or_all(data, tmp_path, point):
    first = tmp_path / "first.csv"
    first.write_text(ORDERS.replace("3.5", "1.5"), encoding="utf-8")
    assert route(["orders", "import", str(first), "--data-dir", str(data)]).returncode == 0
    before = snapshot(data / "wugong")
    second = tmp_path / "second.csv"
    second.write_text(ORDERS, encoding="utf-8")
    killed = route(
        ["orders", "import", str(second), "--data-dir", str(data)], {"ROUTE_CRASH_AT": point}
    )
    assert killed.returncode == -signal.SIGKILL
    assert snapshot(data / "wugong") == before  # every date old, none new
    again = route(["orders", "import", str(second), "--data-dir", str(data)])
    assert again.returncode == 0, again.stderr
    assert leftovers(tmp_path) == []
    stored = sorted(p.name for p in (data / "wugong" / "orders").iterdir())
    assert stored == ["2026-12-01.csv", "2026-12-02.csv", "2026-12-03.csv"]
    assert all(",3.5," in (data / "wugong" / "orders" / n).read_text() for n in stored)


def test_data_build_killed_leaves_the_county_as_it_was(data, tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text(ORDERS, encoding="utf-8")
    assert route(["orders", "import", str(orders), "--data-dir", str(data)]).returncode == 0
    before = snapshot(data / "wugong")
    build = ["data", "build", "wugong", "--seed", "2", "--data-dir", str(data)]
    for point in ("write:points.csv", "staged:wugong"):  # mid-way; everything staged
        killed = route(build, {"ROUTE_CRASH_AT": point})
        assert killed.returncode == -signal.SIGKILL, point
        assert snapshot(data / "wugong") == before, point
    day = [*PLAN[3:], "--date", "2026-12-01", "--out", str(tmp_path / "p")]
    plan = route(["plan", *day, "--data-dir", str(data)])
    assert plan.returncode == 0, plan.stderr  # the old dataset still plans
    again = route(build)
    assert again.returncode == 0, again.stderr
    assert leftovers(tmp_path) == []
    rebuilt = snapshot(data / "wugong")
    assert rebuilt["points.csv"] != before["points.csv"]  # seed 2 placed the villages anew
    assert {k: v for k, v in rebuilt.items() if k.startswith("orders")} == {
        k: v for k, v in before.items() if k.startswith("orders")
    }  # a rebuild keeps the county's orders


def test_a_folder_named_dot_is_replaced_in_place(tmp_path, monkeypatch):
    """`route plan --out .`: the staging folder and the lock go beside the current folder."""
    from routing.atomic import replacing_dir, write_atomic

    here = tmp_path / "today"
    here.mkdir()
    (here / "old.txt").write_text("old")
    monkeypatch.chdir(here)
    with replacing_dir(Path(".")) as staging:
        write_atomic(staging / "plan.json", "{}")
    assert sorted(p.name for p in here.iterdir()) == ["plan.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".today.lock", "today"]
