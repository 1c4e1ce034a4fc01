"""Route files checked by real consumers (gpxpy, an XML parser, geopandas, a headless browser,
poppler, fontTools), GCJ-02 output against reference pairs, round trips, `route import`, and
the drivers' outputs: rows and stop counts per place visit, Chinese from the bundled font."""

from __future__ import annotations

import base64
import io
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
from fontTools.ttLib import TTFont
from PIL import Image
from scipy import ndimage

from cli import main
from routing.errors import InputError
from routing.exports.files import _opened, _roads
from routing.exports.fonts import FontChain, load_face, system_cjk_fonts
from routing.exports.formats import KML_NS
from routing.exports.map_html import map_html
from routing.exports.plan_outputs import drivers_files, title_of
from routing.exports.sheets import write_sheets
from routing.exports.views import (
    COLOURS,
    RouteView,
    StopView,
    place_visits,
    plan_views,
    visit_spans,
)
from routing.network.graph import RoadArrays
from routing.pipeline import day_of, open_plan
from routing.plans.compare import read_courier_routes
from routing.plans.document import Stop
from routing.plans.reader import read_plan
from routing.plans.report import route_rows

from .conftest import grid_roads

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
            "--iterations",
            "50",
            "--time-limit",
            "600",
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
            "600",
            "--iterations",
            "30",
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


needs_chromium = pytest.mark.skipif(
    _chromium() is None, reason="Debian chromium is not installed (.ci/run installs it)"
)
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils not installed (.ci/run installs it)"
)


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


def _sv(seq: int, point: str, name: str, **kw) -> StopView:
    """A stop view by hand: what a test route needs, the rest plausible."""
    deliver, collect, unload = kw.get("deliver", ()), kw.get("collect", ()), kw.get("unload", ())
    t = 8 * 3600 + 600 * seq
    return StopView(
        sequence=seq,
        point=point,
        name=name,
        name_pinyin=kw.get("pinyin", point),
        tier=kw.get("tier", "village"),
        town=kw.get("town", "长宁镇"),
        lon=kw.get("lon", 108.2 + 0.01 * seq),
        lat=kw.get("lat", 34.26),
        arrival_s=t,
        start_s=t,
        departure_s=t + 300,
        parcels_delivered=3 * len(deliver),
        kg_delivered=10.0 * len(deliver),
        parcels_collected=2 * len(collect),
        kg_collected=25.0 * len(collect),
        kg_unloaded=40.0 * len(unload),
        load_kg=0.0,
        load_l=0.0,
        delivered=tuple(deliver),
        collected=tuple(collect),
        unloaded=tuple(unload),
        goods_collected=("apples",) if collect else (),
        cold=kw.get("cold", False),
    )


def _toy_route(rare: str = "") -> tuple[RouteView, RoadArrays]:
    """Depot, a village visited for a drop then a collect, another village, three unloads at
    the cold store, the first village again, depot; and a tiny road grid around them."""
    hub = dict(tier="hub", lon=108.2, lat=34.26)
    cold = dict(tier="facility", lon=108.25, lat=34.28, cold=True)
    tian = dict(lon=108.21, lat=34.27)
    stops = (
        _sv(0, "HUB", "武功县物流配送中心", **hub),
        _sv(1, "TG", "田桂村", deliver=("d1",), **tian),
        _sv(2, "TG", "田桂村", collect=("c1",), **tian),
        _sv(3, "NL", f"南留{rare}村", pinyin="Nanliu Cun", deliver=("d2",), lon=108.23),
        _sv(4, "COLD", "武功县农产品冷链仓储中心", unload=("u1",), **cold),
        _sv(5, "COLD", "武功县农产品冷链仓储中心", unload=("u2",), **cold),
        _sv(6, "COLD", "武功县农产品冷链仓储中心", unload=("u3",), **cold),
        _sv(7, "TG", "田桂村", collect=("c2",), **tian),
        _sv(8, "HUB", "武功县物流配送中心", **hub),
    )
    line = tuple((s.lon, s.lat) for s in stops)
    route = RouteView(
        vehicle="REF-01",
        type="reefer42",
        colour=COLOURS[0],
        cold_chain=True,
        shift=(6 * 3600, 18 * 3600),
        depart_s=8 * 3600,
        return_s=14 * 3600,
        km=42.0,
        hours=6.0,
        cost_yuan=300.0,
        stops=stops,
        line=line,
    )
    return route, grid_roads((108.15, 108.3, 6), (34.22, 34.32, 6))


def _pdf_text(pdf: Path, tmp_path: Path) -> str:
    out = tmp_path / f"{pdf.stem}.txt"
    subprocess.run(["pdftotext", "-layout", str(pdf), str(out)], check=True, timeout=60)
    return out.read_text(encoding="utf-8")


def _pdf_fonts(pdf: Path) -> list[tuple[str, str]]:
    """(name, embedded) of every font in the PDF, from poppler's pdffonts."""
    out = subprocess.run(
        ["pdffonts", str(pdf)], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    return [(ln.split()[0], ln.split()[-5]) for ln in out.splitlines()[2:] if ln.strip()]


def test_place_visits_join_consecutive_stops_at_one_point():
    route, _ = _toy_route()
    visits = place_visits(route)
    assert [(v.number, v.first.point, len(v.stops)) for v in visits] == [
        (1, "TG", 2),  # drop, then collect: one arrival
        (2, "NL", 1),
        (3, "COLD", 3),  # three unloads: one arrival
        (4, "TG", 1),  # back later: a visit of its own
    ]
    tian = visits[0]
    assert (tian.delivered, tian.collected) == (("d1",), ("c1",))
    assert (tian.parcels_delivered, tian.kg_collected) == (3, 25.0)
    assert tian.arrival_s == route.stops[1].arrival_s
    assert tian.departure_s == route.stops[2].departure_s
    assert visits[2].unloaded == ("u1", "u2", "u3") and visits[2].kg_unloaded == 120.0
    assert visits[2].cold
    at = [Stop(p, 0, 0, 0, reload=p == "hub") for p in ("a", "a", "b", "a", "c", "c", "hub", "hub")]
    assert [len(s) for s in visit_spans(at)] == [2, 1, 1, 2, 1, 1]  # each reload on its own


@needs_poppler
def test_sheet_rows_are_place_visits_with_unloads_listed_beneath(tmp_path):
    route, roads = _toy_route()
    pdf = tmp_path / "toy.pdf"
    assert write_sheets([route], roads, pdf, "武功县 test", FontChain(system=[])) is True
    text = _pdf_text(pdf, tmp_path)
    rows = [ln.split() for ln in text.splitlines() if re.match(r"\s*\d+\s+\d\d:\d\d\s", ln)]
    assert [r[0] for r in rows] == ["1", "2", "3", "4"]
    # one row for the village's drop and collect
    tian = next(ln for ln in text.splitlines() if ln.lstrip().startswith("1 "))
    assert "田桂村 (长宁镇)" in tian and "3 / 10 kg" in tian and "25 kg apples" in tian
    # one row for the three unloads at the cold store, the orders in small print beneath
    lines = text.splitlines()
    k = next(i for i, ln in enumerate(lines) if ln.lstrip().startswith("3 "))
    assert "武功县农产品冷链仓储中心" in lines[k] and "unload 3 orders, 120 kg" in lines[k]
    assert "COLD" in lines[k]
    assert "unload: u1, u2, u3" in "\n".join(lines[k + 1 : k + 3])
    assert "4 stops" in text


def test_stop_counts_are_place_visits_in_the_report_and_the_map(planned):
    pf, cat = _opened(planned / "plan.json")
    views, _ = plan_views(pf.plan, cat)
    visits = {r.vehicle: sum(not v.reload for v in place_visits(r)) for r in views}
    # the solver splits visits into stops: the plan's stop lists are longer than its visits
    assert sum(visits.values()) < sum(len(r.stops) for r in pf.plan.routes)
    rows = route_rows(pf.plan, day_of(pf).problem)
    assert {r["vehicle"]: r["stops"] for r in rows} == visits
    page = (planned / "map.html").read_text(encoding="utf-8")
    legend = dict(re.findall(r'data-v="v-([^"]+)">.*?<small class="stops">(\d+) stops', page))
    assert {v: int(n) for v, n in legend.items()} == visits
    chunks = page.split('<g class="route" id="v-')[1:]  # a numbered mark per visit
    marks = {
        c.split('"', 1)[0]: c.split('class="stop hub"')[0].count('class="stop"') for c in chunks
    }
    assert marks == visits


@needs_poppler
def test_sheets_write_chinese_with_only_the_bundled_font(planned, tmp_path, recwarn, capfd):
    """As on a machine with no CJK font installed: the font chain sees no system fonts."""
    pf, cat = _opened(planned / "plan.json")
    roads, road_node = _roads(pf)
    _, pdf, chinese = drivers_files(
        pf.plan,
        cat,
        roads,
        road_node,
        title_of(pf.plan, pf.county.meta),
        page=False,
        system_fonts=[],
    )
    assert chinese is True
    path = tmp_path / "sheets.pdf"
    path.write_bytes(pdf)
    fonts = _pdf_fonts(path)
    assert fonts and all(
        name.split("+")[-1] == "RouteSansCJKSC-Regular" and emb == "yes" for name, emb in fonts
    ), fonts
    text = _pdf_text(path, tmp_path)
    assert "武功县" in text
    names = {cat.points[s.point].name for r in pf.plan.routes for s in r.stops}
    assert all(name in text for name in names)
    assert "pinyin" not in text
    assert len(recwarn) == 0, [str(w.message) for w in recwarn]
    out, err = capfd.readouterr()
    assert out == "" and err == ""


@needs_poppler
def test_a_character_outside_the_bundled_font(tmp_path, recwarn, capfd):
    """A name the subset cannot write: pinyin on a bare machine (marked, and the page says
    so), the installed font's glyph where there is one; never a box, never a warning."""
    rare = next(ch for ch in "龘犇鱻" if not FontChain(system=[]).bundled.has(ch))
    route, roads = _toy_route(rare)
    bare = tmp_path / "bare.pdf"
    assert write_sheets([route], roads, bare, "武功县", FontChain(system=[])) is False
    text = _pdf_text(bare, tmp_path)
    assert "Nanliu Cun*" in text and "in pinyin" in text and rare not in text
    assert "田桂村" in text  # the other names stay Chinese
    assert len(recwarn) == 0 and capfd.readouterr() == ("", "")
    installed = [p for p in system_cjk_fonts() if (f := load_face(p)) and f.has(rare)]
    if not installed:
        pytest.skip("no installed CJK font has the character")
    full = tmp_path / "full.pdf"
    assert write_sheets([route], roads, full, "武功县", FontChain(system=installed[:1])) is True
    assert f"南留{rare}村" in _pdf_text(full, tmp_path)
    embedded = {name.split("+")[-1] for name, emb in _pdf_fonts(full) if emb == "yes"}
    assert len(embedded) == 2 and "RouteSansCJKSC-Regular" in embedded  # and the installed one


def test_sheets_command_prints_no_warnings(planned, tmp_path, recwarn, capfd):
    result = CliRunner().invoke(
        main, ["sheets", str(planned / "plan.json"), "--out", str(tmp_path / "s.pdf")]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("wrote ") and "pinyin" not in result.output
    assert "glyph" not in result.output.lower()
    assert len(recwarn) == 0, [str(w.message) for w in recwarn]
    assert capfd.readouterr() == ("", "")


def test_map_embeds_its_font_and_fetches_nothing(planned):
    page = (planned / "map.html").read_text(encoding="utf-8")
    assert "http://" not in page and "https://" not in page
    assert [u[:22] for u in re.findall(r"url\(([^)]*)\)", page)] == ["data:font/woff;base64,"]
    assert not re.search(r"<(link|img|iframe)\b|\ssrc=", page)
    data = re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", page).group(1)
    font = TTFont(io.BytesIO(base64.b64decode(data)))
    cmap = font.getBestCmap()
    text = re.sub(r"@font-face\{[^}]*\}", "", page)
    chinese = {ch for ch in text if "\u3400" <= ch <= "\u9fff"}
    assert "武" in chinese and all(ord(ch) in cmap for ch in chinese)
    assert len(font.getGlyphOrder()) < len(chinese) + 200  # only what the page uses
    assert '<details id="panel" open><summary>' in page  # the legend folds


def _screenshot(page: Path, tmp_path: Path, size: tuple[int, int]) -> np.ndarray:
    shot = tmp_path / f"{page.stem}-{size[0]}.png"
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
            f"--window-size={size[0]},{size[1]}",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert [ln for ln in run.stderr.splitlines() if ":CONSOLE" in ln] == []
    with Image.open(shot) as im:
        pixels = np.asarray(im.convert("RGB")).astype(int)
    assert pixels.shape[:2] == (size[1], size[0])
    return pixels


def _route_pixels(pixels: np.ndarray) -> np.ndarray:
    """Where route colours are (lines drawn at 90 % opacity over the background, or marks);
    the greyish tenth colour is left out, as roads are grey."""
    hit = np.zeros(pixels.shape[:2], dtype=bool)
    for colour in COLOURS[:9]:
        rgb = np.array([int(colour[k : k + 2], 16) for k in (1, 3, 5)])
        for target in (rgb, 0.9 * rgb + 0.1 * 250):
            hit |= np.abs(pixels - target).sum(axis=2) < 30
    return hit


def _panel(pixels: np.ndarray) -> tuple[int, int, int, int]:
    """The legend's box (left, top, right, bottom): the largest pure-white area (the map's
    background is #fafafa; stop marks have only thin white edges and digits)."""
    labels, n = ndimage.label((pixels == 255).all(axis=2))
    assert n > 0
    biggest = 1 + int(np.argmax(ndimage.sum_labels(np.ones(labels.shape), labels, range(1, n + 1))))
    ys, xs = np.nonzero(labels == biggest)
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


@needs_chromium
def test_map_opens_fitted_to_the_routes_beside_the_legend(planned, tmp_path):
    """At 1280x900 the legend is open at the right and no route is under or beyond it; the
    routes' extent fills most of the rest. A single vehicle's map opens on that route, not
    the county."""
    one = tmp_path / "one.html"
    vehicle = read_plan(planned / "plan.json").routes[-1].vehicle
    assert (
        CliRunner()
        .invoke(main, ["map", str(planned / "plan.json"), "--vehicle", vehicle, "--out", str(one)])
        .exit_code
        == 0
    )
    for page in (planned / "map.html", one):
        pixels = _screenshot(page, tmp_path, (1280, 900))
        panel = _panel(pixels)
        assert panel[0] > 800 and panel[1] < 20 and panel[3] > 60, panel  # open, top right
        hit = _route_pixels(pixels)
        hit[panel[1] : panel[3] + 1, panel[0] : panel[2] + 1] = False  # the legend's swatches
        ys, xs = np.nonzero(hit)
        assert len(xs) > 500, page.name
        assert xs.max() < panel[0], (page.name, xs.max(), panel)  # nothing under the legend
        free_w, free_h = panel[0] - 56, 900
        fill = max((xs.max() - xs.min()) / free_w, (ys.max() - ys.min()) / free_h)
        assert fill > 0.8, (page.name, fill)


@needs_chromium
def test_map_legend_folds_on_a_narrow_screen(planned, tmp_path):
    pixels = _screenshot(planned / "map.html", tmp_path, (600, 900))
    left, top, _, bottom = _panel(pixels)
    assert left > 300 and top < 20 and bottom < 50  # folded: only its title line shows
    xs = np.nonzero(_route_pixels(pixels))[1]
    assert (xs.max() - xs.min()) / (600 - 56 - 24) > 0.8  # the routes take the width
    pf, cat = _opened(planned / "plan.json")
    routes, _ = plan_views(pf.plan, cat)
    for r in routes[:3]:  # each route's colour is drawn (lines and numbered stops)
        rgb = [int(r.colour[k : k + 2], 16) for k in (1, 3, 5)]
        assert (np.abs(pixels - rgb).sum(axis=2) < 30).sum() > 50, r.vehicle


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
