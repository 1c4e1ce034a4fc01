"""Every county of a division-data folder built and loaded: `route data build` into a scratch
folder, then everything `route plan` does before its search (`load_day`: the folder's checks,
the day's demo orders, every point snapped to a connected road graph, the matrices), and with
`--plan-seconds S` the plan itself, validated. Prints a line per county (class, circuity,
dead ends, orders, seconds) or its error, then the counts and total time. The full Shaanxi and
Gansu data is in the shared material:

    python benchmarks/all_counties.py --raw ../shared/data/raw/vonng_adcode [--only 6212]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--raw", type=Path, required=True, help="Vonng/adcode layout")
    ap.add_argument("--only", default="", help="adcode prefix, e.g. 6212")
    ap.add_argument("--placement-only", action="store_true", help="town placement, no roads")
    ap.add_argument("--date", default="2026-11-29", help="the day whose demo orders are loaded")
    ap.add_argument("--plan-seconds", type=float, default=0.0, help="also plan, this limit")
    args = ap.parse_args()

    from routing.datasets.build import build_county
    from routing.errors import RouteError
    from routing.model.params import SolveParams
    from routing.network.graph import dead_end_share, read_road_arrays
    from routing.pipeline import load_day, solve_day

    codes = sorted(
        p.stem
        for p in (args.raw / "adcode").glob("*.csv")
        if p.stem.startswith(args.only)
        and not p.stem.endswith("00")  # a province's or prefecture's own list
        and (args.raw / "fences" / f"{p.stem}.json").is_file()
    )
    if args.placement_only:
        placement(args.raw, codes)
        return
    t0, failed = time.perf_counter(), []
    with tempfile.TemporaryDirectory() as scratch:
        for code in codes:
            t = time.perf_counter()
            try:
                report = build_county(code, args.raw, Path(scratch))
                meta = report.meta
                day = load_day(meta["slug"], args.date, Path(scratch), Path(scratch) / "cache")
                arrays = read_road_arrays(day.county.graph_path)
                planned = ""
                if args.plan_seconds:
                    plan = solve_day(day, SolveParams(time_limit=args.plan_seconds))
                    planned = f"{plan.cost_yuan:10,.2f} yuan {len(plan.unserved):4} unserved "
                print(
                    f"{code} {meta['name']:8} {meta.get('terrain', {}).get('class', 'plain'):8} "
                    f"circuity {meta['road_network']['circuity']['ratio_of_sums']:.3f} "
                    f"dead ends {dead_end_share(arrays):.1%} "
                    f"{len(day.problem.orders):5} orders {planned}"
                    f"{time.perf_counter() - t:6.1f} s",
                    flush=True,
                )
            except (RouteError, Exception) as exc:
                failed.append(code)
                first = str(exc).splitlines()[0] if str(exc) else ""
                print(f"{code} FAILED {type(exc).__name__}: {first}", flush=True)
    print(
        f"{len(codes) - len(failed)} of {len(codes)} counties built and loaded in "
        f"{time.perf_counter() - t0:.0f} s; failed: {', '.join(failed) or 'none'}"
    )


def placement(raw: Path, codes: list[str]) -> None:
    import numpy as np

    from routing.datasets.admin import read_county
    from routing.datasets.towns import layout_faults, place_towns

    failed, spent, generated = [], 0.0, 0
    for code in codes:
        admin = read_county(code, raw)
        t = time.perf_counter()
        try:
            layout = place_towns(admin)
            faults = layout_faults(layout)
        except Exception as exc:
            faults = [f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"]
        spent += time.perf_counter() - t
        if faults:
            failed.append(code)
            print(f"{code} {admin.name} FAILED {'; '.join(faults)}", flush=True)
            continue
        gen = [c for c, s in layout.centre_source.items() if s == "generated"]
        generated += len(gen)
        share = ""
        if gen:
            area = {c: poly.area for c, poly in layout.territories.items()}
            kind = {c: c in layout.urban for c in area}
            median = {
                k: float(np.median([a for c, a in area.items() if kind[c] == k]))
                for k in set(kind.values())
            }
            share = f"smallest {min(area[c] / median[kind[c]] for c in gen):.2f} of median"
        print(
            f"{code} {admin.name:8} {len(layout.centres):3} towns {len(gen):2} generated "
            f"{share:24} {time.perf_counter() - t:5.2f} s",
            flush=True,
        )
    print(
        f"{len(codes) - len(failed)} of {len(codes)} counties placed ({generated} town centres "
        f"generated) in {spent:.1f} s of placement; failed: {', '.join(failed) or 'none'}"
    )


if __name__ == "__main__":
    main()
