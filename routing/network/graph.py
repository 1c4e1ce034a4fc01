"""Road graphs: load and check a GraphML file, flatten it to arrays, snap points to it.

Generated networks and imported OpenStreetMap extracts share one format (osmnx conventions:
node x/y in WGS-84, edge length m, highway, speed_kph, travel_time s) and this one loader.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from ..errors import Fault, InputError, NetworkError
from ..geo import LocalProjection, haversine_m

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


def load_graph(path: Path) -> nx.MultiDiGraph:
    """Read a GraphML road graph and check its attributes; all faults reported together."""
    import osmnx as ox

    if not path.exists():
        raise InputError(Fault(str(path), "road graph file not found"))
    try:
        g = ox.load_graphml(path)
    except Exception as exc:  # malformed XML or attribute types: name the file, not a traceback
        raise InputError(Fault(str(path), f"not a readable GraphML road graph ({exc})")) from None
    faults = []
    if g.number_of_nodes() == 0 or g.number_of_edges() == 0:
        faults.append(Fault(str(path), "the road graph has no nodes or no edges"))
    for n, d in g.nodes(data=True):
        if "x" not in d or "y" not in d:
            faults.append(Fault(str(path), f"node {n} has no x/y position", field="x"))
            break
    for u, v, d in g.edges(data=True):
        missing = [a for a in EDGE_ATTRS if a not in d]
        if missing:
            faults.append(
                Fault(str(path), f"edge {u}->{v} has no {', '.join(missing)}", field=missing[0])
            )
            break
        if not (float(d["length"]) >= 0 and float(d["speed_kph"]) > 0):
            faults.append(
                Fault(
                    str(path),
                    f"edge {u}->{v} has length {d['length']} and speed "
                    f"{d['speed_kph']}; need length >= 0 and speed > 0",
                    field="speed_kph",
                )
            )
            break
    if faults:
        raise InputError(faults)
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
    digest = digest or file_sha256(path)
    cached = cache_dir / f"roads-{digest[:32]}.npz" if cache_dir else None
    if cached and cached.exists():
        z = np.load(cached, allow_pickle=False)
        return RoadArrays(digest=digest, **{k: z[k] for k in z.files})
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
