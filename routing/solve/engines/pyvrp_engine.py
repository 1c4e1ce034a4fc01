"""The PyVRP engine: the same node model, solved by PyVRP's iterated local search.

Everything the product models maps onto PyVRP 0.14: two capacity dimensions with simultaneous
pickup and delivery (clients), produce bound for a facility (shipments), optional orders
(prizes), windows, shifts and maximum tour length, fixed, per-distance and per-duration costs
(micro-yuan, as in the OR-Tools model), and vehicle profiles. PyVRP has no per-client vehicle
restriction, so each node gets its own location and a profile that may not serve a node
(refrigeration missing, or a road ban) sees that location as unreachable. The fixed service time
spent on arriving at a new point goes into the duration matrix, as in the OR-Tools model.
PyVRP's settings assume costs of about one per unit of distance; `_params` restates them in
micro-yuan, so that it searches our days as it searches its own instances.
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
from pyvrp.search import NeighbourhoodParams
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

from ...errors import EngineError
from ...model.nodes import RELOAD, NodeModel, tidy, visits_of
from ...model.params import SolveParams
from ...model.problem import UNREACHABLE
from ...model.schedule import evaluate
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
            visits = [k for seq in _routes(self.m, self.nm, best) for k in visits_of(seq)]
            served = sum(len(self.nm.nodes[k].orders) for k in visits)
            drops = sum(len(self.nm.nodes[k].unload) for k in visits)
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


DEFAULT_SEARCH = Search()


def _params(
    data: pyvrp.ProblemData, callbacks=None, search: Search = DEFAULT_SEARCH
) -> pyvrp.SolveParams:
    """PyVRP's defaults, in the units of our costs. PyVRP's default penalty cap (1e5) assumes a
    distance costs about 1 per unit; ours cost micro-yuan, so the cap on the price of a unit of
    lateness or overload scales with the largest unit cost (measured on Solomon R101: the
    default cap never reaches feasibility). The granular neighbourhood likewise: see
    `_wait_weight`. The operators as `search` says."""
    unit = max(max(vt.unit_distance_cost, vt.unit_duration_cost, 1) for vt in data.vehicle_types())
    defaults = pyvrp.SolveParams()
    ils = defaults.ils
    if callbacks is not None:
        ils = dataclasses.replace(ils, callbacks=callbacks)
    nb = defaults.neighbourhood
    return pyvrp.SolveParams(
        ils=ils,
        penalty=pyvrp.PenaltyParams(max_penalty=1000.0 * unit),
        neighbourhood=NeighbourhoodParams(
            weight_wait_time=nb.weight_wait_time * _wait_weight(data),
            num_neighbours=nb.num_neighbours,
            symmetric_proximity=nb.symmetric_proximity,
        ),
        operators=[op for op in defaults.operators if op.__name__ not in search.skip],
        perturbation=defaults.perturbation,
    )


def _wait_weight(data: pyvrp.ProblemData) -> float:
    """What a second of driving costs (cheapest vehicle type, at the average speed of its
    profile's matrix): PyVRP ranks neighbours by edge cost plus a weight times the wait a
    window forces, a weight made for instances whose costs are their distances and whose time
    runs at one distance unit a second. Our edge costs are micro-yuan, so without this
    scaling the windows vanish from the neighbourhood (on G&H R2_10_1, 29 % of PyVRP's own
    neighbours kept; with it, all but one in 20,000)."""
    speeds = {}
    for p in {vt.profile for vt in data.vehicle_types()}:
        d, t = np.asarray(data.distance_matrix(p)), np.asarray(data.duration_matrix(p))
        ok = (d < UNREACHABLE) & (t < UNREACHABLE)
        speeds[p] = float(d[ok].sum()) / max(1.0, float(t[ok].sum()))
    return min(
        vt.unit_distance_cost * speeds[vt.profile] + vt.unit_duration_cost
        for vt in data.vehicle_types()
    )


# Reloads in the search only where one trip per vehicle is tight: they widen PyVRP's moves,
# and on an ordinary day cost 2.4 % for nothing (Wugong 2026-11-29 at 30 s, seeds 0-2: 541.97
# yuan on average with reloads, 529.12 without, and no route took a second trip; its
# deliveries fill 34 % of the fleet's one trip, the Double-11 peak's 103 %, and no ordinary
# day of the year samples passes 52 %). Orders left out still get a further trip after the
# search (`routing.solve.repair`).
RELOADS_MIN_FILL = 0.75


def reloads_wanted(nm: NodeModel) -> bool:
    """Whether the search may send vehicles out again: some may make more than one trip, and
    the day's deliveries or produce fill more than `RELOADS_MIN_FILL` of the fleet's one trip,
    in kg or litres."""
    vehicles = nm.problem.vehicles
    if all(v.max_trips == 1 for v in vehicles):
        return False
    room_g = sum(nm.problem.capacity_g(v) for v in range(len(vehicles)))
    room_ml = sum(nm.problem.capacity_ml(v) for v in range(len(vehicles)))
    for kind in ("delivery", "pickup"):
        g = sum(getattr(n, f"{kind}_g") for n in nm.nodes)
        ml = sum(getattr(n, f"{kind}_ml") for n in nm.nodes)
        if g > RELOADS_MIN_FILL * room_g or ml > RELOADS_MIN_FILL * room_ml:
            return True
    return False


def supports(nm: NodeModel) -> str | None:
    """None if PyVRP can express the node model, else why not."""
    for n in nm.nodes:
        if n.facility_bound and (n.delivery_g or n.delivery_ml):
            return "a visit both delivers and collects produce for a facility"
    return None


@dataclass(frozen=True)
class _Mapping:
    data: pyvrp.ProblemData
    client_node: tuple[int, ...]  # PyVRP client index -> node
    shipment_nodes: tuple[tuple[int, int], ...]  # shipment index -> (visit node, drop node)
    type_vehicles: tuple[tuple[int, ...], ...]  # vehicle type -> our vehicle positions
    # drops at the end (`build_data(..., drops_at_end=True)`): the facility (point) each of our
    # vehicles ends via, -1 for the hub; empty when produce rides as shipments
    vehicle_end: tuple[int, ...] = ()
    type_reload: tuple[int, ...] = ()  # vehicle type -> its reload depot, -1 for none


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
        x.salaried_s,
        x.overtime_per_hour,
        x.max_driving_s,
        x.lunch,
        x.max_trips,
        x.reload_s,
        x.depot,
    )


def end_facilities(nm: NodeModel) -> dict[int, int]:
    """The facility each vehicle that may carry facility-bound produce ends its route via:
    the one whose produce it is scarcest for (each such visit counts 1 / the number of vehicles
    allowed to serve it). A refrigerated truck thus ends at the cold store, the only vehicles
    that may carry its produce, and an ordinary truck at the park."""
    score: dict[int, dict[int, float]] = {}
    for n in nm.nodes:
        if n.facility_bound:
            facility = nm.nodes[n.pair].point
            for v in n.allowed:
                mine = score.setdefault(v, {})
                mine[facility] = mine.get(facility, 0.0) + 1.0 / len(n.allowed)
    return {v: max(sorted(s), key=lambda f: s[f]) for v, s in score.items()}


def build_data(
    nm: NodeModel, drops_at_end: bool = False, required: bool = False, reloads: bool = True
) -> _Mapping:
    """PyVRP's problem data of the node model. Produce bound for a facility rides as a PyVRP
    shipment (pickup and drop placed freely), or, with `drops_at_end`, as a plain pickup that
    each vehicle drops at the end of its route, at the one facility `end_facilities` gives it,
    before it returns to the hub. The second is far faster to search (no shipment moves) and
    exact for routes of that shape, the shape of nearly every route on Lixian's harvest day.
    With `required`, every visit must be served (no prizes): see `solve`. With `reloads`,
    vehicles that may make more than one trip reload at the hub between them (not with drops
    at the end: produce for a facility would ride across a reload)."""
    p = nm.problem
    nodes = nm.nodes
    hub = p.hub
    ends = end_facilities(nm) if drops_at_end else {}
    facilities = sorted(set(ends.values()))
    base = 1 + len(facilities)  # location 0 is the depot, then the facilities routes end at
    loc_point = np.array([hub] + facilities + [n.point for n in nodes])
    cold_node = np.zeros(len(loc_point), dtype=bool)
    cold_node[base:] = [any(p.orders[k].cold_chain for k in n.orders) for n in nodes]
    bound = np.full(len(loc_point), -1)  # the facility a visit's produce goes to
    bound[base:] = [nodes[n.pair].point if n.facility_bound else -1 for n in nodes]
    locations = [pyvrp.Location(x=p.points[q].lon, y=p.points[q].lat) for q in loc_point]

    groups: dict[tuple, list[int]] = {}
    for v in range(len(p.vehicles)):
        groups.setdefault((*_vehicle_key(nm, v), ends.get(v, -1)), []).append(v)
    profile_ids: dict[tuple[str, bool, int], int] = {}
    for key in groups:
        profile_ids.setdefault((key[0], key[1], key[-1]), len(profile_ids))
    fixed = np.array([p.points[q].service_fixed_s for q in loc_point])
    fixed[0] = 0  # returning to the depot is not a service stop
    setup = np.where(loc_point[:, None] != loc_point[None, :], fixed[None, :], 0)
    distances, durations = [], []
    for (pkey, cold, end), _ in sorted(profile_ids.items(), key=lambda kv: kv[1]):
        d = p.dist_m[pkey][np.ix_(loc_point, loc_point)].astype(np.int64)
        t = p.time_s[pkey][np.ix_(loc_point, loc_point)].astype(np.int64) + setup
        out = cold_node & ~np.bool_(cold)  # cold-chain nodes need a cold vehicle
        if drops_at_end:  # produce for another facility than this vehicle's end
            out |= (bound >= 0) & (bound != end)
        d[out, :] = d[:, out] = UNREACHABLE
        t[out, :] = t[:, out] = UNREACHABLE
        np.fill_diagonal(d, 0)
        np.fill_diagonal(t, 0)
        distances.append(np.minimum(d, UNREACHABLE))
        durations.append(np.minimum(t, UNREACHABLE))

    # a volume dimension that no order fills is left out (benchmarks): each dimension costs the
    # search time on every move
    volumes = any(n.delivery_ml or n.pickup_ml for n in nodes)

    def load(g: int, ml: int) -> list[int]:
        return [g, ml] if volumes else [g]

    clients, client_node, shipments, shipment_nodes = [], [], [], []
    for k, n in enumerate(nodes):
        if n.unload:
            continue
        prize = 0 if required else round(n.penalty * MICRO)
        handling = p.points[n.point].service_per_parcel_s * n.parcels
        drop = nodes[n.pair] if n.pair >= 0 else None
        unloading = p.points[drop.point].service_per_parcel_s * drop.parcels if drop else 0
        if drop and not drops_at_end:
            shipments.append(
                pyvrp.Shipment(
                    pickup_location=base + k,
                    delivery_location=base + n.pair,
                    pickup_tw_early=n.earliest,
                    pickup_tw_late=n.latest,
                    pickup_service_duration=handling,
                    delivery_tw_early=drop.earliest,
                    delivery_tw_late=drop.latest,
                    delivery_service_duration=unloading,
                    amount=load(n.pickup_g, n.pickup_ml),
                    prize=prize,
                    required=required,
                )
            )
            shipment_nodes.append((k, n.pair))
        else:
            clients.append(
                pyvrp.Client(
                    location=base + k,
                    delivery=load(n.delivery_g, n.delivery_ml),
                    pickup=load(n.pickup_g, n.pickup_ml),
                    service_duration=handling + unloading,  # unloading moved to the visit
                    tw_early=n.earliest,
                    tw_late=n.latest,
                    prize=prize,
                    required=required,
                )
            )
            client_node.append(k)

    depots = [
        pyvrp.Depot(
            location=0,
            tw_early=min(v.shift_start for v in p.vehicles),
            tw_late=max(v.shift_end for v in p.vehicles),
        )
    ]
    for f in facilities:
        drops = [n for n in nodes if n.unload and n.point == f]
        depots.append(
            pyvrp.Depot(
                location=len(depots),
                tw_early=min(n.earliest for n in drops),
                tw_late=max(n.latest for n in drops),
            )
        )
    # reloads between trips, at the hub: a depot of its own per reload time (PyVRP charges a
    # depot's service duration at every reload and at the start; the start depot has none).
    reload_depot: dict[int, int] = {}
    if reloads and not drops_at_end:
        for x in p.vehicles:
            if x.max_trips > 1 and x.reload_s not in reload_depot:
                reload_depot[x.reload_s] = len(depots)
                depots.append(
                    pyvrp.Depot(
                        location=0,
                        tw_early=depots[0].tw_early,
                        tw_late=depots[0].tw_late,
                        service_duration=x.reload_s,
                    )
                )
    types, type_vehicles, type_reload = [], [], []
    for key, members in groups.items():
        x = p.vehicles[members[0]]
        end = key[-1]
        reload = reload_depot.get(x.reload_s, -1) if x.max_trips > 1 else -1
        # the drive from the facility back to the hub: its cost is fixed, its time comes off
        # the shift
        back_m = int(p.dist_m[key[0]][end, hub]) if end >= 0 else 0
        back_s = int(p.time_s[key[0]][end, hub]) if end >= 0 else 0
        back_cost = back_m / 1000 * x.cost_per_km + back_s / 3600 * x.cost_per_hour
        # PyVRP's shift is the salaried time and its overtime the rest of the longest tour
        # (the drive back counted in the salaried time first)
        reserve = p.break_reserve(members[0])
        longest = max(0, x.max_work_s - back_s - reserve)
        paid = min(longest, max(0, x.salaried_s - back_s))
        if x.overtime_per_hour <= 0:
            paid = longest
        else:  # a drive back longer than the salaried time is overtime whatever comes before
            back_cost += max(0, back_s - x.salaried_s) / 3600 * x.overtime_per_hour
        types.append(
            pyvrp.VehicleType(
                num_available=len(members),
                capacity=load(p.capacity_g(members[0]), p.capacity_ml(members[0])),
                start_depot=0,
                end_depot=1 + facilities.index(end) if end >= 0 else 0,
                fixed_cost=round((x.fixed_cost + back_cost) * MICRO),
                tw_early=x.shift_start,
                tw_late=max(x.shift_start, x.shift_end - back_s - reserve),
                shift_duration=paid,
                max_overtime=longest - paid,
                unit_distance_cost=round(x.cost_per_km * MICRO / 1000),
                unit_duration_cost=round(x.cost_per_hour * MICRO / 3600),
                unit_overtime_cost=round(x.overtime_per_hour * MICRO / 3600),
                profile=profile_ids[(key[0], key[1], end)],
                reload_depots=[reload] if reload >= 0 else [],
                max_reloads=x.max_trips - 1 if reload >= 0 else 0,
            )
        )
        type_vehicles.append(tuple(members))
        type_reload.append(reload)
    data = pyvrp.ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=types,
        distance_matrices=distances,
        duration_matrices=durations,
        shipments=shipments,
    )
    vehicle_end = tuple(ends.get(v, -1) for v in range(len(p.vehicles))) if drops_at_end else ()
    return _Mapping(
        data,
        tuple(client_node),
        tuple(shipment_nodes),
        tuple(type_vehicles),
        vehicle_end,
        tuple(type_reload),
    )


def _routes(m: _Mapping, nm: NodeModel, solution: pyvrp.Solution) -> tuple[tuple[int, ...], ...]:
    out: list[tuple[int, ...]] = [()] * len(nm.problem.vehicles)
    used = [0] * len(m.type_vehicles)
    for route in solution.routes():
        seq = []
        acts = list(route.schedule())
        for j, act in enumerate(acts):
            if act.is_depot():
                if 0 < j < len(acts) - 1:  # between the start and the end: a reload
                    seq.append(RELOAD)
                continue
            if act.is_client():
                seq.append(m.client_node[act.idx])
            elif act.is_pickup():
                seq.append(m.shipment_nodes[act.idx][0])
            else:
                seq.append(m.shipment_nodes[act.idx][1])
        if m.vehicle_end:  # the produce is dropped at the end, in the order it was collected
            seq += [nm.nodes[k].pair for k in seq if nm.nodes[k].pair >= 0]
        t = route.vehicle_type()
        v = m.type_vehicles[t][used[t]]
        out[v] = tuple(_without_empty_trips(nm, v, seq))
        used[t] += 1
    return tuple(out)


def _without_empty_trips(nm: NodeModel, v: int, seq: list[int]) -> list[int]:
    """PyVRP may end a route with an empty trip (a reload, then straight home): drop it,
    unless the reload is where the driver's lunch fits and the route needs it."""
    short = tidy(seq)
    if short == seq or evaluate(nm.problem, nm.nodes, v, short).feasible:
        return short
    return seq


def warm_start(m: _Mapping, nm: NodeModel, routes) -> pyvrp.Solution:
    """A PyVRP solution of another engine's routes (node sequences per vehicle). With drops at
    the end, a visit whose produce goes to another facility than the vehicle's end is left out
    (the search places it again)."""
    client_of = {
        k: pyvrp.Activity(pyvrp.ActivityType.CLIENT, i) for i, k in enumerate(m.client_node)
    }
    ship_of = {}
    for i, (visit, drop) in enumerate(m.shipment_nodes):
        ship_of[visit] = pyvrp.Activity(pyvrp.ActivityType.PICKUP, i)
        ship_of[drop] = pyvrp.Activity(pyvrp.ActivityType.DELIVERY, i)
    type_of = {v: t for t, vs in enumerate(m.type_vehicles) for v in vs}

    def fits(v: int, k: int) -> bool:
        n = nm.nodes[k]
        if not m.vehicle_end or n.pair < 0:
            return True
        return not n.unload and nm.nodes[n.pair].point == m.vehicle_end[v]

    out = []
    for v, seq in enumerate(routes):
        t = type_of[v]
        reloads = m.type_reload[t] >= 0  # else the trips run as one
        kept = tidy([k for k in seq if (k == RELOAD and reloads) or (k != RELOAD and fits(v, k))])
        acts = [
            pyvrp.Activity(pyvrp.ActivityType.DEPOT, m.type_reload[t])
            if k == RELOAD
            else client_of[k]
            if k in client_of
            else ship_of[k]
            for k in kept
        ]
        if acts:
            out.append(pyvrp.Route(m.data, acts, t))
    return pyvrp.Solution(m.data, out)


def solve(
    nm: NodeModel,
    params: SolveParams,
    initial: tuple[tuple[int, ...], ...] | None = None,
    search: Search = DEFAULT_SEARCH,
    drops_at_end: bool = False,
    warm: bool = True,
) -> EngineResult:
    """PyVRP's search on the node model; `drops_at_end` as in `build_data`. `initial` is a
    feasible plan (the construction): the search starts from it when `warm`, else from PyVRP's
    own start, and it is the result if the search ends without a feasible plan. When it serves
    every visit, every visit is required: a plan that serves all exists, and a visit's penalty
    exceeds what serving it can cost, so only infeasible plans leave one out, and PyVRP
    searches required visits faster (about a third more iterations a second on G&H 1,000;
    docs/benchmarks.md). Not with drops at the end where produce goes to facilities: the start
    then leaves out the visits a vehicle cannot end with."""
    t0 = time.perf_counter()
    stats: dict = {"nodes": len(nm.nodes), "drops": "at the end" if drops_at_end else "free"}
    why = supports(nm)
    if why:
        raise EngineError(f"PyVRP cannot model this day: {why}")
    n_veh = len(nm.problem.vehicles)
    if not nm.nodes:
        return EngineResult("pyvrp", tuple(() for _ in range(n_veh)), stats)
    required = (
        initial is not None
        and sum(len(visits_of(seq)) for seq in initial) == len(nm.nodes)
        and not (drops_at_end and any(n.facility_bound for n in nm.nodes))
    )
    stats["required"] = required
    stats["reloads"] = reloads = reloads_wanted(nm)
    m = build_data(nm, drops_at_end, required, reloads)
    runtime = MaxRuntime(max(0.05, params.time_limit - (time.perf_counter() - t0)))
    stop: MaxRuntime | MultipleCriteria = runtime
    if params.iterations:
        stop = MultipleCriteria([MaxIterations(params.iterations), runtime])
    init = warm_start(m, nm, initial) if initial and warm else None
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
    return EngineResult("pyvrp", _routes(m, nm, best), stats)
