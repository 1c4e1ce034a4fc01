"""`route network import`: a hand-made OSM extract (tests/data/osm/tiny.osm) over a hand-made
county (tests/data/tinycounty). The fixture's header comment says which node goes why; the
expected graph below follows from it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import networkx as nx
import numpy as np
import osmium
import osmnx as ox
import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import Point, shape

from cli import main
from routing.datasets.osm_import import BUFFER_M, import_network
from routing.errors import InputError, NetworkError
from routing.geo import LocalProjection, haversine_m
from routing.inputs.county import write_meta
from routing.network.graph import ROAD_SPEEDS_KPH, file_sha256, load_graph, read_road_arrays
from routing.pipeline import plan

from .conftest import budget

DATA = Path(__file__).parent / "data"
OSM = DATA / "osm" / "tiny.osm"
# Junctions and dead ends of the drivable roads inside the county (+200 m), in the connected part.
EXPECTED_NODES = {
    *(1003, 1004, 1006, 1007, 1008, 1009, 1011),  # trunk
    *(1101, 1102, 1106),  # tertiary
    *(1302, 1303, 1402, 1601),  # unclassified->track joint, ends of tracks and living street
}
EXPECTED_EDGES = 27  # 13 two-way road sections x 2 + the one-way residential loop


def county_copy(root: Path, with_generated_graph: bool = True) -> Path:
    """The fixture county under `root`, with a stand-in generated roads.graphml."""
    cdir = root / "tinycounty"
    shutil.copytree(DATA / "tinycounty", cdir)
    if with_generated_graph:
        g = nx.MultiDiGraph(crs="epsg:4326", generated="true")
        g.add_node(0, x=108.2, y=34.26)
        g.add_node(1, x=108.21, y=34.26)
        attrs = {"highway": "track", "length": 920.0, "speed_kph": 15.0, "travel_time": 220.8}
        g.add_edge(0, 1, **attrs)
        g.add_edge(1, 0, **attrs)
        ox.save_graphml(g, cdir / "roads.graphml")
    meta = json.loads((cdir / "county.json").read_text(encoding="utf-8"))
    write_meta(cdir, meta)  # the stand-in graph belongs to the dataset
    return cdir


def write_pbf(xml: Path, pbf: Path) -> None:
    with osmium.SimpleWriter(str(pbf), overwrite=True) as out:
        for obj in osmium.FileProcessor(str(xml)):
            out.add(obj)


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> tuple[Path, dict, bytes]:
    """One import of the XML fixture, shared by the read-only checks."""
    root = tmp_path_factory.mktemp("imported")
    cdir = county_copy(root)
    before = (cdir / "roads.graphml").read_bytes()
    messages: list[str] = []
    report = import_network(OSM, cdir.name, cdir.parent, progress=messages.append)
    assert 2 <= len(messages) <= 6  # a few lines, no flooding
    return cdir, report, before


def test_xml_import_builds_the_expected_graph(imported):
    cdir, report, _ = imported
    g = load_graph(cdir / "roads.graphml")  # the planner's own loader accepts it
    assert set(g.nodes) == EXPECTED_NODES
    assert g.number_of_edges() == EXPECTED_EDGES
    assert report["nodes"] == 14 and report["directed_edges"] == EXPECTED_EDGES
    assert report["dropped_nodes"] == 2  # 1701 and 1703, the fragment's ends
    assert g.graph["crs"] == "epsg:4326" and g.graph["generated"] == "false"
    for _, d in g.nodes(data=True):
        assert isinstance(d["x"], float) and isinstance(d["y"], float)
    assert g.nodes[1007]["x"] == pytest.approx(108.2) and g.nodes[1007]["y"] == pytest.approx(34.26)
    assert nx.is_strongly_connected(g)

    for u, v, d in g.edges(data=True):
        assert isinstance(d["highway"], str) and isinstance(d["osm_highway"], str)
        assert d["speed_kph"] == ROAD_SPEEDS_KPH[d["highway"]]
        assert d["travel_time"] == pytest.approx(d["length"] / (d["speed_kph"] / 3.6), abs=0.01)
        assert (
            d["length"]
            >= haversine_m(g.nodes[u]["x"], g.nodes[u]["y"], g.nodes[v]["x"], g.nodes[v]["y"])
            - 0.01
        )
    osm_classes = {d["osm_highway"] for _, _, d in g.edges(data=True)}
    assert osm_classes == {
        "trunk",
        "tertiary",
        "residential",
        "unclassified",
        "track",
        "living_street",
    }
    # footway, private service road and building are gone, with their own nodes; the junction
    # nodes they alone made (1103, 1104) were simplified away as plain road bends.
    assert not {1501, 1901, 1801, 1103, 1104} & set(g.nodes)
    # living_street is priced as residential; trunk at the trunk speed, lengths great-circle
    living = g.edges[1006, 1601, 0]
    assert (living["highway"], living["speed_kph"]) == ("residential", 20.0)
    trunk = g.edges[1003, 1004, 0]
    assert (trunk["highway"], trunk["speed_kph"]) == ("trunk", 70.0)
    assert trunk["length"] == pytest.approx(haversine_m(108.179, 34.26, 108.185, 34.26), abs=0.5)
    arrays = read_road_arrays(cdir / "roads.graphml")
    assert arrays.n_nodes == 14 and len(arrays.src) == EXPECTED_EDGES
    # roads of two classes meeting end to end stay two edges (one class each)
    assert g.edges[1004, 1302, 0]["highway"] == "unclassified"
    assert g.edges[1302, 1303, 0]["highway"] == "track"


def test_one_way_road_has_one_direction(imported):
    g = ox.load_graphml(imported[0] / "roads.graphml")
    ways = [(u, v, d) for u, v, d in g.edges(data=True) if d["osmid"] == 2003]
    assert [(u, v) for u, v, _ in ways] == [(1008, 1009)]
    assert ways[0][2]["oneway"] is True
    # 1008 -> 1201 -> 1202 -> 1009: 3 sides of a 460 m x 550 m box
    assert ways[0][2]["length"] == pytest.approx(555.975 * 2 + 459.509, abs=1.0)
    two_way = [d for u, v, d in g.edges(data=True) if d["osmid"] == 2001]
    assert len(two_way) == 12 and all(d["oneway"] is False for d in two_way)


def test_clipped_to_boundary_plus_buffer(imported):
    cdir, _, _ = imported
    g = load_graph(cdir / "roads.graphml")
    fc = json.loads((cdir / "boundary.geojson").read_text(encoding="utf-8"))
    boundary = shape(fc["features"][0]["geometry"])
    proj = LocalProjection(108.2, 34.26)
    area = shapely.transform(boundary, lambda a: np.column_stack(proj.to_xy(a[:, 0], a[:, 1])))
    gap = {n: area.distance(Point(*proj.to_xy(d["x"], d["y"]))) for n, d in g.nodes(data=True)}
    assert max(gap.values()) <= BUFFER_M
    assert 80 < gap[1003] < 100 and 80 < gap[1011] < 100  # outside the line, inside the buffer
    assert not {1001, 1002, 1012, 1013} & set(g.nodes)  # 460 m and more outside: clipped
    assert min(d["x"] for _, d in g.nodes(data=True)) == pytest.approx(108.179)
    assert max(d["x"] for _, d in g.nodes(data=True)) == pytest.approx(108.221)


def test_county_json_and_backup(imported):
    cdir, _, before = imported
    meta = json.loads((cdir / "county.json").read_text(encoding="utf-8"))
    original = json.loads((DATA / "tinycounty" / "county.json").read_text(encoding="utf-8"))
    assert {k: v for k, v in meta.items() if k not in ("road_network", "files")} == {
        k: v for k, v in original.items() if k != "road_network"
    }
    assert meta["files"]["roads.graphml"] == file_sha256(cdir / "roads.graphml")  # resealed
    rn = meta["road_network"]
    assert rn["generated"] is False
    assert rn["source"] == "tiny.osm" and rn["imported_from"] == str(OSM.resolve())
    assert rn["source_sha256"] == file_sha256(OSM)
    assert (rn["nodes"], rn["directed_edges"]) == (14, EXPECTED_EDGES)
    assert rn["km_by_class"] == {
        "residential": 2.1,  # one-way loop 1.57 km counted once + living street 0.56 km
        "tertiary": 3.3,
        "track": 1.5,
        "trunk": 3.9,
        "unclassified": 1.1,
    }
    assert "OpenStreetMap contributors" in rn["note"] and "ODbL" in rn["note"]
    assert (cdir / "roads.generated.graphml").read_bytes() == before
    leftovers = [p.name for p in cdir.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_graphml_and_pbf_give_the_same_graph(imported, tmp_path):
    export = tmp_path / "export.graphml"
    shutil.copyfile(imported[0] / "roads.graphml", export)
    pbf = tmp_path / "tiny.osm.pbf"
    write_pbf(OSM, pbf)
    for name, source in (("graphml", export), ("pbf", pbf)):
        cdir = county_copy(tmp_path / name, with_generated_graph=False)
        report = import_network(source, cdir.name, cdir.parent)
        g = load_graph(cdir / "roads.graphml")
        assert report["nodes"] == 14, name
        assert set(g.nodes) == EXPECTED_NODES, name
        assert g.number_of_edges() == EXPECTED_EDGES, name
        assert report["km_by_class"] == imported[1]["km_by_class"], name
        assert not (cdir / "roads.generated.graphml").exists()  # nothing to keep


def test_backup_only_of_a_generated_graph_and_only_once(tmp_path):
    cdir = county_copy(tmp_path)
    backup = cdir / "roads.generated.graphml"
    backup.write_bytes(b"an older backup")
    import_network(OSM, cdir.name, cdir.parent)  # generated graph, but a backup exists: left alone
    assert backup.read_bytes() == b"an older backup"
    backup.unlink()
    import_network(OSM, cdir.name, cdir.parent)  # the graph is an import now: nothing to keep
    assert not backup.exists()


def test_pbf_way_cut_at_missing_node(tmp_path):
    """A bounding-box extract cuts ways: the tertiary road loses its north end node 1106 and
    keeps the stretch up to 1105."""
    xml = tmp_path / "cut.osm"
    text = OSM.read_text(encoding="utf-8")
    start = text.index('<node id="1106"')
    xml.write_text(text[:start] + text[text.index("\n", start) + 1 :], encoding="utf-8")
    with pytest.raises(InputError, match="missing nodes"):  # XML: a clear error instead
        import_network(xml, "tinycounty", county_copy(tmp_path / "xml").parent)
    pbf = tmp_path / "cut.osm.pbf"
    write_pbf(xml, pbf)
    cdir = county_copy(tmp_path / "pbf")
    import_network(pbf, cdir.name, cdir.parent)
    nodes = set(load_graph(cdir / "roads.graphml").nodes)
    assert nodes == (EXPECTED_NODES - {1106}) | {1105}


def test_plan_on_imported_roads(tmp_path):
    cdir = county_copy(tmp_path)
    import_network(OSM, cdir.name, cdir.parent)
    result = plan(
        "tinycounty",
        "2026-11-29",
        budget(200),
        data_dir=tmp_path,
        cache_dir=tmp_path / "cache",
    )
    assert result.routes
    assert result.summary()["orders_served"] > 0
    assert result.inputs["roads"]["sha256"] == file_sha256(cdir / "roads.graphml")
    visited = {s.point for r in result.routes for s in r.stops}
    assert visited <= {
        "990101-HUB",
        "990101001000",
        "990101001001",
        "990101001002",
        "990101001003",
        "990101001004",
    }
    assert len(visited - {"990101-HUB"}) >= 3
    assert all(r.distance_m > 500 for r in result.routes)  # driven on the imported roads


def test_cli_import_ok(tmp_path):
    county_copy(tmp_path)
    result = CliRunner().invoke(
        main, ["network", "import", str(OSM), "--county", "tinycounty", "--data-dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "14 nodes, 12 km of road" in result.stdout


NO_ROADS_HERE = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
  <node id="1" version="1" lat="35.0000" lon="109.0000"/>
  <node id="2" version="1" lat="35.0100" lon="109.0000"/>
  <way id="3" version="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/></way>
</osm>
"""


@pytest.mark.parametrize(
    ("name", "content", "code", "message"),
    [
        ("roads.shp", b"not osm", 3, "use OpenStreetMap XML (.osm)"),
        ("broken.osm", b'<osm version="0.6"><node id="1" lat=', 3, "not a readable OpenStreetMap"),
        ("broken.osm.pbf", b"\x00\x00\x00\x0dnot a pbf", 3, "not a readable OpenStreetMap PBF"),
        ("missing.osm", None, 3, "file not found"),
        ("elsewhere.osm", NO_ROADS_HERE.encode(), 4, "does the extract cover the county?"),
    ],
)
def test_cli_bad_file_changes_nothing(tmp_path, name, content, code, message):
    cdir = county_copy(tmp_path / "data")
    graph_before = (cdir / "roads.graphml").read_bytes()
    meta_before = (cdir / "county.json").read_bytes()
    bad = tmp_path / name
    if content is not None:
        bad.write_bytes(content)
    result = CliRunner().invoke(
        main,
        [
            "network",
            "import",
            str(bad),
            "--county",
            "tinycounty",
            "--data-dir",
            str(tmp_path / "data"),
        ],
    )
    assert result.exit_code == code
    assert f"error: {bad}" in result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    assert (cdir / "roads.graphml").read_bytes() == graph_before
    assert (cdir / "county.json").read_bytes() == meta_before
    assert {p.name for p in cdir.iterdir()} == {
        *(p.name for p in (DATA / "tinycounty").iterdir()),
        "roads.graphml",
    }  # no backup, no temporary files


def test_library_errors_are_typed(tmp_path):
    cdir = county_copy(tmp_path)
    with pytest.raises(InputError, match="unsupported road network format"):
        import_network(tmp_path / "x.geojson", cdir.name, cdir.parent)
    far = tmp_path / "elsewhere.osm"
    far.write_text(NO_ROADS_HERE, encoding="utf-8")
    with pytest.raises(NetworkError, match="no roads inside the county boundary"):
        import_network(far, cdir.name, cdir.parent)


def test_an_extract_that_strands_service_points_is_refused_unless_forced(tmp_path):
    """A village 1.5 km from the extract's roads: the import changes nothing and names it;
    with --force the roads are imported and the warning stays on screen."""
    cdir = county_copy(tmp_path)
    with (cdir / "points.csv").open("a", encoding="utf-8") as fh:
        fh.write(
            "990101001009,远村,Yuan Cun,village,990101001000,108.2150,34.2790,source,"
            "08:00,19:00,300,10\n"
        )
    meta = json.loads((cdir / "county.json").read_text(encoding="utf-8"))
    write_meta(cdir, meta)
    before = {p.name: p.read_bytes() for p in cdir.iterdir()}
    args = ["network", "import", str(OSM), "--county", "tinycounty", "--data-dir", str(tmp_path)]
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 4
    assert "1 of 7 service points could not be reached" in refused.stderr
    assert "990101001009" in refused.stderr and "use --force" in refused.stderr
    assert {p.name: p.read_bytes() for p in cdir.iterdir()} == before
    forced = CliRunner().invoke(main, [*args, "--force"])
    assert forced.exit_code == 0, forced.output
    assert "warning:" in forced.stderr and "990101001009" in forced.stderr
    assert (cdir / "roads.generated.graphml").exists()
