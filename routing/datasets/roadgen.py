"""A generated road network on a county's real geography, for counties with no OSM extract.

Labelled as generated everywhere it is stored. The shape follows how rural Chinese networks are
built: a national trunk road and a provincial road cross the county through the seat, county
roads (县道) join the seat to every town, township roads (乡道) join neighbouring towns, and
village roads (村道) form a loose mesh that reaches every village; some villages are reached only
by narrow lanes. Roads bend, so network distance exceeds straight-line distance by a realistic
factor (measured in data/README.md).
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import shapely
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import Delaunay, cKDTree
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from ..geo import LocalProjection, haversine_m
from ..network.graph import ROAD_SPEEDS_KPH

# Lateral bend of a road, as a fraction of its straight length (sine series amplitude).
_BEND = {
    "trunk": 0.03,
    "primary": 0.04,
    "secondary": 0.08,
    "tertiary": 0.10,
    "unclassified": 0.13,
    "track": 0.15,
}
SEGMENT_M = 120.0  # spacing of shape nodes along a road
NARROW_VILLAGE_SHARE = 0.08  # villages reached only by narrow lanes (track)
NARROW_EDGE_SHARE = 0.10  # other village-road links that are narrow lanes
_SHORT_EDGE_M = 0.5
GABRIEL_EXTRA_SHARE = 0.35  # Gabriel links added to the relative neighbourhood graph


def _mesh(
    xy: np.ndarray, boundary: BaseGeometry, rng: np.random.Generator
) -> list[tuple[int, int]]:
    """Gabriel graph of the sites (a planar mesh like real village road networks) without links
    that leave the county, plus a minimum spanning tree so that the mesh is connected."""
    tri = Delaunay(xy)
    pairs: set[tuple[int, int]] = set()
    for s in tri.simplices:
        for a, b in ((s[0], s[1]), (s[1], s[2]), (s[0], s[2])):
            pairs.add((min(a, b), max(a, b)))
    cand = sorted(pairs)
    tree = cKDTree(xy)
    inside = boundary.buffer(300.0)
    shapely.prepare(inside)
    keep, length, outside = [], [], []
    for a, b in cand:
        mid = (xy[a] + xy[b]) / 2
        r = np.linalg.norm(xy[a] - xy[b]) / 2
        near = tree.query_ball_point(mid, r * (1 - 1e-9))
        gabriel = all(k in (a, b) for k in near)
        # Relative neighbourhood: no site closer to both ends than they are to each other.
        lune = set(tree.query_ball_point(xy[a], 2 * r * (1 - 1e-9))) & set(
            tree.query_ball_point(xy[b], 2 * r * (1 - 1e-9))
        )
        rng_edge = lune <= {a, b}
        out = not inside.contains(LineString([xy[a], xy[b]]))
        length.append(2 * r)
        outside.append(out)
        keep.append((rng_edge or (gabriel and rng.random() < GABRIEL_EXTRA_SHARE)) and not out)
    n = len(xy)
    w = np.array([ln * (4.0 if o else 1.0) + 1e-6 for ln, o in zip(length, outside, strict=True)])
    from scipy.sparse import coo_matrix

    ia = np.array([a for a, _ in cand])
    ib = np.array([b for _, b in cand])
    mst = minimum_spanning_tree(coo_matrix((w, (ia, ib)), shape=(n, n))).tocoo()
    in_mst = {(min(a, b), max(a, b)) for a, b in zip(mst.row, mst.col, strict=True)}
    return [e for e, k in zip(cand, keep, strict=True) if k or e in in_mst]


def _classify(
    xy: np.ndarray,
    edges: list[tuple[int, int]],
    tiers: list[str],
    hub: int,
    rng: np.random.Generator,
) -> dict[tuple[int, int], str]:
    g = nx.Graph()
    for a, b in edges:
        g.add_edge(a, b, weight=float(np.linalg.norm(xy[a] - xy[b])))
    cls = {e: "unclassified" for e in edges}

    def mark(path, name, over=("unclassified",)):
        for a, b in itertools.pairwise(path):
            e = (min(a, b), max(a, b))
            if cls[e] in over:
                cls[e] = name

    towns = [i for i, t in enumerate(tiers) if t == "township"]
    facilities = [i for i, t in enumerate(tiers) if t == "facility"]
    for t in towns:  # county roads: seat to every town
        mark(nx.shortest_path(g, hub, t, weight="weight"), "secondary")
    anchors = [hub, *towns]
    if len(anchors) >= 3:  # township roads: between neighbouring towns
        tri = Delaunay(xy[anchors])
        pairs = {
            tuple(sorted((anchors[s[i]], anchors[s[j]])))
            for s in tri.simplices
            for i, j in ((0, 1), (1, 2), (0, 2))
        }
    else:
        pairs = {tuple(sorted(anchors))} if len(anchors) == 2 else set()
    for a, b in sorted(pairs):
        mark(nx.shortest_path(g, a, b, weight="weight"), "tertiary")
    for f in facilities:
        mark(nx.shortest_path(g, hub, f, weight="weight"), "tertiary")

    villages = [i for i, t in enumerate(tiers) if t == "village"]
    narrow = (
        set(
            rng.choice(
                villages, size=int(round(NARROW_VILLAGE_SHARE * len(villages))), replace=False
            ).tolist()
        )
        if villages
        else set()
    )
    for e in edges:
        if cls[e] != "unclassified":
            continue
        if e[0] in narrow or e[1] in narrow or rng.random() < NARROW_EDGE_SHARE:
            cls[e] = "track"
    return cls


def _bend(a: np.ndarray, b: np.ndarray, amp: float, rng: np.random.Generator) -> np.ndarray:
    """Shape points of a road from a to b: a smooth sine series bend, ends fixed."""
    chord = b - a
    length = float(np.linalg.norm(chord))
    n = max(1, int(np.ceil(length / SEGMENT_M)))
    t = np.linspace(0.0, 1.0, n + 1)
    c = rng.normal(size=3)
    k = np.arange(1, 4)
    offset = length * amp * (np.sin(np.pi * np.outer(t, k)) * (c / k)).sum(axis=1)
    normal = np.array([-chord[1], chord[0]]) / max(length, 1e-9)
    pts = a + np.outer(t, chord) + np.outer(offset, normal)
    pts[0], pts[-1] = a, b
    return pts


def _cross_road(
    hub_xy: np.ndarray,
    direction: np.ndarray,
    boundary: BaseGeometry,
    amp: float,
    rng: np.random.Generator,
) -> list[np.ndarray]:
    """A long road through the seat along `direction`, bent, cut to the county."""
    span = 2.0 * max(
        boundary.bounds[2] - boundary.bounds[0], boundary.bounds[3] - boundary.bounds[1]
    )
    ends = [hub_xy - direction * span / 2, hub_xy + direction * span / 2]
    # Bend in 6 km pieces so the road wanders like a real one but still passes the seat.
    pieces = []
    for a, b in ((ends[0], hub_xy), (hub_xy, ends[1])):
        m = max(1, int(np.ceil(np.linalg.norm(b - a) / 6000.0)))
        knots = [a + (b - a) * i / m for i in range(m + 1)]
        for p, q in itertools.pairwise(knots):
            pieces.append(_bend(p, q, amp, rng)[:-1])
    line = LineString(np.vstack([*pieces, ends[1][None, :]]))
    clipped = line.intersection(boundary)
    parts = [clipped] if clipped.geom_type == "LineString" else list(getattr(clipped, "geoms", []))
    return [np.asarray(p.coords) for p in parts if p.geom_type == "LineString" and p.length > 500]


def _node_lines(lines: list[np.ndarray]) -> list[np.ndarray]:
    """Insert every crossing of two roads into both, so all roads meet at grade junctions."""
    geoms = [LineString(c) for c in lines]
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    cuts: list[list[tuple[float, float]]] = [[] for _ in lines]
    for i, j in zip(left, right, strict=True):
        if i >= j:
            continue
        inter = geoms[i].intersection(geoms[j])
        pts = [g for g in getattr(inter, "geoms", [inter]) if g.geom_type == "Point"]
        for p in pts:
            cuts[i].append((p.x, p.y))
            cuts[j].append((p.x, p.y))
    out = []
    for coords, geom, cut in zip(lines, geoms, cuts, strict=True):
        if not cut:
            out.append(coords)
            continue
        seg = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(coords, axis=0), axis=1))])
        items = [(float(d), tuple(c)) for d, c in zip(seg, coords, strict=True)]
        items += [(geom.project(Point(c)), c) for c in set(cut)]
        items.sort(key=lambda it: it[0])
        pts = [items[0][1]]
        for _, c in items[1:]:
            if c != pts[-1]:
                pts.append(c)
        out.append(np.asarray(pts))
    return out


def generate_roads(
    sites: list[dict],
    boundary_wgs: BaseGeometry,
    seed: int,
    county: str,
) -> nx.MultiDiGraph:
    """Road graph (osmnx conventions, WGS-84) reaching every site, strongly connected."""
    rng = np.random.default_rng([seed, 7])
    c = boundary_wgs.centroid
    proj = LocalProjection(c.x, c.y)
    boundary = shapely.transform(
        boundary_wgs, lambda a: np.column_stack(proj.to_xy(a[:, 0], a[:, 1]))
    )
    xy = np.column_stack(proj.to_xy([s["lon"] for s in sites], [s["lat"] for s in sites]))
    tiers = [s["tier"] for s in sites]
    # Sites at one spot (a county seat where a town's centre is) are one node of the mesh:
    # the first of them (the hub comes first) stands for all.
    seen: dict[tuple[float, float], int] = {}
    first = [seen.setdefault((float(x), float(y)), k) for k, (x, y) in enumerate(xy)]
    if len(seen) < len(xy):
        keep = sorted(set(first))
        xy, tiers = xy[keep], [tiers[k] for k in keep]
    hub = tiers.index("hub")

    edges = _mesh(xy, boundary, rng)
    cls = _classify(xy, edges, tiers, hub, rng)
    lines: list[np.ndarray] = []
    classes: list[str] = []
    for a, b in edges:
        lines.append(_bend(xy[a], xy[b], _BEND[cls[(a, b)]], rng))
        classes.append(cls[(a, b)])

    # Trunk and provincial roads along and across the county's long axis, through the seat.
    inner = np.array(
        boundary.exterior.coords
        if boundary.geom_type == "Polygon"
        else max(boundary.geoms, key=lambda g: g.area).exterior.coords
    )
    centred = inner - inner.mean(axis=0)
    axis = np.linalg.svd(centred, full_matrices=False)[2][0]
    for direction, name in ((axis, "trunk"), (np.array([-axis[1], axis[0]]), "primary")):
        for part in _cross_road(xy[hub], direction, boundary, _BEND[name], rng):
            lines.append(part)
            classes.append(name)

    lines = _node_lines(lines)
    return _to_graph(lines, classes, proj, county, seed, xy[hub])


def _to_graph(lines, classes, proj, county, seed, hub_xy, speeds=None) -> nx.MultiDiGraph:
    """The roads as a graph; each line at its class's speed unless `speeds` gives its own."""
    allpts = np.vstack(lines)
    lon, lat = proj.to_lonlat(allpts[:, 0], allpts[:, 1])
    lonlat = np.round(np.column_stack([lon, lat]), 7)
    keys: dict[tuple, int] = {}
    ids = np.empty(len(allpts), dtype=np.int64)
    for k, p in enumerate(map(tuple, np.round(allpts, 2))):
        ids[k] = keys.setdefault(p, len(keys))
    node_lonlat = np.zeros((len(keys), 2))
    node_lonlat[ids] = lonlat

    g = nx.MultiDiGraph(
        crs="epsg:4326",
        county=county,
        generated="true",
        seed=str(seed),
        source="generated by rural-route (routing.roadgen); not a real road network",
    )
    for n, (x, y) in enumerate(node_lonlat):
        g.add_node(n, x=float(x), y=float(y))
    start = 0
    for k, (coords, name) in enumerate(zip(lines, classes, strict=True)):
        seq = ids[start : start + len(coords)]
        start += len(coords)
        speed = round(speeds[k], 1) if speeds is not None else ROAD_SPEEDS_KPH[name]
        for u, v in itertools.pairwise(seq):
            if u == v:
                continue
            length = float(haversine_m(*node_lonlat[u], *node_lonlat[v]))
            if length < _SHORT_EDGE_M:
                length = _SHORT_EDGE_M
            attrs = {
                "highway": name,
                "length": round(length, 3),
                "speed_kph": speed,
                "travel_time": round(length / (speed / 3.6), 3),
                "oneway": False,
            }
            if g.has_edge(u, v):  # two roads along the same shape points: keep the faster
                old = g.edges[u, v, 0]
                if old["travel_time"] <= attrs["travel_time"]:
                    continue
                g.remove_edge(u, v)
                g.remove_edge(v, u)
            g.add_edge(int(u), int(v), reversed=False, **attrs)
            g.add_edge(int(v), int(u), reversed=True, **attrs)
    # Keep the part reachable from the seat (bits of cross roads cut off by the boundary go).
    hub_node = keys[tuple(np.round(hub_xy, 2))]
    keep = nx.node_connected_component(g.to_undirected(as_view=True), hub_node)
    g.remove_nodes_from([n for n in list(g.nodes) if n not in keep])
    return nx.convert_node_labels_to_integers(g, ordering="sorted")
