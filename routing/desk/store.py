"""Where the desk reads and writes: the data home (counties, their orders) and the plans folder
(`<plans>/<county>/<date>/plan.json` and its files, as `route plan` writes them).

Every name that comes from a request is checked before it becomes a path: a county must be a
known slug, a date a real YYYY-MM-DD, and every path is resolved (symlinks followed) and
refused unless it lies inside its root. Beside a plan the desk keeps `locks.json` (the stops
and routes a planner locked) and `history/` (the versions an edit replaced, for undo).
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..atomic import write_atomic
from ..errors import Fault, InputError
from ..inputs.locations import search_path
from ..units import parse_date

SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
HISTORY_KEPT = 50  # versions kept for undo per plan
COMPARISON_FILES = ("compare.csv", "compare.png")
COMPARISON_ROWS = 500  # rows of a comparison's table sent to the page


class Forbidden(InputError):
    """A request named a path outside the folders the desk may touch (answered 403)."""


def inside(root: Path, *parts: str) -> Path:
    """`root/parts...`, resolved with symlinks followed, refused unless it stays in `root`."""
    base = Path(root).resolve()
    for part in parts:
        if not part or "\x00" in part or Path(part).is_absolute():
            raise Forbidden(Fault(str(part)[:80], "is not a name inside the desk's folders"))
    path = base.joinpath(*parts).resolve()
    if path != base and not path.is_relative_to(base):
        raise Forbidden(Fault("/".join(parts)[:80], "points outside the desk's folders"))
    return path


def check_date(text: str) -> str:
    """A date YYYY-MM-DD that exists, as text; anything else is an input error."""
    try:
        return parse_date(text).isoformat()
    except ValueError as exc:
        raise InputError(Fault("date", str(exc)[:120])) from None


def counties(data_dir: Path | None) -> list[dict]:
    """The counties a planner may choose: those in the data home, then the bundled ones (a
    folder of the data home hides the bundled one of the same name), by slug."""
    seen: dict[str, dict] = {}
    for root in search_path(data_dir):
        if not root.is_dir():
            continue
        for meta_file in sorted(root.glob("*/county.json")):
            slug = meta_file.parent.name
            if slug in seen or not SLUG.fullmatch(slug):
                continue
            try:
                meta = json.loads(meta_file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                meta = {}
            name = meta.get("name", "") if isinstance(meta, dict) else ""
            seen[slug] = {"slug": slug, "name": str(name)}
    return sorted(seen.values(), key=lambda c: c["slug"])


def check_county(slug: str, data_dir: Path | None) -> str:
    """A known county slug, else an input error listing the known ones."""
    known = [c["slug"] for c in counties(data_dir)]
    if not SLUG.fullmatch(slug or "") or slug not in known:
        raise InputError(
            Fault("county", f"unknown county {str(slug)[:40]!r}; known: {', '.join(known)}")
        )
    return slug


@dataclass(frozen=True)
class Store:
    """The desk's folders: the plans, the data home, and route compare's outputs."""

    plans_dir: Path
    data_dir: Path | None = None
    compare_dir: Path = Path("compare")  # route compare's default --out

    def plan_dir(self, county: str, date: str) -> Path:
        """The folder of a county's plan for a date (county and date checked)."""
        county = check_county(county, self.data_dir)
        return inside(self.plans_dir, county, check_date(date))

    def plan_path(self, county: str, date: str) -> Path:
        return self.plan_dir(county, date) / "plan.json"

    def existing_plan(self, county: str, date: str) -> Path:
        path = self.plan_path(county, date)
        if not path.is_file():
            raise InputError(
                Fault(f"{county}/{date}", "has no plan yet: plan the day first", field="plan")
            )
        return path

    def dates(self, county: str) -> list[str]:
        """Dates with a plan of the county, newest first."""
        folder = inside(self.plans_dir, check_county(county, self.data_dir))
        if not folder.is_dir():
            return []
        out = []
        for d in folder.iterdir():
            try:
                ok = check_date(d.name) == d.name and (d / "plan.json").is_file()
            except InputError:
                ok = False
            if ok:
                out.append(d.name)
        return sorted(out, reverse=True)

    def roots(self) -> dict[str, Path]:
        """The folders whose comparison files the desk serves, by the name a URL gives them."""
        return {"plans": Path(self.plans_dir), "compare": Path(self.compare_dir)}

    def shared_file(self, relative: str) -> Path:
        """A file named by a request as `<root>/<path>` (`roots`): a comparison's table or
        chart, nothing else."""
        root, _, rest = relative.partition("/")
        if root not in self.roots():
            raise Forbidden(Fault(relative[:80], "is not in the plans or comparisons folder"))
        path = inside(self.roots()[root], *[p for p in rest.split("/") if p not in ("", ".")])
        if path.name not in COMPARISON_FILES:
            raise Forbidden(Fault(relative[:80], "only comparison tables and charts are served"))
        if not path.is_file():
            raise InputError(Fault(relative[:80], "no such file"))
        return path

    def comparisons(self) -> list[str]:
        """`route compare` outputs (compare.csv, compare.png) in the comparisons folder
        (route compare's default --out) and the plans folder, as `<root>/<path>`."""
        found = []
        for label, folder in self.roots().items():
            root = folder.resolve()
            if not root.is_dir():
                continue
            for name in COMPARISON_FILES:
                for p in root.rglob(name):
                    if p.is_file() and p.resolve().is_relative_to(root):
                        found.append(f"{label}/{p.relative_to(root).as_posix()}")
        return sorted(found)

    def comparison(self, relative: str) -> dict:
        """A comparison's table (compare.csv) for the page, with its chart if beside it."""
        path = self.shared_file(relative)
        if path.name != "compare.csv":
            raise InputError(Fault(relative[:80], "a comparison is opened by its compare.csv"))
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(itertools.islice(csv.reader(fh), COMPARISON_ROWS + 1))
        chart = path.with_name("compare.png")
        return {
            "file": relative,
            "header": rows[0] if rows else [],
            "rows": rows[1:],
            "chart": relative.rsplit("/", 1)[0] + "/compare.png" if chart.is_file() else None,
        }


# --- locks and history beside a plan ---------------------------------------------------------
def read_locks(folder: Path) -> dict:
    """{"routes": [vehicle...], "stops": [{"vehicle", "point", "orders"}...]}"""
    try:
        data = json.loads((folder / "locks.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    routes = [str(v) for v in data.get("routes", []) if isinstance(v, str)]
    stops = [
        {"vehicle": str(s["vehicle"]), "point": str(s["point"]), "orders": list(s["orders"])}
        for s in data.get("stops", [])
        if isinstance(s, dict) and {"vehicle", "point", "orders"} <= set(s)
    ]
    return {"routes": sorted(set(routes)), "stops": stops}


def write_locks(folder: Path, locks: dict) -> None:
    write_atomic(folder / "locks.json", json.dumps(locks, ensure_ascii=False, indent=1) + "\n")


def history(folder: Path) -> list[Path]:
    """Earlier versions of the plan (a folder of its files each), oldest first."""
    h = folder / "history"
    if not h.is_dir():
        return []
    return sorted(p for p in h.iterdir() if p.name.isdigit() and (p / "plan.json").is_file())


def push_history(folder: Path) -> None:
    """Keep the current plan's files (plan.json and what it names beside it: orders.csv,
    source-plan.json; its routes.csv, map and sheets) as the newest earlier version."""
    from ..exports.plan_outputs import PLAN_FILES

    if not (folder / "plan.json").is_file():
        return
    kept = history(folder)
    number = int(kept[-1].name) + 1 if kept else 1
    (folder / "history").mkdir(exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".version-", dir=folder / "history"))
    for name in PLAN_FILES:  # a version appears whole, under its number, or not at all
        if (folder / name).is_file():
            shutil.copyfile(folder / name, stage / name)
    os.replace(stage, folder / "history" / f"{number:06d}")
    for old in kept[: max(0, len(kept) + 1 - HISTORY_KEPT)]:
        shutil.rmtree(old, ignore_errors=True)


def pop_history(folder: Path) -> dict[str, bytes] | None:
    """The newest earlier version's files, taken out of the history; None when there is none."""
    kept = history(folder)
    if not kept:
        return None
    files = {p.name: p.read_bytes() for p in kept[-1].iterdir() if p.is_file()}
    shutil.rmtree(kept[-1])
    return files
