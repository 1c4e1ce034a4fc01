"""The datasets shipped with the package, installed as `routing.bundled`: the default county
(wugong/) and the division data `route data build` starts from (raw/). Read-only; see
data/README.md and routing/inputs/locations.py."""
