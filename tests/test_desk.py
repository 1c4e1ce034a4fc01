"""The planner's desk (`route serve`) through its HTTP interface: planning jobs with progress,
moves checked by the validator, locks, undo, exports, uploads, and the guard: tokens, paths
that leave the desk's folders, body limits. The search runs on an iteration budget."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import gpxpy
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from cli import main
from routing.desk import edits
from routing.desk.app import Settings, create_app
from routing.desk.jobs import DayLocks, Jobs
from routing.desk.locks import Locks
from routing.pipeline import check_plan
from routing.plans.document import Plan, Unserved
from routing.plans.reader import read_plan

from .conftest import make_problem, order, point, vehicle

DATE = "2026-11-29"
ITERATIONS = 30


def _app(plans: Path, data: Path, **kw):
    kw.setdefault("allowed_hosts", ("testserver",))
    return create_app(
        Settings(plans_dir=plans, data_dir=data, time_limit=600, iterations=ITERATIONS, **kw)
    )


def _events(client: TestClient, job: str) -> list[tuple[str, dict]]:
    """Every server-sent event of a job, to its end."""
    out, kind = [], None
    with client.stream("GET", f"/api/jobs/{job}/events") as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                out.append((kind, json.loads(line[6:])))
                if kind == "end":
                    break
    return out


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """A desk with Wugong planned for DATE (through the desk's own planning job)."""
    root = tmp_path_factory.mktemp("desk")
    plans, data = root / "plans", root / "home"
    app = _app(plans, data, compare_dir=root / "compare")
    client = TestClient(app, raise_server_exceptions=False)
    job = client.post("/api/plan", json={"county": "wugong", "date": DATE})
    assert job.status_code == 202, job.text
    events = _events(client, job.json()["id"])
    return client, plans, data, events


@pytest.fixture
def fresh(desk, tmp_path):
    """A private copy of the planned day, so a test's edits touch no other test."""
    import shutil

    _, plans, data, _ = desk
    mine = tmp_path / "plans"
    shutil.copytree(plans, mine)
    app = _app(mine, data, compare_dir=tmp_path / "compare")
    return TestClient(app, raise_server_exceptions=False), mine / "wugong" / DATE


def test_planning_job_streams_progress_and_writes_the_plan(desk):
    client, plans, _, events = desk
    statuses = [d["status"] for k, d in events if k == "status"]
    assert statuses[0] == "queued" and statuses[-2:] == ["running", "done"][-2:]
    assert statuses[-1] == "done", events[-3:]
    assert any(k == "progress" and "loading wugong" in d["message"] for k, d in events)
    path = plans / "wugong" / DATE / "plan.json"
    written = json.loads(path.read_text(encoding="utf-8"))
    page = client.get(f"/api/plans/wugong/{DATE}").json()
    assert page["summary"] == written["summary"]
    assert [r["vehicle"] for r in page["routes"]] == [r["vehicle"] for r in written["routes"]]
    for r, w in zip(page["routes"], written["routes"], strict=True):
        assert r["cost_yuan"] == round(w["cost_yuan"], 2)
        assert sum(len(v["stops"]) for v in r["visits"]) == len(w["stops"])
        assert r["line"] and all(len(p) == 2 for p in r["line"])
    assert client.get("/api/counties/wugong/dates").json()["dates"] == [DATE]
    assert check_plan(path).violations == []


def test_two_jobs_on_one_day_queue_behind_each_other():
    """The second job on a county and date waits for the first (no wall clock: events)."""
    started, release = threading.Event(), threading.Event()
    order_seen: list[str] = []

    def planner(county, date, say, improved):
        order_seen.append(f"start {county}")
        started.set()
        release.wait(30)
        order_seen.append(f"end {county}")
        return {"ok": True}

    done = threading.Semaphore(0)
    jobs = Jobs(planner, DayLocks(), lambda job: done.release())
    first = jobs.start("wugong", DATE)
    assert started.wait(30)
    second = jobs.start("wugong", DATE)
    assert second.status == "queued"
    release.set()
    assert done.acquire(timeout=30) and done.acquire(timeout=30)
    assert order_seen == ["start wugong", "end wugong", "start wugong", "end wugong"]
    assert first.status == second.status == "done"
    waits = [e["data"]["message"] for e in second.events if e["event"] == "progress"]
    assert any("waiting for the job already planning this day" in m for m in waits)


def _valid_and_invalid_move(client: TestClient, folder: Path):
    """A move the validator accepts and one it refuses, found with the library."""
    from routing.desk.days import Days

    opened = Days().open(folder / "plan.json")
    fleet = {v.id: v.shift_start for v in opened.file.county.fleet}
    page = client.get(f"/api/plans/wugong/{DATE}").json()
    good = bad = None
    routes = page["routes"]
    for r in routes:
        for v in r["visits"][:3]:
            for t in routes[:4]:
                if t["vehicle"] == r["vehicle"] or v["reload"]:
                    continue
                for pos in (1, len(t["visits"]) + 1):
                    move = (r["vehicle"], v["stop"], t["vehicle"], pos)
                    plan = edits.move_visit(opened.plan, *move, fleet, Locks())
                    ok = edits.judge(opened, plan).ok
                    good = good or (move if ok else None)
                    bad = bad or (None if ok else move)
                if good and bad:
                    return good, bad
    raise AssertionError("no valid move found")


def _post_move(client, move):
    v, s, t, p = move
    return client.post(
        f"/api/plans/wugong/{DATE}/move",
        json={"vehicle": v, "stop": s, "to_vehicle": t, "position": p},
    )


def test_a_valid_move_is_applied_with_its_cost_change_and_can_be_undone(fresh):
    client, folder = fresh
    good, _ = _valid_and_invalid_move(client, folder)
    before = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    r = _post_move(client, good)
    assert r.status_code == 200, r.text
    ans = r.json()
    assert ans["ok"] and ans["applied"] and ans["verdict"] == "OK" and ans["violations"] == []
    after = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    assert ans["cost_before_yuan"] == before["summary"]["cost_yuan"]
    assert ans["cost_after_yuan"] == after["summary"]["cost_yuan"]
    assert ans["cost_change_yuan"] == round(ans["cost_after_yuan"] - ans["cost_before_yuan"], 2)
    assert ans["plan"]["summary"] == after["summary"] and ans["plan"]["undo"] == 1
    moved = [v for r in after["routes"] if r["vehicle"] == good[2] for v in r["stops"]]
    assert len(moved) > len([v for r in before["routes"] if r["vehicle"] == good[2]
                             for v in r["stops"]])  # fmt: skip
    assert check_plan(folder / "plan.json").violations == []
    versions = list((folder / "history").iterdir())
    assert [p.name for p in versions] == ["000001"]
    kept = json.loads((versions[0] / "plan.json").read_text(encoding="utf-8"))
    assert kept["routes"] == before["routes"]
    # the plan's other files were rewritten with it
    assert b"<svg" in (folder / "map.html").read_bytes()
    assert (folder / "sheets.pdf").read_bytes().startswith(b"%PDF")

    undone = client.post(f"/api/plans/wugong/{DATE}/undo", json={})
    assert undone.status_code == 200
    restored = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    assert restored["routes"] == before["routes"] and undone.json()["plan"]["undo"] == 0
    assert client.post(f"/api/plans/wugong/{DATE}/undo", json={}).status_code == 409


def test_an_invalid_move_is_shown_with_its_violations_and_not_applied(fresh):
    client, folder = fresh
    _, bad = _valid_and_invalid_move(client, folder)
    text = (folder / "plan.json").read_text(encoding="utf-8")
    ans = _post_move(client, bad).json()
    assert not ans["ok"] and not ans["applied"] and ans["violations"]
    assert all(v.startswith("[") for v in ans["violations"])  # '[rule] VEHICLE stop N: ...'
    assert ans["verdict"] == f"{len(ans['violations'])} violation(s)"
    assert (folder / "plan.json").read_text(encoding="utf-8") == text
    assert not (folder / "history").exists()


def test_locked_routes_and_stops_cannot_move(fresh):
    client, folder = fresh
    page = client.get(f"/api/plans/wugong/{DATE}").json()
    r0, r1 = page["routes"][0], page["routes"][1]
    ans = client.post(f"/api/plans/wugong/{DATE}/lock", json={"vehicle": r0["vehicle"]}).json()
    assert ans["plan"]["routes"][0]["locked"] and r0["vehicle"] in ans["locks"]["routes"]
    assert json.loads((folder / "locks.json").read_text())["routes"] == [r0["vehicle"]]
    refused = _post_move(client, (r0["vehicle"], r0["visits"][0]["stop"], r1["vehicle"], 1))
    assert refused.status_code == 409 and "locked" in refused.json()["error"]
    into = _post_move(client, (r1["vehicle"], r1["visits"][0]["stop"], r0["vehicle"], 1))
    assert into.status_code == 409 and "locked" in into.json()["error"]
    # a stop of its own
    stop = r1["visits"][1]["stop"]
    ans = client.post(
        f"/api/plans/wugong/{DATE}/lock", json={"vehicle": r1["vehicle"], "stop": stop}
    ).json()
    visit = next(v for v in ans["plan"]["routes"][1]["visits"] if v["stop"] == stop)
    assert visit["locked"] and not ans["plan"]["routes"][1]["locked"]
    assert _post_move(client, (r1["vehicle"], stop, r1["vehicle"], 1)).status_code == 409
    terms = Locks.of(ans["locks"]).replan_terms(read_plan(folder / "plan.json"))
    assert r0["vehicle"] in terms and f"{r1['vehicle']}:{stop}" in terms


def test_reasons_are_restated_after_an_edit(line_problem):
    """An unserved order claimed 'fleet full' that now fits is 'not placed by the search'."""
    from routing.plans.document import Route, Stop

    p = make_problem(
        [point("HUB", 0, 0, tier="hub"), point("A", 1, 0)],
        [vehicle("V1", kg=100)],
        [order("o1", "A", kg=10), order("o2", "A", kg=10)],
    )
    stop = Stop("A", 0, 0, 0, deliver=("o1",))
    plan = Plan(
        county="test", adcode="", date=p.date, engine="x", seed=0, time_limit_s=1,
        iterations=None, inputs={}, routes=(Route("V1", 0, 0, 0, 0.0, 0.0, 0.0, (stop,)),),
        unserved=(Unserved("o2", "fleet full"),),
    )  # fmt: skip
    restated = edits.restate_reasons(plan, p)
    assert restated.unserved[0].reason == "not placed by the search"
    assert restated.unserved[0].detail


def test_exports_of_every_format_download(fresh):
    from routing.exports.files import FORMATS

    client, folder = fresh
    plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    for fmt in FORMATS:
        r = client.get(f"/api/plans/wugong/{DATE}/export/{fmt}")
        assert r.status_code == 200, (fmt, r.text[:300])
        assert f"routes.{fmt}" in r.headers["content-disposition"] and r.content
    gpx = gpxpy.parse(client.get(f"/api/plans/wugong/{DATE}/export/gpx").text)
    assert {t.name for t in gpx.tracks} >= {r["vehicle"] for r in plan["routes"]} or len(
        gpx.tracks
    ) == len(plan["routes"])
    pdf = client.get(f"/api/plans/wugong/{DATE}/sheets.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert client.get(f"/api/plans/wugong/{DATE}/export/exe").status_code == 400


def test_an_orders_upload_is_imported_and_errors_name_the_row(desk, tmp_path):
    client, _, data, _ = desk
    good = "\n".join(
        [
            "order_id,date,courier,point_id,kind,destination,parcels,kg,litres,earliest,latest,"
            "cold_chain,priority,goods",
            "u1,2026-12-01,ZTO,610431104237,delivery,,2,5.0,20,08:00,18:00,0,1,parcels",
        ]
    )
    r = client.post(
        "/api/upload/wugong",
        files={"file": ("orders.csv", good.encode(), "text/csv")},
        data={"date": "2026-12-01"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["stored"] == [{"date": "2026-12-01", "orders": 1}]
    assert (data / "wugong" / "orders" / "2026-12-01.csv").is_file()
    bad = good.replace(",5.0,", ",heavy,")
    r = client.post("/api/upload/wugong", files={"file": ("o.csv", bad.encode(), "text/csv")})
    assert r.status_code == 400
    err = r.json()["error"]
    assert "row 2" in err and "kg" in err and "Traceback" not in err
    r = client.post("/api/upload/wugong", files={"file": ("o.exe", b"x", "text/plain")})
    assert r.status_code == 400


# --- safe by default --------------------------------------------------------------------------
def test_a_host_other_machines_reach_needs_a_token():
    out = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0"])
    assert out.exit_code == 3
    assert "--token" in out.output and "0.0.0.0" in out.output
    out = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--token", "short"])
    assert out.exit_code == 3


def test_with_a_token_every_request_carries_it(tmp_path):
    client = TestClient(_app(tmp_path / "p", tmp_path / "h", token="s3cret-token"))
    assert client.get("/api/config").status_code == 401
    assert client.get("/").status_code == 401
    wrong = {"Authorization": "Bearer nope-nope-nope"}
    assert client.get("/api/config", headers=wrong).status_code == 401
    right = {"Authorization": "Bearer s3cret-token"}
    assert client.get("/api/config", headers=right).status_code == 200
    assert client.get("/?token=wrong-token").status_code == 401
    first = client.get("/?token=s3cret-token")
    assert first.status_code == 200
    cookie = first.headers["set-cookie"]
    assert "HttpOnly" in cookie and "desk_token=s3cret-token" in cookie
    assert client.get("/api/config").status_code == 200  # the cookie now
    assert client.get("/static/app.js").status_code == 200
    other = TestClient(_app(tmp_path / "p", tmp_path / "h", token="s3cret-token"))
    assert other.get("/api/config", params={"token": "s3cret-token"}).status_code == 401


def test_without_a_token_only_requests_to_this_machine_are_answered(tmp_path):
    app = create_app(Settings(plans_dir=tmp_path / "p", data_dir=tmp_path / "h"))
    client = TestClient(app, base_url="http://evil.example")
    assert client.get("/api/config").status_code == 403
    local = TestClient(app, base_url="http://127.0.0.1:8000")
    assert local.get("/api/config").status_code == 200


def test_no_request_leaves_the_desks_folders(fresh, tmp_path):
    client, folder = fresh
    secret = tmp_path / "secret.csv"
    secret.write_text("TOPSECRET", encoding="utf-8")
    plans = folder.parent.parent
    (plans / "compare.csv").symlink_to(secret)
    (plans / "link").symlink_to(tmp_path)
    for url in (
        f"/api/plans/wugong/{DATE}/../../../../etc/passwd",
        "/api/plans/wugong/%2e%2e%2f%2e%2e%2fetc",
        "/api/plans/..%2f..%2fetc/2026-11-29",
        "/api/plans/%2e%2e/2026-11-29",
        "/api/plans/wugong/..%2f..%2f..%2fetc",
        "/api/plans/%2Fetc/2026-11-29",
        "/api/counties/..%2f..%2fetc/roads",
        "/api/counties/%2e%2e/dates",
        "/files/../../etc/passwd",
        "/files/%2e%2e/%2e%2e/etc/passwd",
        "/files/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/files//etc/passwd",
        "/files/plans/compare.csv",  # a symlink pointing out
        "/files/plans/link/secret.csv",
        "/files/compare/../plans/compare.csv",
        "/files/compare/%2e%2e/%2e%2e/etc/passwd",
        "/files/home/wugong/points.csv",  # not a root the desk serves from
        "/api/comparison?file=plans/link/secret.csv",
        "/api/comparison?file=../../etc/passwd",
        "/static/../../../../etc/passwd",
        "/static/%2e%2e/%2e%2e/app.py",
    ):
        r = client.get(url)
        assert r.status_code in (400, 403, 404), (url, r.status_code)
        assert b"TOPSECRET" not in r.content and b"root:" not in r.content, url
    r = client.post("/api/plan", json={"county": "../etc", "date": DATE})
    assert r.status_code == 400
    r = client.post("/api/plan", json={"county": "wugong", "date": "../../x"})
    assert r.status_code == 400
    r = client.post("/api/plan", json={"county": "/etc", "date": DATE})
    assert r.status_code == 400
    # a real comparison file inside is served
    (plans / "cmp").mkdir()
    (plans / "cmp" / "compare.csv").write_text("scenario,cost\n", encoding="utf-8")
    assert client.get("/api/comparisons").json()["files"] == ["plans/cmp/compare.csv"]
    assert client.get("/files/plans/cmp/compare.csv").text == "scenario,cost\n"
    assert client.get(f"/files/plans/wugong/{DATE}/plan.json").status_code == 403


def test_a_comparison_of_route_compare_opens_in_the_page(fresh, tmp_path):
    client, _ = fresh
    out = tmp_path / "compare" / "fleet-25"
    out.mkdir(parents=True)
    (out / "compare.csv").write_text(
        "scenario,date,seed,cost_yuan\nbase,2026-10-08,0,912.5\n25 vans,2026-10-08,0,930.1\n",
        encoding="utf-8",
    )
    (out / "compare.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    files = client.get("/api/comparisons").json()["files"]
    assert files == ["compare/fleet-25/compare.csv", "compare/fleet-25/compare.png"]
    table = client.get("/api/comparison", params={"file": files[0]}).json()
    assert table["header"] == ["scenario", "date", "seed", "cost_yuan"]
    assert table["rows"][1] == ["25 vans", "2026-10-08", "0", "930.1"]
    assert table["chart"] == "compare/fleet-25/compare.png"
    assert client.get("/files/" + table["chart"]).content.startswith(b"\x89PNG")
    png = client.get("/api/comparison", params={"file": files[1]})
    assert png.status_code == 400 and "compare.csv" in png.json()["error"]


def test_store_refuses_symlinked_plan_folders(tmp_path):
    from routing.desk.store import Forbidden, Store

    plans = tmp_path / "plans"
    (plans / "wugong").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, plans / "wugong" / DATE)
    with pytest.raises(Forbidden):
        Store(plans).plan_dir("wugong", DATE)


def test_bodies_and_uploads_are_limited(fresh):
    client, _ = fresh
    big = {"county": "wugong", "date": DATE, "pad": "x" * (1024 * 1024 + 10)}
    r = client.post("/api/plan", json=big)
    assert r.status_code == 413 and "1 MB" in r.json()["error"]
    huge = b"a" * (20 * 1024 * 1024 + 10)
    r = client.post("/api/upload/wugong", files={"file": ("o.csv", huge, "text/csv")})
    assert r.status_code == 413 and "20 MB" in r.json()["error"]


def test_errors_are_json_without_tracebacks(fresh):
    client, _ = fresh
    r = client.post(f"/api/plans/wugong/{DATE}/move", content=b"{not json")
    assert r.status_code == 400 and r.json() == {"error": "input: the request body is not JSON"}
    r = client.post(f"/api/plans/wugong/{DATE}/move", json={"vehicle": "NOPE", "stop": 1,
                                                             "position": 1})  # fmt: skip
    assert r.status_code == 400 and "NOPE" in r.json()["error"]
    r = client.get("/api/plans/wugong/2026-01-01")
    assert r.status_code == 400 and "no plan yet" in r.json()["error"]


def test_add_and_cancel_an_order_through_the_replanning_library(fresh):
    client, folder = fresh
    page = client.get(f"/api/plans/wugong/{DATE}").json()
    point_id = page["routes"][0]["visits"][0]["point"]
    new = {"id": "desk-new-1", "point": point_id, "kind": "delivery", "kg": 5, "parcels": 1}
    ans = client.post(f"/api/plans/wugong/{DATE}/add", json={"at": "09:00", "order": new})
    assert ans.status_code == 200, ans.text
    ans = ans.json()
    assert ans["applied"] and ans["verdict"] == "OK"
    after = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    assert ans["cost_after_yuan"] == after["summary"]["cost_yuan"]
    served = {o for r in after["routes"] for s in r["stops"] for o in s["deliver"]}
    assert "desk-new-1" in served and check_plan(folder / "plan.json").violations == []
    gone = client.post(
        f"/api/plans/wugong/{DATE}/cancel", json={"at": "09:00", "order": "desk-new-1"}
    )
    assert gone.status_code == 200 and gone.json()["applied"]
    assert check_plan(folder / "plan.json").violations == []
    early = client.post(f"/api/plans/wugong/{DATE}/replan", json={"at": "08:00"})
    assert early.status_code == 400 and "re-planned" in early.json()["error"]
    # undo brings back each version with the files it names: the add, then the first plan
    assert client.post(f"/api/plans/wugong/{DATE}/undo", json={}).status_code == 200
    back = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    assert back["replan"]["added"] == ["desk-new-1"]
    assert check_plan(folder / "plan.json").violations == []
    assert client.post(f"/api/plans/wugong/{DATE}/undo", json={}).status_code == 200
    first = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    assert "replan" not in first and not (folder / "source-plan.json").exists()
    assert check_plan(folder / "plan.json").violations == []
    bad = client.post(f"/api/plans/wugong/{DATE}/add", json={"at": "9h", "order": new})
    assert bad.status_code == 400 and "HH:MM" in bad.json()["error"]
    heavy = {**new, "id": "desk-new-2", "kg": "heavy", "point": "nowhere"}
    bad = client.post(f"/api/plans/wugong/{DATE}/add", json={"at": "09:00", "order": heavy})
    error = bad.json()["error"]
    assert bad.status_code == 400 and "field 'kg'" in error and "field 'point_id'" in error
