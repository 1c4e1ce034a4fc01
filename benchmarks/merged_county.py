"""A synthetic large county made of two real neighbouring ones, for the scaling curve.

The first county's hub, facilities and fleet serve both counties' service points; the second
county's fleet joins it, based at the first hub. Boundaries are united, town lists and demand
added up, and the two generated road networks joined by a few connector roads where they come
closest (their own networks are built independently inside each boundary). The result is a
county folder that `route plan` loads like any other: about 3,000 stops on a harvest day for
Lixian with Xihe. It is a benchmark device, labelled synthetic in its county.json, not a
county that exists.

    python benchmarks/merged_county.py lixian xihe --data-dir DATA   # writes DATA/lixian-xihe
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
from pathlib import Path

import networkx as nx
import numpy as np
import osmnx as ox
from scipy.spatial import cKDTree
from shapely.geometry import mapping, shape
from shapely.ops import unary_union

from routing.geo import haversine_m
from routing.inputs.county import find_county_dir, write_meta

CONNECTORS = 12  # roads joining the two networks
CONNECTOR_SPACING_KM = 5.0  # at least this far apart along the shared border
CONNECTOR_SPEED_KPH = 40.0


def _rows(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def _write_rows(path: Path, fields: list[str], rows: list[dict]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _km(lon0: float, lat0: float, lon1: float, lat1: float) -> float:
    return float(haversine_m(lon0, lat0, lon1, lat1)) / 1000


def _join_roads(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """`b` relabelled after `a`'s nodes, both in one graph, with `CONNECTORS` two-way roads
    between the closest node pairs, spread along the border."""
    offset = max(int(n) for n in a.nodes) + 1
    b = nx.relabel_nodes(b, {n: int(n) + offset for n in b.nodes})
    g = nx.compose(a, b)
    ids_a = list(a.nodes)
    xy_a = np.array([(a.nodes[n]["x"], a.nodes[n]["y"]) for n in ids_a])
    ids_b = list(b.nodes)
    xy_b = np.array([(b.nodes[n]["x"], b.nodes[n]["y"]) for n in ids_b])
    scale = np.array([math.cos(math.radians(float(xy_a[:, 1].mean()))), 1.0])
    dist, nearest = cKDTree(xy_a * scale).query(xy_b * scale)
    chosen: list[tuple[int, int]] = []
    for j in np.argsort(dist, kind="stable"):
        u, v = ids_b[j], ids_a[nearest[j]]
        x, y = g.nodes[u]["x"], g.nodes[u]["y"]
        if all(
            _km(x, y, g.nodes[c]["x"], g.nodes[c]["y"]) >= CONNECTOR_SPACING_KM for c, _ in chosen
        ):
            chosen.append((u, v))
        if len(chosen) == CONNECTORS:
            break
    for u, v in chosen:
        metres = max(
            1.0, 1000 * _km(g.nodes[u]["x"], g.nodes[u]["y"], g.nodes[v]["x"], g.nodes[v]["y"])
        )
        seconds = metres / (CONNECTOR_SPEED_KPH / 3.6)
        for s, t in ((u, v), (v, u)):
            g.add_edge(
                s,
                t,
                highway="unclassified",
                length=round(metres, 3),
                speed_kph=CONNECTOR_SPEED_KPH,
                travel_time=round(seconds, 3),
                oneway=False,
                reversed=s == v,
            )
    g.graph["county"] = f"{a.graph.get('county', '')}+{b.graph.get('county', '')}"
    return g


def merge(first: str, second: str, data_dir: Path | None, out: Path) -> Path:
    """Write the merged county folder `out` (replacing it) and return it."""
    da, db = find_county_dir(first, data_dir), find_county_dir(second, data_dir)
    out.mkdir(parents=True, exist_ok=True)

    fields, pa = _rows(da / "points.csv")
    _, pb = _rows(db / "points.csv")
    hub = next(r["id"] for r in pa if r["tier"] == "hub")
    dropped = {r["id"] for r in pb if r["tier"] in ("hub", "facility")}
    _write_rows(out / "points.csv", fields, pa + [r for r in pb if r["id"] not in dropped])

    ffields, fa = _rows(da / "fleet.csv")
    _, fb = _rows(db / "fleet.csv")
    tag = db.name.upper()
    fb = [{**r, "id": f"{tag}-{r['id']}", "depot": hub} for r in fb]
    _write_rows(out / "fleet.csv", ffields, fa + fb)

    dfields, dem_a = _rows(da / "demand.csv")
    _, dem_b = _rows(db / "demand.csv")
    _write_rows(
        out / "demand.csv", dfields, dem_a + [r for r in dem_b if r["point_id"] not in dropped]
    )

    ba = json.loads((da / "boundary.geojson").read_text(encoding="utf-8"))
    bb = json.loads((db / "boundary.geojson").read_text(encoding="utf-8"))
    union = unary_union(
        [shape(ba["features"][0]["geometry"]), shape(bb["features"][0]["geometry"])]
    )
    feature = {**ba["features"][0], "geometry": mapping(union)}
    (out / "boundary.geojson").write_text(
        json.dumps({**ba, "features": [feature]}, ensure_ascii=False), encoding="utf-8"
    )
    ta = json.loads((da / "towns.geojson").read_text(encoding="utf-8"))
    tb = json.loads((db / "towns.geojson").read_text(encoding="utf-8"))
    (out / "towns.geojson").write_text(
        json.dumps({**ta, "features": ta["features"] + tb["features"]}, ensure_ascii=False),
        encoding="utf-8",
    )

    roads = _join_roads(
        ox.load_graphml(da / "roads.graphml"), ox.load_graphml(db / "roads.graphml")
    )
    ox.save_graphml(roads, out / "roads.graphml")

    meta = json.loads((da / "county.json").read_text(encoding="utf-8"))
    other = json.loads((db / "county.json").read_text(encoding="utf-8"))
    meta.pop("counts", None)
    meta.update(
        name=f"{meta.get('name', da.name)}+{other.get('name', db.name)}",
        road_network={
            "generated": True,
            "nodes": roads.number_of_nodes(),
            "directed_edges": roads.number_of_edges(),
            "note": "GENERATED road networks of both counties, joined by connector roads",
        },
        synthetic=(
            f"SYNTHETIC: {da.name} and {db.name} merged for benchmarks/scale.py; "
            f"{da.name}'s hub and facilities serve both, roads joined by {CONNECTORS} connectors"
        ),
    )
    write_meta(out, meta)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("first")
    ap.add_argument("second")
    ap.add_argument("--data-dir", type=Path, default=None)
    args = ap.parse_args()
    first = find_county_dir(args.first, args.data_dir)
    out = first.parent / f"{first.name}-{find_county_dir(args.second, args.data_dir).name}"
    print(merge(args.first, args.second, args.data_dir, out))


if __name__ == "__main__":
    main()
