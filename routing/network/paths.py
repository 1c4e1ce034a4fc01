"""The road geometry of routes: the fastest path of each leg on the vehicle's own profile, the
same paths the travel-time matrices were computed on."""

from __future__ import annotations

import itertools

import numpy as np
from scipy.sparse.csgraph import dijkstra

from ..model.records import Profile
from .graph import RoadArrays
from .matrices import profile_graph


def leg_paths(arrays: RoadArrays, profile: Profile, stops: list[int]) -> list[list[int]]:
    """Node positions of the fastest path between each pair of consecutive `stops` (road node
    positions). A leg between one node and itself is that node alone."""
    graph, _ = profile_graph(arrays, profile)
    sources = np.unique(stops[:-1])
    _, pred = dijkstra(graph, indices=sources, return_predecessors=True)
    row = {int(s): k for k, s in enumerate(sources)}
    legs = []
    for a, b in itertools.pairwise(stops):
        path = [b]
        while path[-1] != a:
            nxt = int(pred[row[a], path[-1]])
            if nxt < 0:
                raise ValueError(f"no road from node {a} to node {b} for profile {profile.key}")
            path.append(nxt)
        legs.append(path[::-1])
    return legs


def route_line(arrays: RoadArrays, profile: Profile, stops: list[int]) -> list[tuple[float, float]]:
    """(lon, lat) along the roads through every stop, consecutive duplicates removed."""
    coords: list[tuple[float, float]] = []
    for leg in leg_paths(arrays, profile, stops):
        for n in leg:
            c = (float(arrays.lon[n]), float(arrays.lat[n]))
            if not coords or coords[-1] != c:
                coords.append(c)
    return coords
