"""The rules of a re-plan, checked against the plan it came from (docs/replan.md).

Independent of the re-planning code: which stops are fixed is worked out here again from the
source plan and the re-plan time. A stop is committed once its vehicle has set off for it (it
left the centre, or the stop before, at or before the re-plan time).

- `replan served`: each route's committed stops are the first stops of the same vehicle's
  route, as they were (point, orders, arrival, start; departure and rest too, but for the last
  one, where a rest before the next leg may now be taken), and a route on the road keeps its
  departure.
- `replan locked`: a locked route is unchanged; a locked stop stays on its vehicle with its
  orders, in the order of that vehicle's locked stops.
- `replan continuity`: every other stop is driven to after the re-plan time, from where the
  vehicle is; a vehicle that had not left leaves no earlier; a vehicle that had left its last
  stop (on its way home, or back) may only reload, no earlier than the re-plan time, for a
  further trip.
- `replan on board`: the deliveries on board at the re-plan time (the trip under way had left
  the centre) are made by that vehicle before it next reloads, and nothing else is delivered
  on that trip.
- `replan orders`: the cancelled orders are gone and the added ones are in the orders.
"""

from __future__ import annotations

from dataclasses import replace

from ..model.problem import Problem
from ..units import format_hhmm
from .document import Plan, Route, Stop
from .reasons import Fixed
from .validate import AtTime, Violation, validate


def _committed(r: Route, at: int) -> int:
    leave, n = r.depart_s, 0
    for s in r.stops:
        if leave > at:
            return n
        n, leave = n + 1, s.departure_s
    return n


def _same(a: Stop, b: Stop, last: bool) -> bool:
    keys = ("point", "reload", "deliver", "collect", "unload", "arrival_s", "start_s")
    more = () if last else ("departure_s", "break_s")
    return all(getattr(a, k) == getattr(b, k) for k in (*keys, *more))


def _locks(tokens: list[str]) -> tuple[set[str], set[tuple[str, int]]]:
    whole, stops = set(), set()
    for t in tokens:
        vehicle, _, n = t.partition(":")
        if n:
            stops.add((vehicle, int(n)))
        else:
            whole.add(vehicle)
    return whole, stops


def _trip_end(stops, first: int) -> int:
    end = first
    while end < len(stops) and not stops[end].reload:
        end += 1
    return end


def fixed_routes(source: Plan, at: int, locked: set[str]) -> dict[str, Fixed]:
    """What each source route keeps, as the reasons check needs it."""
    out = {}
    for r in source.routes:
        n = _committed(r, at)
        if r.vehicle in locked:
            out[r.vehicle] = Fixed(len(r.stops), r.depart_s, False, True, at=at)
        elif n:
            loading = r.stops[n - 1].reload and r.stops[n - 1].departure_s > at
            home = n == len(r.stops) and r.stops[-1].departure_s <= at
            out[r.vehicle] = Fixed(n, r.depart_s, not loading, False, home, at)
    return out


def seen_at(problem: Problem, at: int) -> Problem:
    """The day as seen at the re-plan time: no vehicle leaves the centre before it."""
    return replace(
        problem,
        vehicles=tuple(replace(v, shift_start=max(v.shift_start, at)) for v in problem.vehicles),
    )


def replan_view(plan: Plan, problem: Problem, source: Plan) -> AtTime:
    """How a re-plan is judged: the day as seen at the re-plan time, the stops each route of
    the source keeps (for the unserved reasons, `check_reason`), and the time its reloads wait
    for (the timing rule)."""
    info = plan.replan or {}
    at = int(info.get("at_s", 0))
    whole, _ = _locks(list(info.get("locked", ())))
    return AtTime(seen_at(problem, at), fixed_routes(source, at, whole), at)


def replan_violations(plan: Plan, problem: Problem, source: Plan) -> list[Violation]:
    """Every rule the re-plan breaks: the plan's own rules (unserved reasons judged at the
    re-plan time) and the re-plan's rules against its source."""
    info = plan.replan or {}
    at = int(info.get("at_s", 0))
    whole, stop_locks = _locks(list(info.get("locked", ())))
    out = validate(plan, problem, replan_view(plan, problem, source))
    before = (source.replan or {}).get("at_s")
    if before is not None and at < before:
        why = f"re-planned at {format_hhmm(at)}, before its source's {format_hhmm(before)}"
        out.append(Violation("replan continuity", why))
    now = {r.vehicle: r for r in plan.routes}
    for r in source.routes:
        out += _route_rules(r, now.get(r.vehicle), at, r.vehicle in whole, stop_locks)
    sources = {r.vehicle for r in source.routes}
    for r in plan.routes:
        if r.vehicle not in sources and r.depart_s < at:
            out.append(
                Violation(
                    "replan continuity",
                    f"leaves {format_hhmm(r.depart_s)}, before the re-plan time {format_hhmm(at)}",
                    r.vehicle,
                )
            )
    out += _orders_rule(plan, problem, source, info)
    return out


def _route_rules(
    r: Route, new: Route | None, at: int, whole: bool, stop_locks: set[tuple[str, int]]
) -> list[Violation]:
    v = r.vehicle
    n = len(r.stops) if whole else _committed(r, at)
    out: list[Violation] = []
    if new is None:
        if n:
            out.append(Violation("replan served", "the vehicle was on the road and is gone", v))
        return out
    rule = "replan locked" if whole else "replan served"
    if (n or whole) and new.depart_s != r.depart_s:
        out.append(
            Violation(
                rule,
                f"left {format_hhmm(r.depart_s)}, now {format_hhmm(new.depart_s)}",
                v,
            )
        )
    for i in range(n):
        last = i == n - 1 and not whole
        if i >= len(new.stops) or not _same(r.stops[i], new.stops[i], last):
            out.append(
                Violation(rule, "a stop it had set off for, or a locked one, changed", v, i + 1)
            )
            return out
    if whole and (len(new.stops) != n or new.return_s != r.return_s):
        out.append(Violation("replan locked", "the locked route changed", v))
        return out
    if not n and new.depart_s < at:
        out.append(
            Violation(
                "replan continuity",
                f"leaves {format_hhmm(new.depart_s)}, before the re-plan time {format_hhmm(at)}",
                v,
            )
        )
    home = bool(n) and n == len(r.stops) and r.stops[-1].departure_s <= at
    if home and len(new.stops) > n and not new.stops[n].reload:
        why = "it had left its last stop: only a further trip, after reloading, may follow"
        out.append(Violation("replan continuity", why, v, n + 1))
    for i in range(n, len(new.stops)):
        leave = new.stops[i - 1].departure_s if i else new.depart_s
        if i == n and home:  # the drive home it was on: its reload waits for the re-plan time
            leave = new.stops[i].start_s
        if leave < at:
            out.append(
                Violation(
                    "replan continuity",
                    f"sets off for it at {format_hhmm(leave)}, before the re-plan time",
                    v,
                    i + 1,
                )
            )
            break
    out += _on_board(r, new, n, at)
    out += _held(r, new, {k for vv, k in stop_locks if vv == v})
    return out


def _on_board(r: Route, new: Route, n: int, at: int) -> list[Violation]:
    """The trip under way delivers what it loaded, and nothing else, before it reloads."""
    if not n or (r.stops[n - 1].reload and r.stops[n - 1].departure_s > at):
        return []
    loaded = {o for s in r.stops[n : _trip_end(r.stops, n)] for o in s.deliver}
    now = {o for s in new.stops[n : _trip_end(new.stops, n)] for o in s.deliver}
    out = []
    for ids, why in (
        (loaded - now, "is on board but not delivered on this trip"),
        (now - loaded, "is delivered on a trip that left the centre without it"),
    ):
        if ids:
            o = min(ids)
            out.append(Violation("replan on board", f"order '{o}' {why}", r.vehicle, order=o))
    return out


def _held(r: Route, new: Route, numbers: set[int]) -> list[Violation]:
    """Locked stops: on the same vehicle, with the same orders, in their order."""
    wanted = [r.stops[k - 1] for k in sorted(numbers) if k <= len(r.stops)]
    found = []
    for s in wanted:
        at = [
            i
            for i, x in enumerate(new.stops)
            if x.point == s.point
            and (x.deliver, x.collect, x.unload) == (s.deliver, s.collect, s.unload)
        ]
        if not at:
            return [
                Violation("replan locked", f"the locked stop at '{s.point}' is gone", r.vehicle)
            ]
        found.append(at[0])
    if found != sorted(found):
        return [Violation("replan locked", "its locked stops are in another order", r.vehicle)]
    return []


def _orders_rule(plan: Plan, problem: Problem, source: Plan, info: dict) -> list[Violation]:
    ids = {o.id for o in problem.orders}
    before = {o for r in source.routes for s in r.stops for o in (*s.deliver, *s.collect)}
    before |= {u.order for u in source.unserved}
    out = [
        Violation("replan orders", f"cancelled order '{o}' is still an order", order=o)
        for o in info.get("cancelled", ())
        if o in ids
    ]
    out += [
        Violation("replan orders", f"added order '{o}' is not in the orders", order=o)
        for o in info.get("added", ())
        if o not in ids
    ]
    told = set(info.get("cancelled", ())) | set(info.get("added", ()))
    out += [
        Violation("replan orders", f"order '{o}' came or went without being listed", order=o)
        for o in sorted(ids ^ before)
        if o not in told
    ]
    return out
