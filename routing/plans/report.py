"""The terminal summary of a plan: a row per vehicle, totals, unserved orders by reason."""

from __future__ import annotations

from collections import Counter

from ..model.problem import Problem
from ..units import format_hhmm
from .document import Plan, stop_count


def route_rows(plan: Plan, problem: Problem) -> list[dict]:
    """Per-vehicle figures, for the table and for --json; "stops" counts place visits (a
    drop and a collect at one village are one stop), as the drivers' sheets and map do."""
    orders = {o.id: o for o in problem.orders}
    vehicles = {v.id: v for v in problem.vehicles}
    rows = []
    for r in plan.routes:
        v = vehicles[r.vehicle]
        delivered = [orders[o] for s in r.stops for o in s.deliver]
        collected = [orders[o] for s in r.stops for o in s.collect]
        loads = [(r.start_load_kg, r.start_load_l)] + [(s.load_kg, s.load_l) for s in r.stops]
        peak = max(max(kg / v.capacity_kg, litres / v.capacity_l) for kg, litres in loads)
        rows.append(
            {
                "vehicle": r.vehicle,
                "type": v.type,
                "depart": format_hhmm(r.depart_s),
                "return": format_hhmm(r.return_s),
                "km": round(r.distance_m / 1000, 1),
                "hours": round(r.duration_s / 3600, 2),
                "stops": stop_count(r.stops),  # place visits
                "trips": r.trips,
                "parcels": sum(o.parcels for o in delivered + collected),
                "kg_delivered": round(sum(o.kg for o in delivered), 1),
                "kg_collected": round(sum(o.kg for o in collected), 1),
                "peak_load_pct": round(100 * peak, 1),
                "cost_yuan": r.cost_yuan,
            }
        )
    return rows


SHOWN_DETAILS = 10  # unserved orders explained in the terminal summary


def unserved_by_reason(plan: Plan) -> dict[str, int]:
    return dict(Counter(u.reason for u in plan.unserved).most_common())


def unserved_rows(plan: Plan, problem: Problem) -> list[dict]:
    """Every unserved order with its ids, reason and the words that explain it (`--json`)."""
    orders = {o.id: o for o in problem.orders}
    points = {q.id: q for q in problem.points}
    rows = []
    for u in plan.unserved:
        q = points[orders[u.order].point]
        rows.append(
            {
                "order": u.order,
                "reason": u.reason,
                "point": q.id,
                "name": q.name,
                "name_pinyin": q.name_pinyin,
                "town": q.town,
                "detail": u.detail,
            }
        )
    return rows


def summary_text(plan: Plan, problem: Problem) -> str:
    rows = route_rows(plan, problem)
    head = (
        f"{'vehicle':8} {'type':9} {'depart':>6} {'return':>6} {'km':>7} {'hours':>6} "
        f"{'stops':>5} {'trips':>5} {'parcels':>7} {'kg out':>8} {'kg in':>8} {'peak %':>6} "
        f"{'cost ¥':>9}"
    )
    lines = [
        f"{plan.county} {plan.date}: {len(plan.routes)} of {len(problem.vehicles)} vehicles, "
        f"engine {plan.engine} ({plan.time_limit_s:g} s, seed {plan.seed})",
        head,
        "-" * len(head),
    ]
    for r in rows:
        lines.append(
            f"{r['vehicle']:8} {r['type']:9} {r['depart']:>6} {r['return']:>6} {r['km']:7.1f} "
            f"{r['hours']:6.2f} {r['stops']:5d} {r['trips']:5d} {r['parcels']:7d} "
            f"{r['kg_delivered']:8.1f} "
            f"{r['kg_collected']:8.1f} {r['peak_load_pct']:6.1f} {r['cost_yuan']:9.2f}"
        )
    lines.append("-" * len(head))
    tot = lambda k: sum(r[k] for r in rows)  # noqa: E731
    lines.append(
        f"{'total':8} {'':9} {'':>6} {'':>6} {tot('km'):7.1f} {tot('hours'):6.2f} "
        f"{tot('stops'):5d} {tot('trips'):5d} {tot('parcels'):7d} {tot('kg_delivered'):8.1f} "
        f"{tot('kg_collected'):8.1f} {'':>6} {plan.cost_yuan:9.2f}"
    )
    if plan.standing_cost_yuan is not None:
        lines.append(
            f"cost of the day: {plan.cost_yuan:,.2f} yuan for the routes + "
            f"{plan.standing_cost_yuan:,.2f} standing ({len(problem.vehicles)} vehicles and "
            f"drivers, used or not) = {plan.cost_yuan + plan.standing_cost_yuan:,.2f} yuan"
        )
    served = plan.summary()["orders_served"]
    lines.append(f"orders: {served} served, {len(plan.unserved)} unserved")
    if (cal := plan.stats.get("calendar")) is not None:
        wait = cal["parcel_wait_days"]
        lines.append(
            f"calendar {cal['path']}: {cal['villages_visited']} of {cal['villages_on_calendar']} "
            f"villages visited today; {cal['deferred']} orders wait for their next visit, "
            f"{cal['carried']} of earlier days served; parcels waited {wait['mean']:.2f} days "
            f"on average, at most {wait['max']}"
        )
    by_reason = unserved_by_reason(plan)
    for reason, n in by_reason.items():
        ids = [u.order for u in plan.unserved if u.reason == reason]
        more = f" ... (+{len(ids) - 5})" if len(ids) > 5 else ""
        lines.append(f"  unserved, {reason}: {n}  ({', '.join(ids[:5])}{more})")
    told = [u for u in plan.unserved if u.detail]
    for u in told[:SHOWN_DETAILS]:
        lines.append(f"  {u.order}: {u.detail}")
    if len(told) > SHOWN_DETAILS:
        lines.append(f"  ... and {len(told) - SHOWN_DETAILS} more: see 'unserved' in plan.json")
    return "\n".join(lines)
