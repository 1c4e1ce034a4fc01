"""Route files checked by real consumers (gpxpy, an XML parser, geopandas, a headless browser,
poppler), GCJ-02 output against reference pairs, round trips, and `route import`."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import gpxpy
import numpy as np
import pytest
from click.testing import CliRunner

from cli import main
from routing.errors import InputError
from routing.exports.files import _opened, _roads
from routing.exports.formats import KML_NS
from routing.exports.map_html import map_html
from routing.exports.sheets import write_sheets
from routing.exports.views import COLOURS, plan_views
from routing.pipeline import day_of, open_plan
from routing.plans.compare import read_courier_routes
from routing.plans.reader import read_plan

COURIER = Path(__file__).parent / "data" / "courier"


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    """A Wugong day planned by the command line, with its map and sheets."""
    base = tmp_path_factory.mktemp("exports")
    data = base / "data"
    shutil.copytree(
        Path(__file__).parent.parent / "data" / "wugong",
        data / "wugong",
        ignore=shutil.ignore_patterns("orders"),
    )
    out = base / "plan"
    result = CliRunner().invoke(
        main,
        [
            "plan",
            "--date",
            "2026-11-29",
            "--time-limit",
            "3",
            "--quiet",
            "--data-dir",
            str(data),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    return out


def _export(plan_dir: Path, fmt: str, crs: str = "wgs84") -> Path:
    target = plan_dir / f"test.{crs}.{fmt}"
    result = CliRunner().invoke(
        main,
        [
            "export",
            str(plan_dir / "plan.json"),
            "--format",
            fmt,
            "--crs",
            crs,
            "--out",
            str(target),
        ],
    )
    assert result.exit_code == 0, result.output
    return target


def test_plan_writes_map_and_sheets_by_default(planned):
    assert {"plan.json", "routes.csv", "map.html", "sheets.pdf", "orders.csv"} <= {
        p.name for p in planned.iterdir()
    }


def test_gpx_parses_with_one_route_and_track_per_vehicle(planned):
    plan = read_plan(planned / "plan.json")
    with _export(planned, "gpx").open(encoding="utf-8") as fh:
        gpx = gpxpy.parse(fh)
    assert [r.name for r in gpx.routes] == [r.vehicle for r in plan.routes]
    assert [t.name for t in gpx.tracks] == [r.vehicle for r in plan.routes]
    assert len(gpx.waypoints) == sum(len(r.stops) for r in plan.routes)
    first = plan.routes[0]
    # route points: depot, the stops in visiting order, depot
    names = [p.name for p in gpx.routes[0].points]
    assert len(names) == len(first.stops) + 2
    assert [n.split(" #")[1].split(" ")[0] for n in names] == [
        str(k) for k in range(len(first.stops) + 2)
    ]
    # the track follows the roads: far more points than stops
    assert len(gpx.tracks[0].segments[0].points) > 5 * len(first.stops)


def test_kml_is_kml_with_a_folder_per_vehicle(planned):
    plan = read_plan(planned / "plan.json")
    root = ET.parse(_export(planned, "kml")).getroot()
    assert root.tag == f"{{{KML_NS}}}kml"
    folders = root.findall(f".//{{{KML_NS}}}Folder")
    assert len(folders) == len(plan.routes)
    marks = folders[0].findall(f"{{{KML_NS}}}Placemark")
    assert len(marks) == 1 + len(plan.routes[0].stops)  # the line and one per stop
    assert marks[1].find(f"{{{KML_NS}}}name").text.startswith("1. ")
    style = root.find(f".//{{{KML_NS}}}Style/{{{KML_NS}}}LineStyle/{{{KML_NS}}}color").text
    assert re.fullmatch(r"ff[0-9a-f]{6}", style)


def test_geojson_and_geopackage_read_back(planned):
    plan = read_plan(planned / "plan.json")
    frame = gpd.read_file(_export(planned, "geojson"))
    routes = frame[frame["kind"] == "route"]
    assert len(routes) == len(plan.routes)
    assert set(routes.geometry.geom_type) == {"LineString"}
    stops = frame[frame["kind"] == "stop"]
    assert len(stops) == sum(len(r.stops) + 2 for r in plan.routes)
    gpkg = _export(planned, "gpkg")
    layers = {name: gpd.read_file(gpkg, layer=name) for name in ("routes", "stops", "unserved")}
    assert len(layers["routes"]) == len(plan.routes)
    assert layers["routes"].crs.to_epsg() == 4326
    assert len(layers["stops"]) == len(stops)
    assert len(layers["unserved"]) == len(plan.unserved)
    # every stop lies on its route's line (the line passes through the stops' road nodes)
    line = layers["routes"].geometry.iloc[0]
    first = layers["stops"][layers["stops"]["vehicle"] == layers["routes"]["vehicle"].iloc[0]]
    assert max(line.distance(p) for p in first.geometry) < 1e-6


def test_gcj02_output_matches_reference_pairs(planned):
    """The hub and 田桂村 have source positions: GCJ-02 out must give back the source's
    GCJ-02 coordinates (108.200398, 34.260203) and (108.196315, 34.262337)."""
    wgs = gpd.read_file(_export(planned, "geojson"))
    gcj = gpd.read_file(_export(planned, "geojson", "gcj02"))
    hub = gcj[(gcj["kind"] == "stop") & (gcj["stop_id"] == "610431-HUB")].geometry.iloc[0]
    assert (hub.x, hub.y) == pytest.approx((108.200398, 34.260203), abs=2e-6)
    tiangui = gcj[gcj["stop_id"] == "610431001201"]
    if len(tiangui):
        p = tiangui.geometry.iloc[0]
        assert (p.x, p.y) == pytest.approx((108.196315, 34.262337), abs=2e-6)
    shift = np.hypot(
        hub.x - wgs[wgs["stop_id"] == "610431-HUB"].geometry.iloc[0].x,
        hub.y - wgs[wgs["stop_id"] == "610431-HUB"].geometry.iloc[0].y,
    )
    assert 0.004 < shift < 0.006  # about 450 m near Wugong
    assert (
        json.loads(_export(planned, "geojson", "gcj02").read_text())["coordinate_system"] == "gcj02"
    )


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_then_import_gives_the_same_plan(planned, fmt):
    pf = open_plan(planned / "plan.json")
    back = read_courier_routes(_export(planned, fmt), day_of(pf).problem)
    plan = pf.plan
    assert back.routes == plan.routes


def test_import_reports_violations_and_cost_difference(wugong_copy):
    runner = CliRunner()
    data = str(wugong_copy.parent)
    assert (
        runner.invoke(
            main, ["orders", "import", str(COURIER / "orders_2026-12-01.csv"), "--data-dir", data]
        ).exit_code
        == 0
    )
    result = runner.invoke(
        main,
        [
            "import",
            str(COURIER / "courier_bad.csv"),
            "--date",
            "2026-12-01",
            "--time-limit",
            "2",
            "--json",
            "--data-dir",
            data,
        ],
    )
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert [(v["rule"], v["vehicle"], v["stop"]) for v in report["violations"]] == [
        ("capacity", "VAN-01", 1),
        ("order", None, None),
    ]
    assert report["violations"][0]["message"].startswith("900.0 kg / ")
    assert (
        report["violations"][1]["message"] == "order 'd3' is neither served nor listed as unserved"
    )
    rows = {r["measure"]: r for r in report["comparison"]}
    assert rows["orders served"]["courier"] == 3 and rows["orders served"]["optimised"] == 4
    # the courier's km, recomputed here from the van's travel matrix, leg by leg
    from routing.pipeline import load_day

    problem = load_day("wugong", "2026-12-01", wugong_copy.parent).problem
    van = next(k for k, v in enumerate(problem.vehicles) if v.id == "VAN-01")
    stops = ["610431-HUB", "610431001224", "610431001201", "610431001205", "610431-HUB"]
    metres = sum(
        problem.travel_m(van, problem.index[a], problem.index[b])
        for a, b in itertools.pairwise(stops)
    )
    assert rows["km"]["courier"] == pytest.approx(metres / 1000, abs=0.01)
    # its cost: fixed cost plus km and hours at the van's rates
    v = problem.vehicles[van]
    cost = v.fixed_cost + v.cost_per_km * metres / 1000 + v.cost_per_hour * rows["hours"]["courier"]
    hours_slack = v.cost_per_hour * 0.005  # hours are shown rounded to 0.01
    assert rows["cost (yuan)"]["courier"] == pytest.approx(cost, abs=hours_slack + 0.01)
    for r in report["comparison"]:
        a, b = r["courier"], r["optimised"]
        # the table shows figures rounded to 0.01; the % is of the unrounded ones
        slack = 100 * 0.005 * (1 / b + a / b**2) + 0.01
        assert r["difference_pct"] == pytest.approx(100 * (a - b) / b, abs=slack)
    assert rows["orders served"]["difference_pct"] == -25.0


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_map_tells_apart_routes_beyond_the_palette(planned):
    """A fleet of 30 outruns the 10 colours: every route keeps its own colour and line pattern."""
    pf, cat = _opened(planned / "plan.json")
    roads, road_node = _roads(pf)
    views, _ = plan_views(pf.plan, cat, roads=roads, road_node=road_node)
    fleet = [
        replace(views[k % len(views)], vehicle=f"V{k:02d}", colour=COLOURS[k % len(COLOURS)])
        for k in range(30)
    ]
    page = map_html(fleet, roads, "test")
    line = r'<polyline points="[^"]*" stroke="(#\w+)"(?: stroke-dasharray="([^"]*)")?'
    styles = re.findall(line, page)
    assert len(styles) == 30
    assert len(set(styles)) == 30


@pytest.mark.skipif(
    _chromium() is None, reason="Debian chromium is not installed (.ci/run installs it)"
)
def test_map_opens_offline_in_headless_chromium(planned, tmp_path):
    page = planned / "map.html"
    html = page.read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html  # nothing to fetch
    shot = tmp_path / "map.png"
    run = subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--proxy-server=127.0.0.1:9",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1200,900",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    console = [ln for ln in run.stderr.splitlines() if ":CONSOLE" in ln]
    assert console == []
    from matplotlib.image import imread

    pixels = (imread(shot)[:, :, :3] * 255).round().astype(int)
    pf, cat = _opened(planned / "plan.json")
    routes, _ = plan_views(pf.plan, cat)
    for r in routes[:3]:  # each route's colour is drawn (lines and numbered stops)
        rgb = [int(r.colour[k : k + 2], 16) for k in (1, 3, 5)]
        assert (np.abs(pixels - rgb).sum(axis=2) < 30).sum() > 200, r.vehicle


def _pdf_text(pdf: Path, tmp_path: Path) -> str:
    out = tmp_path / "text.txt"
    subprocess.run(["pdftotext", "-layout", str(pdf), str(out)], check=True, timeout=60)
    return out.read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_sheets_show_chinese_names_or_say_they_cannot(planned, tmp_path):
    pf, cat = _opened(planned / "plan.json")
    plan = pf.plan
    first = cat.points[plan.routes[0].stops[0].point]
    text = _pdf_text(planned / "sheets.pdf", tmp_path)
    assert f"{plan.routes[0].vehicle}" in text and "page 1/" in text
    from routing.exports.sheets import cjk_font

    if cjk_font() is not None:
        assert first.name in text  # e.g. 香西村: the CJK font carries the glyphs
    else:
        assert first.name_pinyin in text and "names are shown in pinyin" in text
    roads, road_node = _roads(pf)
    routes, _ = plan_views(plan, cat, roads=roads, road_node=road_node)
    fallback = tmp_path / "pinyin.pdf"
    assert write_sheets(routes[:1], roads, fallback, "test", None) is False
    text = _pdf_text(fallback, tmp_path)
    assert first.name_pinyin in text and "names are shown in pinyin" in text
    assert first.name not in text


def test_import_names_the_row_and_field_of_a_bad_clock_time(planned, tmp_path):
    day = day_of(open_plan(planned / "plan.json"))
    bad = tmp_path / "bad_time.csv"
    bad.write_text(
        "vehicle,sequence,stop_id,orders_delivered,orders_collected,orders_unloaded,departure\n"
        "VAN-01,0,610431-HUB,,,,07:30:x\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        read_courier_routes(bad, day.problem)
    assert "row 2" in str(err.value) and "departure" in str(err.value)
    assert "'07:30:x' is not a time of day HH:MM:SS" in str(err.value)
