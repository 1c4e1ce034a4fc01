"""Visit calendars: small villages visited on fixed days within the waiting limits, the day's
plan deferring and carrying orders accordingly, and `route check` holding it to that."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import replace

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from cli import main
from routing.calendars.calendar_file import Calendar, read_calendar
from routing.calendars.day import apply_calendar
from routing.calendars.patterns import PATTERNS, may_wait, next_visit, worst_wait
from routing.calendars.schedule import make_calendar
from routing.errors import InputError
from routing.inputs.county import load_county
from routing.inputs.orders import day_orders
from routing.model.records import Order
from routing.plans.calendar_rule import rule_calendar
from routing.plans.document import Deferred, Plan

from .conftest import WUGONG, make_problem, order, point, vehicle

BROKEN = WUGONG.parent.parent / "tests" / "data" / "broken"
MARCH = (dt.date(2026, 3, 2), dt.date(2026, 3, 8))  # Monday to Sunday
OCTOBER = (dt.date(2026, 10, 5), dt.date(2026, 10, 11))


def test_patterns_and_their_longest_waits():
    saturday = dt.date(2026, 3, 7)
    assert next_visit("mon-wed-fri", saturday) == dt.date(2026, 3, 9)  # two days
    assert next_visit("tue-thu-sat", saturday) == saturday
    assert [worst_wait(p) for p in ("daily", "mon-wed-fri", "tue-thu-sat")] == [0, 2, 2]


@pytest.fixture(scope="module")
def march(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    s = make_calendar("wugong", *MARCH, max_wait=2, daily_parcels=60, data_dir=home)
    return home, s


def test_a_march_week_visits_small_villages_three_times_a_week_within_the_limits(march):
    home, s = march
    c = load_county("wugong", home)
    rows = {r["point_id"]: r for r in s.rows}
    assert set(rows) == {p.id for p in c.points if p.tier == "village"}
    sparse = [r for r in s.rows if r["pattern"] != "daily"]
    assert sparse and s.visits_saved > 0.1
    # every order of the week at a sparse village may wait for its next visit
    patient = {p: True for p in rows}
    for k in range(7):
        day = MARCH[0] + dt.timedelta(days=k)
        for o in day_orders(c, day)[0]:
            if o.point in rows:
                pattern = rows[o.point]["pattern"]
                assert (next_visit(pattern, day) - day).days <= may_wait(o, 2)
                patient[o.point] &= may_wait(o, 2) >= 2
    # sparse: exactly the villages under the threshold whose goods may all wait two days
    for r in s.rows:
        small = r["parcels_per_day"] < 60 and patient[r["point_id"]]
        assert (r["pattern"] != "daily") == small, r
    # a town's villages share their pattern
    town = {p.id: p.town for p in c.points}
    by_town: dict[str, set[str]] = {}
    for r in sparse:
        by_town.setdefault(town[r["point_id"]], set()).add(r["pattern"])
    assert all(len(p) == 1 for p in by_town.values())


def test_the_harvest_forces_daily_visits(march, tmp_path):
    _, spring = march
    autumn = make_calendar("wugong", *OCTOBER, data_dir=tmp_path)
    assert autumn.count("daily") > spring.count("daily")


def test_a_plan_under_the_calendar_defers_carries_and_checks(march, tmp_path):
    home, _ = march
    out = tmp_path / "plan"
    args = ["plan", "--date", "2026-03-04", "--iterations", "30", "--time-limit", "600"]
    result = CliRunner().invoke(main, [*args, "--json", "--out", str(out), "--data-dir", str(home)])
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    cal = read_calendar(
        home / "wugong" / "calendars" / "2026-03-02_2026-03-08.csv", load_county("wugong", home)
    )
    orders = {o.id: o for o in _orders_beside(out)}
    day = dt.date(2026, 3, 4)
    assert doc["deferred"] and doc["inputs"]["calendar"]["path"].endswith(
        "2026-03-02_2026-03-08.csv"
    )
    for d in doc["deferred"]:
        o = orders[d["order"]]
        assert o.date == "2026-03-04" and not cal.visits(o.point, day)
        assert d["visit"] == next_visit(cal.pattern(o.point), day).isoformat()
    served = [o for r in doc["routes"] for s in r["stops"] for o in s["deliver"] + s["collect"]]
    carried = [orders[o] for o in served if orders[o].date != "2026-03-04"]
    assert carried and all(o.date == "2026-03-03" and cal.visits(o.point, day) for o in carried)
    stats = doc["stats"]["calendar"]
    assert stats["deferred"] == len(doc["deferred"]) and stats["parcel_wait_days"]["max"] == 1
    check = CliRunner().invoke(main, ["check", str(out / "plan.json")])
    assert check.exit_code == 0, check.output
    # tampered: a deferred order said to wait for another day
    doc["deferred"][0]["visit"] = "2026-03-20"
    (out / "plan.json").write_text(json.dumps(doc), encoding="utf-8")
    check = CliRunner().invoke(main, ["check", str(out / "plan.json")])
    assert check.exit_code == 1 and "[calendar]" in check.output
    assert f"order '{doc['deferred'][0]['order']}' waits for 2026-03-20" in check.output


def _orders_beside(out):
    from routing.inputs.orders import read_orders

    return read_orders(out / "orders.csv", load_county("wugong"))


def test_no_calendar_plans_every_village(march, tmp_path):
    home, _ = march
    args = [
        "plan",
        "--date",
        "2026-03-04",
        "--iterations",
        "20",
        "--time-limit",
        "600",
        "--no-maps",
    ]
    out = tmp_path / "plan"
    result = CliRunner().invoke(
        main, [*args, "--no-calendar", "--quiet", "--out", str(out), "--data-dir", str(home)]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert doc["deferred"] == [] and "calendar" not in doc["inputs"]


@pytest.mark.parametrize(
    ("fixture", "row", "field", "message"),
    [
        ("calendar_unknown_pattern.csv", 3, "pattern", "'weekly' is not one of"),
        ("calendar_unknown_point.csv", 3, "point_id", "unknown service point '610431999999'"),
        ("calendar_township.csv", 3, "point_id", "'610431101000' is a township: only village"),
        ("calendar_wait_too_long.csv", 2, "pattern", "mon-wed-fri makes parcels wait up to 2"),
    ],
)
def test_a_broken_calendar_names_file_row_and_field(tmp_path, fixture, row, field, message):
    path = tmp_path / "2026-03-02_2026-03-08.csv"
    shutil.copy(BROKEN / fixture, path)
    with pytest.raises(InputError) as err:
        read_calendar(path, load_county("wugong"))
    (fault,) = err.value.faults
    assert (fault.file, fault.row, fault.field) == (str(path), row, field)
    assert message in fault.message


def test_a_calendar_file_must_say_its_period_in_its_name(tmp_path):
    path = tmp_path / "march.csv"
    shutil.copy(BROKEN / "calendar_wait_too_long.csv", path)
    with pytest.raises(InputError, match=r"named <from>_<to>\.csv"):
        read_calendar(path, load_county("wugong"))


@settings(max_examples=15, deadline=None)
@given(
    offset=st.integers(0, 13),
    seed=st.integers(0, 2**16),
    max_wait=st.integers(0, 3),
)
def test_a_random_calendar_loses_no_order_and_keeps_every_wait(offset, seed, max_wait):
    """Any assignment of patterns that respects the limits: today's orders are planned or
    deferred, never both; earlier orders planned today were due today and waited within
    their limit; deferred ones wait within theirs."""
    import random

    c = load_county("wugong")
    rng = random.Random(seed)
    start = MARCH[0]
    patterns = {
        p.id: rng.choice([x for x in PATTERNS if worst_wait(x) <= max_wait] or ["daily"])
        for p in c.points
        if p.tier == "village"
    }
    cal = Calendar(BROKEN, start, start + dt.timedelta(days=13), patterns, max_wait)
    day = start + dt.timedelta(days=offset)
    today = day_orders(c, day)[0]
    cd = apply_calendar(c, day, today, cal)
    planned_today = [o for o in cd.planned if o.date == day.isoformat()]
    assert len(planned_today) + len(cd.deferred) == len(today)
    assert {o.id for o in planned_today}.isdisjoint(o.id for o, _ in cd.deferred)
    for o, visit in cd.deferred:
        assert not cal.visits(o.point, day) and visit > day
        assert (visit - day).days <= may_wait(o, max_wait)
    for o in cd.carried:
        since = dt.date.fromisoformat(o.date)
        assert start <= since < day and next_visit(cal.pattern(o.point), since) == day
        assert (day - since).days <= may_wait(o, max_wait)


def _rule(day: str, planned: list[Order], deferred: list[tuple[Order, str]]) -> list[str]:
    """The calendar rule on a tiny day: village A on Mon/Wed/Fri, B daily."""
    pts = [point("HUB", 0, 0, tier="hub"), point("A", 1, 0), point("B", 2, 0)]
    problem = make_problem(pts, [vehicle("V1")], planned)
    cal = Calendar(BROKEN, MARCH[0], MARCH[1], {"A": "mon-wed-fri"}, 2)
    plan = Plan(
        "test",
        "",
        day,
        "test",
        0,
        0.0,
        None,
        {},
        (),
        (),
        deferred=tuple(Deferred(o.id, visit) for o, visit in deferred),
    )
    found = rule_calendar(plan, problem, cal, {o.id: o for o, _ in deferred})
    return [v.message for v in found]


def _order(oid: str, at: str, date: str, **kw) -> Order:
    return replace(order(oid, at, **kw), date=date)


def test_the_calendar_rule_catches_each_wrong_deferral_or_carry():
    wed, thu = "2026-03-04", "2026-03-05"
    tuesday = _order("tue", "A", "2026-03-03")  # due at Wednesday's visit
    assert _rule(wed, [tuesday], []) == []
    monday = _order("mon", "A", "2026-03-02")  # served on Monday, not carried
    assert _rule(wed, [monday], []) == [
        "order 'mon' of 2026-03-02 was due at A's visit of 2026-03-02, not today"
    ]
    today = _order("wed", "A", wed)
    assert _rule(wed, [], [(today, "2026-03-06")]) == [
        "order 'wed' is deferred although A is visited today"
    ]
    greens = replace(_order("greens", "A", thu, kind="pickup"), goods="vegetables")
    assert _rule(thu, [], [(greens, "2026-03-06")]) == [
        "order 'greens' would wait 1 days, more than the 0 it may"
    ]
    parcel = _order("parcel", "A", thu)
    assert _rule(thu, [], [(parcel, "2026-03-07")]) == [
        "order 'parcel' waits for 2026-03-07, but A's next visit is 2026-03-06"
    ]
