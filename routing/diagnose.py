"""Why an order was left out: the rule that stopped every way of adding its visit.

For a dropped visit, every insertion into every allowed vehicle's final route is tried (an
unused vehicle counts as an empty route). The reason is the rule that failed most often. If an
insertion would have been feasible, the search simply did not find it in its budget, and the
reason says so rather than blaming a rule.
"""

from __future__ import annotations

from collections import Counter

from .schedule import evaluate
from .visits import NodeModel

REASON_ORDER = ("capacity", "time window", "shift length", "unreachable")


def dropped_reasons(nm: NodeModel, routes: tuple[tuple[int, ...], ...]) -> dict[int, str]:
    """Order position -> reason, for every order of a node that no route serves."""
    served = {k for seq in routes for k in seq}
    out: dict[int, str] = {}
    for k, n in enumerate(nm.nodes):
        if k in served or n.unload:
            continue
        tries: Counter[str] = Counter()
        feasible = False
        for v in n.allowed:
            seq = list(routes[v])
            for i in range(len(seq) + 1):
                trial = [*seq[:i], k, *seq[i:]]
                if n.pair >= 0:
                    trial = [*trial, n.pair]  # unload last, the most forgiving place
                ev = evaluate(nm.problem, nm.nodes, v, trial)
                if ev.feasible:
                    feasible = True
                    break
                tries[ev.violation] += 1
            if feasible:
                break
        if feasible:
            reason = "not placed by the search"
        else:
            reason = max(REASON_ORDER, key=lambda r: (tries[r], -REASON_ORDER.index(r)))
        for o in n.orders:
            out[o] = reason
    return out
