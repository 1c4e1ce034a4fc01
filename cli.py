"""`route`: the command line, a thin layer over the `routing` library.

Every command is a plain library call plus output; errors become one message and an exit code
(3 bad input, 4 road network, 5 plan failed validation, 1 `route check` found violations).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from functools import wraps
from pathlib import Path

import click

from routing.errors import RouteError


def _fail_cleanly(fn):
    """Library errors become 'error: ...' on stderr and their exit code: no traceback."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except RouteError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)

    return wrapper


def _say(quiet: bool):
    def say(msg: str) -> None:
        if not quiet:
            click.echo(msg, err=True)

    return say


def _date(ctx, param, value):
    if value is None:
        return None
    from routing.units import parse_date

    try:
        return parse_date(value).isoformat()
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of county datasets (default: $ROUTE_DATA_DIR or the project's data/).",
)
engine_option = click.option(
    "--engine",
    type=click.Choice(["auto", "ortools", "pyvrp"]),
    default="auto",
    show_default=True,
    help="auto: PyVRP on two cores (OR-Tools where PyVRP cannot model the day, and on any "
    "further core), from OR-Tools' first solution; best plan kept.",
)


plan_file_argument = click.argument("plan_file", type=click.Path(dir_okay=False, path_type=Path))


def out_file_option(help: str):
    return click.option(
        "--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help=help
    )


county_option = click.option(
    "--county", default="wugong", show_default=True, help="County folder name, adcode or name."
)


@click.group()
@click.version_option(package_name="rural-route")
def main():
    """Daily routes for a county logistics fleet: parcels down to villages, produce up from
    them, on one tour."""


@main.command("plan")
@click.option("--date", "date", required=True, callback=_date, help="Service date YYYY-MM-DD.")
@county_option
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Search time in seconds.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Search seed.")
@engine_option
@click.option(
    "--iterations",
    type=click.IntRange(min=1),
    default=None,
    help="Stop after this many search solutions (deterministic runs).",
)
@click.option(
    "--orders",
    "orders_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Order file (default: data/<county>/orders/<date>.csv, else generated demo orders).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder (default: plans/<county>/<date>/).",
)
@click.option("--no-maps", is_flag=True, help="Skip the drivers' map.html and sheets.pdf.")
@click.option("--quiet", is_flag=True, help="No progress or summary; errors only.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
@data_dir_option
@_fail_cleanly
def plan_cmd(
    date,
    county,
    time_limit,
    seed,
    engine,
    iterations,
    orders_file,
    out,
    no_maps,
    quiet,
    as_json,
    data_dir,
):
    """Plan the day's routes for the whole fleet and write plan.json and routes.csv.

    \b
    Example:
      route plan --date 2026-11-29
      route plan --date 2026-11-29 --county wugong --time-limit 60 --out plans/today
    """
    from routing.outputs import write_plan
    from routing.pipeline import load_day, solve_day
    from routing.report import route_rows, summary_text, unserved_by_reason

    say = _say(quiet or as_json)
    day = load_day(county, date, data_dir, None, orders_file, say)
    last = [0.0]

    def improved(elapsed: float, cost: float) -> None:
        if elapsed - last[0] >= 2.0 or last[0] == 0.0:
            last[0] = max(elapsed, 1e-9)
            say(f"search {elapsed:5.1f} s  best {cost:,.2f}")

    plan = solve_day(day, time_limit, seed, iterations, say, improved, engine)
    out_dir = out or Path("plans") / day.county.slug / date
    t = time.perf_counter()
    plan = write_plan(plan, day, out_dir, maps=not no_maps)
    say(f"plan validated and written to {out_dir}/ ({time.perf_counter() - t:.2f} s)")
    if as_json:
        click.echo(
            json.dumps(
                {
                    "plan": str(out_dir / "plan.json"),
                    "summary": plan.summary(),
                    "routes": route_rows(plan, day.problem),
                    "unserved": unserved_by_reason(plan),
                },
                ensure_ascii=False,
                indent=1,
            )
        )
    elif not quiet:
        click.echo(summary_text(plan, day.problem))


@main.command("check")
@plan_file_argument
@click.option("--json", "as_json", is_flag=True, help="Print violations as JSON.")
@_fail_cleanly
def check_cmd(plan_file, as_json):
    """Re-check a plan against its inputs: arrivals, loads, capacity, windows, shifts,
    compatibility, cost and that every order is served once or listed as unserved.

    \b
    Example:
      route check plans/wugong/2026-11-29/plan.json
    """
    from routing.pipeline import check_plan

    plan, _, violations = check_plan(plan_file)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "plan": str(plan_file),
                    "ok": not violations,
                    "violations": [vars(v) for v in violations],
                },
                ensure_ascii=False,
            )
        )
    else:
        for v in violations:
            click.echo(str(v))
        verdict = "OK" if not violations else f"{len(violations)} violation(s)"
        click.echo(
            f"{plan_file}: {verdict} ({len(plan.routes)} routes, "
            f"{plan.summary()['orders_served']} orders served, "
            f"{len(plan.unserved)} unserved, cost {plan.cost_yuan:.2f} yuan)"
        )
    sys.exit(1 if violations else 0)


@main.command("export")
@plan_file_argument
@click.option(
    "--format",
    "fmt",
    required=True,
    type=click.Choice(["json", "csv", "geojson", "gpx", "kml", "gpkg"]),
)
@click.option(
    "--crs",
    type=click.Choice(["wgs84", "gcj02"]),
    default="wgs84",
    show_default=True,
    help="gcj02 for Chinese map apps (Amap, Tencent); Baidu's BD-09 is not offered.",
)
@out_file_option("Output file (default: routes.<format> beside the plan).")
@_fail_cleanly
def export_cmd(plan_file, fmt, crs, out):
    """Write a plan's routes as a file for courier systems, GIS or navigation apps.

    \b
    Example:
      route export plans/wugong/2026-11-29/plan.json --format gpx --crs gcj02
    """
    from routing.exports.files import export_plan

    path = export_plan(plan_file, fmt, crs, out)
    click.echo(f"wrote {path}")


@main.command("map")
@plan_file_argument
@click.option("--vehicle", default=None, help="Only this vehicle's route.")
@out_file_option("Output HTML file (default: map.html beside the plan).")
@_fail_cleanly
def map_cmd(plan_file, vehicle, out):
    """Write the drivers' map: one HTML page that works offline (roads, routes, stops).

    \b
    Example:
      route map plans/wugong/2026-11-29/plan.json --vehicle VAN-01 --out van01.html
    """
    from routing.exports.files import write_map

    click.echo(f"wrote {write_map(plan_file, vehicle, out)}")


@main.command("sheets")
@plan_file_argument
@click.option("--vehicle", default=None, help="Only this vehicle's sheets.")
@out_file_option("Output PDF (default: sheets.pdf beside the plan).")
@_fail_cleanly
def sheets_cmd(plan_file, vehicle, out):
    """Print route sheets for drivers: a page or more per vehicle, with a map and tick boxes.

    \b
    Example:
      route sheets plans/wugong/2026-11-29/plan.json --out sheets.pdf
    """
    from routing.exports.files import write_route_sheets

    path, chinese = write_route_sheets(plan_file, vehicle, out)
    note = "" if chinese else " (no CJK font installed: names in pinyin)"
    click.echo(f"wrote {path}{note}")


@main.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--date", "date", required=True, callback=_date, help="Service date YYYY-MM-DD.")
@county_option
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Search time for the optimised plan it is compared with.",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@data_dir_option
@_fail_cleanly
def import_cmd(file, date, county, time_limit, seed, as_json, data_dir):
    """Check a courier company's own routes for a day (our CSV columns or a plan.json) and
    compare them with the optimised plan for the same orders. Exits 1 if a rule is broken.

    \b
    Example:
      route import zto-routes.csv --date 2026-11-29 --county wugong
    """
    from routing.compare import compare, read_courier_routes
    from routing.pipeline import load_day, solve_day

    say = _say(as_json)
    day = load_day(county, date, data_dir, None, None, say)
    courier = read_courier_routes(file, day.problem)
    say(f"optimising the same {len(day.problem.orders)} orders for comparison ...")
    report = compare(courier, day.problem, solve_day(day, time_limit, seed, None, say))
    if as_json:
        click.echo(
            json.dumps(
                {
                    "violations": [vars(v) for v in report.violations],
                    "comparison": [
                        dict(
                            zip(
                                ("measure", "courier", "optimised", "difference_pct"),
                                r,
                                strict=True,
                            )
                        )
                        for r in report.rows()
                    ],
                },
                ensure_ascii=False,
            )
        )
    else:
        for v in report.violations:
            click.echo(str(v))
        click.echo(f"{len(report.violations)} violation(s) in {file}")
        click.echo(f"{'':15} {'courier':>10} {'optimised':>10} {'diff %':>8}")
        for label, a, b, d in report.rows():
            click.echo(f"{label:15} {a:10.2f} {b:10.2f} {d if d is not None else '':>8}")
    sys.exit(1 if report.violations else 0)


@main.group()
def data():
    """County datasets: service points, fleet, demand profile and road network."""


@data.command("build")
@click.argument("county")
@click.option(
    "--seed",
    type=int,
    default=1,
    show_default=True,
    help="Seed for generated positions, roads and demand.",
)
@click.option(
    "--raw",
    "raw_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Division data in the Vonng/adcode layout (default: the vendored subset).",
)
@data_dir_option
@_fail_cleanly
def data_build(county, seed, raw_dir, data_dir):
    """Build data/<county>/ from the administrative division data (byte-for-byte
    reproducible from the seed).

    \b
    Example:
      route data build wugong
      route data build 621226 --seed 1
    """
    from routing.admin import default_raw_dir
    from routing.county import default_data_dir
    from routing.county_build import build_county

    report = build_county(
        county, raw_dir or default_raw_dir(), data_dir or default_data_dir(), seed, _say(False)
    )
    total = sum(report.files.values())
    click.echo(f"wrote {report.dir}/ ({len(report.files)} files, {total / 1e6:.1f} MB)")


@main.group()
def network():
    """Road networks."""


@network.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--county", required=True, help="County folder name, adcode or name.")
@data_dir_option
@_fail_cleanly
def network_import(file, county, data_dir):
    """Replace a county's generated roads with a real OpenStreetMap extract (.osm XML,
    .osm.pbf or osmnx GraphML), clipped to the county boundary.

    \b
    Example:
      route network import shaanxi-latest.osm.pbf --county wugong
    """
    from routing.county import default_data_dir, find_county_dir
    from routing.osm_import import import_network

    cdir = find_county_dir(data_dir or default_data_dir(), county)
    report = import_network(file, cdir, _say(False))
    click.echo(f"wrote {report['path']}: {report['nodes']} nodes, {report['km']:.0f} km of road")


@main.group()
def orders():
    """Order files: data/<county>/orders/YYYY-MM-DD.csv."""


@orders.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@county_option
@data_dir_option
@_fail_cleanly
def orders_import(file, county, data_dir):
    """Validate an order file and store it under its date(s).

    \b
    Example:
      route orders import my-orders.csv --county wugong
    """
    from routing.county import load_county
    from routing.order_store import import_orders

    c = load_county(county, data_dir)
    for day, path, n in import_orders(file, c):
        click.echo(f"{day}: {n} orders -> {path}")


@orders.command("generate")
@click.option("--date", "date", required=True, callback=_date, help="Service date YYYY-MM-DD.")
@county_option
@click.option("--seed", type=int, default=None, help="Demand seed (default: the dataset's).")
@data_dir_option
@_fail_cleanly
def orders_generate(date, county, seed, data_dir):
    """Write the demo orders for a date from the documented demand model.

    \b
    Example:
      route orders generate --date 2026-10-14 --county wugong
    """
    from routing.county import load_county
    from routing.order_store import generate_to_file

    c = load_county(county, data_dir)
    path, orders_ = generate_to_file(c, dt.date.fromisoformat(date), seed)
    kg_out = sum(o.kg for o in orders_ if o.kind == "delivery")
    kg_in = sum(o.kg for o in orders_ if o.kind == "pickup")
    click.echo(
        f"{path}: {len(orders_)} orders, {kg_out:,.0f} kg to deliver, {kg_in:,.0f} kg to collect"
    )


@main.group()
def bench():
    """Benchmark instances (Solomon, VRPLIB, Li & Lim, LKH-3 VRPSPD) through the planner."""


@bench.command("solve")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--time-limit", type=click.FloatRange(min=0.1), default=10.0, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--iterations", type=click.IntRange(min=1), default=None)
@engine_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@_fail_cleanly
def bench_solve(file, time_limit, seed, iterations, engine, as_json):
    """Solve one instance; routes list the node ids written in the file, depot excluded.

    \b
    Example:
      route bench solve ../shared/benchmarks/solomon/R101.vrp --time-limit 10 --json
    """
    from routing.bench.runner import solve_instance

    result = solve_instance(file, time_limit, seed, engine, iterations)
    if as_json:
        click.echo(json.dumps(result.to_dict()))
    else:
        click.echo(
            f"{result.instance}: cost {result.cost:.4f}, {result.vehicles} vehicles, "
            f"{'feasible' if result.feasible else 'INFEASIBLE'}, {result.seconds:.1f} s "
            f"({result.engine})"
        )
        for k, r in enumerate(result.routes, start=1):
            click.echo(f"Route #{k}: {' '.join(map(str, r))}")


@bench.command("run")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--bks",
    "bks_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV with columns instance and distance.",
)
@click.option("--time-limit", type=click.FloatRange(min=0.1), default=10.0, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@engine_option
@out_file_option("Write the per-instance results as CSV.")
@_fail_cleanly
def bench_run(directory, bks_file, time_limit, seed, engine, out):
    """Solve every instance of a folder that has a best-known solution; print each gap and
    the mean, median and max gap and the number infeasible.

    \b
    Example:
      route bench run ../shared/benchmarks/solomon \\
          --bks ../shared/benchmarks/solomon/bks.csv --time-limit 10
    """
    from routing.bench.runner import run
    from routing.tables import write_atomic

    rows, summary = run(directory, bks_file, time_limit, seed, engine, _say(False))
    click.echo(f"{'instance':10} {'cost':>10} {'BKS':>10} {'gap %':>7} {'veh':>4} {'s':>6}")
    for r in rows:
        g = f"{r['gap_pct']:7.2f}" if r["gap_pct"] is not None else "  INFEAS"
        click.echo(
            f"{r['instance']:10} {r['cost']:10.2f} {r['bks']:10.2f} {g} "
            f"{r['vehicles']:4d} {r['seconds']:6.1f}"
        )
    click.echo(
        f"{summary['instances']} instances, {summary['feasible']} feasible, "
        f"{summary['infeasible']} infeasible; gap % mean {summary['mean_gap_pct']}, "
        f"median {summary['median_gap_pct']}, max {summary['max_gap_pct']}"
    )
    if out:
        import csv
        import io

        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        write_atomic(out, buf.getvalue())


if __name__ == "__main__":
    main()
