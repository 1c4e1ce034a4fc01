"""Where datasets live: the user's data home, and the datasets shipped inside the package.

- The **data home** holds the counties a user builds or changes, and their orders:
  `--data-dir`, else `$ROUTE_DATA_DIR`, else `$XDG_DATA_HOME/rural-route` (by default
  `~/.local/share/rural-route`).
- The **bundled** datasets ship with the package (`routing.bundled`, the repository's `data/`):
  the default county (Wugong) and the division data `route data build` starts from. They are
  read-only: a command that changes a bundled county (`route orders import`, `route network
  import`) first copies it into the data home, which is searched first from then on.
"""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path

DEFAULT_COUNTY = "wugong"


def bundled_dir() -> Path:
    """The package's own datasets (read-only)."""
    return Path(str(importlib.resources.files("routing.bundled")))


def raw_division_dir() -> Path:
    """The shipped division data: Wugong, its neighbours and the nine Longnan counties."""
    return bundled_dir() / "raw" / "vonng_adcode"


def data_home(explicit: Path | None = None) -> Path:
    """Where counties are built and changed, and orders are stored."""
    if explicit is not None:
        return Path(explicit)
    env = os.environ.get("ROUTE_DATA_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "rural-route"


def search_path(explicit: Path | None = None) -> list[Path]:
    """Folders searched for a county, in order: the data home, then the bundled datasets."""
    home = data_home(explicit)
    bundled = bundled_dir()
    return [home] if home.resolve() == bundled.resolve() else [home, bundled]
