"""Villagers' access distance: hand-computed on a tiny road line, and the direction of change
on Wugong when a station is added or removed."""

from __future__ import annotations

import numpy as np
import pytest

from routing.errors import InputError, NetworkError
from routing.inputs.county import load_county
from routing.network.graph import RoadArrays
from routing.scenarios.access import (
    Population,
    access,
    base_open_points,
    build_population,
    cell_access,
    population_of,
    settle,
    snap_open,
    undirected_lengths,
    weighted_percentile,
)

LAT = 34.0
STEP = 0.01  # degrees of longitude between tiny nodes (about 920 m: snapping is unambiguous)


def tiny_roads(lengths: list[float], island: float | None = None) -> RoadArrays:
    """A road line 0 -> 1 -> ... with these edge lengths (m), one-way only, so that reading it
    as undirected is tested too; `island` adds two more nodes joined to each other only."""
    n = len(lengths) + 1
    lon = [108.0 + k * STEP for k in range(n)]
    src, dst, length = list(range(n - 1)), list(range(1, n)), list(lengths)
    if island is not None:
        lon += [109.0, 109.0 + STEP]
        src, dst, length = [*src, n], [*dst, n + 1], [*length, island]
    m = len(src)
    return RoadArrays(
        digest="tiny",
        lon=np.array(lon),
        lat=np.full(len(lon), LAT),
        src=np.array(src, dtype=np.int64),
        dst=np.array(dst, dtype=np.int64),
        length_m=np.array(length, dtype=float),
        speed_kph=np.full(m, 20.0),
        highway=np.array(["residential"] * m),
    )


def at(node: int) -> tuple[float, float]:
    """lon, lat of a tiny node (islands: 6 and 7 on the island of `tiny_roads(..., island)`)."""
    return (108.0 + node * STEP, LAT) if node < 6 else (109.0 + (node - 6) * STEP, LAT)


# Nodes 0-5 on a line, 100, 200, 300, 400 and 5000 m apart; village A (100 people) at node 0,
# B (300) at node 5. By road, nodes 0-4 are nearer A (node 4: 1000 m from A, 5000 m from B).
LENGTHS = [100.0, 200.0, 300.0, 400.0, 5000.0]


@pytest.fixture
def line() -> Population:
    return build_population(tiny_roads(LENGTHS), [("A", *at(0), 100), ("B", *at(5), 300)])


def cells(pop: Population) -> dict[tuple[int, str], float]:
    return {
        (int(n), pop.unit_ids[u]): float(r)
        for n, u, r in zip(pop.cell_node, pop.cell_unit, pop.cell_residents, strict=True)
    }


def test_residents_spread_over_the_nodes_nearest_by_road(line):
    assert cells(line) == {(0, "A"): 20, (1, "A"): 20, (2, "A"): 20, (3, "A"): 20,
                           (4, "A"): 20, (5, "B"): 300}  # fmt: skip


def test_a_village_nearest_to_no_node_keeps_its_residents_on_its_own_node():
    graph = undirected_lengths(tiny_roads([100.0, 100.0]))
    node, unit, residents = settle(graph, np.array([0, 0]), np.array([30.0, 50.0]))
    got = sorted(zip(node.tolist(), unit.tolist(), residents.tolist(), strict=True))
    assert got == [(0, 0, 10.0), (0, 1, 50.0), (1, 0, 10.0), (2, 0, 10.0)]


def test_one_point_open_matches_hand_computed_distances(line):
    r = access(line, [("P", *at(2))])
    a, b = r.units
    # A: nodes 0..4 are 300, 200, 0, 300, 700 m from node 2 (walking against the one-way
    # edges too); B: 300 + 400 + 5000.
    assert (a.unit, a.residents, a.mean_m, a.shares) == ("A", 100, 300, (("P", 1.0),))
    assert (b.unit, b.residents, b.mean_m) == ("B", 300, 5700)
    assert r.stats.residents == 400
    assert r.stats.mean_m == pytest.approx((20 * 1500 + 300 * 5700) / 400)
    assert r.stats.p95_m == 5700
    assert (r.stats.within_2km, r.stats.within_5km) == (0.5, 0.5)


def test_residents_split_between_points_by_nearest_road_distance(line):
    r = access(line, [("P", *at(2)), ("Q", *at(4))])
    a, b = r.units
    # node 3: 300 m to P, 400 m to Q; node 4 is Q's own.
    assert a.mean_m == pytest.approx((300 + 200 + 0 + 300 + 0) / 5)
    assert a.shares == (("P", pytest.approx(0.8)), ("Q", pytest.approx(0.2)))
    assert (b.mean_m, b.shares) == (5000, (("Q", 1.0),))
    assert r.stats.mean_m == pytest.approx((20 * 800 + 300 * 5000) / 400)
    assert (r.stats.within_2km, r.stats.within_5km) == (0.5, 1.0)


def test_weighted_percentile_is_the_distance_that_covers_the_share():
    values, weights = np.array([3.0, 1.0, 2.0]), np.array([2.0, 1.0, 1.0])
    assert weighted_percentile(values, weights, 50) == 2.0
    assert weighted_percentile(values, weights, 25) == 1.0
    assert weighted_percentile(values, weights, 95) == 3.0


def test_residents_with_no_road_to_an_open_point_are_an_error_not_dropped():
    pop = build_population(
        tiny_roads(LENGTHS, island=250.0), [("A", *at(0), 100), ("D", *at(7), 50)]
    )
    with pytest.raises(NetworkError, match=r"50 residents of 1 village point.*: D$"):
        access(pop, [("P", *at(2))])
    # D's residents live on both island nodes: 0 and 250 m from Q.
    assert access(pop, [("P", *at(2)), ("Q", *at(6))]).units[1].mean_m == 125


def test_open_points_are_checked_together_naming_row_and_field(line):
    with pytest.raises(InputError) as err:
        access(line, [("P", *at(2)), ("P", *at(3)), ("", 108.0, 95.0)])
    where = {(f.row, f.field) for f in err.value.faults}
    assert where == {(2, "id"), (3, "id"), (3, "lat")}
    with pytest.raises(NetworkError, match=r"1 service point\(s\) .*: FAR \("):
        access(line, [("P", *at(2)), ("FAR", 108.5, LAT)])


# --- Wugong --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wugong():
    county = load_county("wugong")
    return county, population_of(county)


def test_wugong_keeps_every_resident_and_every_unit_is_served_in_full(wugong):
    """Every resident who uses a service point is counted; the county seat's door-to-door
    area (no parcels through the centre) is not."""
    county, pop = wugong
    r = access(pop, base_open_points(county))
    rows = county.demand_rows()
    users = sum(x["population"] for x in rows if x["parcels_year"] > 0)
    assert r.stats.residents == pytest.approx(users) and users < sum(x["population"] for x in rows)
    assert len(r.units) == sum(p.tier == "village" for p in county.points)
    for u in r.units:
        assert sum(s for _, s in u.shares) == pytest.approx(1.0)
    assert 0 < r.stats.mean_m < r.stats.p95_m


def test_a_station_at_the_far_end_of_a_large_village_shortens_access(wugong):
    county, pop = wugong
    base = list(base_open_points(county))
    before = access(pop, base)
    big = int(np.argmax(np.bincount(pop.cell_unit, pop.cell_residents)))
    _, open_nodes = snap_open(pop, base)
    dist, _ = cell_access(pop, open_nodes)
    mine = np.flatnonzero(pop.cell_unit == big)
    far = int(pop.cell_node[mine[np.argmax(dist[mine])]])
    after = access(pop, [*base, ("NEW", pop.arrays.lon[far], pop.arrays.lat[far])])
    assert after.stats.mean_m < before.stats.mean_m
    assert after.units[big].mean_m < before.units[big].mean_m
    assert dict(after.units[big].shares).get("NEW", 0) > 0


def test_closing_a_large_village_point_lengthens_access(wugong):
    county, pop = wugong
    base = list(base_open_points(county))
    big = int(np.argmax(np.bincount(pop.cell_unit, pop.cell_residents)))
    gone = pop.unit_ids[big]
    before = access(pop, base)
    after = access(pop, [p for p in base if p.id != gone])
    assert after.stats.mean_m > before.stats.mean_m
    assert after.units[big].mean_m > before.units[big].mean_m
    assert gone not in dict(after.units[big].shares)
