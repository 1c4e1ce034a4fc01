"""Generated roads for hill and mountain counties: they follow the valleys.

Real mountain roads are not a mesh: a county road runs up each valley from the seat, village
roads branch off it to the villages on the valley floors, a few township roads cross the ridges
at passes between neighbouring towns, and a trunk road threads the main valleys through the
seat. Here every road is a least-cost path over the county's height field (`terrain`), where a
climb costs more the steeper it is: the roads from the seat form a tree up the valleys, and
passes add the few loops. Where a road must climb more steeply than a road may, it climbs in
switchbacks, longer and slow (`terrain.SWITCHBACK_KPH`). Labelled as generated, like `roadgen`.
"""

from __future__ import annotations

import itertools
from collections import Counter

import networkx as nx
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import Delaunay, cKDTree
from shapely.geometry.base import BaseGeometry

from ..geo import LocalProjection
from ..network.graph import ROAD_SPEEDS_KPH
from .roadgen import NARROW_VILLAGE_SHARE, _node_lines, _to_graph
from .terrain import SWITCHBACK_KPH, Terrain

RANK = {"track": 0, "unclassified": 1, "tertiary": 2, "secondary": 3, "primary": 4, "trunk": 5}
REUSE = 0.35  # a road that exists costs this share of a new one: links join the valley roads
JITTER = 0.3  # cell centres move up to this share of a cell, so roads do not run on a grid
SWITCHBACK_WIDTH_M = 80.0  # lateral reach of one switchback
WAVES = 12  # the villages' roads are laid in this many waves, nearest first
FLOOR = 0.6  # a step along a valley floor costs this share: roads keep to the valleys
LINK_SHARE = 0.8  # of villages at the end of a road, those linked on to a near village ...
LINK_M = 3000.0  # ... within this straight distance (or twice the villages' median spacing) ...
LINK_DETOUR = 2.5  # ... that the roads so far reach only by this many times that distance


class _Grid:
    """The county's cells as a graph: 8 neighbours, a step costing its length times
    1 + (grade / comfortable grade)^2."""

    def __init__(self, terrain: Terrain):
        self.t = terrain
        rows, cols = terrain.height.shape
        self.index = np.full((rows, cols), -1, dtype=np.int64)
        self.index[terrain.inside] = np.arange(int(terrain.inside.sum()))
        self.rc = np.argwhere(terrain.inside)  # node -> (row, col)
        floor = terrain.valley_floor()
        a_all, b_all, w_all = [], [], []
        for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
            r0, r1 = max(0, -dr), rows - max(0, dr)
            c0, c1 = max(0, -dc), cols - max(0, dc)
            a = self.index[r0:r1, c0:c1]
            b = self.index[r0 + dr : r1 + dr, c0 + dc : c1 + dc]
            ha = terrain.height[r0:r1, c0:c1]
            hb = terrain.height[r0 + dr : r1 + dr, c0 + dc : c1 + dc]
            ok = (a >= 0) & (b >= 0)
            length = terrain.cell * float(np.hypot(dr, dc))
            grade = np.abs(ha - hb)[ok] / length
            along = (floor[r0:r1, c0:c1] & floor[r0 + dr : r1 + dr, c0 + dc : c1 + dc])[ok]
            a_all.append(a[ok])
            b_all.append(b[ok])
            w = length * (1.0 + (grade / terrain.cls.grade) ** 2)
            w_all.append(np.where(along, w * FLOOR, w))
        self.n = len(self.rc)
        bridges = self._bridges(np.concatenate(a_all), np.concatenate(b_all))
        self.a = np.concatenate([*a_all, bridges[:, 0]])
        self.b = np.concatenate([*b_all, bridges[:, 1]])
        xs, ys = terrain.centres()
        ab = np.column_stack([xs[self.rc[:, 1]], ys[self.rc[:, 0]]])
        length = np.linalg.norm(ab[bridges[:, 0]] - ab[bridges[:, 1]], axis=1)
        climb = np.abs(
            terrain.height[tuple(self.rc[bridges[:, 0]].T)]
            - terrain.height[tuple(self.rc[bridges[:, 1]].T)]
        )
        grade = climb / np.maximum(length, 1.0)
        self.w = np.concatenate([*w_all, length * (1.0 + (grade / terrain.cls.grade) ** 2)])

    def _bridges(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Links that join the parts of a county the grid leaves apart (an exclave, a neck
        narrower than a cell) to the largest part, each between their nearest cells: the road
        there runs through the neighbouring county."""
        ones = np.ones(len(a))
        m = coo_matrix((ones, (a, b)), shape=(self.n, self.n))
        count, labels = connected_components(m, directed=False)
        if count == 1:
            return np.zeros((0, 2), dtype=np.int64)
        xs, ys = self.t.centres()
        at = np.column_stack([xs[self.rc[:, 1]], ys[self.rc[:, 0]]])
        main = np.bincount(labels).argmax()
        joined = labels == main
        out = []
        for part in sorted(set(labels.tolist()) - {int(main)}):
            mine = np.flatnonzero(labels == part)
            others = np.flatnonzero(joined)
            d, k = cKDTree(at[others]).query(at[mine])
            i = int(np.argmin(d))
            out.append((int(mine[i]), int(others[k[i]])))
            joined |= labels == part
        return np.array(out, dtype=np.int64)

    def matrix(self, used: set[tuple[int, int]] | None = None):
        w = self.w
        if used:
            key = np.minimum(self.a, self.b) * self.n + np.maximum(self.a, self.b)
            have = np.isin(key, np.array([a * self.n + b for a, b in used], dtype=np.int64))
            w = np.where(have, w * REUSE, w)
        return coo_matrix((w, (self.a, self.b)), shape=(self.n, self.n)).tocsr()

    def node_at(self, x: float, y: float) -> int:
        """The cell holding a point, or the nearest cell in the county."""
        r, c = self.t.cell_of(x, y)
        k = int(self.index[int(r), int(c)])
        if k >= 0:
            return k
        xs, ys = self.t.centres()
        d = np.hypot(xs[self.rc[:, 1]] - x, ys[self.rc[:, 0]] - y)
        return int(np.argmin(d))


def _path(pred: np.ndarray, source: int, target: int) -> list[int]:
    out = [target]
    while out[-1] != source:
        out.append(int(pred[out[-1]]))
        if out[-1] < 0:
            return []
    return out[::-1]


def _chaikin(pts: np.ndarray, rounds: int = 2) -> np.ndarray:
    """Corner cutting (the ends stay): grid steps become a smooth road."""
    for _ in range(rounds):
        if len(pts) < 3:
            return pts
        q = 0.75 * pts[:-1] + 0.25 * pts[1:]
        r = 0.25 * pts[:-1] + 0.75 * pts[1:]
        mid = np.empty((2 * (len(pts) - 1), 2))
        mid[0::2], mid[1::2] = q, r
        pts = np.vstack([pts[:1], mid[1:-1], pts[-1:]])
    return pts


def _climb(pts: np.ndarray, terrain: Terrain, speed: float) -> list[tuple[np.ndarray, float]]:
    """A smoothed road cut into runs: at its own speed where it may climb straight, and in
    switchbacks at `SWITCHBACK_KPH` where it is steeper than the class's `max_grade`."""
    h = terrain.height_at(pts[:, 0], pts[:, 1])
    runs: list[tuple[list[np.ndarray], float]] = []
    for i in range(len(pts) - 1):
        a, b = pts[i], pts[i + 1]
        length = float(np.linalg.norm(b - a))
        need = abs(float(h[i + 1] - h[i])) / terrain.cls.max_grade
        if length <= 0 or need <= length:
            seg, v = [a, b], speed
        else:
            seg, v = _zigzag(a, b, need), min(speed, SWITCHBACK_KPH)
        if runs and runs[-1][1] == v:
            runs[-1][0].extend(seg[1:])
        else:
            runs.append((list(seg), v))
    return [(np.asarray(p), v) for p, v in runs]


def _zigzag(a: np.ndarray, b: np.ndarray, need: float) -> list[np.ndarray]:
    """Switchbacks from a to b whose length is `need` (> the straight length)."""
    length = float(np.linalg.norm(b - a))
    lateral = float(np.sqrt(need**2 - length**2))
    legs = max(2, int(np.ceil(lateral / SWITCHBACK_WIDTH_M)))
    width = float(np.sqrt((need / legs) ** 2 - (length / legs) ** 2))
    along = (b - a) / length
    normal = np.array([-along[1], along[0]])
    pts = [a]
    for k in range(1, legs):
        side = 1.0 if k % 2 else -1.0
        pts.append(a + (b - a) * (k / legs) + normal * side * width / 2)
    pts.append(b)
    return pts


def generate_valley_roads(
    sites: list[dict],
    boundary: BaseGeometry,
    terrain: Terrain,
    proj: LocalProjection,
    seed: int,
    county: str,
) -> nx.MultiDiGraph:
    """Road graph (osmnx conventions, WGS-84) reaching every site along the valleys, strongly
    connected; `boundary` and `terrain` in the local projection `proj`."""
    rng = np.random.default_rng([seed, 29])
    grid = _Grid(terrain)
    xy = np.column_stack(proj.to_xy([s["lon"] for s in sites], [s["lat"] for s in sites]))
    tiers = [s["tier"] for s in sites]
    hub = tiers.index("hub")
    cells = [grid.node_at(x, y) for x, y in xy]

    used: dict[tuple[int, int], str] = {}  # cell edge -> road class

    def mark(path: list[int], cls: str) -> None:
        for a, b in itertools.pairwise(path):
            e = (min(a, b), max(a, b))
            if e not in used or RANK[used[e]] < RANK[cls]:
                used[e] = cls

    # The seat's tree up the valleys, grown in waves: the county roads to the towns first,
    # then the facilities' and the villages' from the nearest out, each wave joining the roads
    # already there (they cost `REUSE` of a new one) so that roads merge as real ones do.
    villages = [i for i, t in enumerate(tiers) if t == "village"]
    narrow = set(
        rng.choice(
            villages, size=int(round(NARROW_VILLAGE_SHARE * len(villages))), replace=False
        ).tolist()
        if villages
        else []
    )
    dist = dijkstra(grid.matrix(), directed=False, indices=cells[hub])
    towns = [i for i, t in enumerate(tiers) if t in ("township", "facility")]
    waves = [sorted(towns, key=lambda i: dist[cells[i]])]
    order = sorted(villages, key=lambda i: dist[cells[i]])
    size = max(1, -(-len(order) // WAVES))
    waves += [order[k : k + size] for k in range(0, len(order), size)]
    paths: dict[int, list[int]] = {}
    for wave in waves:
        _, pred = dijkstra(
            grid.matrix(set(used)), directed=False, indices=cells[hub], return_predecessors=True
        )
        for i in wave:
            paths[i] = _path(pred, cells[hub], cells[i])
            cls = {"township": "secondary", "facility": "tertiary"}.get(tiers[i], "unclassified")
            mark(paths[i], cls)
    uses: Counter[tuple[int, int]] = Counter()
    for i in villages:
        uses.update({(min(a, b), max(a, b)) for a, b in itertools.pairwise(paths[i])})
    for i in narrow:  # the village's own spur is a lane
        for a, b in itertools.pairwise(paths[i]):
            e = (min(a, b), max(a, b))
            if uses[e] == 1 and used.get(e) == "unclassified":
                used[e] = "track"

    _link_leaves(grid, used, xy, cells, villages, paths, rng, mark)

    # Township roads over the passes between neighbouring towns (Gabriel pairs), joining the
    # valley roads where they can; then the trunk and provincial roads through the seat.
    anchors = [hub] + [i for i, t in enumerate(tiers) if t == "township"]
    pairs = _gabriel([xy[i] for i in anchors])
    m = grid.matrix(set(used))
    sources = sorted({anchors[a] for a, _ in pairs})
    if sources:
        _, preds = dijkstra(
            m, directed=False, indices=[cells[i] for i in sources], return_predecessors=True
        )
        for a, b in pairs:
            row = sources.index(anchors[a])
            mark(_path(preds[row], cells[anchors[a]], cells[anchors[b]]), "tertiary")
    m = grid.matrix(set(used))
    _, pred = dijkstra(m, directed=False, indices=cells[hub], return_predecessors=True)
    ends = _far_ends(grid, xy[hub])
    for cls, end in zip(("trunk", "trunk", "primary", "primary"), ends, strict=True):
        mark(_path(pred, cells[hub], end), cls)

    lines, classes, speeds = _lines(grid, terrain, used, xy, cells, rng)
    lines = _node_lines(lines)
    return _to_graph(lines, classes, proj, county, seed, xy[hub], speeds)


def _link_leaves(grid, used, xy, cells, villages, paths, rng, mark) -> None:
    """Village roads that go on to a neighbouring village over a low saddle: the loops real
    valley networks have, which leave fewer villages at a dead end."""
    degree: Counter[int] = Counter()
    for a, b in used:
        degree[a] += 1
        degree[b] += 1
    leaves = [i for i in villages if degree[cells[i]] == 1]
    if not leaves:
        return
    tree = cKDTree(xy[villages])
    # in sparse (pastoral) country the next village is farther: reach twice the usual spacing
    spacing = float(np.median(tree.query(xy[villages], k=2)[0][:, 1])) if len(villages) > 1 else 0
    reach = max(LINK_M, 2.0 * spacing)
    m = grid.matrix(set(used))
    for i in leaves:
        if rng.random() >= LINK_SHARE:
            continue
        best = None
        for k in tree.query_ball_point(xy[i], reach):
            j = villages[k]
            if j == i:
                continue
            crow = float(np.linalg.norm(xy[i] - xy[j]))
            common = 0
            for a, b in zip(paths[i], paths[j], strict=False):
                if a != b:
                    break
                common += 1
            tree_m = (len(paths[i]) + len(paths[j]) - 2 * common) * grid.t.cell
            if tree_m > LINK_DETOUR * crow and (best is None or crow < best[0]):
                best = (crow, j)
        if best is None:
            continue
        _, pred = dijkstra(
            m, directed=False, indices=cells[i], limit=4 * reach, return_predecessors=True
        )
        link = _path(pred, cells[i], cells[best[1]])
        if link:
            mark(link, "unclassified")


def _gabriel(pts: list[np.ndarray]) -> list[tuple[int, int]]:
    """Pairs of neighbouring points: no third point within the circle on their distance."""
    if len(pts) < 2:
        return []
    if len(pts) == 2:
        return [(0, 1)]
    p = np.asarray(pts)
    tri = Delaunay(p)
    tree = cKDTree(p)
    out = set()
    for s in tri.simplices:
        for i, j in ((s[0], s[1]), (s[1], s[2]), (s[0], s[2])):
            a, b = int(min(i, j)), int(max(i, j))
            mid, r = (p[a] + p[b]) / 2, float(np.linalg.norm(p[a] - p[b])) / 2
            if all(k in (a, b) for k in tree.query_ball_point(mid, r * (1 - 1e-9))):
                out.add((a, b))
    return sorted(out)


def _far_ends(grid: _Grid, hub_xy: np.ndarray) -> list[int]:
    """The cells farthest from the seat along the county's long axis and across it, both
    ways: where the trunk and provincial roads leave the county."""
    xs, ys = grid.t.centres()
    pts = np.column_stack([xs[grid.rc[:, 1]], ys[grid.rc[:, 0]]])
    axis = np.linalg.svd(pts - pts.mean(axis=0), full_matrices=False)[2][0]
    ends = []
    for d in (axis, -axis, np.array([-axis[1], axis[0]]), np.array([axis[1], -axis[0]])):
        ends.append(int(np.argmax((pts - hub_xy) @ d)))
    return ends


def _lines(
    grid: _Grid,
    terrain: Terrain,
    used: dict[tuple[int, int], str],
    xy: np.ndarray,
    cells: list[int],
    rng: np.random.Generator,
) -> tuple[list[np.ndarray], list[str], list[float]]:
    """The marked cell edges as smooth roads between junctions, sites and changes of class;
    a site's cell is drawn through the site itself."""
    xs, ys = terrain.centres()
    at = np.column_stack([xs[grid.rc[:, 1]], ys[grid.rc[:, 0]]])
    at = at + rng.uniform(-JITTER, JITTER, size=at.shape) * terrain.cell
    spurs = []
    owner: dict[int, int] = {}
    for i, c in enumerate(cells):
        if c in owner:  # a second site in one cell: a short spur to it
            spurs.append(i)
        else:
            owner[c] = i
            at[c] = xy[i]
    g = nx.Graph()
    for (a, b), cls in used.items():
        g.add_edge(a, b, cls=cls)
    stops = {n for n in g if g.degree(n) != 2 or n in owner}
    stops |= {n for n in g if g.degree(n) == 2 and len({g.edges[n, m]["cls"] for m in g[n]}) > 1}
    lines: list[np.ndarray] = []
    classes: list[str] = []
    speeds: list[float] = []
    seen: set[tuple[int, int]] = set()

    def emit(chain: list[int], cls: str) -> None:
        speed = ROAD_SPEEDS_KPH[cls] * terrain.cls.speed_factor
        for pts, v in _climb(_chaikin(at[chain]), terrain, speed):
            lines.append(pts)
            classes.append(cls)
            speeds.append(v)

    for s in sorted(stops):
        for nxt in sorted(g[s]):
            if (min(s, nxt), max(s, nxt)) in seen:
                continue
            chain, prev, cur = [s, nxt], s, nxt
            seen.add((min(s, nxt), max(s, nxt)))
            while cur not in stops:
                step = next(m for m in g[cur] if m != prev)
                seen.add((min(cur, step), max(cur, step)))
                chain.append(step)
                prev, cur = cur, step
            emit(chain, g.edges[s, nxt]["cls"])
    for i in spurs:
        lines.append(np.array([at[cells[i]], xy[i]]))
        classes.append("unclassified")
        speeds.append(ROAD_SPEEDS_KPH["unclassified"] * terrain.cls.speed_factor)
    return lines, classes, speeds
