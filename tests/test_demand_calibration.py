"""Demand per county: each county's produce from the bundled table (data/produce.csv), Lixian
calibrated to the seed report's apples, and the table's errors named by file, row and field."""

from __future__ import annotations

import datetime as dt

import pytest

from routing.datasets.admin import read_county
from routing.datasets.demand import CROPS, build_profiles, produce_tonnes
from routing.datasets.sites import build_sites
from routing.errors import InputError
from routing.inputs.county import load_county
from routing.inputs.demo_orders import PICKUP_WEEKDAY_FACTOR, festival_factor, harvest_share
from routing.inputs.locations import raw_division_dir

SEED_APPLES_T = 10_000.0  # Lixian's apples sold online in 2019: "about 10 million kg"


@pytest.fixture(scope="module")
def lixian_profiles():
    admin = read_county("621226", raw_division_dir())
    sites = build_sites(admin, 1)
    return build_profiles(sites.rows, sites.urban, "621226", 1)


def _tonnes(profiles) -> dict[str, float]:
    return {c: sum(p[f"{c}_t"] for p in profiles) for c in CROPS}


def test_lixian_sells_apples_and_herbs_and_grows_no_kiwifruit(lixian_profiles):
    lixian = _tonnes(lixian_profiles)
    wugong = _tonnes(load_county("wugong").demand_rows())
    assert lixian["kiwifruit"] == 0 and lixian["herbs"] > 1000
    assert wugong["kiwifruit"] > 300 and wugong["herbs"] == 0
    assert lixian["apples"] > 10 * wugong["apples"]


def test_a_lixian_year_of_apple_pickups_matches_the_seed_figure(lixian_profiles):
    """The apples the demo orders collect over 2026 (their expected kg: harvest calendar,
    weekday and festival factors) within 20 % of the seed report's 10,000 t."""
    total = _tonnes(lixian_profiles)["apples"]
    days = [dt.date(2026, 1, 1) + dt.timedelta(days=k) for k in range(365)]
    year = sum(
        total
        * harvest_share("apples", d)
        * PICKUP_WEEKDAY_FACTOR[d.weekday()]
        * min(festival_factor(d), 1.0)
        for d in days
    )
    assert abs(year - SEED_APPLES_T) <= 0.2 * SEED_APPLES_T


def test_the_produce_table_is_read_from_its_file(tmp_path):
    table = tmp_path / "produce.csv"
    table.write_text(
        "adcode_prefix,region,basis,apples_t,kiwifruit_t,noodles_t,vegetables_t,herbs_t,source\n"
        "62,x,per_400k,400,0,0,0,0,s\n"
        "6212,y,county,7,0,0,0,3,s\n",
        encoding="utf-8",
    )
    assert produce_tonnes("621226", 800_000, table)["apples"] == 7  # the longest prefix wins
    assert produce_tonnes("620102", 800_000, table)["apples"] == 800  # scaled by population


def test_a_broken_produce_row_names_the_file_row_and_field(tmp_path):
    table = tmp_path / "produce.csv"
    table.write_text(
        "adcode_prefix,region,basis,apples_t,kiwifruit_t,noodles_t,vegetables_t,herbs_t,source\n"
        "62,x,per_400k,400,0,0,0,0,s\n"
        "6212,y,per_county,lots,0,0,-5,0,s\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        produce_tonnes("621226", 800_000, table)
    text = str(err.value)
    assert "produce.csv" in text and "row 3" in text
    for field in ("'basis'", "'apples_t'", "'vegetables_t'"):
        assert field in text
