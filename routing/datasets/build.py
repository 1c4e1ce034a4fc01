"""`route data build`: a county's complete dataset from the division data and a seed.

Byte-for-byte reproducible: the same raw data and seed give the same files.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import osmnx as ox
import shapely
from shapely.geometry import mapping

from ..atomic import hardlink_tree, replacing_dir, write_atomic
from ..errors import Fault, InputError
from ..geo import LocalProjection
from ..inputs.county import write_meta
from ..inputs.tables import FLEET_COLUMNS, POINT_COLUMNS, csv_text, demand_columns
from ..network.graph import circuity, road_arrays
from .admin import read_county, resolve_county
from .demand import build_profiles
from .fleet import BUDGETS, build_fleet
from .roadgen import generate_roads
from .sites import build_sites
from .terrain import build_terrain, terrain_class
from .valley_roads import generate_valley_roads

GENERATOR_VERSION = 2  # 2: field grid on plains, valley roads, town placement (issue 12)
ATTRIBUTION = (
    "Administrative divisions: National Bureau of Statistics of China (2016 statistical "
    "division codes) via Vonng/adcode (https://github.com/Vonng/adcode), CC BY 4.0. "
    "Converted from GCJ-02 to WGS-84."
)


@dataclass(frozen=True)
class BuildReport:
    dir: Path
    files: dict[str, int]  # name -> bytes
    meta: dict


def _round_coords(geom: dict, ndigits: int = 7) -> dict:
    def r(c):
        if isinstance(c, list | tuple) and c and isinstance(c[0], float | int):
            return [round(float(v), ndigits) for v in c]
        return [r(x) for x in c]

    return {**geom, "coordinates": r(geom["coordinates"])}


def _feature_collection(features: list[tuple[dict, dict]]) -> str:
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": _round_coords(geom)}
            for props, geom in features
        ],
    }
    return json.dumps(fc, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def build_county(
    query: str,
    raw_dir: Path,
    data_dir: Path,
    seed: int = 1,
    progress=lambda msg: None,
    dem: Path | None = None,
) -> BuildReport:
    """Build a county's dataset; `dem` is a GeoTIFF of its heights (else the terrain of hill
    and mountain counties is made up from the seed)."""
    adcode = resolve_county(query, raw_dir)
    admin = read_county(adcode, raw_dir)
    out = data_dir / admin.slug
    progress(f"{admin.name} ({adcode}): {len(admin.towns)} towns, {len(admin.villages)} villages")

    cls = terrain_class(adcode)
    terrain = proj = None
    if dem is not None and cls.roads != "valleys":
        raise InputError(
            Fault(
                str(dem),
                f"{admin.name} is {cls.label} country (data/terrain.csv): its generated roads "
                "do not follow heights, so a DEM is not used there",
            )
        )
    if cls.roads == "valleys":
        c = admin.boundary.centroid
        proj = LocalProjection(c.x, c.y)
        local = shapely.transform(
            admin.boundary, lambda a: np.column_stack(proj.to_xy(a[:, 0], a[:, 1]))
        )
        progress(f"terrain: {cls.label}, {'from ' + dem.name if dem else 'procedural'} ...")
        terrain = build_terrain(cls, local, proj, seed, adcode, dem)
    sites = build_sites(admin, seed, terrain)
    progress(
        f"service points: {len(sites.rows)} "
        f"({sum(r['located'] == 'generated' for r in sites.rows)} positions generated)"
    )
    hub = next(r["id"] for r in sites.rows if r["tier"] == "hub")
    fleet = build_fleet(len(admin.villages), hub)
    profiles = build_profiles(sites.rows, sites.urban, adcode, seed)

    progress("generating the road network ...")
    if terrain is not None and proj is not None:
        graph = generate_valley_roads(sites.rows, local, terrain, proj, seed, admin.name)
    else:
        graph = generate_roads(sites.rows, admin.boundary, seed, admin.name)
    arrays = road_arrays(graph, "generated")
    lon = np.array([r["lon"] for r in sites.rows])
    lat = np.array([r["lat"] for r in sites.rows])
    circ = circuity(arrays, lon, lat)
    km: Counter[str] = Counter()
    for _, _, d in graph.edges(data=True):
        km[d["highway"]] += d["length"] / 2000.0  # both directions stored
    progress(
        f"roads: {graph.number_of_nodes()} nodes, {sum(km.values()):.0f} km, "
        f"circuity {circ['ratio_of_sums']:.3f}"
    )

    meta = {
        "adcode": adcode,
        "name": admin.name,
        "slug": admin.slug,
        "seed": seed,
        "generator_version": GENERATOR_VERSION,
        "attribution": ATTRIBUTION,
        "counts": {
            "towns": len(admin.towns),
            "villages": len(admin.villages),
            "service_points": len(sites.rows),
            "vehicles": len(fleet),
            "positions_generated": sum(r["located"] == "generated" for r in sites.rows),
        },
        "population_estimate": int(sum(p["population"] for p in profiles.rows)),
        "population_source": profiles.population_source,
        **({"budget": BUDGETS[adcode]} if adcode in BUDGETS else {}),
        **(
            {"terrain": {"class": cls.name, "heights": terrain.source}}
            if terrain is not None
            else {}
        ),
        "road_network": {
            "generated": True,
            "note": "GENERATED road network on real administrative geography; not real roads. "
            "Import a real OpenStreetMap extract with 'route network import'.",
            "nodes": graph.number_of_nodes(),
            "directed_edges": graph.number_of_edges(),
            "km_by_class": {k: round(v, 1) for k, v in sorted(km.items())},
            "circuity": {k: round(v, 4) if isinstance(v, float) else v for k, v in circ.items()},
        },
    }
    files = {
        "points.csv": csv_text(sites.rows, POINT_COLUMNS),
        "fleet.csv": csv_text(fleet, FLEET_COLUMNS),
        "demand.csv": csv_text(profiles.rows, demand_columns(profiles.crops)),
        "boundary.geojson": _feature_collection(
            [({"adcode": adcode, "name": admin.name}, mapping(admin.boundary))]
        ),
        "towns.geojson": _feature_collection(
            [
                ({"town": code, "generated": True}, mapping(poly))
                for code, poly in sorted(sites.territories.items())
            ]
        ),
    }
    progress(f"writing {out}/ ...")
    with replacing_dir(out) as stage:
        for name, text in files.items():
            write_atomic(stage / name, text)
        ox.save_graphml(graph, stage / "roads.graphml")
        if (out / "orders").is_dir():  # a rebuild keeps the county's orders
            hardlink_tree(out / "orders", stage / "orders")
        meta = write_meta(stage, meta)
    sizes = {name: (out / name).stat().st_size for name in [*files, "roads.graphml", "county.json"]}
    return BuildReport(dir=out, files=sizes, meta=meta)
