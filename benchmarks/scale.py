"""The scaling curve: wall time per stage, peak memory, and plan quality against a long
reference run, for days from Wugong's size to a synthetic 3,000-stop day.

Each run is a real `route plan` process (so peak memory is that process's own, from
`wait4`); each size is planned at every `--limits` value and once at `--reference` seconds.
The first run of each size starts from an empty cache, so its graph and matrices stages are
the cold figures (and its peak memory includes building them). Sizes: `wugong` (2026-11-29,
about 1,000 orders), `lixian` (an ordinary day, 2026-11-29), `lixian-harvest` (2026-10-14),
and `lixian-xihe` (the harvest day of Lixian and its neighbour Xihe merged into one synthetic
county, `benchmarks/merged_county.py`: about 3,000 stops); `lixian-x2` (the harvest day's
orders twice over, new ids: same stops, twice the load) on request. Lixian and Xihe must be
built first (`route data build lixian`, `route data build xihe`); the merged county is written
into the data home on first use.

    python benchmarks/scale.py --limits 30,60,120 --reference 1200
    python benchmarks/scale.py --sizes lixian-harvest --limits 60 --reference 0
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

SIZES = {
    "wugong": ("wugong", "2026-11-29", 1),
    "lixian": ("lixian", "2026-11-29", 1),
    "lixian-harvest": ("lixian", "2026-10-14", 1),
    "lixian-xihe": ("lixian-xihe", "2026-10-14", 1),
    "lixian-x2": ("lixian", "2026-10-14", 2),
}
DEFAULT_SIZES = "wugong,lixian,lixian-harvest,lixian-xihe"
ROUTE = [shutil.which("route") or "route"]


def multiplied_orders(county: str, date: str, times: int, data_dir: Path | None, out: Path) -> Path:
    """The day's demo orders `times` over, each copy with its own ids, as an orders file."""
    from routing.inputs.county import load_county
    from routing.inputs.demo_orders import generate_orders
    from routing.inputs.orders import order_rows
    from routing.inputs.tables import ORDER_COLUMNS, csv_text
    from routing.units import parse_date

    c = load_county(county, data_dir)
    day = parse_date(date)
    orders = generate_orders(
        day, c.points, c.demand_rows(), c.meta["adcode"], int(c.meta.get("seed", 1))
    )
    rows = [
        {**row, "order_id": f"{row['order_id']}-{k}"}
        for k in range(times)
        for row in order_rows(tuple(orders))
    ]
    out.write_text(csv_text(rows, ORDER_COLUMNS), encoding="utf-8")
    return out


def _merged(data_dir: Path | None) -> None:
    """The merged Lixian and Xihe county in the data home, written if missing."""
    from merged_county import merge

    from routing.inputs.county import find_county_dir
    from routing.inputs.locations import data_home

    out = data_home(data_dir) / "lixian-xihe"
    if not (out / "county.json").is_file():
        merge("lixian", "xihe", data_dir, out)
    find_county_dir("lixian-xihe", data_dir)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=DEFAULT_SIZES, help=f"of {', '.join(SIZES)}")
    ap.add_argument("--limits", default="30,60,120")
    ap.add_argument("--reference", type=float, default=1200.0, help="0: no reference run")
    ap.add_argument("--data-dir", type=Path, default=None)
    a = ap.parse_args()
    env = dict(os.environ)
    if a.data_dir:
        env["ROUTE_DATA_DIR"] = str(a.data_dir)
    limits = [float(x) for x in a.limits.split(",")]
    if a.reference:
        limits.append(a.reference)
    print("size | limit s | wall s | peak MB | cost yuan | unserved | vs reference | stages")
    with tempfile.TemporaryDirectory() as tmp:
        for name in a.sizes.split(","):
            county, date, times = SIZES[name]
            if county == "lixian-xihe":
                _merged(a.data_dir)
            extra = []
            if times > 1:
                path = multiplied_orders(county, date, times, a.data_dir, Path(tmp) / f"{name}.csv")
                extra = ["--orders", str(path)]
            runs = []
            # the first run of each size builds the road graph arrays and the matrices anew,
            # in an empty cache: its graph and matrices stages are the cold figures
            cold = dict(env, ROUTE_CACHE_DIR=tempfile.mkdtemp(dir=tmp))
            for k, limit in enumerate(limits):
                out = Path(tmp) / f"{name}-{limit:g}"
                args = ["plan", "--county", county, "--date", date, "--time-limit", f"{limit:g}"]
                runs.append(
                    (limit, _peak_run([*args, *extra, "--out", str(out)], cold if k == 0 else env))
                )
            reference = runs[-1][1]["summary"]["cost_yuan"] if a.reference else None
            for limit, r in runs:
                s = r["summary"]
                vs = (
                    f"{100 * (s['cost_yuan'] - reference) / reference:+.2f} %" if reference else "-"
                )
                print(
                    f"{name} | {limit:g} | {r['wall_s']:.1f} | {r['peak_mb']:.0f} | "
                    f"{s['cost_yuan']:,.2f} | {s['orders_unserved']} | {vs} | {r['stages']}",
                    flush=True,
                )


def _peak_run(args: list[str], env: dict) -> dict:
    """One `route plan` process: its JSON summary, its stages line, wall time, and the peak
    resident memory of the process and its search workers in MB (Linux's `wait4` counts the
    reaped workers)."""
    t = time.perf_counter()
    with tempfile.TemporaryFile() as err_file:
        proc = subprocess.Popen(
            [*ROUTE, *args, "--json"], stdout=subprocess.PIPE, stderr=err_file, env=env
        )
        out = proc.stdout.read() if proc.stdout else b""
        _, status, usage = os.wait4(proc.pid, 0)
        err_file.seek(0)
        err = err_file.read().decode()
    wall = time.perf_counter() - t
    if status != 0:
        raise SystemExit(f"route plan failed: {err[-2000:]}")
    doc = json.loads(out)
    plan = json.loads(Path(doc["plan"]).read_text(encoding="utf-8"))
    timings = plan["stats"]["timings"]
    rest = wall - sum(timings.values())  # Python start-up, imports and writing the outputs
    stages = ", ".join(f"{k[:-2]} {v:.1f}" for k, v in timings.items())
    return {
        "wall_s": wall,
        "peak_mb": usage.ru_maxrss / 1024,
        "stages": f"{stages}, start-up and writing {rest:.1f}",
        "summary": doc["summary"],
    }


if __name__ == "__main__":
    main()
