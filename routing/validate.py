"""The independent validator: every rule of a plan rechecked from the input data alone.

It shares nothing with the solver but the problem's inputs (points, vehicles, orders and the
travel matrices of the road graph): it re-simulates each route from its departure time with the
timing rule of docs/plan-format.md, rebuilds the load after every stop, and recomputes cost.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from .plan import UNSERVED_REASONS, Plan
from .problem import UNREACHABLE, Problem
from .units import format_hhmmss

TIME_TOLERANCE_S = 1
LOAD_TOLERANCE = 0.001  # kg or litres, for rounding in plan.json
COST_TOLERANCE_YUAN = 0.01


@dataclass(frozen=True)
class Violation:
    rule: str  # capacity, time window, shift, compatibility, road, order, times, cost, ...
    message: str
    vehicle: str | None = None
    stop: int | None = None  # 1-based position in the route

    def __str__(self) -> str:
        where = ""
        if self.vehicle:
            where = f"{self.vehicle}" + (f" stop {self.stop}" if self.stop else "") + ": "
        return f"[{self.rule}] {where}{self.message}"


def validate(plan: Plan, problem: Problem) -> list[Violation]:
    out: list[Violation] = []
    orders = {o.id: o for o in problem.orders}
    vehicles = {v.id: k for k, v in enumerate(problem.vehicles)}
    seen: Counter[str] = Counter()
    used: Counter[str] = Counter()

    if plan.date != problem.date:
        out.append(Violation("input", f"plan date {plan.date} but orders for {problem.date}"))
    for r in plan.routes:
        used[r.vehicle] += 1
        if r.vehicle not in vehicles:
            out.append(Violation("vehicle", f"unknown vehicle '{r.vehicle}'", r.vehicle))
            continue
        out += _route(r, vehicles[r.vehicle], problem, orders, seen)[0]
    out += [
        Violation("vehicle", f"vehicle used by {n} routes", v) for v, n in used.items() if n > 1
    ]

    for u in plan.unserved:
        seen[u.order] += 1
        if u.order not in orders:
            out.append(Violation("order", f"unserved order '{u.order}' is not an order of the day"))
        if u.reason not in UNSERVED_REASONS:
            out.append(Violation("order", f"order '{u.order}' has unknown reason '{u.reason}'"))
    for oid in orders:
        if seen[oid] == 0:
            out.append(
                Violation("order", f"order '{oid}' is neither served nor listed as unserved")
            )
        elif seen[oid] > 1:
            out.append(Violation("order", f"order '{oid}' appears {seen[oid]} times"))
    return out


def _route(
    r, v: int, problem: Problem, orders: dict, seen: Counter
) -> tuple[list[Violation], dict | None]:
    """The route's violations, and what it really does (times, loads, distance, cost) when it
    can be driven at all."""
    out: list[Violation] = []
    trace: dict = {"stops": []}
    veh = problem.vehicles[v]
    key = veh.profile.key
    tmat, dmat = problem.time_s[key], problem.dist_m[key]
    depot = problem.index[veh.depot]
    hub_id = problem.points[depot].id

    def bad(rule: str, msg: str, stop: int | None = None):
        out.append(Violation(rule, msg, r.vehicle, stop))

    on_board: dict[str, str] = {}  # collected order -> its destination
    load_kg = sum(orders[o].kg for s in r.stops for o in s.deliver if o in orders)
    load_l = sum(orders[o].litres for s in r.stops for o in s.deliver if o in orders)
    trace["start_load"] = (round(load_kg, 3), round(load_l, 3))
    if (
        abs(load_kg - r.start_load_kg) > LOAD_TOLERANCE
        or abs(load_l - r.start_load_l) > LOAD_TOLERANCE
    ):
        bad(
            "load",
            f"start load stated {r.start_load_kg} kg / {r.start_load_l} L, "
            f"recomputed {load_kg:.3f} kg / {load_l:.3f} L",
        )
    if load_kg > veh.capacity_kg + LOAD_TOLERANCE or load_l > veh.capacity_l + LOAD_TOLERANCE:
        bad(
            "capacity",
            f"leaves the depot with {load_kg:.1f} kg / {load_l:.1f} L, capacity "
            f"{veh.capacity_kg:g} kg / {veh.capacity_l:g} L",
        )
    if r.depart_s < veh.shift_start:
        bad(
            "shift",
            f"departs {format_hhmmss(r.depart_s)} before the shift starts "
            f"{format_hhmmss(veh.shift_start)}",
        )

    t, where, dist = r.depart_s, depot, 0
    for k, s in enumerate(r.stops, start=1):
        if s.point not in problem.index:
            bad("point", f"unknown service point '{s.point}'", k)
            return out, None
        p = problem.index[s.point]
        pt = problem.points[p]
        if tmat[where, p] >= UNREACHABLE:
            bad(
                "road",
                f"no road this vehicle may use from '{problem.points[where].id}' to '{s.point}'",
                k,
            )
            return out, None
        arrival = t + int(tmat[where, p])
        dist += int(dmat[where, p])
        setup = pt.service_fixed_s if p != where else 0
        earliest, latest, parcels = pt.opens, pt.closes, 0
        for role, ids in (("deliver", s.deliver), ("collect", s.collect), ("unload", s.unload)):
            for oid in ids:
                o = orders.get(oid)
                if o is None:
                    bad("order", f"unknown order '{oid}'", k)
                    continue
                parcels += o.parcels
                if role == "unload":
                    if on_board.pop(oid, None) != s.point:
                        bad(
                            "order",
                            f"order '{oid}' is unloaded at '{s.point}' but was not "
                            "collected earlier on this route for that destination",
                            k,
                        )
                    load_kg -= o.kg
                    load_l -= o.litres
                    continue
                seen[oid] += 1
                want = "delivery" if role == "deliver" else "pickup"
                if o.kind != want:
                    bad("order", f"order '{oid}' is a {o.kind} but is listed under {role}", k)
                if o.point != s.point:
                    bad("order", f"order '{oid}' is for '{o.point}', not '{s.point}'", k)
                if o.cold_chain and not veh.cold_chain:
                    bad(
                        "compatibility",
                        f"cold-chain order '{oid}' on a vehicle without refrigeration",
                        k,
                    )
                earliest, latest = max(earliest, o.earliest), min(latest, o.latest)
                if role == "deliver":
                    load_kg -= o.kg
                    load_l -= o.litres
                else:
                    load_kg += o.kg
                    load_l += o.litres
                    if o.destination != hub_id:
                        on_board[oid] = o.destination
        start = max(arrival + setup, earliest)
        departure = start + pt.service_per_parcel_s * parcels
        if start > latest:
            bad(
                "time window",
                f"service at '{s.point}' starts {format_hhmmss(start)}, after "
                f"{format_hhmmss(latest)}",
                k,
            )
        for label, stated, real in (
            ("arrival", s.arrival_s, arrival),
            ("start", s.start_s, start),
            ("departure", s.departure_s, departure),
        ):
            if abs(stated - real) > TIME_TOLERANCE_S:
                bad(
                    "times",
                    f"{label} stated {format_hhmmss(stated)}, recomputed {format_hhmmss(real)}",
                    k,
                )
        if abs(load_kg - s.load_kg) > LOAD_TOLERANCE or abs(load_l - s.load_l) > LOAD_TOLERANCE:
            bad(
                "load",
                f"load stated {s.load_kg} kg / {s.load_l} L, recomputed "
                f"{load_kg:.3f} kg / {load_l:.3f} L",
                k,
            )
        if load_kg > veh.capacity_kg + LOAD_TOLERANCE or load_l > veh.capacity_l + LOAD_TOLERANCE:
            bad(
                "capacity",
                f"{load_kg:.1f} kg / {load_l:.1f} L on board after the stop, "
                f"capacity {veh.capacity_kg:g} kg / {veh.capacity_l:g} L",
                k,
            )
        trace["stops"].append((arrival, start, departure, round(load_kg, 3), round(load_l, 3)))
        t, where = departure, p
    for oid, dest in on_board.items():
        bad("order", f"order '{oid}' collected for '{dest}' is never unloaded there")
    if tmat[where, depot] >= UNREACHABLE:
        bad(
            "road",
            f"no road this vehicle may use back to the depot from '{problem.points[where].id}'",
        )
        return out, None
    ret = t + int(tmat[where, depot])
    dist += int(dmat[where, depot])
    if abs(ret - r.return_s) > TIME_TOLERANCE_S:
        bad("times", f"return stated {format_hhmmss(r.return_s)}, recomputed {format_hhmmss(ret)}")
    if ret > veh.shift_end:
        bad(
            "shift",
            f"returns {format_hhmmss(ret)}, after the shift ends {format_hhmmss(veh.shift_end)}",
        )
    if ret - r.depart_s > veh.max_work_s:
        bad(
            "shift",
            f"tour lasts {(ret - r.depart_s) / 3600:.2f} h, more than the "
            f"{veh.max_work_s / 3600:g} h allowed",
        )
    if dist != r.distance_m:
        bad("cost", f"distance stated {r.distance_m} m, recomputed {dist} m")
    cost = (
        veh.fixed_cost
        + veh.cost_per_km * dist / 1000
        + veh.cost_per_hour * (ret - r.depart_s) / 3600
    )
    if abs(cost - r.cost_yuan) > COST_TOLERANCE_YUAN:
        bad("cost", f"cost stated {r.cost_yuan:.2f} yuan, recomputed {cost:.2f} yuan")
    trace.update(ret=ret, dist=dist, cost=round(cost, 2))
    return out, trace


def replay(plan: Plan, problem: Problem) -> Plan:
    """The plan with every stated time, load, distance and cost replaced by what the routes
    really do under the rules (routes that cannot be driven keep their stated figures): how a
    courier's own routes, which state no such figures or other ones, become comparable."""
    orders = {o.id: o for o in problem.orders}
    vehicles = {v.id: k for k, v in enumerate(problem.vehicles)}
    routes = []
    for r in plan.routes:
        trace = None
        if r.vehicle in vehicles:
            _, trace = _route(r, vehicles[r.vehicle], problem, orders, Counter())
        if trace is None:
            routes.append(r)
            continue
        stops = tuple(
            replace(s, arrival_s=a, start_s=b, departure_s=c, load_kg=kg, load_l=litres)
            for s, (a, b, c, kg, litres) in zip(r.stops, trace["stops"], strict=True)
        )
        routes.append(
            replace(
                r,
                return_s=trace["ret"],
                distance_m=trace["dist"],
                cost_yuan=trace["cost"],
                start_load_kg=trace["start_load"][0],
                start_load_l=trace["start_load"][1],
                stops=stops,
            )
        )
    return replace(plan, routes=tuple(routes))
