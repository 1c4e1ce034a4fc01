"""Generated roads for plain counties, for counties with no OSM extract: a field grid.

Labelled as generated everywhere it is stored. The shape follows how roads on China's plains
are laid out: land consolidation lined the fields up, so village and field roads (村道, 机耕路)
form a grid, north-south and east-west as on the Guanzhong plain, about a kilometre apart,
with gaps where fields run through; villages sit beside the grid, some on a road of their own
and some where two roads meet; short spurs lead off to farmsteads, orchards and greenhouses,
the plain's dead ends. A national trunk road and a provincial road cross the county through
the seat, county roads (县道) join the seat to every town along the grid, and township roads
(乡道) join neighbouring towns. Some villages are reached only by narrow lanes. The measured
circuity and dead-end share are in data/README.md; the targets are the plain class of
`terrain`."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
from scipy.spatial import Delaunay, cKDTree
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from ..geo import LocalProjection, haversine_m
from ..network.graph import ROAD_SPEEDS_KPH

# Lateral bend of a road, as a fraction of its straight length (sine series amplitude).
_BEND = {"trunk": 0.03, "primary": 0.04}
SEGMENT_M = 120.0  # spacing of shape nodes along a bent road
NARROW_VILLAGE_SHARE = 0.08  # villages reached only by narrow lanes (track)
NARROW_EDGE_SHARE = 0.10  # other village-road links that are narrow lanes
_SHORT_EDGE_M = 0.5

GRID_M = 1000.0  # spacing of the field grid's roads
GRID_SHIFT = 0.25  # each grid line is offset by up to this share of the spacing
GRID_WOBBLE = 0.04  # each grid junction moves by up to this share: hand-laid, not ruled
GRID_GAP_SHARE = 0.15  # grid links missing where fields run through (the grid stays connected)
THROUGH_SHARE = 0.35  # villages joined to a second grid road across (the road runs through)
SPURS_PER_JUNCTION = 0.45  # farmstead spurs per grid junction
SPUR_M = (120.0, 380.0)  # their length
FARMLAND_REACH_M = 2500.0  # the grid covers the land within this of a village or town


def _rotation(boundary: BaseGeometry) -> np.ndarray:
    """Unit vector of the county's long axis (principal axis of its outline)."""
    ring = np.array(
        boundary.exterior.coords
        if boundary.geom_type == "Polygon"
        else max(boundary.geoms, key=lambda g: g.area).exterior.coords
    )
    return np.linalg.svd(ring - ring.mean(axis=0), full_matrices=False)[2][0]


class _Roads:
    """Nodes (metric x, y) and links of the generated network, built up step by step."""

    def __init__(self, xy: np.ndarray):
        self.xy = [tuple(map(float, p)) for p in xy]
        self.links: list[tuple[int, int]] = []
        self.spurs: set[tuple[int, int]] = set()

    def node(self, p) -> int:
        self.xy.append((float(p[0]), float(p[1])))
        return len(self.xy) - 1


def _field_grid(
    roads: _Roads, boundary: BaseGeometry, axis: np.ndarray, rng: np.random.Generator
) -> list[tuple[int, int]]:
    """Grid junctions inside the county within FARMLAND_REACH_M of a site (farmland around the
    villages: the oases of a desert county, not the desert) and the links between neighbouring
    ones, thinned by GRID_GAP_SHARE where that leaves every part of the grid in one piece.
    Returns the grid links (node pairs)."""
    near_site = cKDTree(np.array(roads.xy))
    across = np.array([-axis[1], axis[0]])
    ring = np.asarray(boundary.envelope.exterior.coords)
    s, t = ring @ axis, ring @ across
    lines_s = np.arange(s.min(), s.max() + GRID_M, GRID_M)
    lines_t = np.arange(t.min(), t.max() + GRID_M, GRID_M)
    lines_s = lines_s + rng.uniform(-GRID_SHIFT, GRID_SHIFT, len(lines_s)) * GRID_M
    lines_t = lines_t + rng.uniform(-GRID_SHIFT, GRID_SHIFT, len(lines_t)) * GRID_M
    wobble = rng.uniform(-GRID_WOBBLE, GRID_WOBBLE, (len(lines_s), len(lines_t), 2)) * GRID_M
    shapely.prepare(boundary)
    at: dict[tuple[int, int], int] = {}
    for i, si in enumerate(lines_s):
        for j, tj in enumerate(lines_t):
            p = axis * (si + wobble[i, j, 0]) + across * (tj + wobble[i, j, 1])
            if near_site.query(p)[0] <= FARMLAND_REACH_M and boundary.contains(Point(p)):
                at[(i, j)] = roads.node(p)
    cand = []
    for (i, j), a in sorted(at.items()):
        for nb in ((i + 1, j), (i, j + 1)):
            b = at.get(nb)
            if b is not None and boundary.contains(LineString([roads.xy[a], roads.xy[b]])):
                cand.append((a, b))
    nodes = sorted(at.values())
    # Thin the grid, keeping a random spanning forest so that no part falls apart.
    index = {n: k for k, n in enumerate(nodes)}
    w = rng.random(len(cand)) + 1e-3
    ia = np.array([index[a] for a, _ in cand])
    ib = np.array([index[b] for _, b in cand])
    tree = minimum_spanning_tree(coo_matrix((w, (ia, ib)), shape=(len(nodes),) * 2)).tocoo()
    in_tree = {(nodes[a], nodes[b]) for a, b in zip(tree.row, tree.col, strict=True)}
    in_tree |= {(b, a) for a, b in in_tree}
    gaps = rng.random(len(cand)) < GRID_GAP_SHARE
    return [e for e, gap in zip(cand, gaps, strict=True) if e in in_tree or not gap]


def _components(n: int, links: list[tuple[int, int]]) -> tuple[int, np.ndarray]:
    ia = np.array([a for a, _ in links], dtype=int)
    ib = np.array([b for _, b in links], dtype=int)
    return connected_components(coo_matrix((np.ones(len(links)), (ia, ib)), shape=(n, n)))


def _between_islands(roads: _Roads, n_sites: int, hub: int, boundary: BaseGeometry) -> None:
    """Roads between the grid's separate parts (oases, or land the county line pinches):
    straight links between neighbouring sites (relative neighbourhood graph) that end in
    different parts, within the county; then, if parts remain apart, each joined to the rest
    by its shortest gap."""
    xy = np.array(roads.xy)
    _, label = _components(len(xy), roads.links)
    sites = xy[:n_sites]
    if n_sites >= 3 and len(set(label[:n_sites].tolist())) > 1:
        tree = cKDTree(sites)
        inside = boundary.buffer(300.0)
        shapely.prepare(inside)
        pairs = {
            (min(a, b), max(a, b))
            for tri in Delaunay(sites).simplices
            for a, b in ((tri[0], tri[1]), (tri[1], tri[2]), (tri[0], tri[2]))
        }
        for a, b in sorted(pairs):
            if label[a] == label[b]:
                continue
            r = float(np.linalg.norm(sites[a] - sites[b]))
            lune = set(tree.query_ball_point(sites[a], r * (1 - 1e-9))) & set(
                tree.query_ball_point(sites[b], r * (1 - 1e-9))
            )
            if lune <= {a, b} and inside.contains(LineString([sites[a], sites[b]])):
                roads.links.append((int(a), int(b)))
    _, label = _components(len(xy), roads.links)
    joined = label == label[hub]
    apart = set(label[:n_sites].tolist()) - {label[hub]}  # parts without a site are left out
    while apart:
        inner = np.flatnonzero(joined)
        outer = np.flatnonzero(np.isin(label, sorted(apart)))
        d, k = cKDTree(xy[inner]).query(xy[outer])
        far = outer[int(np.argmin(d))]
        roads.links.append((int(inner[int(k[int(np.argmin(d))])]), int(far)))
        joined |= label == label[far]
        apart.discard(label[far])


def _on_grid(
    roads: _Roads,
    grid: list[tuple[int, int]],
    sites: range,
    boundary: BaseGeometry,
    rng: np.random.Generator,
) -> None:
    """Join every site to its nearest grid link (a second link across for THROUGH_SHARE of the
    villages), add the farmstead spurs, and split the grid links where those meet them."""
    xy = np.array(roads.xy)
    segs = [LineString([xy[a], xy[b]]) for a, b in grid]
    tree = shapely.STRtree(segs)
    cuts: list[list[tuple[float, int]]] = [[] for _ in grid]

    def foot(k: int, p: np.ndarray) -> int:
        line = segs[k]
        d = line.project(Point(p))
        q = line.interpolate(d)
        if d <= 1.0 or d >= line.length - 1.0:  # at a junction: use it
            return grid[k][0] if d <= 1.0 else grid[k][1]
        n = roads.node((q.x, q.y))
        cuts[k].append((d, n))
        return n

    direction = [(xy[b] - xy[a]) / max(float(np.linalg.norm(xy[b] - xy[a])), 1e-9) for a, b in grid]
    for site in sites:
        p = xy[site]
        k = int(tree.nearest(Point(p)))
        if segs[k].distance(Point(p)) <= 1.0:  # on the road: the site is a point of it
            cuts[k].append((segs[k].project(Point(p)), site))
            continue
        roads.links.append((site, foot(k, p)))
        if rng.random() < THROUGH_SHARE:  # the nearest grid road across the first one
            near = tree.query(Point(p).buffer(1.5 * GRID_M))
            across = [j for j in near if abs(float(direction[j] @ direction[k])) < 0.5]
            if across:
                j = min(across, key=lambda j: (segs[j].distance(Point(p)), j))
                roads.links.append((site, foot(j, p)))
    shapely.prepare(boundary)
    n_spurs = int(round(SPURS_PER_JUNCTION * len({n for e in grid for n in e})))
    length = np.array([s.length for s in segs])
    for k in rng.choice(len(grid), size=n_spurs, p=length / length.sum()):
        d = float(rng.uniform(0.15, 0.85)) * length[k]
        base = np.asarray(segs[k].interpolate(d).coords[0])
        side = np.array([-direction[k][1], direction[k][0]]) * rng.choice([-1.0, 1.0])
        end = base + side * rng.uniform(*SPUR_M)
        if not boundary.contains(Point(end)):
            continue
        b = roads.node(base)
        cuts[k].append((d, b))
        e = roads.node(end)
        roads.links.append((b, e))
        roads.spurs.add((min(b, e), max(b, e)))
    for (a, b), cut in zip(grid, cuts, strict=True):
        chain = [a, *(n for _, n in sorted(cut)), b]
        roads.links += [(u, v) for u, v in itertools.pairwise(chain) if u != v]


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
    # Sites at one spot (a county seat where a town's centre is) are one node of the network:
    # the first of them (the hub comes first) stands for all.
    seen: dict[tuple[float, float], int] = {}
    first = [seen.setdefault((float(x), float(y)), k) for k, (x, y) in enumerate(xy)]
    if len(seen) < len(xy):
        keep = sorted(set(first))
        xy, tiers = xy[keep], [tiers[k] for k in keep]
    hub = tiers.index("hub")

    roads = _Roads(xy)
    grid = _field_grid(roads, boundary, np.array([1.0, 0.0]), rng)  # east-west, north-south
    _on_grid(roads, grid, range(len(xy)), boundary, rng)
    _between_islands(roads, len(xy), hub, boundary)
    nodes_xy = np.array(roads.xy)
    everyone = tiers + [""] * (len(nodes_xy) - len(tiers))
    edges = sorted({(min(a, b), max(a, b)) for a, b in roads.links if a != b})
    cls = _classify(nodes_xy, edges, everyone, hub, rng)
    lines: list[np.ndarray] = []
    classes: list[str] = []
    for a, b in edges:
        lines.append(nodes_xy[[a, b]])
        classes.append("track" if (a, b) in roads.spurs else cls[(a, b)])

    # Trunk and provincial roads along and across the county's long axis, through the seat.
    axis = _rotation(boundary)
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
