"""Demand per county, calibrated: each county's population (population.csv), crops and tonnes
(produce.csv, crops.csv) from the bundled tables, Lixian's apples against the seed report's
figure, parcels sent and returned from villages, holidays on their real dates, and the
tables' errors named by file, row and field."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from routing.datasets.admin import read_county
from routing.datasets.demand import URBAN_FACTOR, build_profiles, county_people, produce_tonnes
from routing.datasets.sites import build_sites
from routing.datasets.towns import URBAN_UR_CODES
from routing.errors import InputError
from routing.inputs.county import load_county
from routing.inputs.crops import crop_table
from routing.inputs.demo_orders import (
    RETURN_SHARE,
    delivery_factor,
    festival_factor,
    generate_orders,
    pickup_factor,
    sending_factor,
)
from routing.inputs.locations import bundled_dir, raw_division_dir

SEED_APPLES_T = 10_000.0  # Lixian's apples sold online in 2019: "about 10 million kg"
YEAR = [dt.date(2026, 1, 1) + dt.timedelta(days=k) for k in range(365)]


def _profiles(adcode: str):
    """A county's demand profile as `route data build` makes it (without its roads)."""
    sites = build_sites(read_county(adcode, raw_division_dir()), 1)
    return sites, build_profiles(sites.rows, sites.urban, adcode, 1)


@pytest.fixture(scope="module")
def lixian():
    return _profiles("621226")


@pytest.fixture(scope="module")
def wugong():
    """Wugong's points as bundled, with a demand profile built by today's model."""
    county = load_county("wugong")
    admin = read_county("610431", raw_division_dir())
    urban = frozenset(v.code for v in admin.villages if v.ur_code in URBAN_UR_CODES)
    rows = [{"id": p.id, "tier": p.tier, "town": p.town, "lat": p.lat} for p in county.points]
    return county, urban, build_profiles(rows, urban, "610431", 1)


def _tonnes(profiles) -> dict[str, float]:
    return {c: sum(r[f"{c}_t"] for r in profiles.rows) for c in profiles.crops}


def test_lixian_sells_apples_and_herbs_and_grows_no_kiwifruit(lixian, wugong):
    _, profiles = lixian
    li, wu = _tonnes(profiles), _tonnes(wugong[2])
    assert "kiwifruit" not in profiles.crops and "kiwifruit_t" not in profiles.rows[0]
    assert {"apples", "herbs"} <= set(profiles.crops)
    assert li["herbs"] > 500 and li["apples"] > 10 * wu["apples"]
    assert {"kiwifruit", "apples"} <= set(wugong[2].crops) and "herbs" not in wugong[2].crops
    assert wu["kiwifruit"] > wu["apples"] > 0


def test_a_lixian_year_of_apple_pickups_matches_the_seed_figure(lixian):
    """The apples the demo orders expect to collect over 2026 (the crop's seasons, the
    weekday and the Spring Festival) within 20 % of the seed report's 10,000 t."""
    apples = _tonnes(lixian[1])["apples"]
    crop = crop_table()["apples"]
    year = sum(apples * crop.share_on(d) * pickup_factor(d) for d in YEAR)
    assert abs(year - SEED_APPLES_T) <= 0.2 * SEED_APPLES_T


def test_population_comes_from_the_census_table(lixian, wugong):
    county, urban, profiles = wugong
    assert sum(r["population"] for r in profiles.rows) == 317_733  # 2020 census
    assert sum(r["population"] for r in lixian[1].rows) == 458_237  # 2010 census
    assert "census" in profiles.population_source
    town = {p.id: p.town for p in county.points}
    seat = next(p.town for p in county.points if p.tier == "hub")
    mean = {
        kind: sum(r["population"] for r in profiles.rows if (r["point_id"] in urban) == kind)
        / sum((r["point_id"] in urban) == kind for r in profiles.rows)
        for kind in (True, False)
    }
    assert mean[True] > 3 * mean[False]  # urban units are larger
    assert len(urban) == 22  # NBS code 121: the built-up centres of the eight towns
    for r in profiles.rows:  # the county seat's urban area is served door to door
        door_to_door = r["point_id"] in urban and town[r["point_id"]] == seat
        assert (r["parcels_year"] == 0) == door_to_door
        assert (r["sent_year"] == 0) == door_to_door


def test_a_county_without_a_census_figure_gets_its_regions_estimate():
    sites, profiles = _profiles("621221")  # Chengxian, Longnan: no county row
    people = county_people("621221")
    assert people.population is None and people.rural_per_unit == 536
    units = len(sites.urban) * URBAN_FACTOR + sum(
        r["tier"] == "village" and r["id"] not in sites.urban for r in sites.rows
    )
    assert sum(r["population"] for r in profiles.rows) == round(536 * units)
    assert profiles.population_source.startswith("estimate")


def test_outbound_and_return_parcels_are_collected_for_the_hub(wugong):
    county, _, profiles = wugong
    served = {r["point_id"] for r in profiles.rows if r["parcels_year"] > 0}
    days = [dt.date(2026, 3, 9) + dt.timedelta(days=k) for k in range(7)]  # a March week
    sent = returned = delivered = 0
    expected_sent = 0.0
    for day in days:
        orders = generate_orders(day, county.points, profiles.rows, "610431", 1)
        for o in orders:
            if o.kind == "pickup" and o.goods in ("parcels", "returns"):
                assert o.destination == county.hub.id and o.point in served
            if o.kind == "pickup" and o.goods == "parcels":
                sent += o.parcels
            elif o.kind == "pickup" and o.goods == "returns":
                returned += o.parcels
            elif o.kind == "delivery" and o.goods == "parcels":
                delivered += o.parcels
        expected_sent += sum(r["sent_year"] for r in profiles.rows) * sending_factor(day) / 365
    assert 0.8 * expected_sent < sent < 1.2 * expected_sent
    assert 0.5 * RETURN_SHARE * delivered < returned < 1.5 * RETURN_SHARE * delivered


def test_the_year_sums_to_the_profiles_figures():
    """Factors scaled so that a year's deliveries and sent parcels are the profile's."""
    assert sum(delivery_factor(d) for d in YEAR) == pytest.approx(365, rel=1e-9)
    assert sum(sending_factor(d) for d in YEAR) == pytest.approx(365, rel=1e-9)


def test_spring_festival_and_make_up_days_on_their_real_dates():
    average = sum(delivery_factor(d) for d in YEAR) / len(YEAR)
    assert delivery_factor(dt.date(2026, 2, 17)) < 0.3 * average  # Chinese New Year's Day
    assert festival_factor(dt.date(2027, 2, 6)) < 0.1  # 2027's, on its own date
    assert festival_factor(dt.date(2026, 10, 1)) < 1.0  # National Day
    # 20 September 2026 is a Sunday worked to make up for the National Day week (调休)
    assert delivery_factor(dt.date(2026, 9, 20)) > delivery_factor(dt.date(2026, 9, 13))
    assert delivery_factor(dt.date(2026, 9, 20)) == pytest.approx(
        delivery_factor(dt.date(2026, 9, 17))  # an ordinary Thursday
    )


PRODUCE_HEADER = "adcode_prefix,region,crop,tonnes,basis,source\n"


def test_the_produce_table_is_read_from_its_file(tmp_path):
    table = tmp_path / "produce.csv"
    table.write_text(
        PRODUCE_HEADER + "62,x,apples,400,per_100k,s\n"
        "62,x,herbs,10,county,s\n"
        "6212,y,apples,7,county,s\n"
        "6212,y,olives,3,per_100k,s\n",
        encoding="utf-8",
    )
    assert produce_tonnes("621226", 800_000, table) == {"apples": 7, "olives": 24}
    assert produce_tonnes("620102", 800_000, table) == {"apples": 3200, "herbs": 10}


def test_a_broken_produce_row_names_the_file_row_and_field(tmp_path):
    table = tmp_path / "produce.csv"
    table.write_text(
        PRODUCE_HEADER + "62,x,apples,400,per_100k,s\n"
        "6212,y,kiwi,lots,per_county,s\n"
        "62,x,apples,5,county,s\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        produce_tonnes("621226", 800_000, table)
    text = str(err.value)
    for where in (
        "produce.csv, row 3, field 'crop'",
        "produce.csv, row 3, field 'tonnes'",
        "produce.csv, row 3, field 'basis'",
        "produce.csv, row 4, field 'crop'",  # apples twice for 62
    ):
        assert where in text


def test_a_broken_crops_row_names_the_file_row_and_field(tmp_path):
    table = tmp_path / "crops.csv"
    good = (bundled_dir() / "crops.csv").read_text(encoding="utf-8").splitlines()
    bad = good[1].replace(":0.7;", ":0.6;")  # apples' seasons now add up to 0.9
    table.write_text("\n".join([good[0], bad, *good[2:]]) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        crop_table(table)
    assert "crops.csv, row 2, field 'seasons': the seasons' shares add up to 0.9" in str(err.value)


def test_a_population_table_without_a_figure_for_the_county_is_refused(tmp_path):
    table = tmp_path / "population.csv"
    table.write_text(
        "adcode_prefix,region,population,year,rural_per_unit,sent_per_person,source\n"
        "62,x,,2020,,1,s\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        county_people("621226", table)
    assert "population.csv, row 2, field 'population'" in str(err.value)


def test_demand_csv_takes_the_countys_crop_columns_and_refuses_unknown_ones(tmp_path):
    folder = tmp_path / "wugong"
    shutil.copytree(bundled_dir() / "wugong", folder)
    demand = folder / "demand.csv"
    lines = demand.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace("kiwifruit_t", "olives_t")  # another crop of the catalogue
    demand.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = load_county("wugong", tmp_path).demand_rows()
    assert sum(r["olives_t"] for r in rows) > 0 and rows[0]["kiwifruit_t"] is None
    demand.write_text("\n".join([lines[0].replace("olives_t", "kiwi_t"), *lines[1:]]) + "\n")
    with pytest.raises(InputError) as err:
        load_county("wugong", tmp_path).demand_rows()
    assert "demand.csv, row 1, field 'kiwi_t': unknown crop column" in str(err.value)
