"""The PyVRP engine: the same node model, solved by PyVRP's iterated local search.

Everything the product models maps onto PyVRP 0.14: two capacity dimensions with simultaneous
pickup and delivery (clients), produce bound for a facility (shipments), optional orders
(prizes), windows, shifts and maximum tour length, fixed, per-distance and per-duration costs
(micro-yuan, as in the OR-Tools model), and vehicle profiles. PyVRP has no per-client vehicle
restriction, so each node gets its own location and a profile that may not serve a node
(refrigeration missing, or a road ban) sees that location as unreachable. The fixed service time
spent on arriving at a new point goes into the duration matrix, as in the OR-Tools model.
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyvrp
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.search import NeighbourhoodParams, PerturbationParams
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

from ...errors import EngineError
from ...model.nodes import NodeModel
from ...model.params import SolveParams
from ...model.problem import UNREACHABLE
from . import EngineResult

MICRO = 1_000_000


class _Progress(pyvrp.IteratedLocalSearchCallbacks):
    """Reports each new best feasible solution, at most once a second: what its routes cost
    in yuan and how many orders it leaves out (the prizes it forgoes are not a cost)."""

    def __init__(
        self, report: Callable[[float, float, int], None], t0: float, m: _Mapping, nm: NodeModel
    ):
        self.report, self.t0, self.last = report, t0, -1.0
        self.m, self.nm = m, nm
        self.orders = sum(len(n.orders) for n in nm.nodes if not n.unload)

    def on_best(self, best: pyvrp.Solution) -> None:
        now = time.perf_counter() - self.t0
        if best.is_feasible() and now - self.last >= 1.0:
            self.last = now
            cost = best.distance_cost() + best.duration_cost() + best.fixed_vehicle_cost()
            routes = _routes(self.m, best, len(self.nm.problem.vehicles))
            served = sum(len(self.nm.nodes[k].orders) for seq in routes for k in seq)
            drops = sum(len(self.nm.nodes[k].unload) for seq in routes for k in seq)
            self.report(now, cost / MICRO, self.orders - (served - drops))


# PyVRP's operators that take an optional node out of a route, alone or for another. Our
# penalties exceed what serving a node can cost, so these moves rarely pay; without them, 30 s
# on Wugong, mean objective of seeds 0-3 (benchmarks/pyvrp_operators.py, docs/benchmarks.md):
# 3,347.73 -> 3,342.89 yuan on 2026-11-29, 7,009.46 -> 6,944.34 on the harvest day 2026-10-14,
# and 21,332 -> 17,959 (penalties included) on the over-full 2026-11-16.
SKIPPED_OPERATORS = frozenset(
    {
        "RemoveOptionalClient",
        "ReplaceOptionalClient",
        "RemoveOptionalShipment",
        "ReplaceOptionalShipment",
    }
)


@dataclass(frozen=True)
class Search:
    """PyVRP's search settings that the project changes (PyVRP's defaults otherwise)."""

    skip: frozenset[str] = SKIPPED_OPERATORS  # operators left out
    history_length: int | None = None  # late-acceptance history; 1 = plain hill climbing
    max_perturbations: int | None = None  # visits moved per perturbation, at most
    num_neighbours: int | None = None  # granular neighbourhood size


DEFAULT_SEARCH = Search()


def _params(
    data: pyvrp.ProblemData, callbacks=None, search: Search = DEFAULT_SEARCH
) -> pyvrp.SolveParams:
    """PyVRP's default penalty cap (1e5) assumes a distance costs about 1 per unit; ours cost
    micro-yuan, so the cap on the price of a unit of lateness or overload scales with the
    largest unit cost (measured on Solomon R101: the default cap never reaches feasibility).
    The rest as `search` says."""
    unit = max(max(vt.unit_distance_cost, vt.unit_duration_cost, 1) for vt in data.vehicle_types())
    defaults = pyvrp.SolveParams()
    ils = defaults.ils
    if callbacks is not None:
        ils = dataclasses.replace(ils, callbacks=callbacks)
    if search.history_length is not None:
        ils = dataclasses.replace(ils, history_length=search.history_length)
    perturbation = defaults.perturbation
    if search.max_perturbations is not None:
        perturbation = PerturbationParams(perturbation.min_perturbations, search.max_perturbations)
    neighbourhood = defaults.neighbourhood
    if search.num_neighbours is not None:
        neighbourhood = NeighbourhoodParams(
            num_neighbours=search.num_neighbours,
            weight_wait_time=neighbourhood.weight_wait_time,
            symmetric_proximity=neighbourhood.symmetric_proximity,
        )
    return pyvrp.SolveParams(
        ils=ils,
        penalty=pyvrp.PenaltyParams(max_penalty=1000.0 * unit),
        neighbourhood=neighbourhood,
        operators=[op for op in defaults.operators if op.__name__ not in search.skip],
        perturbation=perturbation,
    )


def supports(nm: NodeModel) -> str | None:
    """None if PyVRP can express the node model, else why not."""
    for n in nm.nodes:
        if n.pair >= 0 and not n.unload and (n.delivery_g or n.delivery_ml):
            return "a visit both delivers and collects produce for a facility"
    return None


@dataclass(frozen=True)
class _Mapping:
    data: pyvrp.ProblemData
    client_node: tuple[int, ...]  # PyVRP client index -> node
    shipment_nodes: tuple[tuple[int, int], ...]  # shipment index -> (visit node, drop node)
    type_vehicles: tuple[tuple[int, ...], ...]  # vehicle type -> our vehicle positions


def _vehicle_key(nm: NodeModel, v: int) -> tuple:
    x = nm.problem.vehicles[v]
    return (
        x.profile.key,
        x.cold_chain,
        x.capacity_kg,
        x.capacity_l,
        x.shift_start,
        x.shift_end,
        x.max_work_s,
        x.fixed_cost,
        x.cost_per_km,
        x.cost_per_hour,
        x.depot,
    )


def build_data(nm: NodeModel) -> _Mapping:
    p = nm.problem
    nodes = nm.nodes
    hub = p.hub
    loc_point = np.array([hub] + [n.point for n in nodes])  # location 0 is the depot
    cold_node = np.array([False] + [any(p.orders[k].cold_chain for k in n.orders) for n in nodes])
    locations = [pyvrp.Location(x=p.points[q].lon, y=p.points[q].lat) for q in loc_point]

    groups: dict[tuple, list[int]] = {}
    for v in range(len(p.vehicles)):
        groups.setdefault(_vehicle_key(nm, v), []).append(v)
    profile_ids: dict[tuple[str, bool], int] = {}
    for key in groups:
        profile_ids.setdefault((key[0], key[1]), len(profile_ids))
    fixed = np.array([p.points[q].service_fixed_s for q in loc_point])
    fixed[0] = 0  # returning to the depot is not a service stop
    setup = np.where(loc_point[:, None] != loc_point[None, :], fixed[None, :], 0)
    distances, durations = [], []
    for (pkey, cold), _ in sorted(profile_ids.items(), key=lambda kv: kv[1]):
        d = p.dist_m[pkey][np.ix_(loc_point, loc_point)].astype(np.int64)
        t = p.time_s[pkey][np.ix_(loc_point, loc_point)].astype(np.int64) + setup
        if not cold:  # cold-chain nodes are out of reach for this profile
            d[cold_node, :] = d[:, cold_node] = UNREACHABLE
            t[cold_node, :] = t[:, cold_node] = UNREACHABLE
        np.fill_diagonal(d, 0)
        np.fill_diagonal(t, 0)
        distances.append(np.minimum(d, UNREACHABLE))
        durations.append(np.minimum(t, UNREACHABLE))

    clients, client_node, shipments, shipment_nodes = [], [], [], []
    for k, n in enumerate(nodes):
        if n.unload:
            continue
        prize = round(n.penalty * MICRO)
        handling = p.points[n.point].service_per_parcel_s * n.parcels
        if n.pair >= 0:
            drop = nodes[n.pair]
            shipments.append(
                pyvrp.Shipment(
                    pickup_location=k + 1,
                    delivery_location=n.pair + 1,
                    pickup_tw_early=n.earliest,
                    pickup_tw_late=n.latest,
                    pickup_service_duration=handling,
                    delivery_tw_early=drop.earliest,
                    delivery_tw_late=drop.latest,
                    delivery_service_duration=p.points[drop.point].service_per_parcel_s
                    * drop.parcels,
                    amount=[n.pickup_g, n.pickup_ml],
                    prize=prize,
                    required=False,
                )
            )
            shipment_nodes.append((k, n.pair))
        else:
            clients.append(
                pyvrp.Client(
                    location=k + 1,
                    delivery=[n.delivery_g, n.delivery_ml],
                    pickup=[n.pickup_g, n.pickup_ml],
                    service_duration=handling,
                    tw_early=n.earliest,
                    tw_late=n.latest,
                    prize=prize,
                    required=False,
                )
            )
            client_node.append(k)

    depot = pyvrp.Depot(
        location=0,
        tw_early=min(v.shift_start for v in p.vehicles),
        tw_late=max(v.shift_end for v in p.vehicles),
    )
    types, type_vehicles = [], []
    for key, members in groups.items():
        x = p.vehicles[members[0]]
        types.append(
            pyvrp.VehicleType(
                num_available=len(members),
                capacity=[p.capacity_g(members[0]), p.capacity_ml(members[0])],
                start_depot=0,
                end_depot=0,
                fixed_cost=round(x.fixed_cost * MICRO),
                tw_early=x.shift_start,
                tw_late=x.shift_end,
                shift_duration=x.max_work_s,
                unit_distance_cost=round(x.cost_per_km * MICRO / 1000),
                unit_duration_cost=round(x.cost_per_hour * MICRO / 3600),
                profile=profile_ids[(key[0], key[1])],
            )
        )
        type_vehicles.append(tuple(members))
    data = pyvrp.ProblemData(
        locations=locations,
        clients=clients,
        depots=[depot],
        vehicle_types=types,
        distance_matrices=distances,
        duration_matrices=durations,
        shipments=shipments,
    )
    return _Mapping(data, tuple(client_node), tuple(shipment_nodes), tuple(type_vehicles))


def _routes(m: _Mapping, solution: pyvrp.Solution, n_vehicles: int) -> tuple[tuple[int, ...], ...]:
    out: list[tuple[int, ...]] = [()] * n_vehicles
    used = [0] * len(m.type_vehicles)
    for route in solution.routes():
        seq = []
        for act in route.schedule():
            if act.is_depot():
                continue
            if act.is_client():
                seq.append(m.client_node[act.idx])
            elif act.is_pickup():
                seq.append(m.shipment_nodes[act.idx][0])
            else:
                seq.append(m.shipment_nodes[act.idx][1])
        t = route.vehicle_type()
        out[m.type_vehicles[t][used[t]]] = tuple(seq)
        used[t] += 1
    return tuple(out)


def warm_start(m: _Mapping, nm: NodeModel, routes) -> pyvrp.Solution:
    """A PyVRP solution of another engine's routes (node sequences per vehicle)."""
    client_of = {k: i for i, k in enumerate(m.client_node)}
    ship_of = {}
    for i, (visit, drop) in enumerate(m.shipment_nodes):
        ship_of[visit] = pyvrp.Activity(pyvrp.ActivityType.PICKUP, i)
        ship_of[drop] = pyvrp.Activity(pyvrp.ActivityType.DELIVERY, i)
    type_of = {v: t for t, vs in enumerate(m.type_vehicles) for v in vs}
    out = []
    for v, seq in enumerate(routes):
        if not seq:
            continue
        acts = [
            pyvrp.Activity(pyvrp.ActivityType.CLIENT, client_of[k])
            if k in client_of
            else ship_of[k]
            for k in seq
        ]
        out.append(pyvrp.Route(m.data, acts, type_of[v]))
    return pyvrp.Solution(m.data, out)


def solve(
    nm: NodeModel,
    params: SolveParams,
    initial: tuple[tuple[int, ...], ...] | None = None,
    search: Search = DEFAULT_SEARCH,
) -> EngineResult:
    """PyVRP's search on the node model, from `initial` routes when given."""
    t0 = time.perf_counter()
    stats: dict = {"nodes": len(nm.nodes)}
    why = supports(nm)
    if why:
        raise EngineError(f"PyVRP cannot model this day: {why}")
    n_veh = len(nm.problem.vehicles)
    if not nm.nodes:
        return EngineResult("pyvrp", tuple(() for _ in range(n_veh)), stats)
    m = build_data(nm)
    runtime = MaxRuntime(max(0.05, params.time_limit - (time.perf_counter() - t0)))
    stop: MaxRuntime | MultipleCriteria = runtime
    if params.iterations:
        stop = MultipleCriteria([MaxIterations(params.iterations), runtime])
    init = warm_start(m, nm, initial) if initial else None
    with warnings.catch_warnings():
        # PyVRP warns when a penalty reaches its cap; an infeasible result is handled below
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        result = pyvrp.solve(
            m.data,
            stop,
            seed=params.seed,
            collect_stats=False,
            display=False,
            params=_params(
                m.data,
                _Progress(params.on_improve, t0, m, nm) if params.on_improve else None,
                search,
            ),
            initial_solution=init,
        )
    best = result.best
    stats.update(
        {
            "objective": result.cost() / MICRO if best.is_feasible() else None,
            "feasible": bool(best.is_feasible()),
            "iterations": result.num_iterations,
            "seconds": round(time.perf_counter() - t0, 3),
        }
    )
    if not best.is_feasible():  # keep what it started from (feasible by construction)
        return EngineResult("pyvrp", initial or tuple(() for _ in range(n_veh)), stats)
    return EngineResult("pyvrp", _routes(m, best, n_veh), stats)
