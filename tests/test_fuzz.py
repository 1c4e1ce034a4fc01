"""Every command that reads a file, fed broken files made from the project's own fixtures.

Each case must end with a documented exit code (README "Exit codes") and a short message that
names the broken file: never a Python traceback, never the command line's last-resort
"unexpected" error, and no output written or left half-written. The corpus is built here from
tests/data/*, data/wugong/* and tests/data/bench/*; `CASES` counts the cases per input kind
(`python -m tests.test_fuzz` prints them).
"""

from __future__ import annotations

import csv
import functools
import io
import json
import random
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from click.testing import CliRunner, Result

from cli import main
from routing.inputs.county import write_meta
from routing.network.graph import file_sha256, read_road_arrays

from .conftest import REPO, WUGONG

DATA = Path(__file__).parent / "data"
BENCH = DATA / "bench"
COURIER = DATA / "courier"
RAW = REPO / "data" / "raw" / "vonng_adcode"
PLAN_DATE = "2026-11-29"
DOCUMENTED_EXITS = {1, 2, 3, 4, 5}  # README "Exit codes" (0 is success)
SHORT = 20_000  # characters: an error message names problems, it does not copy the input
BUDGET = ["--iterations", "30", "--time-limit", "600"]  # a search that would run by mistake

Mutation = Callable[[bytes], bytes]


# --- mutations of any file ---------------------------------------------------------------------
def binary(data: bytes) -> bytes:
    """4 kB of seeded random bytes: neither UTF-8 nor any format."""
    return random.Random(len(data)).randbytes(4096)


def empty(data: bytes) -> bytes:
    return b""


def cut_in_line(line: int, into: int = 3) -> Mutation:
    """Truncated `into` bytes into line `line` (0-based), so the cut falls inside a record."""

    def cut(data: bytes) -> bytes:
        lines = data.split(b"\n")
        return b"\n".join(lines[:line]) + b"\n" + lines[line][:into]

    return cut


def cut_at(share: float) -> Mutation:
    """Truncated at a share of the file's bytes."""
    return lambda data: data[: int(len(data) * share)]


def not_utf8(data: bytes) -> bytes:
    """A Latin-1 byte in the second line, as a spreadsheet saving in a legacy code page."""
    lines = data.split(b"\n")
    lines[1] = lines[1][:2] + b"\xe9" + lines[1][2:]
    return b"\n".join(lines)


def utf16(data: bytes) -> bytes:
    return data.decode("utf-8").encode("utf-16")


def nul_byte(data: bytes) -> bytes:
    lines = data.split(b"\n")
    lines[1] = lines[1][:2] + b"\x00" + lines[1][2:]
    return b"\n".join(lines)


# --- mutations of CSV tables -------------------------------------------------------------------
def _table(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def set_cell(column: str, value: str, row: int = 1) -> Mutation:
    def edit(data: bytes) -> bytes:
        rows = _table(data)
        rows[row][rows[0].index(column)] = value
        return _csv(rows)

    return edit


def extra_cell(data: bytes) -> bytes:
    rows = _table(data)
    rows[1].append("spilled")
    return _csv(rows)


def short_row(data: bytes) -> bytes:
    rows = _table(data)
    rows[1] = rows[1][:3]
    return _csv(rows)


def duplicate_column(column: str) -> Mutation:
    """The column given twice, with different values in the two."""

    def edit(data: bytes) -> bytes:
        rows = _table(data)
        k = rows[0].index(column)
        return _csv([[*rows[0], column]] + [[*r, r[k] + "9"] for r in rows[1:]])

    return edit


def drop_column(column: str) -> Mutation:
    def edit(data: bytes) -> bytes:
        rows = _table(data)
        k = rows[0].index(column)
        return _csv([r[:k] + r[k + 1 :] for r in rows])

    return edit


def stray_quote(data: bytes) -> bytes:
    """A quote mark opened in a cell and never closed, swallowing a 200 kB tail."""
    rows = data.split(b"\n")
    rows[1] = b'"' + rows[1] + b"x" * 200_000
    return b"\n".join(rows)


def long_cell(column: str) -> Mutation:
    return set_cell(column, "x" * 5_000)


def header_only(data: bytes) -> bytes:
    return data.split(b"\n")[0] + b"\n"


def generic_csv(key: str) -> list[tuple[str, Mutation]]:
    """What goes wrong with any CSV file: structure, size, encoding."""
    return [
        ("binary", binary),
        ("empty", empty),
        ("header-only", header_only),
        ("cut-in-header", cut_in_line(0, 5)),
        ("cut-in-row-1", cut_in_line(1)),
        ("cut-in-row-2", cut_in_line(2, 9)),
        ("extra-cell", extra_cell),
        ("short-row", short_row),
        ("duplicate-column", duplicate_column(key)),
        ("missing-column", drop_column(key)),
        ("stray-quote-200kB", stray_quote),
        ("long-cell-5kB", long_cell(key)),
        ("latin-1-byte", not_utf8),
        ("utf-16", utf16),
        ("nul-byte", nul_byte),
    ]


def numbers(columns: list[str]) -> list[tuple[str, Mutation]]:
    """1e30, nan, inf and -1 in numeric columns: all four in each of one or two columns, else
    two in each (1e30 and inf, nan and -1, alternately)."""
    values = ["1e30", "nan", "inf", "-1"]
    return [
        (f"{c}={v}", set_cell(c, v))
        for k, c in enumerate(columns)
        for v in (values if len(columns) < 3 else values[k % 2 :: 2])
    ]


# --- shared, module-wide inputs ------------------------------------------------------------------
@dataclass(frozen=True)
class Planned:
    data: Path  # data home holding a copy of Wugong (no orders)
    plan_dir: Path  # a plan of 2026-11-29 made by the command line


@pytest.fixture(scope="module")
def planned(tmp_path_factory) -> Planned:
    """Wugong, and a plan of its default day on an iteration budget (never a time limit)."""
    base = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(WUGONG, base / "data" / "wugong", ignore=shutil.ignore_patterns("orders"))
    out = base / "plan"
    result = run(
        "plan",
        "--date",
        PLAN_DATE,
        *BUDGET,
        "--no-maps",
        "--quiet",
        "--out",
        out,
        "--data-dir",
        base / "data",
    )
    assert result.exit_code == 0, result.output
    return Planned(base / "data", out)


def run(*args) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def files_under(folder: Path) -> dict[str, str]:
    """Every file below a folder with its sha256 (what a failed command must leave as it was)."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): file_sha256(p) for p in folder.rglob("*") if p.is_file()}


def assert_clean_failure(result: Result, culprit: Path | str, codes: set[int] | int = 3) -> None:
    """A documented exit code (the expected one), a short message naming the culprit, no
    traceback, no last-resort 'unexpected' error."""
    text = result.output
    codes = {codes} if isinstance(codes, int) else codes
    assert isinstance(result.exception, SystemExit | None), repr(result.exception)
    assert "Traceback" not in text and "error: unexpected" not in text, text[:2000]
    assert result.exit_code in codes & DOCUMENTED_EXITS, text[:2000]
    assert str(culprit) in text, text[:2000]
    assert len(text) < SHORT, f"{len(text):,} characters"


# --- order files: `route plan --orders F` and `route orders import F` ----------------------------
ORDERS_OK = COURIER / "orders_2026-12-01.csv"
ORDER_CASES = [
    *generic_csv("kg"),
    *numbers(["kg", "litres", "parcels", "priority"]),
    ("date-2026-02-30", set_cell("date", "2026-02-30")),
    ("unknown-point", set_cell("point_id", "610431999999")),
    ("time-25:00", set_cell("earliest", "25:00")),
    ("duplicate-id", set_cell("order_id", "d2")),
]


@pytest.mark.parametrize("command", ["plan", "orders-import"])
@pytest.mark.parametrize(("case", "mutate"), ORDER_CASES, ids=[c for c, _ in ORDER_CASES])
def test_order_file(planned, tmp_path, command, case, mutate):
    bad = tmp_path / "orders.csv"
    bad.write_bytes(mutate(ORDERS_OK.read_bytes()))
    before = files_under(planned.data)
    out = tmp_path / "out"
    if command == "plan":
        args = ["plan", "--date", "2026-12-01", "--orders", bad, *BUDGET, "--no-maps", "--out", out]
    else:
        args = ["orders", "import", bad]
    result = run(*args, "--data-dir", planned.data)
    assert_clean_failure(result, bad)
    assert not out.exists()
    assert files_under(planned.data) == before


# --- a county folder: `route plan` with one file missing, cut short, garbage or wrong -------------
COUNTY_FILES = (
    "county.json",
    "points.csv",
    "fleet.csv",
    "demand.csv",
    "boundary.geojson",
    "towns.geojson",
    "roads.graphml",
)
SEALED = ("points.csv", "roads.graphml", "boundary.geojson", "towns.geojson")


def _json_edit(edit: Callable[[object], object]) -> Mutation:
    return lambda data: json.dumps(edit(json.loads(data)), ensure_ascii=False).encode("utf-8")


def _meta(**changes) -> Mutation:
    def edit(meta):
        out = {**meta, **changes}
        return {k: v for k, v in out.items() if v is not None}

    return _json_edit(edit)


def _geometry(geometry) -> Mutation:
    return _json_edit(
        lambda doc: {**doc, "features": [{**doc["features"][0], "geometry": geometry}]}
    )


@functools.cache
def small_roads() -> bytes:
    """The first 60 nodes of Wugong's road graph and the roads between them, as GraphML with
    every attribute a string (osmnx's way): small enough to parse in a few milliseconds, so
    each broken attribute below costs nothing to load."""
    g = nx.read_graphml(WUGONG / "roads.graphml", force_multigraph=True)
    small = g.subgraph(list(g.nodes)[:60]).copy()
    return "\n".join(nx.generate_graphml(small)).encode("utf-8")


def graph_attr(attr: str, value: str | None) -> Mutation:
    """The first value of a GraphML attribute replaced (None: removed), in the small graph."""

    def edit(data: bytes) -> bytes:
        text = small_roads().decode("utf-8")
        key = re.search(rf'<key id="(\w+)" for="\w+" attr.name="{attr}"', text).group(1)
        element = re.search(rf'<data key="{key}">[^<]*</data>', text).group(0)
        new = "" if value is None else f'<data key="{key}">{value}</data>'
        return text.replace(element, new, 1).encode("utf-8")

    return edit


@dataclass(frozen=True)
class CountyCase:
    file: str
    mutate: Mutation | None  # None: the file is deleted
    reseal: bool = False  # record the change as `route data seal` would (a content problem)


def _county_cases() -> dict[str, CountyCase]:
    cases: dict[str, CountyCase] = {}
    for name in COUNTY_FILES:
        stem = name.split(".")[0]
        cases[f"{stem}-missing"] = CountyCase(name, None)
        cases[f"{stem}-cut"] = CountyCase(name, cut_at(0.5))
        cases[f"{stem}-binary"] = CountyCase(name, binary)
    cases["county-missing"] = CountyCase("county.json", None)  # never the bundled one instead
    cases["towns-missing"] = CountyCase("towns.geojson", None)  # a sealed file gone
    for case, m in [
        ("a-list", _json_edit(lambda meta: [meta])),
        ("no-adcode", _meta(adcode=None)),
        ("adcode-text", _meta(adcode="wugong")),
        ("seed-text", _meta(seed="one")),
        ("seed-negative", _meta(seed=-1)),
        ("no-digests", _meta(files=None)),
    ]:
        cases[f"county-json-{case}"] = CountyCase("county.json", m)
    for case, m in [*generic_csv("lon"), *numbers(["lon", "lat", "service_fixed_s"])]:
        cases[f"points-{case}"] = CountyCase("points.csv", m, reseal=True)
    cases["points-unsealed-edit"] = CountyCase("points.csv", set_cell("name", "改"))
    cases["points-two-hubs"] = CountyCase("points.csv", set_cell("tier", "hub", row=2), reseal=True)
    costs = ["fixed_cost_yuan", "cost_per_km_yuan", "cost_per_hour_yuan"]
    for case, m in [
        *generic_csv("capacity_kg"),
        *numbers(["capacity_kg", "capacity_l", *costs, "max_hours"]),
        ("depot-unknown", set_cell("depot", "nowhere")),
        ("banned-road-unknown", set_cell("banned_roads", "motorway;canal")),
    ]:
        cases[f"fleet-{case}"] = CountyCase("fleet.csv", m)
    for case, m in [*generic_csv("population"), *numbers(["population", "apples_t"])]:
        cases[f"demand-{case}"] = CountyCase("demand.csv", m)
    for case, geometry in [
        ("point", {"type": "Point", "coordinates": [108.2, 34.3]}),
        ("empty-polygon", {"type": "Polygon", "coordinates": []}),
        ("text-coordinates", {"type": "Polygon", "coordinates": [[["a", "b"]] * 4]}),
        ("nan-coordinates", {"type": "Polygon", "coordinates": [[[float("nan"), 1.0]] * 4]}),
        ("projected-metres", {"type": "Polygon", "coordinates": [[[0, 0], [9e5, 0], [0, 9e5]]]}),
        ("unknown-type", {"type": "Blob", "coordinates": []}),
        ("null", None),
    ]:
        cases[f"boundary-{case}"] = CountyCase("boundary.geojson", _geometry(geometry), True)
    cases["boundary-no-features"] = CountyCase(
        "boundary.geojson", _json_edit(lambda d: {**d, "features": []}), True
    )
    cases["boundary-a-list"] = CountyCase("boundary.geojson", _json_edit(lambda d: [d]), True)
    for case, m in [
        ("x-text", graph_attr("x", "east")),
        ("y-nan", graph_attr("y", "nan")),
        ("x-inf", graph_attr("x", "inf")),
        ("length-negative", graph_attr("length", "-5")),
        ("length-text", graph_attr("length", "long")),
        ("speed-zero", graph_attr("speed_kph", "0")),
        ("speed-nan", graph_attr("speed_kph", "nan")),
        ("no-travel-time", graph_attr("travel_time", None)),
        ("no-y", graph_attr("y", None)),
    ]:
        cases[f"roads-{case}"] = CountyCase("roads.graphml", m, reseal=True)
    cases["roads-cut-resealed"] = CountyCase("roads.graphml", cut_at(0.5), reseal=True)
    cases["roads-binary-resealed"] = CountyCase("roads.graphml", binary, reseal=True)
    cases["roads-empty-resealed"] = CountyCase("roads.graphml", empty, reseal=True)
    cases["roads-not-graphml"] = CountyCase(
        "roads.graphml", lambda d: b"<?xml version='1.0'?><html><p>roads</p></html>", True
    )
    return cases


COUNTY_CASES = _county_cases()


@pytest.mark.parametrize("case", list(COUNTY_CASES))
def test_county_folder(tmp_path, case):
    spec = COUNTY_CASES[case]
    data = tmp_path / "data"
    county = data / "wugong"
    shutil.copytree(WUGONG, county, ignore=shutil.ignore_patterns("orders"))
    target = county / spec.file
    if spec.mutate is None:
        target.unlink()
    else:
        target.write_bytes(spec.mutate(target.read_bytes()))
    if spec.reseal:
        write_meta(county, json.loads((county / "county.json").read_text(encoding="utf-8")))
    before = files_under(data)
    out = tmp_path / "out"
    result = run(
        "plan", "--date", PLAN_DATE, *BUDGET, "--no-maps", "--out", out, "--data-dir", data
    )
    assert_clean_failure(result, target)
    assert not out.exists()
    assert files_under(data) == before


def test_corrupt_graph_cache_is_rebuilt(tmp_path):
    """A cache file cut short, overwritten or of another shape (a crash, a full disk, an old
    version) is ignored and rebuilt from the GraphML."""
    graph = tmp_path / "roads.graphml"
    graph.write_bytes(small_roads())
    cache = tmp_path / "cache"
    good = read_road_arrays(graph, cache)
    (cached,) = cache.glob("roads-*.npz")
    intact = cached.read_bytes()
    buf = io.BytesIO()
    np.savez(buf, lon=good.lon[:3], lat=good.lat, src=good.src, dst=good.dst)
    for damage in (cut_at(0.5), binary, empty, lambda d: buf.getvalue()):
        cached.write_bytes(damage(intact))
        again = read_road_arrays(graph, cache)
        assert np.array_equal(again.src, good.src) and np.array_equal(again.lon, good.lon)
        assert np.array_equal(again.highway, good.highway)
        assert cached.read_bytes() == intact  # rewritten whole


# --- plan files: `route check`, `export`, `map` and `sheets` -------------------------------------
def _plan_edit(edit: Callable[[dict], object]) -> Mutation:
    def mutate(data: bytes) -> bytes:
        doc = json.loads(data)
        out = edit(doc)
        return json.dumps(doc if out is None else out).encode("utf-8")

    return mutate


def _set(path: str, value) -> Callable[[dict], None]:
    """Set (or with value ... delete) a field by a dotted path with list indices."""

    def edit(doc: dict) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        node = doc
        for p in parents:
            node = node[p]
        if value is ...:
            del node[last]
        else:
            node[last] = value

    return edit


def _first_order(doc: dict) -> str:
    return next(o for r in doc["routes"] for s in r["stops"] for o in s["deliver"])


PLAN_CASES: list[tuple[str, Mutation]] = [
    ("json-list", _plan_edit(lambda d: [d])),
    ("json-string", lambda d: b'"plan"'),
    ("json-number", lambda d: b"42"),
    ("json-null", lambda d: b"null"),
    ("json-empty-object", lambda d: b"{}"),
    ("routes-a-string", _plan_edit(_set("routes", "all"))),
    ("vehicle-a-number", _plan_edit(_set("routes.0.vehicle", 7))),
    ("arrival-a-clock-text", _plan_edit(_set("routes.0.stops.0.arrival_s", "08:00"))),
    ("depart-1e30", _plan_edit(_set("routes.0.depart_s", 10**30))),
    ("load-nan", lambda d: re.sub(rb'"load_kg": [0-9.]+', b'"load_kg": NaN', d, count=1)),
    ("summary-a-list", _plan_edit(_set("summary", []))),
    ("date-a-number", _plan_edit(_set("date", 20261129))),
    ("no-routes", _plan_edit(_set("routes", ...))),
    ("no-stop-point", _plan_edit(_set("routes.0.stops.0.point", ...))),
    ("no-inputs", _plan_edit(_set("inputs", ...))),
    ("inputs-a-list", _plan_edit(_set("inputs", []))),
    ("vehicle-not-in-fleet", _plan_edit(_set("routes.0.vehicle", "TRUCK-99"))),
    ("point-not-in-county", _plan_edit(_set("routes.0.stops.0.point", "610431999999"))),
    ("unknown-order", _plan_edit(_set("routes.0.stops.0.deliver.0", "no-such-order"))),
    (
        "unknown-unserved-order",
        _plan_edit(lambda d: d["unserved"].append({"order": "nope", "reason": "capacity"})),
    ),
    ("orders-file-missing", _plan_edit(_set("inputs.orders.path", "gone.csv"))),
    ("points-file-elsewhere", _plan_edit(_set("inputs.points.path", "/nonexistent/points.csv"))),
    ("orders-sha-differs", _plan_edit(_set("inputs.orders.sha256", "0" * 64))),
    ("non-utf8-byte", lambda d: d.replace(b'"county"', b'"count\xff"', 1)),
    ("cut-at-10", cut_at(0.1)),
    ("cut-at-50", cut_at(0.5)),
    ("cut-at-99", cut_at(0.99)),
    ("nested-100k", lambda d: b"[" * 100_000 + b"]" * 100_000),
    ("binary", binary),
    ("empty", empty),
]
REFERENCE_CASES = (
    "vehicle-not-in-fleet",
    "point-not-in-county",
    "unknown-order",
    "unknown-unserved-order",
)
PLAN_COMMANDS = {
    "check": lambda plan, out: ["check", plan],
    "export-gpx": lambda plan, out: ["export", plan, "--format", "gpx", "--out", out / "r.gpx"],
    "export-json": lambda plan, out: ["export", plan, "--format", "json", "--out", out / "p.json"],
    "map": lambda plan, out: ["map", plan, "--out", out / "map.html"],
    "sheets": lambda plan, out: ["sheets", plan, "--out", out / "sheets.pdf"],
}


@pytest.mark.parametrize("command", list(PLAN_COMMANDS))
@pytest.mark.parametrize(
    ("case", "mutate"),
    [
        pytest.param(
            c,
            m,
            id=c,
        )
        for c, m in PLAN_CASES
    ],
)
def test_plan_file(planned, tmp_path, command, case, mutate):
    folder = tmp_path / "plan"
    folder.mkdir()
    shutil.copy(planned.plan_dir / "orders.csv", folder / "orders.csv")
    bad = folder / "plan.json"
    bad.write_bytes(mutate((planned.plan_dir / "plan.json").read_bytes()))
    out = tmp_path / "out"
    out.mkdir()
    result = run(*PLAN_COMMANDS[command](bad, out))
    culprit = folder / "gone.csv" if case == "orders-file-missing" else bad
    culprit = "/nonexistent/points.csv" if case == "points-file-elsewhere" else culprit
    culprit = folder / "orders.csv" if case == "orders-sha-differs" else culprit
    # `route check` reports ids its county or day lacks as rule violations (exit 1)
    codes = {1, 3} if command == "check" and case in REFERENCE_CASES else 3
    assert_clean_failure(result, culprit, codes)
    assert list(out.iterdir()) == []
    assert sorted(p.name for p in folder.iterdir()) == ["orders.csv", "plan.json"]


def test_an_unbroken_plan_checks_clean(planned):
    """The control: the plan the broken ones are made from passes, so each failure above is
    the mutation's."""
    result = run("check", planned.plan_dir / "plan.json", "--quiet")
    assert result.exit_code == 0, result.output


# --- a courier's route file: `route import F --date D` -------------------------------------------
ROUTE_CASES: list[tuple[str, Mutation]] = [
    *generic_csv("sequence"),
    ("sequence-text", set_cell("sequence", "first")),
    ("sequence-negative", set_cell("sequence", "-1")),
    ("sequence-fraction", set_cell("sequence", "1.5")),
    ("sequence-twice", set_cell("sequence", "0", row=2)),
    ("vehicle-not-in-fleet", set_cell("vehicle", "TRUCK-99")),
    ("stop-not-in-county", set_cell("stop_id", "610431999999")),
    ("unknown-order", set_cell("orders_delivered", "no-such-order", row=2)),
    ("clock-seconds-x", set_cell("departure", "07:30:x")),
    ("clock-25h", set_cell("arrival", "25:00:00", row=2)),
]
COURIER_JSON_CASES: list[tuple[str, Mutation]] = [
    ("json-list", _plan_edit(lambda d: [d])),
    ("json-cut", cut_at(0.5)),
    ("json-vehicle-not-in-fleet", _plan_edit(_set("routes.0.vehicle", "TRUCK-99"))),
    ("json-unknown-order", _plan_edit(_set("routes.0.stops.0.deliver.0", "no-such-order"))),
    ("json-binary", binary),
]


@pytest.mark.parametrize(
    ("case", "mutate"),
    ROUTE_CASES + COURIER_JSON_CASES,
    ids=[c for c, _ in ROUTE_CASES + COURIER_JSON_CASES],
)
def test_courier_route_file(planned, tmp_path, case, mutate):
    source = "plan.json" if case.startswith("json-") else "routes.csv"
    bad = tmp_path / ("routes.json" if source == "plan.json" else "routes.csv")
    bad.write_bytes(mutate((planned.plan_dir / source).read_bytes()))
    before = files_under(planned.data)
    result = run("import", bad, "--date", PLAN_DATE, *BUDGET, "--data-dir", planned.data)
    assert_clean_failure(result, bad)
    assert files_under(planned.data) == before


# --- road networks: `route network import F --county X` ------------------------------------------
OSM = DATA / "osm" / "tiny.osm"


NETWORK_CASES: list[tuple[str, str, Mutation]] = [
    ("osm-cut-10", "x.osm", cut_at(0.1)),
    ("osm-cut-60", "x.osm", cut_at(0.6)),
    ("osm-binary", "x.osm", binary),
    ("osm-empty", "x.osm", empty),
    ("osm-utf16", "x.osm", utf16),
    ("osm-not-osm-xml", "x.osm", lambda d: b"<?xml version='1.0'?><gpx></gpx>"),
    ("pbf-binary", "x.osm.pbf", binary),
    ("pbf-empty", "x.osm.pbf", empty),
    ("pbf-is-xml", "x.osm.pbf", lambda d: d),
    ("graphml-binary", "x.graphml", binary),
    ("graphml-cut", "x.graphml", lambda d: small_roads()[:2000]),
    ("graphml-x-text", "x.graphml", graph_attr("x", "east")),
    ("graphml-speed-zero", "x.graphml", graph_attr("speed_kph", "0")),
    ("unknown-suffix", "x.shp", lambda d: d),
]


@pytest.mark.parametrize(
    ("case", "name", "mutate"), NETWORK_CASES, ids=[c for c, _, _ in NETWORK_CASES]
)
def test_road_network_file(tmp_path, case, name, mutate):
    data = tmp_path / "data"
    shutil.copytree(DATA / "tinycounty", data / "tinycounty")
    write_meta(data / "tinycounty", json.loads((DATA / "tinycounty" / "county.json").read_text()))
    bad = tmp_path / name
    bad.write_bytes(mutate(OSM.read_bytes()))
    before = files_under(data)
    result = run("network", "import", bad, "--county", "tinycounty", "--data-dir", data)
    # an imported graph's speeds come from its road classes: a speed of 0 is not read, and the
    # 60 nodes of the sample miss the county (exit 4, naming the file)
    assert_clean_failure(result, bad, 4 if case == "graphml-speed-zero" else 3)
    assert files_under(data) == before


# --- benchmark instances: `route bench solve F` ---------------------------------------------------
def _replace_line(start: str, new: str | None) -> Mutation:
    """The first line starting with `start` replaced by `new` (None: removed)."""

    def edit(data: bytes) -> bytes:
        lines = data.decode("utf-8").splitlines()
        k = next(i for i, ln in enumerate(lines) if ln.strip().startswith(start))
        lines[k : k + 1] = [] if new is None else [new]
        return "\n".join(lines).encode("utf-8")

    return edit


def _token(line: int, token: str, position: int = 1) -> Mutation:
    """The `position`-th number of line `line` (1-based) replaced by `token`."""

    def edit(data: bytes) -> bytes:
        lines = data.decode("utf-8").splitlines()
        parts = lines[line - 1].split()
        parts[position] = token
        lines[line - 1] = " ".join(parts)
        return "\n".join(lines).encode("utf-8")

    return edit


def _drop_line(line: int) -> Mutation:
    def edit(data: bytes) -> bytes:
        lines = data.decode("utf-8").splitlines()
        del lines[line - 1]
        return "\n".join(lines).encode("utf-8")

    return edit


def _first_pickup_sibling(value: str) -> Mutation:
    """Li & Lim: the delivery sibling of the first pickup (positive demand) set to `value`."""

    def edit(data: bytes) -> bytes:
        lines = data.decode("utf-8").splitlines()
        k = next(i for i, ln in enumerate(lines[2:], 2) if float(ln.split()[3]) > 0)
        parts = lines[k].split()
        parts[8] = value
        lines[k] = "\t".join(parts)
        return "\n".join(lines).encode("utf-8")

    return edit


BENCH_CASES: list[tuple[str, str, Mutation]] = [
    *[
        (f"{f}-{c}", f, m)
        for f in ("R101.txt", "R101.vrp", "lc101.txt", "CON3-0.vrpspd")
        for c, m in [
            ("binary", binary),
            ("empty", empty),
            ("utf16", utf16),
            ("cut-in-line-12", cut_in_line(11, 12)),
        ]
    ],
    ("R101.txt-no-capacity-line", "R101.txt", _drop_line(5)),
    ("R101.txt-text-coordinate", "R101.txt", _token(12, "4l")),
    ("R101.txt-nan-demand", "R101.txt", _token(12, "nan", 3)),
    ("R101.txt-capacity-1e30", "R101.txt", _token(5, "1e30", 1)),
    ("R101.txt-due-1e30", "R101.txt", _token(10, "1e9", 5)),
    ("R101.txt-six-columns", "R101.txt", _replace_line("1 ", "1 41 49 10 161 171")),
    ("R101.txt-id-twice", "R101.txt", _token(12, "1", 0)),
    ("R101.txt-due-before-ready", "R101.txt", _token(12, "10", 5)),
    ("R101.vrp-no-capacity", "R101.vrp", _replace_line("CAPACITY", None)),
    ("R101.vrp-capacity-1e30", "R101.vrp", _replace_line("CAPACITY", "CAPACITY : 1e30")),
    ("R101.vrp-capacity-text", "R101.vrp", _replace_line("CAPACITY", "CAPACITY : lots")),
    ("R101.vrp-dimension-100", "R101.vrp", _replace_line("DIMENSION", "DIMENSION : 100")),
    ("R101.vrp-dimension-1e9", "R101.vrp", _replace_line("DIMENSION", "DIMENSION : 1000000000")),
    ("R101.vrp-vehicles-1e9", "R101.vrp", _replace_line("VEHICLES", "VEHICLES : 1000000000")),
    ("R101.vrp-text-coordinate", "R101.vrp", _token(10, "x")),
    ("R101.vrp-demand-short", "R101.vrp", _drop_line(112)),
    ("R101.vrp-no-depot-section", "R101.vrp", _replace_line("DEPOT_SECTION", "EOF")),
    (
        "R101.vrp-explicit-weights",
        "R101.vrp",
        _replace_line("EDGE_WEIGHT_TYPE", "EDGE_WEIGHT_TYPE : EXPLICIT"),
    ),
    ("R101.vrp-depot-2", "R101.vrp", _replace_line("DEPOT_SECTION", "DEPOT_SECTION\n2")),
    ("tiny_cvrp.vrp-inf-coordinate", "tiny_cvrp.vrp", _token(9, "inf")),
    ("tiny_cvrp.vrp-negative-demand", "tiny_cvrp.vrp", _token(15, "-4")),
    ("lc101.txt-text-token", "lc101.txt", _token(3, "forty")),
    (
        "lc101.txt-eight-numbers",
        "lc101.txt",
        lambda d: d.replace(b"\n1\t45\t68\t-10", b"\n1\t45\t68", 1),
    ),
    ("lc101.txt-pair-out-of-range", "lc101.txt", _first_pickup_sibling("999")),
    ("lc101.txt-pair-not-a-delivery", "lc101.txt", _first_pickup_sibling("0")),
    ("CON3-0.vrpspd-dimension-50", "CON3-0.vrpspd", _replace_line("DIMENSION", "DIMENSION : 50")),
    ("CON3-0.vrpspd-matrix-short", "CON3-0.vrpspd", _drop_line(12)),
    ("CON3-0.vrpspd-negative-distance", "CON3-0.vrpspd", _token(11, "-5", 2)),
    ("CON3-0.vrpspd-no-capacity", "CON3-0.vrpspd", _replace_line("CAPACITY", None)),
    ("CON3-0.vrpspd-capacity-1e30", "CON3-0.vrpspd", _replace_line("CAPACITY", "CAPACITY : 1e30")),
    ("CON3-0.vrpspd-pd-short", "CON3-0.vrpspd", _drop_line(70)),
]


@pytest.mark.parametrize(
    ("case", "name", "mutate"), BENCH_CASES, ids=[c for c, _, _ in BENCH_CASES]
)
def test_benchmark_file(tmp_path, case, name, mutate):
    bad = tmp_path / name
    bad.write_bytes(mutate((BENCH / name).read_bytes()))
    result = run("bench", "solve", bad, *BUDGET, "--json")
    assert_clean_failure(result, bad)
    assert list(tmp_path.iterdir()) == [bad]


# --- division data: `route data build X --raw DIR` ------------------------------------------------
RAW_CASES = [
    ("list-missing", "adcode/610431.csv", None),
    ("list-empty", "adcode/610431.csv", empty),
    ("list-binary", "adcode/610431.csv", binary),
    ("list-cut-in-row", "adcode/610431.csv", cut_in_line(3, 20)),
    ("list-short-row", "adcode/610431.csv", short_row),
    (
        "list-lon-text",
        "adcode/610431.csv",
        lambda d: d.replace(b",108.213614,", b",east,", 1),
    ),
    ("fence-missing", "fences/610431.json", None),
    ("fence-binary", "fences/610431.json", binary),
    ("fence-cut", "fences/610431.json", cut_at(0.5)),
    (
        "fence-a-point",
        "fences/610431.json",
        lambda d: b'{"type": "Point", "coordinates": [108.2, 34.3]}',
    ),
    ("fence-a-list", "fences/610431.json", lambda d: b"[]"),
]


@pytest.mark.parametrize(
    ("case", "name", "mutate"),
    [pytest.param(c, n, m, id=c) for c, n, m in RAW_CASES],
)
def test_division_data(tmp_path, case, name, mutate):
    raw = tmp_path / "raw"
    for sub in ("adcode/610431.csv", "fences/610431.json"):
        (raw / sub).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(RAW / sub, raw / sub)
    bad = raw / name
    if mutate is None:
        bad.unlink()
    else:
        bad.write_bytes(mutate(bad.read_bytes()))
    home = tmp_path / "home"
    result = run("data", "build", "wugong", "--raw", raw, "--data-dir", home)
    # with no readable division list at all, the folder is what is named
    assert_clean_failure(result, raw if case in ("list-missing", "list-empty") else bad)
    assert files_under(home) == {}


# --- size: a 50 MB garbage file gives a short message, quickly ------------------------------------
def _garbage_rows(header: bytes, size: int) -> bytes:
    """`size` bytes of seeded printable garbage with commas and newlines under a real header."""
    alphabet = bytes(range(32, 127)) + b",,,,\n\n"
    rng = random.Random(50)
    body = rng.randbytes(size).translate(bytes(alphabet[b % len(alphabet)] for b in range(256)))
    return header + b"\n" + body.replace(b'"', b"'")


@pytest.mark.parametrize(
    ("kind", "make", "says"),
    [
        (
            "text",
            lambda: _garbage_rows(ORDERS_OK.read_bytes().split(b"\n")[0], 50_000_000),
            "reading stopped at row",
        ),
        ("binary", lambda: random.Random(1).randbytes(50_000_000), "not a text CSV file"),
    ],
    ids=["text", "binary"],
)
def test_50mb_garbage_gives_a_short_message(planned, tmp_path, kind, make, says):
    bad = tmp_path / "orders.csv"
    bad.write_bytes(make())
    t = time.perf_counter()
    result = run("orders", "import", bad, "--data-dir", planned.data)
    assert time.perf_counter() - t < 30  # about 1 s: reading stops after KEPT_FAULTS problems
    assert_clean_failure(result, bad)
    assert says in result.output
    assert len(result.output) < 5_000


# --- the corpus, counted ------------------------------------------------------------------------
CASES = Counter(
    {
        "order files (route plan --orders, route orders import)": 2 * len(ORDER_CASES),
        "county folders (route plan)": len(COUNTY_CASES),
        "plan files (route check, export json/gpx, map, sheets)": len(PLAN_CASES)
        * len(PLAN_COMMANDS),
        "courier route files, CSV and JSON (route import)": len(ROUTE_CASES)
        + len(COURIER_JSON_CASES),
        "road network files (route network import)": len(NETWORK_CASES),
        "benchmark instances (route bench solve)": len(BENCH_CASES),
        "division data (route data build --raw)": len(RAW_CASES),
        "50 MB garbage (route orders import)": 2,
    }
)


def test_every_command_that_reads_a_file_is_fuzzed():
    """The counts for the record, and a floor so that a refactor cannot quietly drop a kind."""
    for kind, n in CASES.items():
        print(f"{n:4d}  {kind}")
    print(f"{sum(CASES.values()):4d}  in all")
    assert all(n >= 2 for n in CASES.values())
    assert sum(CASES.values()) >= 300


if __name__ == "__main__":
    for kind, n in CASES.items():
        print(f"{n:4d}  {kind}")
    print(f"{sum(CASES.values()):4d}  in all")
