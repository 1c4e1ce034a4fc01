"""Siting: the K new service points that save the villagers most, net of what one more stop
costs the fleet, chosen exactly with CP-SAT.

The objective, in yuan a day:

- **Villagers' access cost.** Each resident node (`routing.scenarios.access`) sends residents
  x PARCELS_PER_PERSON_DAY trips of 2 x its access distance (there and back) to its nearest
  open service point, at ACCESS_YUAN_PER_KM. A new point saves what it shortens those trips.
- **One more stop.** A van that calls at the new point makes a detour, estimated as 2 x the road
  distance from the point to the nearest open service point (out and back from a stop the tour
  already makes) at the fleet's per-km cost, plus the village stop's fixed service time at the
  fleet's hourly cost (`StopTariff`); the point is assumed called at every day. What the new
  point takes off the stops its villagers used before is not credited: the estimate errs
  towards fewer new points.

The model: y_c (open candidate c), x_nc (node n collects at c) only where c is nearer than the
node's current point, sum_c x_nc <= 1, x_nc <= y_c, sum_c y_c == K; maximise the savings of the
x minus the stop costs of the y. CP-SAT needs integers: savings and costs are rounded to fen,
each term once (so the model's objective may differ from the exact one by half a fen a term).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse.csgraph import dijkstra

from ..errors import Fault, Faults, InputError, NetworkError, RouteError
from ..inputs.county import County
from ..inputs.demo_orders import PARCELS_PER_PERSON_YEAR
from ..inputs.tables import CANDIDATE_COLUMNS, check_unique, read_table
from ..model.records import ServicePoint, Vehicle
from ..network.graph import snap
from .access import (
    AccessStats,
    OpenPoint,
    Population,
    access,
    base_open_points,
    cell_access,
    nearest_open,
    population_of,
    snap_open,
    summarise,
)

# A villager's trip to collect a parcel, yuan per km (assumptions, not sourced figures): an
# e-bike's electricity is about 0.01 yuan/km (some 2 kWh per 100 km at 0.5 yuan/kWh) and its
# battery and wear a few fen more; the rest is time: about 4 minutes a km by e-bike, 12 on
# foot, at a rural wage of 15-20 yuan an hour, that is 1.0-1.3 yuan/km riding and 3-4 walking,
# of which only part counts when the trip is combined with other errands. 1 yuan/km is a round,
# deliberately modest figure (it makes new points look less worth it, not more).
ACCESS_YUAN_PER_KM = 1.0
PARCELS_PER_PERSON_DAY = PARCELS_PER_PERSON_YEAR / 365.0  # the demand model's rate
TRIPS_PER_PARCEL = 2  # one-way access distance there and back
FEN_PER_YUAN = 100  # CP-SAT's integers: the solver's unit of money (architecture notes)
# Generated candidates: road junctions and village points' road nodes at least this far by road
# from an open service point and from each other (a village's collection point serves its own
# few hundred metres; closer sites would split the same residents), and at most this many,
# which keeps the exact model small on a county of 30,000 nodes.
CANDIDATE_SPACING_M = 500.0
MAX_CANDIDATES = 300
JUNCTION_ROADS = 3  # a node where at least this many roads meet is a junction
CANDIDATES = "candidates"  # how faults name the candidate list
_CHUNK = 64  # candidates per Dijkstra batch (bounds memory on large counties)


@dataclass(frozen=True)
class Candidate:
    id: str
    name: str
    lon: float  # WGS-84
    lat: float


@dataclass(frozen=True)
class StopTariff:
    """What one more stop costs the fleet a day: `yuan_per_km` and `yuan_per_hour` of the
    fleet's cheapest vehicle per km (the one a planner sends to small village stops), and the
    fixed service time of the county's village points."""

    vehicle_type: str
    yuan_per_km: float
    yuan_per_hour: float
    service_s: int

    def cost(self, detour_m: float) -> float:
        return detour_m / 1000.0 * self.yuan_per_km + self.service_s / 3600.0 * self.yuan_per_hour


@dataclass(frozen=True)
class Site:
    """A chosen candidate and what it does."""

    id: str
    name: str
    lon: float
    lat: float
    detour_m: float  # 2 x road distance to the nearest open service point
    stop_yuan: float  # a day
    residents: float  # residents for whom it becomes the nearest open point


@dataclass(frozen=True)
class SitingResult:
    k: int
    chosen: tuple[Site, ...]
    status: str  # "OPTIMAL" (proven) or "FEASIBLE" (the time limit came first)
    objective_yuan: float  # a day: access saved minus stop costs, of the chosen sites
    bound_yuan: float  # a day: no K sites do better than this (the solver's bound, in fen)
    candidates: int
    tariff: StopTariff
    before: AccessStats
    after: AccessStats


@dataclass(frozen=True, eq=False)
class SitingInstance:
    """The exact model's data: per useful (node, candidate) pair the yuan a day saved if the
    node's residents collected at the candidate instead; per candidate the stop cost."""

    node: np.ndarray  # per pair: position of the resident node
    cand: np.ndarray  # per pair: candidate position
    saving_yuan: np.ndarray  # per pair, > 0
    stop_yuan: np.ndarray  # per candidate

    @property
    def n_candidates(self) -> int:
        return len(self.stop_yuan)


# --- pure array functions ----------------------------------------------------------------------


def yuan_per_m(residents: np.ndarray) -> np.ndarray:
    """Villagers' access cost in yuan a day per metre of one-way access distance."""
    return residents * PARCELS_PER_PERSON_DAY * TRIPS_PER_PARCEL * ACCESS_YUAN_PER_KM / 1000.0


def _pairs(
    weight: np.ndarray, current_m: np.ndarray, cand_m: np.ndarray, first: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(node, candidate, saving) where a candidate is nearer than the node's current point."""
    c, n = np.nonzero(cand_m < current_m[None, :])
    return n, c + first, weight[n] * (current_m[n] - cand_m[c, n])


def instance_of(
    weight: np.ndarray, current_m: np.ndarray, cand_m: np.ndarray, stop_yuan: np.ndarray
) -> SitingInstance:
    """The model's data from dense arrays: `weight` yuan/m and `current_m` per resident node,
    `cand_m` [candidate, node] and `stop_yuan` per candidate."""
    n, c, s = _pairs(np.asarray(weight), np.asarray(current_m), np.asarray(cand_m))
    return SitingInstance(n, c, s, np.asarray(stop_yuan, dtype=float))


def objective_yuan(inst: SitingInstance, chosen: Sequence[int]) -> float:
    """Exact yuan a day of opening `chosen`: each node's best saving among them, minus their
    stop costs."""
    on = np.isin(inst.cand, np.asarray(chosen, dtype=np.int64))
    if not on.any():
        return -float(inst.stop_yuan[list(chosen)].sum())
    best = np.zeros(int(inst.node.max()) + 1)
    np.maximum.at(best, inst.node[on], inst.saving_yuan[on])
    return float(best.sum() - inst.stop_yuan[list(chosen)].sum())


def greedy(inst: SitingInstance, k: int) -> list[int]:
    """K candidates added one at a time, each the best addition (the exact model's hint)."""
    best = np.zeros(int(inst.node.max()) + 1 if len(inst.node) else 0)
    chosen: list[int] = []
    for _ in range(k):
        extra = np.maximum(inst.saving_yuan - best[inst.node], 0.0)
        gain = np.bincount(inst.cand, extra, minlength=inst.n_candidates) - inst.stop_yuan
        gain[chosen] = -np.inf
        c = int(np.argmax(gain))  # ties: the lower position
        chosen.append(c)
        on = inst.cand == c
        np.maximum.at(best, inst.node[on], inst.saving_yuan[on])
    return chosen


def solve_instance(
    inst: SitingInstance, k: int, time_limit: float = 10.0, seed: int = 0, workers: int = 1
) -> tuple[list[int], str, float]:
    """The best K candidates by CP-SAT: (positions, status name, bound in yuan a day). One
    worker gives the same answer on every run (more may find an equally good other set); the
    time limit only cuts the search short, and the status then says FEASIBLE."""
    from ortools.sat.python import cp_model

    if not 1 <= k <= inst.n_candidates:
        raise InputError(
            Fault(
                "siting",
                f"K = {k}: need between 1 and {inst.n_candidates} (the candidates)",
                field="k",
            )
        )
    saving = np.rint(inst.saving_yuan * FEN_PER_YUAN).astype(np.int64)
    keep = np.flatnonzero(saving > 0)
    stop = np.rint(inst.stop_yuan * FEN_PER_YUAN).astype(np.int64)
    model = cp_model.CpModel()
    y = [model.new_bool_var(f"open_{c}") for c in range(inst.n_candidates)]
    model.add(sum(y) == k)
    x = [model.new_bool_var(f"use_{g}") for g in keep]
    by_node: dict[int, list] = {}
    for var, g in zip(x, keep, strict=True):
        model.add_implication(var, y[int(inst.cand[g])])
        by_node.setdefault(int(inst.node[g]), []).append(var)
    for xs in by_node.values():
        if len(xs) > 1:
            model.add_at_most_one(xs)
    model.maximize(
        cp_model.LinearExpr.weighted_sum(x, [int(s) for s in saving[keep]])
        - cp_model.LinearExpr.weighted_sum(y, [int(s) for s in stop])
    )
    _hint(model, inst, keep, x, y, greedy(inst, k))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.random_seed = int(seed)
    solver.parameters.num_workers = int(workers)
    # The LP relaxation of x_nc <= y_c is what proves optimality; CP-SAT's default level keeps
    # implications out of its LP, and its default portfolio for 2 workers runs no LP-heavy
    # worker (Wugong, K=3: no proof in 30 s either way, 0.2 s with the full LP).
    solver.parameters.linearization_level = 2
    if workers > 1:
        solver.parameters.subsolvers.extend(["max_lp", "default_lp"])
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RouteError(
            f"the siting model found no solution ({solver.status_name(status)}) within "
            f"{time_limit:g} s"
        )
    chosen = [c for c in range(inst.n_candidates) if solver.boolean_value(y[c])]
    return chosen, solver.status_name(status), solver.best_objective_bound / FEN_PER_YUAN


def _hint(model, inst: SitingInstance, keep: np.ndarray, x: list, y: list, start: list[int]):
    """Start the search from the greedy choice, each node at its best chosen candidate."""
    on = set(start)
    for c, var in enumerate(y):
        model.add_hint(var, c in on)
    best: dict[int, tuple[float, int]] = {}
    for i, g in enumerate(keep):
        if int(inst.cand[g]) in on:
            n = int(inst.node[g])
            if n not in best or inst.saving_yuan[g] > best[n][0]:
                best[n] = (float(inst.saving_yuan[g]), i)
    use = {i for _, i in best.values()}
    for i, var in enumerate(x):
        model.add_hint(var, i in use)


# --- a county -----------------------------------------------------------------------------------


def stop_tariff(fleet: Sequence[Vehicle], points: Sequence[ServicePoint]) -> StopTariff:
    """The fleet's cheapest vehicle per km (ties: the first id) and the median fixed service
    time of the village points (0 without village points)."""
    v = min(fleet, key=lambda v: (v.cost_per_km, v.id))
    service = [p.service_fixed_s for p in points if p.tier == "village"]
    median = int(np.median(service)) if service else 0
    return StopTariff(v.type, v.cost_per_km, v.cost_per_hour, median)


def _road_degree(pop: Population) -> np.ndarray:
    """Roads meeting at each node, two-way streets and parallel edges counted once."""
    a = pop.arrays
    lo, hi = np.minimum(a.src, a.dst), np.maximum(a.src, a.dst)
    key = np.unique((lo * a.n_nodes + hi)[lo != hi])
    return np.bincount(key // a.n_nodes, minlength=a.n_nodes) + np.bincount(
        key % a.n_nodes, minlength=a.n_nodes
    )


def generate_candidates(
    pop: Population,
    open_m: np.ndarray,
    limit: int = MAX_CANDIDATES,
    spacing_m: float = CANDIDATE_SPACING_M,
) -> tuple[list[Candidate], np.ndarray]:
    """Candidates at road junctions and village points' road nodes, `spacing_m` by road from
    every open point (`open_m`: each node's distance to the nearest) and from each other. Taken
    greedily, most promising first (residents on the node x its access distance, ties by node
    position), so the same county and points give the same list. Returns them and their nodes."""
    residents = np.bincount(pop.cell_node, pop.cell_residents, minlength=pop.arrays.n_nodes)
    unit_at = np.full(pop.arrays.n_nodes, -1, dtype=np.int64)
    first_nodes, first_units = np.unique(pop.unit_node, return_index=True)
    unit_at[first_nodes] = first_units  # the first village point on each node
    area = np.full(pop.arrays.n_nodes, -1, dtype=np.int64)
    area[pop.cell_node[::-1]] = pop.cell_unit[::-1]  # whose residents live there (any one)
    pool = np.union1d(np.flatnonzero(_road_degree(pop) >= JUNCTION_ROADS), pop.unit_node)
    pool = pool[np.isfinite(open_m[pool]) & (open_m[pool] >= spacing_m)]
    order = np.lexsort((pool, -(residents[pool] * open_m[pool])))
    blocked = np.zeros(pop.arrays.n_nodes, dtype=bool)
    nodes: list[int] = []
    for node in pool[order]:
        if blocked[node]:
            continue
        nodes.append(int(node))
        if len(nodes) == limit:
            break
        near = dijkstra(pop.graph, directed=False, indices=int(node), limit=spacing_m)
        blocked |= near < spacing_m
    out = []
    for k, n in enumerate(nodes, start=1):
        u, a = unit_at[n], area[n]
        if u >= 0:
            name = f"village point {pop.unit_ids[u]}'s road node"
        else:
            name = f"road junction in {pop.unit_ids[a]}'s area" if a >= 0 else "road junction"
        lon, lat = float(pop.arrays.lon[n]), float(pop.arrays.lat[n])
        out.append(Candidate(f"site-{k:03d}", name, round(lon, 6), round(lat, 6)))
    return out, np.array(nodes, dtype=np.int64)


CandidateLike = Candidate | tuple[str, str, float, float]


def candidate_list(items: Sequence[CandidateLike], open_ids: Sequence[str]) -> list[Candidate]:
    """Candidates given as Candidate or (id, name, lon, lat), checked: every blank, repeated or
    already open id and every position that is not lon/lat degrees, collected and raised as
    one InputError naming its row (1-based) and field."""
    faults = Faults()
    taken = set(open_ids)
    seen: set[str] = set()
    out = []
    for row, c in enumerate(items, start=1):
        try:
            cand = (
                c
                if isinstance(c, Candidate)
                else Candidate(str(c[0]), str(c[1]), float(c[2]), float(c[3]))
            )
        except (TypeError, ValueError, IndexError):
            faults.add(CANDIDATES, f"{c!r:.60} is not (id, name, lon, lat)", row=row)
            continue
        if not cand.id.strip():
            faults.add(CANDIDATES, "blank id", row=row, field="id")
        elif cand.id in seen:
            faults.add(CANDIDATES, f"id '{cand.id}' is given twice", row=row, field="id")
        elif cand.id in taken:
            faults.add(
                CANDIDATES, f"id '{cand.id}' is already an open service point", row=row, field="id"
            )
        seen.add(cand.id)
        for fld, value, lim in (("lon", cand.lon, 180), ("lat", cand.lat, 90)):
            if not (math.isfinite(value) and -lim <= value <= lim):
                faults.add(
                    CANDIDATES, f"{fld} {value!r} is not degrees -{lim}..{lim}", row=row, field=fld
                )
        out.append(cand)
    if not out and not faults:
        faults.add(CANDIDATES, "no candidates")
    faults.raise_if_any()
    return out


def _candidate_m(pop: Population, cand_nodes: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Road distance [candidate, target node], in batches of sources."""
    out = np.empty((len(cand_nodes), len(targets)))
    for k in range(0, len(cand_nodes), _CHUNK):
        d = dijkstra(pop.graph, directed=False, indices=cand_nodes[k : k + _CHUNK])
        out[k : k + _CHUNK] = np.atleast_2d(d)[:, targets]
    return out


def site(
    pop: Population,
    open_points: Sequence[OpenPoint],
    tariff: StopTariff,
    k: int,
    candidates: Sequence[CandidateLike] | None = None,
    time_limit: float = 10.0,
    seed: int = 0,
    workers: int = 1,
) -> SitingResult:
    """The K candidates that save most a day (module docstring) with `open_points` open;
    without `candidates`, generated ones (`generate_candidates`). NetworkError for a
    candidate farther than MAX_SNAP_M from every road or with no road to any open point."""
    ids, open_nodes = snap_open(pop, open_points)
    cell_m, which = cell_access(pop, open_nodes)  # raises for residents cut off
    before = summarise(pop.unit_ids, ids, pop.cell_unit, pop.cell_residents, cell_m, which)
    n_all = pop.arrays.n_nodes
    open_m, _ = nearest_open(pop.graph, np.arange(n_all), open_nodes)
    if candidates is None:
        cands, cand_nodes = generate_candidates(pop, open_m)
        if not cands:
            raise InputError(
                Fault(
                    CANDIDATES,
                    f"no road node is {CANDIDATE_SPACING_M:.0f} m or more from "
                    "an open service point: nowhere to site",
                )
            )
    else:
        cands = candidate_list(candidates, ids)
        cand_nodes, _ = snap(
            pop.arrays,
            [c.id for c in cands],
            np.array([c.lon for c in cands]),
            np.array([c.lat for c in cands]),
        )
        cut = [c.id for c, n in zip(cands, cand_nodes, strict=True) if not np.isfinite(open_m[n])]
        if cut:
            raise NetworkError(
                f"{len(cut)} candidate(s) have no road to any open service point: "
                + ", ".join(cut[:10])
                + (" ..." if len(cut) > 10 else "")
            )
    detour_m = 2.0 * open_m[cand_nodes]
    stop_yuan = np.array([tariff.cost(d) for d in detour_m])
    residents = np.bincount(pop.cell_node, pop.cell_residents, minlength=n_all)
    where = np.flatnonzero(residents > 0)
    node_l, cand_l, save_l = [], [], []
    for first in range(0, len(cands), _CHUNK):
        block = _candidate_m(pop, cand_nodes[first : first + _CHUNK], where)
        n, c, s = _pairs(yuan_per_m(residents[where]), open_m[where], block, first)
        node_l.append(n)
        cand_l.append(c)
        save_l.append(s)
    inst = SitingInstance(
        np.concatenate(node_l), np.concatenate(cand_l), np.concatenate(save_l), stop_yuan
    )
    chosen, status, bound = solve_instance(inst, k, time_limit, seed, workers)
    picked = [cands[c] for c in chosen]
    after = access(pop, [*open_points, *((c.id, c.lon, c.lat) for c in picked)])
    served = {c.id: 0.0 for c in picked}
    for u in after.units:
        for pid, share in u.shares:
            if pid in served:
                served[pid] += u.residents * share
    return SitingResult(
        k=k,
        chosen=tuple(
            Site(c.id, c.name, c.lon, c.lat, float(detour_m[i]), float(stop_yuan[i]), served[c.id])
            for c, i in zip(picked, chosen, strict=True)
        ),
        status=status,
        objective_yuan=objective_yuan(inst, chosen),
        bound_yuan=bound,
        candidates=len(cands),
        tariff=tariff,
        before=before.stats,
        after=after.stats,
    )


def site_county(
    county: County,
    k: int,
    candidates: Sequence[CandidateLike] | None = None,
    time_limit: float = 10.0,
    seed: int = 0,
    workers: int = 1,
) -> SitingResult:
    """`site` for a county as it is: its village and township points open, its fleet's
    tariff."""
    pop = population_of(county)
    tariff = stop_tariff(county.fleet, county.points)
    return site(pop, base_open_points(county), tariff, k, candidates, time_limit, seed, workers)


def read_candidates(path: Path) -> list[Candidate]:
    """A candidate file (CSV: id, name, lon, lat), every bad cell named by row and field."""
    faults = Faults()
    rows = read_table(path, CANDIDATE_COLUMNS, faults)
    check_unique(rows, "id", str(path), faults)
    faults.raise_if_any()
    return [Candidate(r["id"], r.get("name") or r["id"], r["lon"], r["lat"]) for r in rows]
