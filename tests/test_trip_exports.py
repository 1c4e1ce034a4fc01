"""Trips in the files people use: the route CSV marks each reload and numbers the trips and
reads them back; GPX and KML name the reload; the sheets print a reload row and the map a
reload mark; a courier's CSV whose reload row is wrong is refused with its row and field."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from routing.errors import InputError
from routing.exports.fonts import FontChain
from routing.exports.formats import to_csv, to_gpx, to_kml
from routing.exports.map_html import map_html
from routing.exports.sheets import write_sheets
from routing.exports.views import Catalogue, place_visits, plan_views
from routing.plans.compare import read_route_csv
from routing.plans.validate import replay, validate
from routing.solve.solver import solve_problem

from .conftest import budget, grid_roads, plan_of
from .test_model_bruteforce import produce_unloaded_at_the_reload

BROKEN = Path(__file__).parent / "data" / "broken"


@pytest.fixture(scope="module")
def two_trips():
    """A, B (80 kg of produce), reload at the hub, C: the brute-forced optimum."""
    problem = produce_unloaded_at_the_reload()
    plan = plan_of(problem, solve_problem(problem, budget(200)))
    assert [(s.point, s.reload) for s in plan.routes[0].stops] == [
        ("A", False),
        ("B", False),
        ("HUB", True),
        ("C", False),
    ]
    routes, _ = plan_views(plan, Catalogue.of(problem.points, problem.vehicles, problem.orders))
    return problem, plan, routes


def _roads():
    """A small grid around the toy points (their lon/lat are km labels)."""
    return grid_roads((-1, 3, 5), (-5, 3, 9))


def _rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def test_csv_numbers_the_trips_and_marks_the_reload(two_trips):
    _, _, routes = two_trips
    rows = _rows(to_csv(routes))
    assert [(r["stop_id"], r["trip"], r["reload"]) for r in rows] == [
        ("HUB", "1", ""),
        ("A", "1", ""),
        ("B", "1", ""),
        ("HUB", "2", "true"),
        ("C", "2", ""),
        ("HUB", "2", ""),
    ]
    reload = rows[3]
    # B's 80 kg of produce come off; C's 90 kg go on
    assert (float(reload["kg_unloaded"]), float(reload["load_kg"])) == (80.0, 90.0)
    assert reload["orders_delivered"] == reload["orders_unloaded"] == ""


def test_csv_reads_back_to_the_same_routes(two_trips, tmp_path):
    problem, plan, routes = two_trips
    path = tmp_path / "routes.csv"
    path.write_bytes(to_csv(routes))
    back = replay(read_route_csv(path, problem), problem)
    assert back.routes == plan.routes
    assert validate(back, problem) == []


def test_a_centre_row_without_orders_between_stops_is_a_reload(two_trips, tmp_path):
    """A courier's CSV in the columns before trips (no `reload`, no `trip`)."""
    problem, plan, _ = two_trips
    path = tmp_path / "old.csv"
    path.write_text(
        "vehicle,sequence,stop_id,orders_delivered,orders_collected,orders_unloaded,departure\n"
        "V1,0,HUB,,,,08:00:00\n"
        "V1,1,A,oA,,,\n"
        "V1,2,B,,oB,,\n"
        "V1,3,HUB,,,,\n"
        "V1,4,C,oC,,,\n"
        "V1,5,HUB,,,,\n",
        encoding="utf-8",
    )
    back = replay(read_route_csv(path, problem), problem)
    assert [(s.point, s.reload) for s in back.routes[0].stops] == [
        (s.point, s.reload) for s in plan.routes[0].stops
    ]
    assert validate(back, problem) == []
    # marked `reload` false, the row is left out: one trip of 150 kg in a 100 kg van
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] += ",reload"
    lines[1:] = [ln + (",false" if ln.startswith("V1,3,") else ",") for ln in lines[1:]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    one = replay(read_route_csv(path, problem), problem)
    assert [s.reload for s in one.routes[0].stops] == [False, False, False]
    assert "capacity" in {v.rule for v in validate(one, problem)}


@pytest.mark.parametrize(
    ("name", "row", "field", "words"),
    [
        ("route_reload_with_orders.csv", 5, "orders_delivered", "a reload lists orders"),
        ("route_reload_not_at_centre.csv", 5, "stop_id", "a reload is at the vehicle's centre"),
        ("route_reload_last.csv", 6, "reload", "between two trips, not first or last"),
        ("route_reload_not_yes_no.csv", 5, "reload", "is not a yes/no value"),
    ],
)
def test_a_wrong_reload_row_is_refused_with_its_row_and_field(name, row, field, words):
    problem = produce_unloaded_at_the_reload()
    with pytest.raises(InputError) as err:
        read_route_csv(BROKEN / name, problem)
    text = str(err.value)
    assert name in text and f"row {row}" in text and field in text and words in text, text


def test_gpx_and_kml_name_the_reload(two_trips):
    _, _, routes = two_trips
    gpx = to_gpx(routes).decode("utf-8")
    assert "<name>V1 #3 RELOAD HUB</name>" in gpx
    assert "RELOAD at the centre: unload 80 kg, load trip 2 (90 kg)" in gpx
    kml = to_kml(routes).decode("utf-8")
    assert "<name>3. RELOAD HUB</name>" in kml
    assert "3 stops in 2 trips" in kml


def test_place_visits_number_stops_and_not_the_reload(two_trips):
    _, _, routes = two_trips
    visits = place_visits(routes[0])
    assert [(v.number, v.first.point, v.reload, v.trip) for v in visits] == [
        (1, "A", False, 1),
        (2, "B", False, 1),
        (0, "HUB", True, 2),
        (3, "C", False, 2),
    ]
    assert (visits[2].kg_unloaded, visits[2].kg_loaded) == (80.0, 90.0)


def test_map_marks_the_reload_beside_the_depot(two_trips):
    _, _, routes = two_trips
    page = map_html(routes, _roads(), "trips", FontChain(system=[]))
    assert page.count('class="stop reload"') == 1
    assert "trip 2 starts" in page and "load: 90 kg for trip 2" in page
    assert "3 stops, 2 trips" in page


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_sheet_prints_the_reload_row_and_the_trips(two_trips, tmp_path):
    _, _, routes = two_trips
    pdf = tmp_path / "trips.pdf"
    write_sheets(routes, _roads(), pdf, "trips", FontChain(system=[]))
    out = tmp_path / "trips.txt"
    subprocess.run(["pdftotext", "-layout", str(pdf), str(out)], check=True, timeout=60)
    text = out.read_text(encoding="utf-8")
    assert "3 stops" in text and "2 trips" in text
    assert "RELOAD at HUB: trip 2 starts" in text
    assert "load 90 kg" in text and "unload 80 kg" in text


def test_a_rest_at_the_reload_is_on_the_sheet_row(two_trips, tmp_path):
    """The lunch break may be taken at the centre between two trips."""
    problem, plan, _ = two_trips
    (r,) = plan.routes
    stops = list(r.stops)
    stops[2] = replace(stops[2], break_s=30 * 60)
    rested = replace(plan, routes=(replace(r, stops=tuple(stops)),))
    routes, _ = plan_views(rested, Catalogue.of(problem.points, problem.vehicles, problem.orders))
    (reload,) = [v for v in place_visits(routes[0]) if v.reload]
    assert reload.break_s == 30 * 60
    assert "rest 30 min" in map_html(routes, _roads(), "trips", FontChain(system=[]))
