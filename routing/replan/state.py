"""Where each vehicle is at the re-plan time, and what the planner asks to change.

A stop is *committed* once its vehicle has set off for it: the vehicle left the centre, or the
stop before, at or before the re-plan time. Committed stops stay exactly as they were (the
stops behind the vehicle, the one it is at, the one it is driving to), and the vehicle carries
on from the last of them. The deliveries of the trip under way are on board: they stay on that
vehicle, in that trip, and nothing is added to them (it was loaded at the centre). A vehicle
whose every stop is committed and which has left the last one is on its way home, or back: it
may still make a further trip, whose loading starts no earlier than the re-plan time. Locked
routes stay as they are; a locked stop stays on its vehicle, in the same order
as the vehicle's other locked stops. docs/replan.md states the rules `route check` applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import Fault, InputError
from ..plans.document import Plan, Route
from ..units import format_hhmm


@dataclass(frozen=True)
class Lock:
    vehicle: str
    stop: int | None = None  # 1-based stop number in the plan (routes.csv's sequence); None: all

    def __str__(self) -> str:
        return self.vehicle if self.stop is None else f"{self.vehicle}:{self.stop}"


@dataclass(frozen=True)
class Position:
    """One source route at the re-plan time."""

    committed: int  # its first stops that stay as they are
    started: bool  # it has left the centre: its departure stays too
    under_way: bool  # a trip is under way: its deliveries are on board
    closed_until: int  # stops [committed, closed_until) finish the trip under way
    over: bool  # locked: nothing can be added
    home: bool = False  # every stop behind it: on its way home, or back (a further trip only)


def committed_stops(r: Route, at: int) -> int:
    """How many of the route's first stops the vehicle has set off for by `at`."""
    leave, n = r.depart_s, 0
    for s in r.stops:
        if leave > at:
            break
        n += 1
        leave = s.departure_s
    return n


def position(r: Route, at: int, locked: bool = False) -> Position:
    n = committed_stops(r, at)
    stops = r.stops
    if locked:
        return Position(len(stops), r.depart_s <= at, False, len(stops), True)
    if n == 0:
        return Position(0, False, False, 0, False)
    home = n == len(stops) and stops[-1].departure_s <= at
    # the trip under way: none if the vehicle is at the dock, or driving there, to reload
    loading = stops[n - 1].reload and stops[n - 1].departure_s > at
    end = n
    if not loading:
        while end < len(stops) and not stops[end].reload:
            end += 1
    return Position(n, True, not loading, end, False, home)


def parse_locks(tokens: Sequence[str], plan: Plan) -> tuple[Lock, ...]:
    """`VEHICLE` (its whole route) or `VEHICLE:N` (its N-th stop), each checked against the
    plan; every bad token is reported at once."""
    routes = {r.vehicle: r for r in plan.routes}
    faults, out = [], []
    for token in tokens:
        vehicle, _, number = token.strip().partition(":")
        r = routes.get(vehicle)
        if r is None:
            known = ", ".join(sorted(routes)) or "none"
            faults.append(Fault("--lock", f"no route of vehicle '{vehicle}' (routes: {known})"))
            continue
        if not number:
            out.append(Lock(vehicle))
            continue
        if not number.isdigit() or not 1 <= int(number) <= len(r.stops):
            faults.append(
                Fault(
                    "--lock",
                    f"'{token}': {vehicle} has stops 1 to {len(r.stops)}",
                    field=token,
                )
            )
            continue
        if r.stops[int(number) - 1].reload:
            faults.append(
                Fault("--lock", f"'{token}' is a reload at the centre, not a stop", field=token)
            )
            continue
        out.append(Lock(vehicle, int(number)))
    if faults:
        raise InputError(faults)
    return tuple(dict.fromkeys(out))


def check_cancellations(cancel: Sequence[str], plan: Plan, at: int, locks: Sequence[Lock]) -> None:
    """Cancelled orders must be orders of the plan whose goods are not yet handled or on
    board, and not in a locked stop; every refusal is reported at once."""
    where: dict[str, tuple[Route, int]] = {}
    for r in plan.routes:
        for i, s in enumerate(r.stops):
            for oid in (*s.deliver, *s.collect):
                where[oid] = (r, i)
    unserved = {u.order for u in plan.unserved}
    deferred = {d.order: d.visit for d in plan.deferred}
    whole = {lk.vehicle for lk in locks if lk.stop is None}
    stops = {(lk.vehicle, lk.stop) for lk in locks if lk.stop is not None}
    faults = []
    for oid in dict.fromkeys(cancel):
        if oid in deferred:
            faults.append(
                Fault("--cancel", f"order '{oid}' is deferred to {deferred[oid]}", field=oid)
            )
            continue
        if oid not in where:
            if oid not in unserved:
                faults.append(Fault("--cancel", f"order '{oid}' is not in the plan", field=oid))
            continue
        r, i = where[oid]
        pos = position(r, at)
        stop = r.stops[i]
        if i < pos.committed:
            when = format_hhmm(stop.arrival_s)
            faults.append(
                Fault(
                    "--cancel",
                    f"order '{oid}' is at stop {i + 1} of {r.vehicle}, which the vehicle has "
                    f"already set off for or served (arrival {when})",
                    field=oid,
                )
            )
        elif i < pos.closed_until and oid in stop.deliver:
            faults.append(
                Fault(
                    "--cancel",
                    f"order '{oid}' is on board {r.vehicle} (its trip has left the centre); "
                    "it comes back with the vehicle",
                    field=oid,
                )
            )
        elif r.vehicle in whole or (r.vehicle, i + 1) in stops:
            faults.append(
                Fault(
                    "--cancel",
                    f"order '{oid}' is in stop {i + 1} of {r.vehicle}, which is locked",
                    field=oid,
                )
            )
    if faults:
        raise InputError(faults)
