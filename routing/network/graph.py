"""Road graphs: load and check a GraphML file, flatten it to arrays, snap points to it.

Generated networks and imported OpenStreetMap extracts share one format (osmnx conventions:
node x/y in WGS-84, edge length m, highway, speed_kph, travel_time s) and this one loader.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from ..errors import KEPT_FAULTS, Fault, Faults, InputError, NetworkError
from ..geo import LocalProjection, haversine_m

if TYPE_CHECKING:  # networkx loads only where a GraphML file is parsed
    import networkx as nx

EDGE_ATTRS = ("length", "highway", "speed_kph", "travel_time")
# Free-flow speeds per OSM highway class on Chinese rural roads, km/h for generated roads and OSM
# imports alike (data/README.md).
ROAD_SPEEDS_KPH = {
    "motorway": 100.0,
    "trunk": 70.0,
    "primary": 60.0,
    "secondary": 50.0,
    "tertiary": 40.0,
    "unclassified": 30.0,
    "residential": 20.0,
    "service": 15.0,
    "track": 15.0,
}

MAX_SNAP_M = 1000.0  # a service point farther than this from every road node is an error


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def highway_class(value) -> str:
    """OSM ways merged by simplification carry a list of classes; the first names the road."""
    if isinstance(value, list | tuple):
        return str(value[0]) if value else "unclassified"
    return str(value)


@dataclass(frozen=True)
class RoadArrays:
    """The graph as flat arrays: what shortest paths and snapping need, nothing more."""

    digest: str  # sha256 of the GraphML file
    lon: np.ndarray  # per node
    lat: np.ndarray
    src: np.ndarray  # per directed edge, node positions
    dst: np.ndarray
    length_m: np.ndarray
    speed_kph: np.ndarray
    highway: np.ndarray  # str per edge

    @property
    def n_nodes(self) -> int:
        return len(self.lon)


def _lenient(convert):
    """An osmnx attribute converter that keeps the text when it does not convert, so that
    `load_graph` can name the node or edge instead of failing on the first one."""

    def parse(value):
        try:
            return convert(value)
        except (ValueError, TypeError, SyntaxError):
            return value

    return parse


def _bool_text(value: str) -> bool:
    """osmnx writes booleans as 'True' / 'False'."""
    if value not in ("True", "False"):
        raise ValueError(value)
    return value == "True"


def _real(value) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


_NODE_CHECKS = (("x", -180.0, 180.0), ("y", -90.0, 90.0))


def _graph_faults(g: nx.MultiDiGraph, name: str) -> Faults:
    """Every node without a WGS-84 x/y and every edge without a finite length >= 0, speed > 0
    and travel time >= 0 (or without a road class), each named."""
    faults = Faults()
    if g.number_of_nodes() == 0 or g.number_of_edges() == 0:
        faults.add(name, "the road graph has no nodes or no edges")
    for n, d in g.nodes(data=True):
        for attr, lo, hi in _NODE_CHECKS:
            x = _real(d.get(attr))
            if attr not in d:
                faults.add(name, f"node {n} has no {attr} position", field=attr)
            elif x is None or not lo <= x <= hi:
                faults.add(
                    name,
                    f"node {n} has {attr} {str(d[attr])[:40]!r}: need degrees from {lo:g} to "
                    f"{hi:g}",
                    field=attr,
                )
        if faults.count >= KEPT_FAULTS:
            return faults
    for u, v, d in g.edges(data=True):
        missing = [a for a in EDGE_ATTRS if a not in d]
        if missing:
            faults.add(name, f"edge {u}->{v} has no {', '.join(missing)}", field=missing[0])
        for attr, need, ok in (
            ("length", ">= 0 m", lambda x: x >= 0),
            ("speed_kph", "> 0 km/h", lambda x: x > 0),
            ("travel_time", ">= 0 s", lambda x: x >= 0),
        ):
            if attr not in d:
                continue
            x = _real(d[attr])
            if x is None or not math.isfinite(x) or not ok(x):
                faults.add(
                    name,
                    f"edge {u}->{v} has {attr} {str(d[attr])[:40]!r}: need a number {need}",
                    field=attr,
                )
        if faults.count >= KEPT_FAULTS:
            break
    return faults


def load_graph(path: Path) -> nx.MultiDiGraph:
    """Read a GraphML road graph and check its attributes; all faults reported together,
    each naming the node or edge. Whatever the file holds, the result is a graph or an
    InputError that names the file, never another exception."""
    import osmnx as ox

    if not path.exists():
        raise InputError(Fault(str(path), "road graph file not found"))
    if path.is_dir():
        raise InputError(Fault(str(path), "is a folder, not a GraphML road graph"))
    node_dtypes = {k: _lenient(float) for k in ("x", "y", "elevation", "elevation_res")}
    node_dtypes["street_count"] = _lenient(int)
    edge_dtypes = {
        k: _lenient(float)
        for k in ("length", "speed_kph", "travel_time", "bearing", "grade", "grade_abs")
    }
    edge_dtypes.update(
        osmid=_lenient(int), oneway=_lenient(_bool_text), reversed=_lenient(_bool_text)
    )
    try:
        g = ox.load_graphml(
            path,
            node_dtypes=node_dtypes,
            edge_dtypes=edge_dtypes,
            graph_dtypes={"consolidated": _lenient(_bool_text), "simplified": _lenient(_bool_text)},
        )
    except Exception as exc:  # malformed XML, node ids, encodings: name the file, not a traceback
        text = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise InputError(Fault(str(path), f"not a readable GraphML road graph ({text})")) from None
    faults = _graph_faults(g, str(path))
    if faults:
        raise InputError(faults.items, faults.count)
    return g


def road_arrays(g: nx.MultiDiGraph, digest: str) -> RoadArrays:
    nodes = list(g.nodes)
    pos = {n: k for k, n in enumerate(nodes)}
    lon = np.array([float(g.nodes[n]["x"]) for n in nodes])
    lat = np.array([float(g.nodes[n]["y"]) for n in nodes])
    e = list(g.edges(data=True))
    return RoadArrays(
        digest=digest,
        lon=lon,
        lat=lat,
        src=np.array([pos[u] for u, _, _ in e], dtype=np.int64),
        dst=np.array([pos[v] for _, v, _ in e], dtype=np.int64),
        length_m=np.array([float(d["length"]) for _, _, d in e]),
        speed_kph=np.array([float(d["speed_kph"]) for _, _, d in e]),
        highway=np.array([highway_class(d["highway"]) for _, _, d in e]),
    )


def read_road_arrays(
    path: Path, cache_dir: Path | None = None, digest: str | None = None
) -> RoadArrays:
    """Arrays of a GraphML file, cached by file content (parsing GraphML is the slow part).
    `digest`, the file's sha256 when the caller knows it already, saves hashing it again."""
    if not path.is_file():
        raise InputError(Fault(str(path), "road graph file not found"))
    digest = digest or file_sha256(path)
    cached = cache_dir / f"roads-{digest[:32]}.npz" if cache_dir else None
    if cached and cached.exists():
        arrays = _cached_arrays(cached, digest)
        if arrays is not None:
            return arrays
    arrays = road_arrays(load_graph(path), digest)
    if cached:
        import io

        from ..atomic import write_atomic

        buf = io.BytesIO()
        np.savez(
            buf,
            lon=arrays.lon,
            lat=arrays.lat,
            src=arrays.src,
            dst=arrays.dst,
            length_m=arrays.length_m,
            speed_kph=arrays.speed_kph,
            highway=arrays.highway,
        )
        write_atomic(cached, buf.getvalue())
    return arrays


_ARRAY_FIELDS = ("lon", "lat", "src", "dst", "length_m", "speed_kph", "highway")


def _cached_arrays(cached: Path, digest: str) -> RoadArrays | None:
    """The arrays of a cache file, or None when it is unreadable, truncated or inconsistent
    (it is then rebuilt from the GraphML and overwritten)."""
    try:
        with np.load(cached, allow_pickle=False) as z:
            a = {k: z[k] for k in _ARRAY_FIELDS}
    except Exception:  # any damage to a cache file (zip, npy header, missing key) means rebuild
        return None
    n, m = len(a["lon"]), len(a["src"])
    shapes_ok = all(a[k].ndim == 1 for k in _ARRAY_FIELDS) and len(a["lat"]) == n
    edges_ok = all(len(a[k]) == m for k in ("dst", "length_m", "speed_kph", "highway"))
    if not (shapes_ok and edges_ok and n > 0):
        return None
    if a["src"].dtype.kind != "i" or a["dst"].dtype.kind != "i" or a["highway"].dtype.kind != "U":
        return None
    if m and not (
        min(a["src"].min(), a["dst"].min()) >= 0 and max(a["src"].max(), a["dst"].max()) < n
    ):
        return None
    numbers = (a["lon"], a["lat"], a["length_m"], a["speed_kph"])
    if not all(x.dtype.kind == "f" and np.isfinite(x).all() for x in numbers):
        return None
    return RoadArrays(digest=digest, **a)


def edge_csr(
    arrays: RoadArrays, weight: np.ndarray, keep: np.ndarray | None = None
) -> tuple[csr_matrix, np.ndarray]:
    """Sparse adjacency with the cheapest of any parallel edges (a plain sparse build would add
    them up). Returns the matrix and, per entry, the index of the edge it came from."""
    idx = np.arange(len(arrays.src)) if keep is None else np.flatnonzero(keep)
    key = arrays.src[idx] * arrays.n_nodes + arrays.dst[idx]
    order = np.lexsort((weight[idx], key))
    first = np.ones(len(order), dtype=bool)
    first[1:] = key[order][1:] != key[order][:-1]
    chosen = idx[order[first]]
    m = csr_matrix(
        (weight[chosen], (arrays.src[chosen], arrays.dst[chosen])),
        shape=(arrays.n_nodes, arrays.n_nodes),
    )
    m.sort_indices()
    edge_of = np.empty(len(chosen), dtype=np.int64)  # csr data position -> edge index
    ck = arrays.src[chosen] * arrays.n_nodes + arrays.dst[chosen]
    edge_of[:] = chosen[np.argsort(ck, kind="stable")]
    return m, edge_of


def snap(
    arrays: RoadArrays,
    ids: list[str],
    lon: np.ndarray,
    lat: np.ndarray,
    max_snap_m: float = MAX_SNAP_M,
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest road node of every point, and the distance to it in metres. Points farther than
    `max_snap_m` from every node are an error that names them."""
    proj = LocalProjection(float(np.mean(lon)), float(np.mean(lat)))
    nx_, ny_ = proj.to_xy(arrays.lon, arrays.lat)
    px, py = proj.to_xy(lon, lat)
    _, node = cKDTree(np.column_stack([nx_, ny_])).query(np.column_stack([px, py]))
    dist = haversine_m(lon, lat, arrays.lon[node], arrays.lat[node])
    far = [f"{ids[k]} ({dist[k]:.0f} m)" for k in np.flatnonzero(dist > max_snap_m)]
    if far:
        raise NetworkError(
            f"{len(far)} service point(s) are more than {max_snap_m:.0f} m from any road: "
            + ", ".join(far[:10])
            + (" ..." if len(far) > 10 else "")
        )
    return node.astype(np.int64), dist


def snap_points(arrays: RoadArrays, points) -> tuple[np.ndarray, np.ndarray]:
    """Each point's road node and its distance to it; every point must be reachable from the
    hub and back."""
    ids = [p.id for p in points]
    nodes, snap_m = snap(
        arrays, ids, np.array([p.lon for p in points]), np.array([p.lat for p in points])
    )
    hub = next(k for k, p in enumerate(points) if p.tier == "hub")
    check_connected(arrays, ids, nodes, hub)
    return nodes, snap_m


def _components(arrays: RoadArrays) -> np.ndarray:
    m = csr_matrix(
        (np.ones(len(arrays.src)), (arrays.src, arrays.dst)), shape=(arrays.n_nodes, arrays.n_nodes)
    )
    return connected_components(m, directed=True, connection="strong")[1]


def check_connected(arrays: RoadArrays, ids: list[str], nodes: np.ndarray, hub: int) -> None:
    """Every point must be reachable from the hub and back on the full graph."""
    label = _components(arrays)
    cut = [ids[k] for k in range(len(ids)) if label[nodes[k]] != label[nodes[hub]]]
    if cut:
        raise NetworkError(
            f"the road graph is disconnected ({len(set(label))} strongly connected parts): no "
            f"road from '{ids[hub]}' to '{cut[0]}' and back"
            + (f" (and {len(cut) - 1} more points)" if len(cut) > 1 else "")
        )


def unreachable_points(arrays: RoadArrays, points) -> list[str]:
    """Ids of the service points a plan on these roads could not serve: farther than
    MAX_SNAP_M from every road node, or with no road from the hub and back."""
    ids = [p.id for p in points]
    lon, lat = np.array([p.lon for p in points]), np.array([p.lat for p in points])
    nodes, dist = snap(arrays, ids, lon, lat, max_snap_m=np.inf)
    label = _components(arrays)
    hub = next(k for k, p in enumerate(points) if p.tier == "hub")
    return [
        ids[k]
        for k in range(len(ids))
        if dist[k] > MAX_SNAP_M or label[nodes[k]] != label[nodes[hub]]
    ]


def circuity(
    arrays: RoadArrays, lon: np.ndarray, lat: np.ndarray, min_crow_m: float = 1000.0
) -> dict[str, float]:
    """Network over straight-line distance between service points at least `min_crow_m`
    apart: the ratio of sums (Boeing's circuity) and the median and 90th percentile of pairs."""
    nodes, _ = snap(arrays, [str(k) for k in range(len(lon))], lon, lat, max_snap_m=np.inf)
    m, _ = edge_csr(arrays, arrays.length_m)
    net = dijkstra(m, indices=nodes)[:, nodes]
    crow = haversine_m(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    mask = (crow >= min_crow_m) & np.isfinite(net)
    ratio = net[mask] / crow[mask]
    return {
        "ratio_of_sums": float(net[mask].sum() / crow[mask].sum()),
        "median": float(np.median(ratio)),
        "p90": float(np.percentile(ratio, 90)),
        "pairs": int(mask.sum()),
    }


def dead_end_share(arrays: RoadArrays) -> float:
    """The share of junctions that are dead ends: OSMnx's dead-end proportion of a simplified
    network."""
    return junction_shares(arrays)[1]


def junction_shares(arrays: RoadArrays) -> dict[int, float]:
    """The junctions (nodes where the number of roads is not 2) by their number of roads: the
    share of dead ends (1), of three-way (3) and of four-way or more (4), two-way streets
    counted once."""
    a, b = np.minimum(arrays.src, arrays.dst), np.maximum(arrays.src, arrays.dst)
    pairs = np.unique(np.column_stack([a, b]), axis=0) if len(a) else np.zeros((0, 2), int)
    degree = np.bincount(pairs.ravel(), minlength=arrays.n_nodes)
    junctions = degree[(degree > 0) & (degree != 2)]
    if not len(junctions):
        return {1: 0.0, 3: 0.0, 4: 0.0}
    return {
        1: float((junctions == 1).mean()),
        3: float((junctions == 3).mean()),
        4: float((junctions >= 4).mean()),
    }
