"""The OR-Tools routing model of a day: every product constraint, in integer units.

Money is scaled to micro-yuan here (the per-second driver cost of 30 yuan/h is 8,333 micro-yuan;
whole fen would round it by 20 %). Simultaneous pickup and delivery is modelled exactly: a
`load` dimension starts with the route's deliveries on board (tied by an equality to a `dleft`
dimension whose end is fixed at zero), so the load after every stop is checked, in kg and in
litres. OR-Tools' first-solution heuristics cannot build routes under that equality, so the
first solution comes from a stricter model they handle (every route's deliveries plus pickups
within capacity); any plan of the stricter model is valid in the exact one, where guided local
search then continues.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.util import optional_boolean_pb2

from ...model.nodes import Node, NodeModel
from ...model.params import SolveParams
from ...model.problem import Problem
from ...model.visits import merged_view
from ..construction import greedy_routes
from . import EngineResult

MICRO = 1_000_000  # objective units per yuan
FIRST_SOLUTION_SHARE = 0.2  # of the time limit, at most, for the first solution


class _Model:
    """One RoutingModel over `all_nodes` (listed in `perm` order); `exact` chooses the load
    formulation."""

    def __init__(self, p: Problem, all_nodes: tuple[Node, ...], exact: bool, perm: np.ndarray):
        self.perm = perm
        n_veh = len(p.vehicles)
        nodes = [all_nodes[k] for k in perm]
        # Time runs from midnight to the last moment anything may happen (a day, or a
        # benchmark's scaled horizon).
        horizon = max([v.shift_end for v in p.vehicles] + [q.closes for q in p.points])
        hub = p.depot(0)
        loc = np.array([hub] + [n.point for n in nodes])
        self.manager = pywrapcp.RoutingIndexManager(len(loc), n_veh, 0)
        self.routing = r = pywrapcp.RoutingModel(self.manager)
        self.index = [self.manager.NodeToIndex(i) for i in range(len(loc))]

        fixed = np.array([p.points[i].service_fixed_s for i in loc])
        fixed[0] = 0  # returning to the depot is not a service stop
        per_parcel = np.array(
            [0] + [p.points[n.point].service_per_parcel_s * n.parcels for n in nodes]
        )
        setup = np.where(loc[:, None] != loc[None, :], fixed[None, :], 0)
        time_cb, cost_cb = {}, {}
        for v, veh in enumerate(p.vehicles):
            key = veh.profile.key
            if key not in time_cb:
                t = p.time_s[key][np.ix_(loc, loc)] + per_parcel[:, None] + setup
                time_cb[key] = r.RegisterTransitMatrix(np.minimum(t, 2 * horizon + 1).tolist())
            ckey = (key, veh.cost_per_km)
            if ckey not in cost_cb:
                d = p.dist_m[key][np.ix_(loc, loc)]
                cost_cb[ckey] = r.RegisterTransitMatrix(
                    np.rint(d * veh.cost_per_km * MICRO / 1000.0).astype(np.int64).tolist()
                )
            r.SetArcCostEvaluatorOfVehicle(cost_cb[ckey], v)
            r.SetFixedCostOfVehicle(int(round(veh.fixed_cost * MICRO)), v)

        r.AddDimensionWithVehicleTransits(
            [time_cb[veh.profile.key] for veh in p.vehicles], horizon, horizon, False, "time"
        )
        self.time = tdim = r.GetDimensionOrDie("time")
        for i, n in enumerate(nodes, start=1):
            tdim.CumulVar(self.index[i]).SetRange(n.earliest, n.latest)
        for v, veh in enumerate(p.vehicles):
            # the breaks the timing rule may add are held back from the shift
            reserve = p.break_reserve(v)
            late = max(veh.shift_start, veh.shift_end - reserve)
            for idx in (r.Start(v), r.End(v)):
                tdim.CumulVar(idx).SetRange(veh.shift_start, late)
            tdim.SetSpanUpperBoundForVehicle(max(0, veh.max_work_s - reserve), v)
            tdim.SetSpanCostCoefficientForVehicle(int(round(veh.cost_per_hour * MICRO / 3600)), v)
            if veh.overtime_per_hour > 0 and veh.salaried_s < veh.max_work_s:
                overtime = int(round(veh.overtime_per_hour * MICRO / 3600))
                tdim.SetSoftSpanUpperBoundForVehicle(
                    pywrapcp.BoundCost(veh.salaried_s, overtime), v
                )

        for unit in ("g", "ml"):
            caps = [p.capacity_g(v) if unit == "g" else p.capacity_ml(v) for v in range(n_veh)]
            dl = [0] + [getattr(n, f"delivery_{unit}") for n in nodes]
            pk = [0] + [getattr(n, f"pickup_{unit}") for n in nodes]
            un = [0] + [getattr(n, f"unload_{unit}") for n in nodes]
            if exact:
                load = r.RegisterUnaryTransitVector(
                    [a - b - c for a, b, c in zip(pk, dl, un, strict=True)]
                )
                left = r.RegisterUnaryTransitVector([-b for b in dl])
                r.AddDimensionWithVehicleCapacity(load, 0, caps, False, f"load_{unit}")
                r.AddDimensionWithVehicleCapacity(left, 0, caps, False, f"dleft_{unit}")
                ld, lf = r.GetDimensionOrDie(f"load_{unit}"), r.GetDimensionOrDie(f"dleft_{unit}")
                for v in range(n_veh):
                    lf.CumulVar(r.End(v)).SetRange(0, 0)
                    r.solver().Add(ld.CumulVar(r.Start(v)) == lf.CumulVar(r.Start(v)))
            else:  # stricter: everything that is ever on board counts until the end
                both = r.RegisterUnaryTransitVector([a + b for a, b in zip(pk, dl, strict=True)])
                r.AddDimensionWithVehicleCapacity(both, 0, caps, True, f"sum_{unit}")

        pos = {int(k): i + 1 for i, k in enumerate(perm)}
        for i, n in enumerate(nodes, start=1):
            idx = self.index[i]
            if len(n.allowed) < n_veh:
                r.SetAllowedVehiclesForIndex(list(n.allowed), idx)
            if n.unload:
                r.AddDisjunction([idx], 0)
                continue
            r.AddDisjunction([idx], int(round(n.penalty * MICRO)))
            if n.pair >= 0:
                d = self.index[pos[n.pair]]
                r.AddPickupAndDelivery(idx, d)  # same vehicle, both or neither, pickup first

    def routes(self, assignment) -> tuple[tuple[int, ...], ...]:
        r, out = self.routing, []
        for v in range(r.vehicles()):
            seq, idx = [], assignment.Value(r.NextVar(r.Start(v)))
            while not r.IsEnd(idx):
                seq.append(int(self.perm[self.manager.IndexToNode(idx) - 1]))
                idx = assignment.Value(r.NextVar(idx))
            out.append(tuple(seq))
        return tuple(out)

    def read(self, routes, params):
        r = self.routing
        r.CloseModelWithParameters(params)
        pos = {int(k): i + 1 for i, k in enumerate(self.perm)}
        return r.ReadAssignmentFromRoutes(
            [[self.index[pos[k]] for k in seq] for seq in routes], True
        )


@dataclass(frozen=True)
class Tuning:
    """Search settings, chosen by measurement (benchmarks/ortools_tuning.py)."""

    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    gls_lambda: float = 0.1
    operators: tuple[tuple[str, bool], ...] = ()  # local_search_operators switches to change


# Measured (docs/benchmarks.md): OR-Tools' insertion LNS operators take the time that guided
# local search uses better on these models: 2.2 % against 2.6 % mean gap on 24 Solomon
# instances at 10 s, and cheaper Wugong days.
NO_INSERTION_LNS = (
    ("use_global_cheapest_insertion_path_lns", False),
    ("use_local_cheapest_insertion_path_lns", False),
    ("use_relocate_path_global_cheapest_insertion_insert_unperformed", False),
)
DEFAULT_TUNING = Tuning(operators=NO_INSERTION_LNS)


def _params(seconds: float, first: bool, iterations: int | None, tuning: Tuning = DEFAULT_TUNING):
    p = pywrapcp.DefaultRoutingSearchParameters()
    p.first_solution_strategy = getattr(
        routing_enums_pb2.FirstSolutionStrategy, tuning.first_solution
    )
    p.local_search_metaheuristic = getattr(
        routing_enums_pb2.LocalSearchMetaheuristic,
        "GREEDY_DESCENT" if first else tuning.metaheuristic,
    )
    p.guided_local_search_lambda_coefficient = tuning.gls_lambda
    for name, on in tuning.operators:
        setattr(
            p.local_search_operators,
            name,
            optional_boolean_pb2.BOOL_TRUE if on else optional_boolean_pb2.BOOL_FALSE,
        )
    p.time_limit.FromMilliseconds(max(1, int(seconds * 1000)))
    if first:
        p.solution_limit = 1
    elif iterations:
        p.solution_limit = iterations
    return p


def needs_exact_load(nodes: tuple[Node, ...]) -> bool:
    """The stricter model is exact when no route can mix deliveries with produce."""
    return any(n.unload for n in nodes) or (
        any(n.delivery_g or n.delivery_ml for n in nodes)
        and any(n.pickup_g or n.pickup_ml for n in nodes)
    )


def _order(rng: np.random.Generator, seed: int, n: int) -> np.ndarray:
    """Node order in the model: the seed diversifies the search through it."""
    return rng.permutation(n) if seed else np.arange(n)


def _watch(model: _Model, nodes: tuple[Node, ...], t0: float, on_improve) -> list[float]:
    """Keeps the best objective seen; reports each better one, at most once a second, as the
    routes' cost in yuan (the objective less the penalties of the nodes left out) and the
    number of orders left out."""
    best, last = [float("inf")], [-1.0]
    r = model.routing
    visits = [
        (model.index[i], int(round(nodes[k].penalty * MICRO)), len(nodes[k].orders))
        for i, k in enumerate(model.perm, start=1)
        if not nodes[k].unload
    ]

    def cb():
        objective = r.CostVar().Value()
        if objective >= best[0]:
            return
        best[0] = objective
        now = time.perf_counter() - t0
        if on_improve and now - last[0] >= 1.0:
            last[0] = now
            out = [(pen, n) for idx, pen, n in visits if r.NextVar(idx).Value() == idx]
            penalties = sum(pen for pen, _ in out)
            on_improve(now, (objective - penalties) / MICRO, sum(n for _, n in out))

    r.AddAtSolutionCallback(cb)
    return best


def first_routes(
    nm: NodeModel,
    time_limit: float,
    seed: int = 0,
    tuning: Tuning = DEFAULT_TUNING,
) -> tuple[tuple[tuple[int, ...], ...], str]:
    """A first solution that cannot fail: parallel cheapest insertion on the stricter load
    model with each visit's parts merged (every node optional), within `time_limit` seconds.
    When OR-Tools returns nothing in that time (a large day, a tiny limit), the greedy
    construction (`routing.solve.construction`) stands in. Returns node sequences of `nm` and
    which construction made them."""
    merged, expansion = merged_view(nm)
    rng = np.random.default_rng(seed)
    first = _Model(nm.problem, merged, exact=False, perm=_order(rng, seed, len(merged)))
    sol = first.routing.SolveWithParameters(
        _params(time_limit, first=True, iterations=None, tuning=tuning)
    )
    if sol is None:  # the greedy construction always completes, in well under a second
        return greedy_routes(nm), "greedy"
    routes = tuple(sum((expansion[k] for k in seq), ()) for seq in first.routes(sol))
    return routes, "ortools"


def solve(
    nm: NodeModel,
    params: SolveParams,
    tuning: Tuning = DEFAULT_TUNING,
    initial: tuple[tuple[int, ...], ...] | None = None,
) -> EngineResult:
    """Routes for the node model within `params.time_limit` seconds (or `iterations`
    solutions).

    Two phases: a first solution on the stricter load model with each visit's parts merged
    (so visits start whole), unless `initial` routes are given, then guided local search on
    the exact model, where parts may still be split across vehicles when that is the only way
    to serve them. Whatever the limit, the result is at least the first solution."""
    t0 = time.perf_counter()
    p = nm.problem
    limit, seed, iterations = params.time_limit, params.seed, params.iterations
    stats: dict = {"nodes": len(nm.nodes), "exact_load_model": needs_exact_load(nm.nodes)}
    if not nm.nodes:
        return EngineResult("ortools", tuple(() for _ in p.vehicles), stats)
    rng = np.random.default_rng(seed)
    if initial is None:
        initial, stats["construction"] = first_routes(
            nm, limit * FIRST_SOLUTION_SHARE, seed, tuning=tuning
        )
    start_routes = initial
    stats["first_solution_s"] = round(time.perf_counter() - t0, 3)
    if stats["exact_load_model"]:
        # Parts of visits the merged model left out are cheap to place on the stricter model.
        split = _Model(p, nm.nodes, exact=False, perm=_order(rng, seed, len(nm.nodes)))
        _watch(split, nm.nodes, t0, params.on_improve)
        share = max(0.001, min(limit * FIRST_SOLUTION_SHARE, limit - (time.perf_counter() - t0)))
        sp = _params(share, first=False, iterations=iterations, tuning=tuning)
        sp.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
        assignment = split.read(start_routes, sp)
        if assignment is not None:
            sol = split.routing.SolveFromAssignmentWithParameters(assignment, sp) or assignment
            start_routes = split.routes(sol)
        stats["stricter_model_s"] = round(time.perf_counter() - t0, 3)

    main = _Model(
        p, nm.nodes, exact=stats["exact_load_model"], perm=_order(rng, seed, len(nm.nodes))
    )
    best = _watch(main, nm.nodes, t0, params.on_improve)
    remaining = max(0.001, limit - (time.perf_counter() - t0))
    mp = _params(remaining, first=False, iterations=iterations, tuning=tuning)
    assignment = main.read(start_routes, mp)
    if assignment is None:  # cannot happen for feasible routes; keep them rather than fail
        stats["seconds"] = round(time.perf_counter() - t0, 3)
        return EngineResult("ortools", tuple(start_routes), stats)
    sol = main.routing.SolveFromAssignmentWithParameters(assignment, mp) or assignment
    stats["objective"] = sol.ObjectiveValue() / MICRO
    stats["best_seen"] = best[0] / MICRO
    stats["seconds"] = round(time.perf_counter() - t0, 3)
    return EngineResult("ortools", main.routes(sol), stats)
