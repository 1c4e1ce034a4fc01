"""The re-plan's search state: per vehicle a fixed head (its committed stops) and a tail the
search may change, with the rules the tail must keep beyond the timing rule's.

Every route is judged by `schedule.evaluate` on its whole sequence (head and tail), leaving at
its real departure when it is already on the road, so the head's times come out as they were.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..model.nodes import RELOAD, Node, tidy
from ..model.problem import Problem
from ..model.schedule import RouteEval, evaluate, insertions, with_visit


def tidy_tail(head: Sequence[int], tail: Sequence[int]) -> list[int]:
    """The tail without empty trips, keeping a reload right after a head that ends in the
    middle of a trip: the vehicle then goes back to reload as soon as it is free."""
    rest = tidy(tail)
    if head and head[-1] != RELOAD and tail and tail[0] == RELOAD and rest:
        return [RELOAD, *rest]
    return rest


@dataclass
class Board:
    problem: Problem  # vehicles that have not left start no earlier than the re-plan time
    nodes: list[Node]
    heads: list[tuple[int, ...]]
    tails: list[list[int]]
    depart: list[int | None]  # the real departure of a vehicle already on the road
    over: list[bool]  # nothing may be added (a locked route)
    closed: list[bool]  # the tail's first trip is the trip under way (its deliveries on board)
    pinned: list[frozenset[int]]  # per vehicle: its on-board and locked nodes
    locked: list[tuple[int, ...]]  # per vehicle: its locked nodes in the tail, in order
    home: list[bool]  # every stop behind it: only a further trip may follow
    at: int  # the re-plan time: no reload in a tail starts before it
    unassigned: set[int] = field(default_factory=set)
    _cost: dict[int, float] = field(default_factory=dict)
    owner: dict[int, int] = field(init=False)  # pinned node -> its vehicle

    def __post_init__(self) -> None:
        self.owner = {k: v for v, ks in enumerate(self.pinned) for k in ks}

    def seq(self, v: int, tail: Sequence[int] | None = None) -> list[int]:
        return [*self.heads[v], *(self.tails[v] if tail is None else tail)]

    def keeps_rules(self, v: int, tail: Sequence[int]) -> bool:
        """The re-plan's own rules: nothing but the on-board deliveries in the trip under way,
        all of them in it, and locked stops in their order."""
        nodes = self.nodes
        if self.home[v] and tail and tail[0] != RELOAD:  # it has left its last stop
            return False
        if self.closed[v]:
            end = tail.index(RELOAD) if RELOAD in tail else len(tail)
            for k in tail[:end]:
                if nodes[k].deliver and k not in self.pinned[v]:
                    return False
            for k in tail[end:]:
                if k != RELOAD and nodes[k].deliver and k in self.pinned[v]:
                    return False
        if self.locked[v]:
            mine = set(self.locked[v])
            order = [k for k in tail if k in mine]
            want = [k for k in self.locked[v] if k in order]
            if order != want:
                return False
        return True

    def evaluate(self, v: int, tail: Sequence[int]) -> RouteEval | None:
        """The route of vehicle v with this tail, if it keeps every rule."""
        if not self.keeps_rules(v, tail):
            return None
        ev = evaluate(self.problem, self.nodes, v, self.seq(v, tail), *self.timing(v))
        return ev if ev.feasible else None

    def timing(self, v: int) -> tuple[int | None, tuple[int, int]]:
        """`evaluate`'s departure and reload readiness for vehicle v."""
        return self.depart[v], (len(self.heads[v]), self.at)

    def cost(self, v: int) -> float:
        if v not in self._cost:
            seq = self.seq(v)
            ev = evaluate(self.problem, self.nodes, v, seq, *self.timing(v)) if seq else None
            self._cost[v] = ev.cost if ev else 0.0
        return self._cost[v]

    def penalty(self, k: int) -> float:
        return math.inf if k in self.owner else self.nodes[k].penalty

    def objective(self) -> float:
        routes = sum(self.cost(v) for v in range(len(self.tails)))
        return routes + sum(self.penalty(k) for k in self.unassigned)

    def set_tail(self, v: int, tail: list[int]) -> None:
        self.tails[v] = tail
        self._cost.pop(v, None)

    # --- moves ------------------------------------------------------------------------------
    def remove(self, k: int) -> None:
        """Take visit k (and its drop) out of its route."""
        gone = {k, self.nodes[k].pair} - {-1}
        for v, tail in enumerate(self.tails):
            if k in tail:
                self.set_tail(v, tidy_tail(self.heads[v], [x for x in tail if x not in gone]))
                break
        self.unassigned.add(k)

    def vehicles_for(self, k: int) -> list[int]:
        owner = self.owner.get(k)
        if owner is not None:
            return [owner]
        return [v for v in self.nodes[k].allowed if not self.over[v]]

    def best_place(self, k: int) -> tuple[int, list[int], float] | None:
        """(vehicle, new tail, added cost) of the cheapest place for visit k (with its drop)."""
        p, nodes = self.problem, self.nodes
        drop = nodes[k].pair
        seqs = {v: self.seq(v) for v in self.vehicles_for(k)}
        candidates = sorted(
            (bound, v, i) for v, seq in seqs.items() for bound, i in insertions(p, nodes, v, seq, k)
        )
        best: tuple[int, list[int], float] | None = None
        for bound, v, i in candidates:
            if best is not None and bound >= best[2]:
                break
            head = self.heads[v]
            for trial in with_visit(seqs[v], i, k, drop):
                if trial[: len(head)] != list(head):
                    continue
                tail = trial[len(head) :]
                ev = self.evaluate(v, tail)
                if ev is None:
                    continue
                added = ev.cost - self.cost(v)
                if best is None or added < best[2]:
                    best = (v, tail, added)
        return best

    def insert(self, k: int) -> bool:
        place = self.best_place(k)
        if place is None:
            return False
        v, tail, _ = place
        self.set_tail(v, tail)
        self.unassigned.discard(k)
        return True

    def snapshot(self) -> tuple[list[list[int]], set[int], dict[int, float]]:
        return [list(t) for t in self.tails], set(self.unassigned), dict(self._cost)

    def restore(self, snap: tuple[list[list[int]], set[int], dict[int, float]]) -> None:
        tails, unassigned, cost = snap
        self.tails = [list(t) for t in tails]
        self.unassigned = set(unassigned)
        self._cost = dict(cost)

    def movable(self) -> list[int]:
        """Visits in the tails the search may take out: not drops (they go with their visit)
        and not the drops of produce collected in a head (on board, they stay where they are)."""
        out = []
        for v, tail in enumerate(self.tails):
            if self.over[v]:
                continue
            for k in tail:
                if k != RELOAD and not self.nodes[k].unload:
                    out.append(k)
        return out

    def routes(self) -> tuple[tuple[int, ...], ...]:
        return tuple(tuple(self.seq(v)) for v in range(len(self.tails)))
