"""The road geometry of routes: the fastest path of each leg on the vehicle's own profile, the
same paths the travel-time matrices were computed on."""

from __future__ import annotations

import itertools

import numpy as np
from scipy.sparse.csgraph import dijkstra

from ..model.records import Profile
from .graph import RoadArrays
from .matrices import profile_graph

FIRST_RADIUS_S = 900.0  # the first search radius around a leg's start; doubled until it ends


class RoadPaths:
    """Fastest paths on one road network, for any profile: each profile's graph is built once,
    and each leg's search stops at the radius that reaches its end (legs between neighbouring
    villages explore a few hundred road nodes, not the county's tens of thousands)."""

    def __init__(self, arrays: RoadArrays):
        self.arrays = arrays
        self._graphs: dict[Profile, object] = {}

    def _graph(self, profile: Profile):
        if profile not in self._graphs:
            self._graphs[profile] = profile_graph(self.arrays, profile)[0]
        return self._graphs[profile]

    def legs(self, profile: Profile, stops: list[int]) -> list[list[int]]:
        """Node positions of the fastest path between each pair of consecutive `stops` (road
        node positions). A leg between one node and itself is that node alone."""
        graph = self._graph(profile)
        ends: dict[int, set[int]] = {}
        for a, b in itertools.pairwise(stops):
            ends.setdefault(int(a), set()).add(int(b))
        pred: dict[int, np.ndarray] = {}
        for a, targets in ends.items():
            radius = FIRST_RADIUS_S
            while True:
                dist, p = dijkstra(graph, indices=a, return_predecessors=True, limit=radius)
                if all(np.isfinite(dist[b]) for b in targets) or np.isinf(radius):
                    break
                radius = radius * 4 if radius < 86_400 else np.inf
            pred[a] = p
        out = []
        for a, b in itertools.pairwise(stops):
            path = [int(b)]
            while path[-1] != a:
                nxt = int(pred[int(a)][path[-1]])
                if nxt < 0:
                    raise ValueError(f"no road from node {a} to node {b} for profile {profile.key}")
                path.append(nxt)
            out.append(path[::-1])
        return out

    def line(self, profile: Profile, stops: list[int]) -> list[tuple[float, float]]:
        """(lon, lat) along the roads through every stop, consecutive duplicates removed."""
        lon, lat = self.arrays.lon, self.arrays.lat
        coords: list[tuple[float, float]] = []
        for leg in self.legs(profile, stops):
            for n in leg:
                c = (float(lon[n]), float(lat[n]))
                if not coords or coords[-1] != c:
                    coords.append(c)
        return coords
