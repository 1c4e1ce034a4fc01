"""The planner's desk in a real browser (Debian's Chromium through Playwright), offline: every
request that is not to the desk's own 127.0.0.1 server is blocked, and none may be attempted.

Flow: plan Wugong with an iteration budget, read the summary and the vehicle tables against
plan.json, move a stop to another vehicle (verdict and cost change as the server's plan says),
lock a route and see a move of it refused, export GPX and xlsx, open a scenario comparison, add
an urgent order at 10:30 and re-plan the rest of the day from then. Screenshots go to
$DESK_SCREENSHOTS when it names a folder.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from pathlib import Path
from urllib.parse import urlsplit

import gpxpy
import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian chromium is not installed (.ci/run installs it)"
)
playwright_api = pytest.importorskip("playwright.sync_api")

DATE = "2026-11-29"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 300_000  # a backstop for a busy machine, not a judgement of speed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import uvicorn

    from routing.desk.app import Settings, create_app

    root = tmp_path_factory.mktemp("desk-browser")
    port = _free_port()
    compare = root / "compare"  # what `route compare` left there
    compare.mkdir()
    (compare / "compare.csv").write_text(
        "scenario,date,seed,cost_yuan\nbase,2026-10-08,0,912.50\nfleet-25,2026-10-08,0,930.10\n",
        encoding="utf-8",
    )
    from PIL import Image

    Image.new("RGB", (40, 20), "steelblue").save(compare / "compare.png")
    app = create_app(
        Settings(
            plans_dir=root / "plans",
            data_dir=root / "home",
            compare_dir=compare,
            time_limit=600,
            iterations=30,
        )
    )
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    ready = threading.Event()
    for _ in range(600):
        if srv.started:
            ready.set()
            break
        ready.wait(0.05)
    assert srv.started
    yield f"http://127.0.0.1:{port}", root / "plans"
    srv.should_exit = True
    thread.join(30)


@pytest.fixture(scope="module")
def page(server):
    base, _ = server
    attempted: list[str] = []
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(
            accept_downloads=True, viewport={"width": 1500, "height": 950}
        )
        here = urlsplit(base).netloc

        def only_here(route):
            if urlsplit(route.request.url).netloc == here:
                route.continue_()
            else:
                attempted.append(route.request.url)
                route.abort()

        context.route("**/*", only_here)
        pg = context.new_page()
        pg.set_default_timeout(WAIT_MS)
        pg.attempted = attempted  # type: ignore[attr-defined]
        yield pg
        browser.close()


def _shot(pg, name: str) -> None:
    folder = os.environ.get("DESK_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=False)


def _money(x: float) -> str:
    return f"{x:,.2f}"


def _find_move(path: Path):
    """A move of a stop to another vehicle that the validator accepts (found with the library,
    the way the server checks it)."""
    from routing.desk import edits
    from routing.desk.days import Days
    from routing.desk.locks import Locks
    from routing.plans.document import visit_spans

    opened = Days().open(path)
    fleet = {v.id: v.shift_start for v in opened.file.county.fleet}
    routes = opened.plan.routes
    for r in routes[1:]:
        for span in visit_spans(r.stops)[:3]:
            if r.stops[span[0]].reload:
                continue
            for t in routes[1:5]:
                if t.vehicle == r.vehicle:
                    continue
                for pos in (1, len(visit_spans(t.stops)) + 1):
                    move = (r.vehicle, span[0] + 1, t.vehicle, pos)
                    if edits.judge(opened, edits.move_visit(opened.plan, *move, fleet, Locks())).ok:
                        return move
    raise AssertionError("no valid move found")


def test_the_desk_in_a_browser(server, page, tmp_path):
    base, plans = server
    pg = page
    pg.goto(f"{base}/?date={DATE}")
    pg.wait_for_selector("#county option[value=wugong]", state="attached")
    assert pg.input_value("#date") == DATE

    # plan the day, with live progress
    pg.click("#plan-btn")
    pg.wait_for_function("document.getElementById('status').textContent === 'done'")
    pg.wait_for_selector("table.route")
    path = plans / "wugong" / DATE / "plan.json"
    plan = json.loads(path.read_text(encoding="utf-8"))
    s = plan["summary"]
    assert pg.text_content("#sum-vehicles") == f"{s['vehicles_used']} / 30"
    assert pg.text_content("#sum-km") == f"{s['distance_km']:,.1f}"
    assert pg.text_content("#sum-cost") == _money(s["cost_yuan"])
    assert pg.text_content("#sum-served") == str(s["orders_served"])
    assert pg.text_content("#sum-unserved") == str(s["orders_unserved"])
    tables = pg.query_selector_all("table.route")
    assert [t.get_attribute("data-vehicle") for t in tables] == [
        r["vehicle"] for r in plan["routes"]
    ]
    for t, r in zip(tables, plan["routes"], strict=True):
        assert t.query_selector(".route-cost").text_content() == _money(r["cost_yuan"])
        assert t.query_selector(".route-km").text_content() == f"{r['distance_m'] / 1000:,.1f}"
    first = plan["routes"][0]["stops"][0]
    row = pg.query_selector(f"table.route[data-vehicle='{plan['routes'][0]['vehicle']}'] tr.visit")
    arrival = f"{first['arrival_s'] // 3600:02d}:{first['arrival_s'] % 3600 // 60:02d}"
    assert row.query_selector(".arrival").text_content() == arrival
    _shot(pg, "1-planned")

    # move a stop to another vehicle: the verdict and the cost change are the server's
    vehicle, stop, target, position = _find_move(path)
    pg.click(f"table.route[data-vehicle='{vehicle}'] tr.visit[data-stop='{stop}']")
    pg.select_option("#move-vehicle", target)
    pg.fill("#move-position", str(position))
    pg.click("#move-btn")
    pg.wait_for_selector("#verdict:not([hidden])")
    assert pg.text_content("#verdict-text") == "OK"
    assert pg.text_content("#verdict-applied") == "(applied)"
    after = json.loads(path.read_text(encoding="utf-8"))["summary"]["cost_yuan"]
    change = pg.get_attribute("#cost-change", "data-change")
    assert float(pg.get_attribute("#cost-change", "data-before")) == s["cost_yuan"]
    assert float(pg.get_attribute("#cost-change", "data-after")) == after
    assert float(change) == round(after - s["cost_yuan"], 2)
    shown = f"{_money(s['cost_yuan'])} → {_money(after)} yuan"
    assert pg.text_content("#cost-change").startswith(shown)
    assert pg.text_content("#sum-cost") == _money(after)
    _shot(pg, "2-move-verdict")

    # lock a route: shown locked, and a move of it refused
    locked = json.loads(path.read_text(encoding="utf-8"))["routes"][0]["vehicle"]
    pg.click(f".lock-route[data-vehicle='{locked}']")
    pg.wait_for_selector(f"table.route.locked[data-vehicle='{locked}'] .locked-badge")
    text = path.read_text(encoding="utf-8")
    pg.click(f"table.route[data-vehicle='{locked}'] tr.visit:not(.reload)")
    other = next(r["vehicle"] for r in json.loads(text)["routes"] if r["vehicle"] != locked)
    pg.select_option("#move-vehicle", other)
    pg.fill("#move-position", "1")
    pg.click("#move-btn")
    pg.wait_for_function("document.getElementById('verdict-text').textContent.includes('refused')")
    assert "locked" in pg.text_content("#verdict-text")
    assert path.read_text(encoding="utf-8") == text

    # exports: the downloaded files parse and match the plan
    pg.click("#out-panel summary")
    current = json.loads(text)
    with pg.expect_download() as dl:
        pg.click("a.export[data-fmt=gpx]")
    gpx_file = tmp_path / "routes.gpx"
    dl.value.save_as(gpx_file)
    gpx = gpxpy.parse(gpx_file.read_text(encoding="utf-8"))
    assert len(gpx.tracks) == len(current["routes"])
    assert all(t.get_points_no() > 1 for t in gpx.tracks)
    import openpyxl

    with pg.expect_download() as dl:
        pg.click("a.export[data-fmt=xlsx]")
    xlsx_file = tmp_path / "routes.xlsx"
    dl.value.save_as(xlsx_file)
    book = openpyxl.load_workbook(xlsx_file, read_only=True)
    assert book.sheetnames == ["汇总", *(r["vehicle"] for r in current["routes"])]

    # the scenario comparison route compare wrote opens in the page
    pg.click("button.open-comparison[data-file='compare/compare.csv']")
    pg.wait_for_selector("#comparison table.comparison")
    cells = pg.eval_on_selector_all(
        "#comparison tr", "rows => rows.map(r => [...r.children].map(c => c.textContent))"
    )
    assert cells[0] == ["scenario", "date", "seed", "cost_yuan"]
    assert cells[2] == ["fleet-25", "2026-10-08", "0", "930.10"]
    assert pg.eval_on_selector("#comparison img", "img => img.complete && img.naturalWidth") == 40

    # an urgent pickup at 10:30, placed at once; then the rest of the day re-planned
    pg.click("#replan-panel summary")
    point = current["routes"][-1]["stops"][-1]["point"]
    pg.fill("#now", "10:30")
    pg.fill("#add-form input[name=id]", "URGENT-1")
    pg.fill("#add-form input[name=point]", point)
    pg.select_option("#add-form select[name=kind]", "pickup")
    pg.fill("#add-form input[name=kg]", "12")
    pg.fill("#add-form input[name=latest]", "18:00")
    pg.click("#add-btn")
    pg.wait_for_selector("#verdict[data-action=add]")
    assert pg.text_content("#verdict-applied") == "(applied)"
    added = json.loads(path.read_text(encoding="utf-8"))
    assert added["replan"]["added"] == ["URGENT-1"] and added["replan"]["at"] == "10:30"
    served = {o for r in added["routes"] for x in r["stops"] for o in x["collect"]}
    assert "URGENT-1" in served
    assert float(pg.get_attribute("#cost-change", "data-after")) == added["summary"]["cost_yuan"]
    assert pg.text_content("#sum-served") == str(added["summary"]["orders_served"])
    assert _route(added, locked) == _route(current, locked)  # the locked route is kept
    pg.fill("#replan-at", "10:30")
    pg.click("#replan-btn")
    pg.wait_for_selector("#verdict[data-action=replan]")
    assert pg.text_content("#verdict-applied") == "(applied)"
    replanned = json.loads(path.read_text(encoding="utf-8"))
    assert replanned["replan"]["at"] == "10:30"
    assert pg.text_content("#sum-cost") == _money(replanned["summary"]["cost_yuan"])
    assert replanned["summary"]["cost_yuan"] <= added["summary"]["cost_yuan"] + 0.01
    _shot(pg, "3-replan")
    from routing.pipeline import check_plan

    assert check_plan(path).violations == []
    assert pg.attempted == []  # type: ignore[attr-defined]


def _route(plan: dict, vehicle: str) -> dict:
    return next(r for r in plan["routes"] if r["vehicle"] == vehicle)
