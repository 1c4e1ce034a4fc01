"""Villagers' access distance: how far residents travel on the roads to the service point where
their parcels are dropped, for any set of open service points.

Modelling assumptions (the county's files give a population per village point, not where
people live):

- **Where residents live.** A village point's residents (demand.csv `population`) live spread
  evenly over the road nodes nearer to it by road than to any other village point of the base
  county (a Voronoi cell on the road network, found by one multi-source Dijkstra). Node density
  stands for settlement: the generated graph draws farmstead spurs where people live. A node
  no village point reaches (another road component) has no residents. A village point that is
  nearest to no node (it shares its snapped node with an earlier village point in file order)
  keeps its residents on its own snapped node. A village point with no row in demand.csv has
  no residents, and neither does one whose parcels the couriers deliver door to door (the
  county seat's urban units: demand.csv's `parcels_year` 0).
- **Which point they use.** Each resident goes to the open service point nearest by road, on
  the undirected graph (villagers walk or ride an e-bike, so one-way roads do not bind them),
  with edge `length` as the distance. Distances run node to node: the few metres from a house
  or a point to its road node are left out on both ends.
- **The units.** Results are reported per base village point ("unit"), whichever point its
  residents use in a scenario; a unit's share per open point tells the scenario code how to
  re-point that village's orders.

The core functions take arrays (a sparse road graph and node positions), so tiny graphs can be
checked by hand; `population_of` and `access` wrap them for a county.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from ..errors import Faults, NetworkError
from ..inputs.county import County
from ..inputs.demo_orders import parcels_year
from ..model.records import ServicePoint
from ..network.graph import RoadArrays, edge_csr, read_road_arrays, snap
from ..network.matrices import default_cache_dir

NEAR_M = (2000.0, 5000.0)  # the access bands the county reports: within 2 km and within 5 km
PERCENTILE = 95.0
OPEN_TIERS = ("township", "village")  # service points where villagers collect parcels
OPEN_POINTS = "open service points"  # how faults name the list of open points

# An open point: a ServicePoint, or (id, lon, lat) for a point not (yet) in points.csv.
OpenPoint = ServicePoint | tuple[str, float, float]


@dataclass(frozen=True, eq=False)
class Population:
    """Residents on the road network of a base county: one row per (node, unit) cell."""

    arrays: RoadArrays
    graph: csr_matrix  # node x node, road length in m (directed edges; read as undirected)
    unit_ids: tuple[str, ...]  # base village point ids
    unit_node: np.ndarray  # each unit's snapped road node
    cell_node: np.ndarray  # road node of each cell
    cell_unit: np.ndarray  # position in unit_ids
    cell_residents: np.ndarray  # people (float: a village's residents spread evenly)

    @property
    def residents(self) -> float:
        return float(self.cell_residents.sum())


@dataclass(frozen=True)
class UnitAccess:
    """One base village point's residents and how far they go to collect parcels."""

    unit: str  # base village point id
    residents: float
    mean_m: float  # residents-weighted (node-weighted for a unit without residents)
    shares: tuple[tuple[str, float], ...]  # (open point id, share of residents), largest first


@dataclass(frozen=True)
class AccessStats:
    """County-wide access figures: distances residents-weighted; bands a share of units."""

    residents: float
    mean_m: float
    p95_m: float  # the shortest distance within which at least 95 % of residents live
    within_2km: float  # share of units with residents whose mean access is <= 2 km
    within_5km: float


@dataclass(frozen=True)
class AccessResult:
    open_ids: tuple[str, ...]
    units: tuple[UnitAccess, ...]
    stats: AccessStats


# --- pure array functions ----------------------------------------------------------------------


def undirected_lengths(arrays: RoadArrays) -> csr_matrix:
    """The road graph with edge length in metres, the shortest of parallel edges; callers run
    Dijkstra with `directed=False`, which lets a path use either direction of each edge."""
    return edge_csr(arrays, arrays.length_m)[0]


def settle(
    graph: csr_matrix, village_nodes: np.ndarray, population: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spread each village's population evenly over the road nodes nearest to it by road among
    all villages (ties between villages on one node: the first village). Returns cells as
    (node, village position, residents); a village nearest to no node keeps its residents on
    its own node; nodes no village reaches get no cell."""
    village_nodes = np.asarray(village_nodes, dtype=np.int64)
    population = np.asarray(population, dtype=float)
    if not len(village_nodes):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), np.zeros(0)
    uniq, first = np.unique(village_nodes, return_index=True)
    _, _, source = dijkstra(
        graph, directed=False, indices=uniq, min_only=True, return_predecessors=True
    )
    owner_of_node = np.full(graph.shape[0], -1, dtype=np.int64)
    owner_of_node[uniq] = first
    reached = np.flatnonzero(source >= 0)
    owner = owner_of_node[source[reached]]
    n_nodes = np.bincount(owner, minlength=len(village_nodes))
    lonely = np.flatnonzero(n_nodes == 0)  # villages sharing a node with an earlier village
    node = np.concatenate([reached, village_nodes[lonely]])
    unit = np.concatenate([owner, lonely])
    per_node = population / np.maximum(n_nodes, 1)
    return node, unit, per_node[unit]


def nearest_open(
    graph: csr_matrix, cell_node: np.ndarray, open_nodes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each cell's node, the road distance (m) to the nearest open node and the position of
    that open point in `open_nodes` (the first of points sharing a node); inf and -1 where
    no open point is reachable."""
    open_nodes = np.asarray(open_nodes, dtype=np.int64)
    uniq, first = np.unique(open_nodes, return_index=True)
    dist, _, source = dijkstra(
        graph, directed=False, indices=uniq, min_only=True, return_predecessors=True
    )
    point_of_node = np.full(graph.shape[0], -1, dtype=np.int64)
    point_of_node[uniq] = first
    src = source[cell_node]
    which = np.where(src >= 0, point_of_node[np.maximum(src, 0)], -1)
    return dist[cell_node], which


def weighted_percentile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The smallest value v such that at least q % of the weight lies at values <= v."""
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    if not len(cum) or cum[-1] <= 0:
        return math.nan
    k = int(np.searchsorted(cum, cum[-1] * q / 100.0 * (1 - 1e-12), side="left"))
    return float(values[order][min(k, len(cum) - 1)])


def summarise(
    unit_ids: Sequence[str],
    open_ids: Sequence[str],
    cell_unit: np.ndarray,
    cell_residents: np.ndarray,
    dist_m: np.ndarray,
    which: np.ndarray,
) -> AccessResult:
    """Per-unit and county-wide figures from per-cell distances (all finite)."""
    n_units, n_open = len(unit_ids), len(open_ids)
    residents = np.bincount(cell_unit, cell_residents, minlength=n_units)
    nodes = np.bincount(cell_unit, minlength=n_units)
    # A unit without residents is weighted by its nodes, so it still has a distance to show.
    weight = np.where(residents[cell_unit] > 0, cell_residents, 1.0)
    total = np.bincount(cell_unit, weight, minlength=n_units)
    mean = np.bincount(cell_unit, weight * dist_m, minlength=n_units) / np.maximum(total, 1e-300)
    by_point = np.bincount(cell_unit * n_open + which, weight, minlength=n_units * n_open)
    by_point = by_point.reshape(n_units, n_open)
    units = []
    for u in range(n_units):
        share = by_point[u] / total[u] if total[u] > 0 else by_point[u]
        ranked = sorted(
            ((open_ids[k], float(share[k])) for k in np.flatnonzero(share > 0).tolist()),
            key=lambda s: (-s[1], s[0]),
        )
        mean_m = float(mean[u]) if nodes[u] else math.nan
        units.append(UnitAccess(unit_ids[u], float(residents[u]), mean_m, tuple(ranked)))
    people = residents > 0
    everyone = float(cell_residents.sum())
    stats = AccessStats(
        residents=everyone,
        mean_m=float((cell_residents * dist_m).sum() / everyone) if everyone > 0 else math.nan,
        p95_m=weighted_percentile(dist_m, cell_residents, PERCENTILE),
        within_2km=_share(mean[people] <= NEAR_M[0]),
        within_5km=_share(mean[people] <= NEAR_M[1]),
    )
    return AccessResult(tuple(open_ids), tuple(units), stats)


def _share(flags: np.ndarray) -> float:
    return float(flags.mean()) if len(flags) else math.nan


# --- a county -----------------------------------------------------------------------------------


def population_of(
    county: County, arrays: RoadArrays | None = None, cache_dir: Path | None = None
) -> Population:
    """The residents of a county's village points on its road network (the module's model).
    Raises NetworkError if a village point is farther than MAX_SNAP_M from every road."""
    if arrays is None:
        cache = cache_dir if cache_dir is not None else default_cache_dir()
        arrays = read_road_arrays(county.graph_path, cache, county.digests.get("roads.graphml"))
    # residents served door to door by the couriers (the county seat: no parcels through the
    # centre, demand.csv's parcels_year 0) use no service point
    people = {
        r["point_id"]: r["population"] if parcels_year(r) > 0 else 0 for r in county.demand_rows()
    }
    villages = [
        (p.id, p.lon, p.lat, float(people.get(p.id) or 0))
        for p in county.points
        if p.tier == "village"
    ]
    return build_population(arrays, villages)


def build_population(
    arrays: RoadArrays, villages: Sequence[tuple[str, float, float, float]]
) -> Population:
    """The residents of villages given as (id, lon, lat, population) on a road network,
    snapped as the planner snaps service points (NetworkError naming those farther than
    MAX_SNAP_M from every road)."""
    graph = undirected_lengths(arrays)
    ids = [v[0] for v in villages]
    if villages:
        lon, lat = np.array([v[1] for v in villages]), np.array([v[2] for v in villages])
        nodes, _ = snap(arrays, ids, lon, lat)
    else:
        nodes = np.zeros(0, dtype=np.int64)
    node, unit, residents = settle(graph, nodes, np.array([v[3] for v in villages], dtype=float))
    return Population(
        arrays=arrays,
        graph=graph,
        unit_ids=tuple(ids),
        unit_node=nodes,
        cell_node=node,
        cell_unit=unit,
        cell_residents=residents,
    )


def base_open_points(county: County) -> tuple[ServicePoint, ...]:
    """The county's own service points where villagers collect parcels (OPEN_TIERS)."""
    return tuple(p for p in county.points if p.tier in OPEN_TIERS)


def open_positions(
    points: Sequence[OpenPoint], what: str = OPEN_POINTS
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Ids and WGS-84 positions of open points given as ServicePoint or (id, lon, lat); every
    blank or repeated id and every position that is not lon/lat degrees, collected and raised
    as one InputError naming its row (1-based) and field."""
    faults = Faults()
    ids: list[str] = []
    lon: list[float] = []
    lat: list[float] = []
    for row, p in enumerate(points, start=1):
        if isinstance(p, ServicePoint):
            pid, x, y = p.id, p.lon, p.lat
        else:
            try:
                pid, x, y = str(p[0]), float(p[1]), float(p[2])
            except (TypeError, ValueError, IndexError):
                faults.add(what, f"{p!r:.60} is not (id, lon, lat)", row=row)
                continue
        if not pid.strip():
            faults.add(what, "blank id", row=row, field="id")
        elif pid in ids:
            faults.add(what, f"id '{pid}' is given twice", row=row, field="id")
        if not (math.isfinite(x) and -180 <= x <= 180):
            faults.add(what, f"lon {x!r} is not degrees -180..180", row=row, field="lon")
        if not (math.isfinite(y) and -90 <= y <= 90):
            faults.add(what, f"lat {y!r} is not degrees -90..90", row=row, field="lat")
        ids.append(pid)
        lon.append(x)
        lat.append(y)
    if not ids and not faults:
        faults.add(what, "no open service points")
    faults.raise_if_any()
    return ids, np.array(lon, dtype=float), np.array(lat, dtype=float)


def snap_open(pop: Population, points: Sequence[OpenPoint]) -> tuple[list[str], np.ndarray]:
    """Ids and road nodes of open points, snapped as the planner snaps service points
    (NetworkError naming those farther than MAX_SNAP_M from every road)."""
    ids, lon, lat = open_positions(points)
    nodes, _ = snap(pop.arrays, ids, lon, lat)
    return ids, nodes


def cell_access(pop: Population, open_nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's distance to its nearest open node and that node's position; NetworkError
    naming the units whose residents have no road to any open point (never dropped)."""
    dist, which = nearest_open(pop.graph, pop.cell_node, open_nodes)
    cut = np.flatnonzero(~np.isfinite(dist))
    if len(cut):
        units = list(dict.fromkeys(pop.unit_ids[u] for u in pop.cell_unit[cut]))
        people = float(pop.cell_residents[cut].sum())
        raise NetworkError(
            f"{people:,.0f} residents of {len(units)} village point(s) live on roads with no road "
            f"to any open service point (another road component): {', '.join(units[:10])}"
            + (" ..." if len(units) > 10 else "")
        )
    return dist, which


def access(pop: Population, open_points: Sequence[OpenPoint]) -> AccessResult:
    """Villagers' access distances with these service points open (for the base county:
    `base_open_points`; a scenario adds, removes or moves some)."""
    ids, nodes = snap_open(pop, open_points)
    dist, which = cell_access(pop, nodes)
    return summarise(pop.unit_ids, ids, pop.cell_unit, pop.cell_residents, dist, which)
