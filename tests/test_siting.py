"""Siting new service points: the exact model against brute force on tiny instances, a
hand-computed choice on a tiny road line, clear errors, and Wugong's generated candidates."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra

from routing.errors import InputError, NetworkError
from routing.inputs.county import load_county
from routing.scenarios.access import (
    base_open_points,
    build_population,
    nearest_open,
    population_of,
    snap_open,
)
from routing.scenarios.siting import (
    ACCESS_YUAN_PER_KM,
    CANDIDATE_SPACING_M,
    MAX_CANDIDATES,
    PARCELS_PER_PERSON_DAY,
    StopTariff,
    generate_candidates,
    greedy,
    instance_of,
    objective_yuan,
    site,
    site_county,
    solve_instance,
    stop_tariff,
)

from .test_access import LAT, LENGTHS, at, tiny_roads

YUAN_PER_PERSON_M = PARCELS_PER_PERSON_DAY * 2 * ACCESS_YUAN_PER_KM / 1000.0
VAN = StopTariff("van", 0.75, 0.0, 300)


def brute_value(weight, current, cand_m, stop, chosen) -> float:
    """The objective from its definition: each node's best shortening among the chosen, at its
    weight, minus the chosen stops' costs."""
    best = np.maximum(current[None, :] - cand_m[list(chosen)], 0.0).max(axis=0)
    return float((weight * best).sum() - stop[list(chosen)].sum())


@pytest.mark.parametrize(("seed", "k"), [(1, 2), (2, 2), (3, 3), (4, 3)])
def test_exact_model_matches_brute_force_over_all_k_subsets(seed, k):
    rng = np.random.default_rng(seed)
    nodes, cands = 20, 8
    weight = rng.uniform(0.01, 0.2, nodes)  # yuan a day per metre
    current = rng.uniform(500, 2500, nodes)
    cand_m = rng.uniform(0, 3000, (cands, nodes))
    stop = rng.uniform(0, 30, cands)
    values = {
        s: brute_value(weight, current, cand_m, stop, s)
        for s in itertools.combinations(range(cands), k)
    }
    best = max(values.values())
    inst = instance_of(weight, current, cand_m, stop)
    chosen, status, bound = solve_instance(inst, k, time_limit=60, seed=0, workers=1)
    assert status == "OPTIMAL" and len(chosen) == k
    rounding = 0.005 * (nodes + k)  # fen rounding of each term in the model
    assert values[tuple(sorted(chosen))] == pytest.approx(best, abs=rounding)
    assert objective_yuan(inst, chosen) == pytest.approx(values[tuple(sorted(chosen))])
    assert bound == pytest.approx(best, abs=rounding)


def test_exact_model_beats_the_greedy_choice_it_starts_from():
    # Candidate 0 halves everyone's trip; 1 and 2 each nearly remove one cluster's trip.
    weight, current = np.ones(4), np.full(4, 100.0)
    cand_m = np.array([[50, 50, 50, 50], [10, 10, 999, 999], [999, 999, 10, 10]], dtype=float)
    inst = instance_of(weight, current, cand_m, np.array([1.0, 2.0, 3.0]))
    assert 0 in greedy(inst, 2)
    chosen, status, _ = solve_instance(inst, 2)
    assert (sorted(chosen), status) == ([1, 2], "OPTIMAL")
    assert objective_yuan(inst, chosen) == 360 - 5


@pytest.fixture
def line():
    """test_access's road line (nodes 0-5; A at 0 with 100 people, B at 5 with 300) plus an
    island (nodes 6, 7) where nobody lives; point P open at node 2."""
    pop = build_population(
        tiny_roads(LENGTHS, island=100.0), [("A", *at(0), 100), ("B", *at(5), 300)]
    )
    return pop, [("P", *at(2))]


def test_tiny_line_sites_the_station_at_the_far_village(line):
    pop, open_points = line
    cands = [("Z", "at A", *at(0)), ("Y", "node 4", *at(4)), ("X", "at B", *at(5))]
    r = site(pop, open_points, VAN, 1, cands)
    (x,) = r.chosen
    assert (x.id, x.detour_m, x.residents, r.status) == ("X", 2 * 5700, 300, "OPTIMAL")
    # B's 300 residents no longer travel 5,700 m; a van drives 2 x 5.7 km more.
    assert x.stop_yuan == pytest.approx(11.4 * 0.75)
    assert r.objective_yuan == pytest.approx(300 * 5700 * YUAN_PER_PERSON_M - 11.4 * 0.75)
    assert r.before.mean_m == pytest.approx((20 * 1500 + 300 * 5700) / 400)
    assert r.after.mean_m == pytest.approx(20 * 1500 / 400)
    assert r.candidates == 3


def test_candidates_are_checked_together_naming_row_and_field(line):
    pop, open_points = line
    bad = [("X", "x", *at(4)), ("X", "again", *at(5)), ("P", "open already", *at(3)),
           ("W", "off the map", 200.0, LAT)]  # fmt: skip
    with pytest.raises(InputError) as err:
        site(pop, open_points, VAN, 1, bad)
    assert {(f.file, f.row, f.field) for f in err.value.faults} == {
        ("candidates", 2, "id"),
        ("candidates", 3, "id"),
        ("candidates", 4, "lon"),
    }


def test_unsnappable_or_cut_off_candidates_are_named(line):
    pop, open_points = line
    with pytest.raises(NetworkError, match=r"more than 1000 m from any road: FAR \("):
        site(pop, open_points, VAN, 1, [("X", "x", *at(5)), ("FAR", "far", 108.5, LAT)])
    with pytest.raises(NetworkError, match=r"no road to any open service point: ISLE$"):
        site(pop, open_points, VAN, 1, [("X", "x", *at(5)), ("ISLE", "island", *at(7))])


@pytest.mark.parametrize("k", [0, 3])
def test_k_must_fit_the_candidates(line, k):
    pop, open_points = line
    with pytest.raises(InputError, match=f"K = {k}: need between 1 and 2"):
        site(pop, open_points, VAN, k, [("X", "x", *at(5)), ("Y", "y", *at(4))])


# --- Wugong --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wugong():
    county = load_county("wugong")
    return county, population_of(county)


def test_stop_tariff_reads_the_fleet():
    county = load_county("wugong")
    van = min(county.fleet, key=lambda v: v.cost_per_km)
    t = stop_tariff(county.fleet, county.points)
    assert (t.vehicle_type, t.yuan_per_km, t.yuan_per_hour) == ("van", van.cost_per_km, 0.0)
    assert t.service_s == 300


def test_generated_candidates_are_spread_out_and_the_same_every_time(wugong):
    county, pop = wugong
    _, open_nodes = snap_open(pop, base_open_points(county))
    open_m, _ = nearest_open(pop.graph, np.arange(pop.arrays.n_nodes), open_nodes)
    cands, nodes = generate_candidates(pop, open_m)
    assert 0 < len(cands) <= MAX_CANDIDATES
    assert (open_m[nodes] >= CANDIDATE_SPACING_M).all()
    between = dijkstra(pop.graph, directed=False, indices=nodes)[:, nodes]
    np.fill_diagonal(between, np.inf)
    assert between.min() >= CANDIDATE_SPACING_M
    again, nodes_again = generate_candidates(pop, open_m)
    assert again == cands and (nodes_again == nodes).all()


@pytest.mark.parametrize("workers", [1, 2])
def test_wugong_best_new_station_shortens_access_by_what_the_objective_says(wugong, workers):
    county, _ = wugong
    r = site_county(county, 1, time_limit=60, seed=0, workers=workers)
    assert r.status == "OPTIMAL" and len(r.chosen) == 1
    assert r.after.mean_m < r.before.mean_m
    saved = (r.before.mean_m - r.after.mean_m) * r.before.residents * YUAN_PER_PERSON_M
    assert r.objective_yuan == pytest.approx(saved - r.chosen[0].stop_yuan, abs=0.01)
    assert r.objective_yuan <= r.bound_yuan + 0.01
