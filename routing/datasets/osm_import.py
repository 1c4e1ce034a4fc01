"""`route network import`: a real OpenStreetMap extract in place of a county's generated roads.

The result has the format of `routing.roadgen` (osmnx conventions, see `routing.network`), so
the loader, the matrices and the planner use it unchanged. Steps:

1. read: `.osm` XML with osmnx; `.osm.pbf` converted to XML with pyosmium first, keeping only
   drivable ways that touch the county's box (a province extract would not fit in memory as
   osmnx's XML structures) and cutting ways at nodes missing from a bounding-box extract;
   `.graphml` as saved by osmnx.
2. keep drivable roads only (`DRIVABLE`), before simplification, so that a footway meeting a road
   leaves no junction node behind and no merged edge mixes a road with a footway.
3. clip to the county boundary plus `BUFFER_M`, so that roads along the border survive.
4. simplify (osmnx), never merging roads of different OSM classes, so `highway` stays one string.
5. keep the largest strongly connected component: every kept node can reach every other.

Road classes. `highway` on every edge is one of `routing.model.ROAD_CLASSES`, the vocabulary of
ROAD_SPEEDS_KPH and of the fleet's `banned_roads`; the OSM value is kept in `osm_highway`.
Drivable OSM classes outside that table are mapped (`CLASS_ALIASES`):

    motorway_link, trunk_link, primary_link,    -> the road they belong to (motorway, trunk,
    secondary_link, tertiary_link                  ...): ramps are short, and a vehicle banned
                                                   from a class must be kept off its ramps too
    living_street                               -> residential (20 km/h)
    road (class not yet surveyed)               -> unclassified (30 km/h)

Everything else (footway, path, cycleway, steps, pedestrian, bridleway, corridor, construction,
proposed, platform, elevator, busway, raceway, ...) is dropped, as are areas (area=yes) and
ways closed to cars: the most specific of motorcar, motor_vehicle, access that a way has is
no or private (so access=no + motor_vehicle=yes stays). Speeds are the class speeds; OSM
maxspeed tags are ignored so that generated and imported networks are priced alike.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import networkx as nx
import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from ..errors import Fault, InputError, NetworkError
from ..geo import LocalProjection
from ..inputs.county import edit_county, load_county, write_meta
from ..inputs.locations import data_home
from ..network.graph import (
    MAX_SNAP_M,
    ROAD_SPEEDS_KPH,
    file_sha256,
    road_arrays,
    unreachable_points,
)

Progress = Callable[[str], None]

BUFFER_M = 200.0  # keep roads this far outside the county line (border roads, digitising error)
CLASS_ALIASES = {
    "motorway_link": "motorway",
    "trunk_link": "trunk",
    "primary_link": "primary",
    "secondary_link": "secondary",
    "tertiary_link": "tertiary",
    "living_street": "residential",
    "road": "unclassified",
}
DRIVABLE = frozenset(ROAD_SPEEDS_KPH) | frozenset(CLASS_ALIASES)
# Access tags, most specific first: the first one a way has decides whether vans may use it.
_ACCESS_TAGS = ("motorcar", "motor_vehicle", "access")
_CLOSED = frozenset({"no", "private"})
ATTRIBUTION = (
    "Road network © OpenStreetMap contributors, ODbL 1.0 (https://www.openstreetmap.org/copyright)"
)


def _suffix(file: Path) -> str:
    name = file.name.lower()
    for s in (".osm.pbf", ".pbf", ".osm", ".graphml"):
        if name.endswith(s):
            return ".osm.pbf" if s == ".pbf" else s
    raise InputError(
        Fault(
            str(file),
            "unsupported road network format; use OpenStreetMap XML (.osm), "
            "OpenStreetMap PBF (.osm.pbf) or osmnx GraphML (.graphml)",
        )
    )


def _check_readable(file: Path) -> None:
    try:
        with file.open("rb") as fh:
            fh.read(1)
    except FileNotFoundError:
        raise InputError(Fault(str(file), "file not found")) from None
    except OSError as exc:
        raise InputError(Fault(str(file), f"cannot read the file ({exc.strerror})")) from None


def _buffered_boundary(county_dir: Path) -> BaseGeometry:
    """The county polygon grown by BUFFER_M, in lon/lat (buffered in metres, in UTM)."""
    path = county_dir / "boundary.geojson"
    try:
        geom = shape(json.loads(path.read_text(encoding="utf-8"))["features"][0]["geometry"])
    except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise InputError(Fault(str(path), f"no readable county boundary ({exc})")) from None
    c = geom.centroid
    proj = LocalProjection(c.x, c.y)
    metric = shapely.transform(geom, lambda a: np.column_stack(proj.to_xy(a[:, 0], a[:, 1])))
    grown = metric.buffer(BUFFER_M)
    return shapely.transform(grown, lambda a: np.column_stack(proj.to_lonlat(a[:, 0], a[:, 1])))


@contextlib.contextmanager
def _temp_path(directory: Path | None, suffix: str) -> Iterator[Path]:
    fd, name = tempfile.mkstemp(dir=directory, prefix=".osm-import.", suffix=suffix)
    os.close(fd)
    try:
        yield Path(name)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


def _longest_run(refs: list[int], present: list[bool]) -> list[int]:
    """The longest stretch of consecutive nodes that the extract has (a way cut at the edge of
    a bounding-box extract keeps its part inside)."""
    best: list[int] = []
    run: list[int] = []
    for ref, ok in zip(refs, present, strict=True):
        run = [*run, ref] if ok else []
        if len(run) > len(best):
            best = run
    return best


def _pbf_to_xml(src: Path, dst: Path, bbox: tuple[float, float, float, float]) -> tuple[int, int]:
    """Write the drivable ways of a PBF that have a node in `bbox` (west, south, east, north),
    with their nodes, as OSM XML. A way with nodes missing from the extract is cut to its
    longest stretch of present nodes. Returns (ways written, ways cut)."""
    import osmium

    west, south, east, north = bbox
    keep = osmium.IdTracker()
    cut: dict[int, list[int]] = {}
    n_ways = 0
    ways = (
        osmium.FileProcessor(str(src), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()  # fills way node locations before the filters run
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.TagFilter(*(("highway", c) for c in sorted(DRIVABLE))))
    )
    for way in ways:
        if not isinstance(way, osmium.osm.Way):
            continue
        refs = [n.ref for n in way.nodes]
        locs = [n.location for n in way.nodes]
        present = [loc.valid() for loc in locs]
        if not any(
            ok and west <= loc.lon <= east and south <= loc.lat <= north
            for loc, ok in zip(locs, present, strict=True)
        ):
            continue
        if not all(present):
            refs = _longest_run(refs, present)
            if len(refs) < 2:
                continue
            cut[way.id] = refs
        keep.add_way(way.id)
        for ref in refs:
            keep.add_node(ref)
        n_ways += 1
    with osmium.SimpleWriter(str(dst), overwrite=True) as out:
        for obj in osmium.FileProcessor(str(src), osmium.osm.NODE | osmium.osm.WAY).with_filter(
            keep.id_filter()
        ):
            if isinstance(obj, osmium.osm.Way) and obj.id in cut:
                out.add(obj.replace(nodes=cut[obj.id]))
            else:
                out.add(obj)
    return n_ways, len(cut)


def _read(file: Path, kind: str, boundary: BaseGeometry, progress: Progress) -> nx.MultiDiGraph:
    """The file as an osmnx graph (unsimplified for OSM input); any parse error is an
    InputError naming the file."""
    import osmnx as ox

    try:
        if kind == ".graphml":
            g = ox.load_graphml(file)
            crs = g.graph.get("crs", "epsg:4326")
            from pyproj import CRS

            if CRS.from_user_input(crs).to_epsg() != 4326:
                raise InputError(
                    Fault(str(file), f"the graph is projected ({crs}); save it in WGS-84 lon/lat")
                )
            g.graph["crs"] = "epsg:4326"
            _check_graphml(file, g)
            return g
        if kind == ".osm":
            with _way_tags(*_ACCESS_TAGS):
                return ox.graph_from_xml(file, simplify=False, retain_all=True)
        with _temp_path(None, ".osm") as xml:
            n, n_cut = _pbf_to_xml(file, xml, boundary.bounds)
            progress(
                f"PBF: {n} drivable ways in the county's box"
                + (f" ({n_cut} cut where nodes are missing from the extract)" if n_cut else "")
            )
            if n == 0:
                raise NetworkError(
                    f"{file} has no drivable roads inside the county's box {_box(boundary)}: "
                    "does the extract cover the county?"
                )
            with _way_tags(*_ACCESS_TAGS):
                return ox.graph_from_xml(xml, simplify=False, retain_all=True)
    except (InputError, NetworkError):
        raise
    except Exception as exc:  # malformed XML/PBF/GraphML: name the file, no traceback
        what = {".osm": "OpenStreetMap XML", ".osm.pbf": "OpenStreetMap PBF"}.get(kind, "GraphML")
        hint = (
            "; ways reference nodes the file does not have: cut the extract with complete ways "
            "(osmium extract --strategy complete_ways), or convert it to PBF (osmium cat FILE "
            "-o FILE.osm.pbf), whose import cuts such ways at the missing nodes"
            if "missing nodes" in str(exc)
            else ""
        )
        raise InputError(Fault(str(file), f"not a readable {what} file ({exc}){hint}")) from None


def _check_graphml(file: Path, g: nx.MultiDiGraph) -> None:
    """A GraphML road graph must carry what an osmnx street graph carries."""
    for n, d in g.nodes(data=True):
        if "x" not in d or "y" not in d:
            raise InputError(Fault(str(file), f"node {n} has no x/y position", field="x"))
    for u, v, d in g.edges(data=True):
        for attr in ("highway", "length"):
            if attr not in d:
                raise InputError(Fault(str(file), f"edge {u}->{v} has no {attr}", field=attr))


def _box(geom: BaseGeometry) -> str:
    w, s, e, n = geom.bounds
    return f"({w:.4f}, {s:.4f}) - ({e:.4f}, {n:.4f})"


def _road_class(value: object) -> str | None:
    """Project road class of an OSM highway value, None if not drivable. Lists (merged edges of
    an osmnx-simplified GraphML) are drivable only if every part is; the first part names it."""
    parts = value if isinstance(value, list | tuple) else [value]
    if not parts or any(str(p) not in DRIVABLE for p in parts):
        return None
    first = str(parts[0])
    return CLASS_ALIASES.get(first, first)


def _is_open(d: dict) -> bool:
    if str(d.get("area")) == "yes":
        return False
    for tag in _ACCESS_TAGS:
        if tag in d:
            return str(d[tag]) not in _CLOSED
    return True


@contextlib.contextmanager
def _way_tags(*extra: str) -> Iterator[None]:
    """osmnx keeps only `settings.useful_tags_way` as edge attributes: add the access tags the
    drivable filter reads, for the duration of one parse."""
    import osmnx as ox

    saved = list(ox.settings.useful_tags_way)
    ox.settings.useful_tags_way = [*saved, *(t for t in extra if t not in saved)]
    try:
        yield
    finally:
        ox.settings.useful_tags_way = saved


def _drivable(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Only drivable edges, and only nodes that carry a road and have a position."""
    drop = [
        (u, v, k)
        for u, v, k, d in g.edges(keys=True, data=True)
        if _road_class(d.get("highway")) is None or not _is_open(d)
    ]
    g.remove_edges_from(drop)
    g.remove_nodes_from(
        [n for n, d in g.nodes(data=True) if g.degree(n) == 0 or "x" not in d or "y" not in d]
    )
    return g


def _finish_edges(g: nx.MultiDiGraph) -> None:
    """One class per edge, its speed and travel time (the attributes `routing.network` needs)."""
    for _, _, d in g.edges(data=True):
        raw = d.get("osm_highway", d["highway"])
        raw = str(raw[0]) if isinstance(raw, list | tuple) else str(raw)
        name = _road_class(d["highway"]) or "unclassified"  # drivable: always a class
        speed = ROAD_SPEEDS_KPH[name]
        length = float(d["length"])
        d["highway"] = name
        d["osm_highway"] = raw
        d["length"] = round(length, 3)
        d["speed_kph"] = speed
        d["travel_time"] = round(length / (speed / 3.6), 3)


def _km_by_class(g: nx.MultiDiGraph) -> dict[str, float]:
    """Kilometres of road per class; a two-way road (an edge and its equal-length reverse)
    counts once, a one-way road once."""
    km: dict[str, float] = defaultdict(float)
    for u, v, d in g.edges(data=True):
        back = g.get_edge_data(v, u) or {}
        twin = any(abs(float(b["length"]) - float(d["length"])) < 0.5 for b in back.values())
        km[d["highway"]] += float(d["length"]) / (2000.0 if twin else 1000.0)
    return {k: round(v, 1) for k, v in sorted(km.items())}


def build_graph(
    file: Path, boundary: BaseGeometry, progress: Progress
) -> tuple[nx.MultiDiGraph, int]:
    """The county's road graph from an OSM file, and how many nodes the largest strongly
    connected component left out. Pure: writes nothing."""
    import osmnx as ox

    kind = _suffix(file)
    _check_readable(file)
    progress(f"reading {file} ...")
    g = _drivable(_read(file, kind, boundary, progress))
    n_file = g.number_of_nodes()
    if g.number_of_edges() == 0:
        raise NetworkError(f"{file} has no drivable roads (highway={', '.join(sorted(DRIVABLE))})")
    try:
        g = ox.truncate.truncate_graph_polygon(g, boundary)
    except ValueError:  # osmnx: "Found no graph nodes within the requested polygon"
        g = nx.MultiDiGraph()
    g.remove_nodes_from([n for n in list(g.nodes) if g.degree(n) == 0])
    n_clip = g.number_of_nodes()
    if g.number_of_edges() == 0:
        raise NetworkError(
            f"{file} has no roads inside the county boundary (+{BUFFER_M:.0f} m, box "
            f"{_box(boundary)}): does the extract cover the county?"
        )
    if not g.graph.get("simplified"):
        g = ox.simplify_graph(g, edge_attrs_differ=["highway"])
    n_before = g.number_of_nodes()
    g = ox.truncate.largest_component(g, strongly=True)
    dropped = n_before - g.number_of_nodes()
    if g.number_of_edges() == 0:
        raise NetworkError(f"{file}: no two nodes of the county's roads reach each other")
    progress(
        f"roads: {n_file} drivable nodes in the file, {n_clip} in the county; after "
        f"simplification {g.number_of_nodes()} in the largest strongly connected part "
        f"({dropped} in smaller parts dropped)"
    )
    _finish_edges(g)
    return g, dropped


def import_network(
    file: Path,
    county: str,
    data_dir: Path | None = None,
    force: bool = False,
    progress: Progress = lambda m: None,
) -> dict:
    """Replace the county's roads.graphml with the OSM extract's drivable roads clipped to the
    county, and record it in county.json. The county's folder changes as a whole or not at all
    (`routing.inputs.county.edit_county`); a generated graph is kept as
    roads.generated.graphml (once) so it can be restored. An extract that would leave service
    points unreachable is refused unless `force`."""
    import osmnx as ox

    file = Path(file)
    source = load_county(county, data_dir)
    meta = dict(source.meta)
    g, dropped = build_graph(file, _buffered_boundary(source.dir), progress)
    km = _km_by_class(g)
    g.graph.pop("created_date", None)  # same extract, same bytes: keeps the matrix cache valid
    g.graph.update(
        crs="epsg:4326",
        county=str(meta.get("name", source.slug)),
        generated="false",
        source=f"OpenStreetMap extract {file.name}",
        attribution=ATTRIBUTION,
    )
    lost = unreachable_points(road_arrays(g, "import"), source.points)
    if lost:
        listed = ", ".join(lost[:10]) + (" ..." if len(lost) > 10 else "")
        message = (
            f"{file}: with these roads {len(lost)} of {len(source.points)} service points "
            f"could not be reached (more than {MAX_SNAP_M:.0f} m from a road, or cut off from "
            f"the hub): {listed}"
        )
        if not force:
            raise NetworkError(message + ". Nothing was changed; use --force to import anyway.")
        progress(f"warning: {message} (imported anyway: --force)")

    with edit_county(county, data_dir) as stage:
        graph_path = stage / "roads.graphml"
        backup = stage / "roads.generated.graphml"
        previous = meta.get("road_network") or {}
        if previous.get("generated") and graph_path.exists() and not backup.exists():
            os.link(graph_path, backup)  # the staging copy's link: nothing is copied
            progress(f"kept the generated network as {backup.name}")
        graph_path.unlink(missing_ok=True)
        ox.save_graphml(g, graph_path)
        os.chmod(graph_path, 0o644)
        meta["road_network"] = {
            "generated": False,
            "note": "REAL road network: an OpenStreetMap extract, drivable roads clipped to the "
            f"county boundary (+{BUFFER_M:.0f} m), largest strongly connected part. "
            f"{ATTRIBUTION}.",
            "attribution": ATTRIBUTION,
            "source": file.name,
            "source_sha256": file_sha256(file),
            "imported_from": str(file.resolve()),
            "nodes": g.number_of_nodes(),
            "directed_edges": g.number_of_edges(),
            "dropped_nodes_not_strongly_connected": dropped,
            "km_by_class": km,
        }
        write_meta(stage, meta)
    total = sum(km.values())
    progress(f"{total:.0f} km of road: " + ", ".join(f"{k} {v:.1f}" for k, v in km.items()))
    return {
        "path": data_home(data_dir) / source.slug / "roads.graphml",
        "nodes": g.number_of_nodes(),
        "directed_edges": g.number_of_edges(),
        "km": total,
        "km_by_class": km,
        "dropped_nodes": dropped,
        "unreachable": lost,
    }
