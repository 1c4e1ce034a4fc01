"""Travel-time and distance matrices between service points, one pair per vehicle profile.

Shortest paths by travel time for the profile (its top speed caps each road's speed; banned
road classes are removed), run one-to-all with scipy's Dijkstra. The distance of each fastest
path is summed along the shortest-path tree. Results are cached on disk, keyed by the graph's
content, the points and the profile.
"""

from __future__ import annotations

import hashlib
import io
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse.csgraph import dijkstra

from ..atomic import write_atomic
from ..model.records import Profile
from .graph import RoadArrays, edge_csr

MATRIX_VERSION = 1
_CHUNK = 64  # sources per Dijkstra batch (bounds memory on large counties)


def default_cache_dir() -> Path:
    env = os.environ.get("ROUTE_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "rural-route"


@dataclass(frozen=True)
class Matrices:
    profile: str
    time_s: np.ndarray  # [from, to] seconds, inf where the profile cannot drive
    dist_m: np.ndarray  # metres along the fastest path


def _tree_lengths(pred: np.ndarray, edge_len: np.ndarray) -> np.ndarray:
    """Length from each source to every node along the predecessor tree, by pointer doubling
    (log2(depth) vectorised steps instead of a Python walk per node)."""
    rows, n = pred.shape
    self_idx = np.broadcast_to(np.arange(n), (rows, n))
    p = np.where(pred < 0, self_idx, pred)
    d = np.where(pred < 0, 0.0, edge_len)
    while True:
        nxt = np.take_along_axis(p, p, axis=1)
        d = d + np.take_along_axis(d, p, axis=1)
        if np.array_equal(nxt, p):
            return d
        p = nxt


def profile_graph(arrays: RoadArrays, profile: Profile):
    """The road graph as this profile drives it: travel seconds per edge at the speed the
    vehicle may go, banned classes removed (csr matrix, and the edge of each entry)."""
    speed = np.minimum(arrays.speed_kph, profile.max_speed_kph)
    seconds = arrays.length_m / (speed / 3.6)
    keep = ~np.isin(arrays.highway, sorted(profile.banned_roads))
    return edge_csr(arrays, seconds, keep)


def profile_matrices(arrays: RoadArrays, nodes: np.ndarray, profile: Profile) -> Matrices:
    m, edge_of = profile_graph(arrays, profile)
    rows = np.repeat(np.arange(arrays.n_nodes), np.diff(m.indptr))
    keys = rows * arrays.n_nodes + m.indices  # ascending, aligned with edge_of
    length_of_entry = arrays.length_m[edge_of]
    uniq, inverse = np.unique(nodes, return_inverse=True)
    t_out = np.empty((len(uniq), len(uniq)))
    d_out = np.empty((len(uniq), len(uniq)))
    for lo in range(0, len(uniq), _CHUNK):
        src = uniq[lo : lo + _CHUNK]
        t, pred = dijkstra(m, indices=src, return_predecessors=True)
        has = pred >= 0
        k = np.searchsorted(
            keys, np.where(has, pred, 0) * arrays.n_nodes + np.arange(arrays.n_nodes)
        )
        edge_len = np.where(has, length_of_entry[np.minimum(k, len(keys) - 1)], 0.0)
        d = _tree_lengths(pred, edge_len)
        t_out[lo : lo + _CHUNK] = t[:, uniq]
        d_out[lo : lo + _CHUNK] = np.where(np.isfinite(t[:, uniq]), d[:, uniq], np.inf)
    idx = np.ix_(inverse, inverse)
    return Matrices(profile=profile.key, time_s=t_out[idx], dist_m=d_out[idx])


def cache_key(arrays: RoadArrays, nodes: np.ndarray, profile: Profile) -> str:
    h = hashlib.sha256()
    h.update(f"{MATRIX_VERSION}|{arrays.digest}|{profile.key}|".encode())
    h.update(np.ascontiguousarray(nodes, dtype=np.int64).tobytes())
    return h.hexdigest()[:40]


def matrices_for(
    arrays: RoadArrays,
    nodes: np.ndarray,
    profiles: list[Profile],
    cache_dir: Path | None,
    progress=lambda msg: None,
) -> dict[str, Matrices]:
    """Matrices per profile key, from the cache where present."""
    out: dict[str, Matrices] = {}
    for prof in profiles:
        if prof.key in out:
            continue
        path = cache_dir / f"matrix-{cache_key(arrays, nodes, prof)}.npz" if cache_dir else None
        if path and path.exists():
            z = np.load(path, allow_pickle=False)
            out[prof.key] = Matrices(prof.key, z["time_s"], z["dist_m"])
            progress(f"matrices {prof.key}: from cache")
            continue
        t0 = time.perf_counter()
        mat = profile_matrices(arrays, nodes, prof)
        progress(f"matrices {prof.key}: {len(nodes)} points in {time.perf_counter() - t0:.2f} s")
        if path:
            buf = io.BytesIO()
            np.savez(buf, time_s=mat.time_s, dist_m=mat.dist_m)
            write_atomic(path, buf.getvalue())
        out[prof.key] = mat
    return out
