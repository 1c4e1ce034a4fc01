"""`route`: the command line, a thin layer over the `routing` library.

Every command is a plain library call plus output; errors become one message and an exit code
(3 bad input, 4 road network, 5 plan failed validation, 1 `route check` found violations, and 1
for anything unexpected, with `route --debug` to show where). The library is imported inside
each command, so `route --help` starts at once.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from functools import wraps
from pathlib import Path

import click

from routing.errors import RouteError


def _fail_cleanly(fn):
    """Library errors become 'error: ...' on stderr and their exit code; anything unexpected
    becomes one line and exit code 1 (the stack with `route --debug`). Never a traceback."""

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
        except BrokenPipeError:  # `route ... | head`: the reader has gone; nothing to say
            sys.stderr.close()
            sys.exit(0)
        except (click.ClickException, click.exceptions.Exit):
            raise
        except Exception as exc:
            if os.environ.get("ROUTE_DEBUG"):
                traceback.print_exc()
            else:
                frames = traceback.extract_tb(exc.__traceback__)
                where = (
                    f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
                )
                click.echo(
                    f"error: unexpected {type(exc).__name__}{where}: {str(exc)[:300]} "
                    "(run 'route --debug ...' to see the details, and please report it)",
                    err=True,
                )
            sys.exit(1)

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


def _params(time_limit, seed, iterations, engine, say, improved=None):
    from routing.model.params import SolveParams

    return SolveParams(
        time_limit=time_limit,
        seed=seed,
        iterations=iterations,
        engine=engine,
        progress=say,
        on_improve=improved,
    )


data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Data home: where counties are built and orders stored (default: $ROUTE_DATA_DIR, "
    "else ~/.local/share/rural-route); the bundled Wugong is found either way.",
)
engine_option = click.option(
    "--engine",
    type=click.Choice(["auto", "ortools", "pyvrp"]),
    default="auto",
    show_default=True,
    help="auto: PyVRP on two cores (OR-Tools where PyVRP cannot model the day, and on any "
    "further core), from a greedy construction; best plan kept.",
)
time_limit_option = click.option(
    "--time-limit",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Wall time in seconds for the whole solve stage: visits, first routes, search and "
    "repair (loading, matrices and writing are timed apart).",
)
seed_option = click.option("--seed", type=int, default=0, show_default=True, help="Search seed.")
iterations_option = click.option(
    "--iterations",
    type=click.IntRange(min=1),
    default=None,
    help="Stop each search after this many solutions (deterministic runs).",
)
plan_file_argument = click.argument("plan_file", type=click.Path(dir_okay=False, path_type=Path))
county_option = click.option(
    "--county", default="wugong", show_default=True, help="County folder name, adcode or name."
)


workers_option = click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Local processes (default: one per core).",
)
scheduler_option = click.option(
    "--scheduler",
    default=None,
    help="Address of an existing Dask scheduler (tcp://host:8786) to run on instead "
    "(docs/cluster.md).",
)
raw_option = click.option(
    "--raw",
    "raw_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Division data in the Vonng/adcode layout (default: the bundled subset).",
)


def out_file_option(help: str):
    return click.option(
        "--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help=help
    )


@click.group()
@click.version_option(package_name="rural-route")
@click.option("--debug", is_flag=True, help="Show the Python stack of an unexpected error.")
def main(debug):
    """Daily routes for a county logistics fleet: parcels down to villages, produce up from
    them, on one tour."""
    if debug:
        os.environ["ROUTE_DEBUG"] = "1"


@main.command("plan")
@click.option("--date", "date", required=True, callback=_date, help="Service date YYYY-MM-DD.")
@county_option
@time_limit_option
@seed_option
@engine_option
@iterations_option
@click.option(
    "--orders",
    "orders_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Order file (default: the county's orders/<date>.csv, else generated demo orders).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder; its plan files are replaced together, other files kept "
    "(default: plans/<county>/<date>/).",
)
@click.option("--no-maps", is_flag=True, help="Skip the drivers' map.html and sheets.pdf.")
@click.option(
    "--no-calendar",
    is_flag=True,
    help="Visit every village with orders today, ignoring the county's visit calendar.",
)
@click.option(
    "--region",
    default=None,
    help="Plan every county of a prefecture or province instead (longnan, shaanxi, gansu or "
    "an adcode), side by side, into one folder per county plus a region summary. Counties are "
    "built on first use; a rerun re-plans only counties whose inputs changed.",
)
@raw_option
@workers_option
@scheduler_option
@click.option("--force", is_flag=True, help="With --region: re-plan unchanged counties too.")
@click.option("--quiet", is_flag=True, help="No progress or summary; errors only.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
@data_dir_option
@click.pass_context
@_fail_cleanly
def plan_cmd(
    ctx,
    date,
    county,
    time_limit,
    seed,
    engine,
    iterations,
    orders_file,
    out,
    no_maps,
    no_calendar,
    region,
    raw_dir,
    workers,
    scheduler,
    force,
    quiet,
    as_json,
    data_dir,
):
    """Plan the day's routes for the whole fleet and write plan.json, routes.csv and the
    drivers' map.html and sheets.pdf. With --region, plan every county of a region (exit code
    7 when some counties failed: the summary names each with its error).

    \b
    Example:
      route plan --date 2026-11-29
      route plan --date 2026-11-29 --county wugong --time-limit 60 --out plans/today
      route plan --date 2026-11-29 --region longnan
      route plan --date 2026-11-29 --region shaanxi --raw ../shared/data/raw/vonng_adcode \\
          --time-limit 10 --scheduler tcp://10.0.0.5:8786
    """
    from click.core import ParameterSource

    if region is None:
        for name in ("raw_dir", "workers", "scheduler", "force"):
            if ctx.get_parameter_source(name) != ParameterSource.DEFAULT:
                raise click.UsageError(f"--{name.split('_')[0]} goes with --region")
    else:
        for name in ("county", "orders_file"):
            if ctx.get_parameter_source(name) != ParameterSource.DEFAULT:
                raise click.UsageError(
                    f"--{name.split('_')[0]} and --region: a region plans its counties' own "
                    "orders; give one or the other"
                )
        return _plan_region(
            region, date, time_limit, seed, engine, iterations, out, no_maps, no_calendar,
            raw_dir, workers, scheduler, force, quiet, as_json, data_dir,
        )  # fmt: skip
    from routing.exports.plan_outputs import check_out_dir, write_plan
    from routing.pipeline import load_day, solve_day
    from routing.plans.report import route_rows, summary_text, unserved_by_reason, unserved_rows

    say = _say(quiet or as_json)
    if out is not None:
        check_out_dir(out)  # before any work: an --out that is a file
    t = time.perf_counter()
    say(f"loading {county} for {date} ...")
    day = load_day(county, date, data_dir, None, orders_file, say, calendar=not no_calendar)
    say(f"loaded in {time.perf_counter() - t:.1f} s; searching for up to {time_limit:g} s ...")
    last = [0.0]

    def improved(elapsed: float, cost: float, unserved: int) -> None:
        if elapsed - last[0] >= 2.0 or last[0] == 0.0:
            last[0] = max(elapsed, 1e-9)
            say(f"search {elapsed:5.1f} s  best {cost:,.2f} yuan, {unserved} orders unserved")

    plan = solve_day(day, _params(time_limit, seed, iterations, engine, say, improved))
    warnings = []
    if (needed := plan.stats.get("limit_too_short")) is not None:
        took = plan.stats["timings"]["solve_s"]
        warnings.append(
            f"--time-limit {time_limit:g} is too short for {day.county.slug} on {date}: the "
            f"solve stage took {took:.1f} s, most of it before and after the search; the plan "
            f"is valid, but to search it needs --time-limit {needed} or more"
        )
    for why in plan.stats.get("overfull", ()):
        warnings.append(f"over-full day: {why}; those that fit nowhere are unserved, 'fleet full'")
    for w in warnings:
        if not quiet:
            click.echo(f"warning: {w}", err=True)
    out_dir = out or Path("plans") / day.county.slug / date
    t = time.perf_counter()
    say(f"writing {out_dir}/ ...")
    plan = write_plan(plan, day, out_dir, maps=not no_maps, progress=say)
    stages = {**plan.stats["timings"], "write_s": time.perf_counter() - t}
    say(f"plan validated and written to {out_dir}/")
    say("stages: " + ", ".join(f"{k[:-2]} {v:.1f} s" for k, v in stages.items()))
    if as_json:
        click.echo(
            json.dumps(
                {
                    "plan": str(out_dir / "plan.json"),
                    "summary": plan.summary(),
                    "routes": route_rows(plan, day.problem),
                    "unserved": unserved_by_reason(plan),
                    "unserved_orders": unserved_rows(plan, day.problem),
                    "warnings": warnings,
                },
                ensure_ascii=False,
                indent=1,
            )
        )
    elif not quiet:
        click.echo(summary_text(plan, day.problem))


def _plan_region(
    region, date, time_limit, seed, engine, iterations, out, no_maps, no_calendar,
    raw_dir, workers, scheduler, force, quiet, as_json, data_dir,
):  # fmt: skip
    """`route plan --region`: the counties side by side, then the region summary."""
    from routing.exports.plan_outputs import check_out_dir
    from routing.regions.county_run import CountyTask
    from routing.regions.region import resolve_region
    from routing.regions.run import RegionIncomplete, run_region
    from routing.regions.summary import region_doc, summary_text

    r = resolve_region(region, data_dir)
    out_dir = out or Path("plans") / r.slug / date
    check_out_dir(out_dir)
    task = CountyTask(
        county=r.counties[0],
        date=date,
        raw_dir=raw_dir.resolve() if raw_dir else None,
        data_dir=data_dir.resolve() if data_dir else None,
        cache_dir=None,
        time_limit=time_limit,
        seed=seed,
        iterations=iterations,
        engine=engine,
        maps=not no_maps,
        calendar=not no_calendar,
    )
    run = run_region(r, task, out_dir, workers, scheduler, force, _say(quiet or as_json))
    if as_json:
        click.echo(json.dumps(region_doc(run), ensure_ascii=False, indent=1))
    elif not quiet:
        click.echo(summary_text(run))
        click.echo(f"written to {out_dir}/ (summary.txt, summary.csv, region.json, overview.png)")
    if run.failed:
        raise RegionIncomplete(run)


@main.command("check")
@plan_file_argument
@click.option("--json", "as_json", is_flag=True, help="Print every violation as JSON.")
@click.option("--quiet", is_flag=True, help="No progress lines.")
@_fail_cleanly
def check_cmd(plan_file, as_json, quiet):
    """Re-check a plan against its inputs: recompute arrivals, loads, capacity, windows,
    shifts, drivers' rests, cold chain, cost, the summary, every unserved reason and the visit
    calendar's deferrals; every order must be served once, listed as unserved, or deferred.
    Exits 1 if a rule is broken.

    \b
    Example:
      route check plans/wugong/2026-11-29/plan.json
    """
    from routing.pipeline import check_plan

    report = check_plan(plan_file, progress=_say(quiet or as_json))
    plan, violations, real = report.plan, report.violations, report.recomputed
    if as_json:
        click.echo(
            json.dumps(
                {
                    "plan": str(plan_file),
                    "ok": not violations,
                    "violations": [vars(v) for v in violations],
                    "recomputed": real,
                    "stated": plan.stated_summary,
                },
                ensure_ascii=False,
            )
        )
    else:
        for v in violations:
            click.echo(str(v))
        verdict = "OK" if not violations else f"{len(violations)} violation(s)"
        stated = plan.stated_summary or {}
        claim = stated.get("cost_yuan")
        differs = claim is not None and abs(float(claim) - real["cost_yuan"]) > 0.01
        click.echo(
            f"{plan_file}: {verdict} ({real['vehicles_used']} routes, "
            f"{real['orders_served']} orders served, {real['orders_unserved']} unserved; "
            f"the routes cost {real['cost_yuan']:.2f} yuan"
            + (f", the file states {float(claim):.2f}" if differs else "")
            + ")"
        )
    sys.exit(1 if violations else 0)


def _split(values: tuple[str, ...]) -> list[str]:
    """Repeatable options that also take comma-separated lists."""
    return [x.strip() for v in values for x in v.split(",") if x.strip()]


def _clock(ctx, param, value):
    from routing.units import parse_hhmm

    try:
        return parse_hhmm(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@main.command("replan")
@plan_file_argument
@click.option("--at", required=True, callback=_clock, help="Re-plan time, HH:MM of the plan's day.")
@click.option(
    "--orders",
    "orders_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="New orders to place (CSV or .xlsx, the order file's columns).",
)
@click.option("--cancel", multiple=True, help="Order ids to cancel (comma-separated, repeatable).")
@click.option(
    "--lock",
    multiple=True,
    help="Keep as planned: VEHICLE (its route) or VEHICLE:N (its N-th stop, as numbered in "
    "routes.csv); comma-separated, repeatable.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for the re-plan (its plan files, orders.csv and source-plan.json).",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0.1),
    default=5.0,
    show_default=True,
    help="Wall time in seconds for loading and searching.",
)
@seed_option
@click.option(
    "--iterations",
    type=click.IntRange(min=0),
    default=None,
    help="Search rounds (deterministic runs); 0: place the changes only.",
)
@click.option("--no-maps", is_flag=True, help="Skip the drivers' map.html and sheets.pdf.")
@click.option("--quiet", is_flag=True, help="No progress or summary; errors only.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
@_fail_cleanly
def replan_cmd(
    plan_file, at, orders_file, cancel, lock, out, time_limit, seed, iterations, no_maps, quiet,
    as_json,
):  # fmt: skip
    """Re-plan the rest of the day from a time: stops the vehicles have set off for stay as
    they are, each vehicle carries on from where it is with what it has on board, cancelled
    orders go, new ones are placed where they fit, locked routes and stops are kept. The
    result passes `route check`, which compares it with the plan it came from.

    \b
    Example:
      route replan plans/wugong/2026-11-29/plan.json --at 10:30 --orders urgent.csv \\
          --cancel 20261129-00042 --lock VAN-03,VAN-05:4 --out plans/wugong/2026-11-29-1030
    """
    from routing.exports.plan_outputs import check_out_dir
    from routing.model.params import SolveParams
    from routing.plans.report import summary_text
    from routing.replan.run import replan, write_replan

    say = _say(quiet or as_json)
    check_out_dir(out)
    t = time.perf_counter()
    params = SolveParams(time_limit=time_limit, seed=seed, iterations=iterations or None)
    result = replan(
        plan_file, at, orders_file or (), _split(cancel), _split(lock), params, iterations == 0,
        progress=say,
    )  # fmt: skip
    write_replan(result, out, maps=not no_maps, progress=say)
    plan, before = result.plan, result.source.plan
    say(f"re-plan validated and written to {out}/ in {time.perf_counter() - t:.1f} s")
    change = plan.cost_yuan - before.cost_yuan
    if as_json:
        click.echo(
            json.dumps(
                {
                    "plan": str(out / "plan.json"),
                    "source": str(plan_file),
                    "summary": plan.summary(),
                    "source_cost_yuan": before.cost_yuan,
                    "cost_change_yuan": round(change, 2),
                    "replan": plan.replan,
                },
                ensure_ascii=False,
                indent=1,
            )
        )
    elif not quiet:
        click.echo(summary_text(plan, result.problem))
        click.echo(
            f"cost of the routes {before.cost_yuan:,.2f} -> {plan.cost_yuan:,.2f} yuan "
            f"({change:+,.2f})"
        )


@main.command("export")
@plan_file_argument
@click.option(
    "--format",
    "fmt",
    required=True,
    type=click.Choice(["json", "csv", "geojson", "gpx", "kml", "gpkg", "xlsx"]),
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
    note = "" if chinese else " (some names in pinyin: no font here has their characters)"
    click.echo(f"wrote {path}{note}")


@main.command("serve")
@county_option
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; one other machines can reach needs --token.",
)
@click.option(
    "--token",
    default=None,
    help="Secret every request must carry (Authorization: Bearer T, or ?token=T once).",
)
@click.option(
    "--plans-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("plans"),
    show_default=True,
    help="Where plans live: <plans-dir>/<county>/<date>/plan.json, as route plan writes them.",
)
@click.option(
    "--compare-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("compare"),
    show_default=True,
    help="Where route compare writes its outputs, for the desk to open them.",
)
@time_limit_option
@iterations_option
@data_dir_option
@_fail_cleanly
def serve_cmd(county, port, host, token, plans_dir, compare_dir, time_limit, iterations, data_dir):
    """Run the planner's desk: a local web app to plan a day with live progress, see the
    routes on a map of the county's roads, move and lock stops (checked at once), add or cancel
    orders, re-plan from a time, export and print (docs/desk.md). Works offline.

    \b
    Example:
      route serve --county wugong --port 8000
      route serve --host 0.0.0.0 --token "$(openssl rand -hex 16)"
    """
    from routing.desk import serve

    serve(
        county, port, host, token, plans_dir, data_dir, time_limit, iterations, click.echo,
        compare_dir,
    )  # fmt: skip


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
@seed_option
@iterations_option
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@data_dir_option
@_fail_cleanly
def import_cmd(file, date, county, time_limit, seed, iterations, as_json, data_dir):
    """Check a courier company's own routes for a day (our CSV columns or a plan.json) and
    compare them with the optimised plan for the same orders. Exits 1 if a rule is broken.

    \b
    Example:
      route import zto-routes.csv --date 2026-11-29 --county wugong
    """
    from routing.pipeline import load_day, solve_day
    from routing.plans.compare import compare, read_courier_routes

    say = _say(as_json)
    day = load_day(county, date, data_dir, None, None, say)
    courier = read_courier_routes(file, day.problem)
    say(f"optimising the same {len(day.problem.orders)} orders for comparison ...")
    optimised = solve_day(day, _params(time_limit, seed, iterations, "auto", say))
    report = compare(courier, day.problem, optimised)
    if as_json:
        fields = ("measure", "courier", "optimised", "difference_pct")
        click.echo(
            json.dumps(
                {
                    "violations": [vars(v) for v in report.violations],
                    "comparison": [dict(zip(fields, r, strict=True)) for r in report.rows()],
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
@raw_option
@click.option(
    "--dem",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="A GeoTIFF of the county's heights (any CRS): the roads follow its valleys. "
    "Default: hill and mountain counties get a terrain made up from the seed.",
)
@data_dir_option
@_fail_cleanly
def data_build(county, seed, raw_dir, dem, data_dir):
    """Build a county's dataset in the data home from the administrative division data
    (byte-for-byte reproducible from the seed and DEM). A rebuild replaces the folder as a
    whole and keeps its orders.

    \b
    Example:
      route data build lixian
      route data build 621226 --seed 1
      route data build lixian --dem lixian_srtm.tif
    """
    from routing.datasets.build import build_county
    from routing.inputs.locations import data_home, raw_division_dir

    report = build_county(
        county, raw_dir or raw_division_dir(), data_home(data_dir), seed, _say(False), dem
    )
    total = sum(report.files.values())
    click.echo(f"wrote {report.dir}/ ({len(report.files)} files, {total / 1e6:.1f} MB)")


@data.command("seal")
@click.argument("county")
@data_dir_option
@_fail_cleanly
def data_seal(county, data_dir):
    """Record a county's files as they are now, after changing points.csv, the roads or a
    boundary on purpose (a plan refuses a dataset whose files do not match their record).

    \b
    Example:
      route data seal lixian
    """
    from routing.inputs.county import edit_county

    with edit_county(county, data_dir) as stage:
        folder = stage.name
    click.echo(f"sealed {county} ({folder})")


@main.group()
def network():
    """Road networks."""


@network.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--county", required=True, help="County folder name, adcode or name.")
@click.option(
    "--force", is_flag=True, help="Import even if some service points could not be reached."
)
@data_dir_option
@_fail_cleanly
def network_import(file, county, force, data_dir):
    """Replace a county's generated roads with a real OpenStreetMap extract (.osm XML,
    .osm.pbf or osmnx GraphML), clipped to the county boundary. Refused, changing nothing, if
    the new roads would leave service points unreachable (unless --force).

    \b
    Example:
      route network import shaanxi-latest.osm.pbf --county wugong
    """
    from routing.datasets.osm_import import import_network

    report = import_network(file, county, data_dir, force, _say(False))
    click.echo(f"wrote {report['path']}: {report['nodes']} nodes, {report['km']:.0f} km of road")


@network.command("show")
@click.argument("county")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The PNG file to write.",
)
@click.option(
    "--width",
    type=click.IntRange(400, 8000),
    default=1600,
    show_default=True,
    help="Width of the picture in pixels; the height follows the county's shape.",
)
@data_dir_option
@_fail_cleanly
def network_show(county, out, width, data_dir):
    """Draw a county's road network with its service points as a PNG: roads by class, the
    county line, the hub, township stations, villages and facilities, a legend, and a caption
    with the network's figures (nodes, km, dead ends, circuity, generated or imported).

    \b
    Example:
      route network show lixian --out lixian.png
      route network show wugong --out wugong.png --width 800
    """
    from routing.inputs.county import load_county
    from routing.network.picture import write_network_png

    fig = write_network_png(load_county(county, data_dir), out, width)
    click.echo(
        f"wrote {out}: {fig.nodes:,} nodes, {fig.km:,.0f} km, {fig.dead_ends:.1%} dead ends, "
        f"circuity {fig.circuity:.2f}"
    )


@main.group()
def orders():
    """Order files: the county's orders/YYYY-MM-DD.csv."""


@orders.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--sheet",
    default=None,
    help="A workbook's sheet to read (default: the first sheet); .xlsx files only.",
)
@county_option
@data_dir_option
@_fail_cleanly
def orders_import(file, sheet, county, data_dir):
    """Validate an order file (CSV, or an Excel workbook .xlsx) and store it under its
    date(s), all dates or none.

    \b
    Example:
      route orders import my-orders.csv --county wugong
      route orders import 订单.xlsx --sheet 订单 --county wugong
    """
    from routing.inputs.orders import import_orders

    for day, path, n in import_orders(file, county, data_dir, sheet):
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
    from routing.inputs.orders import generate_to_file
    from routing.units import parse_date

    path, orders_ = generate_to_file(county, parse_date(date), seed, data_dir)
    kg_out = sum(o.kg for o in orders_ if o.kind == "delivery")
    kg_in = sum(o.kg for o in orders_ if o.kind == "pickup")
    click.echo(
        f"{path}: {len(orders_)} orders, {kg_out:,.0f} kg to deliver, {kg_in:,.0f} kg to collect"
    )


@main.command("schedule")
@click.option("--from", "start", required=True, callback=_date, help="First day YYYY-MM-DD.")
@click.option("--to", "end", required=True, callback=_date, help="Last day YYYY-MM-DD.")
@county_option
@click.option(
    "--max-wait",
    type=click.IntRange(0, 6),
    default=2,
    show_default=True,
    help="Days a parcel may wait at its township station for the village's visit.",
)
@click.option(
    "--daily-parcels",
    type=click.FloatRange(min=0),
    default=60,
    show_default=True,
    help="Villages with this many parcels a day or more are visited daily.",
)
@data_dir_option
@_fail_cleanly
def schedule_cmd(start, end, county, max_wait, daily_parcels, data_dir):
    """Decide each village's visiting days for a period (daily, Mon/Wed/Fri or Tue/Thu/Sat)
    from the period's orders, and write the county's calendars/<from>_<to>.csv, which
    `route plan` then follows.

    \b
    Example:
      route schedule --from 2026-03-02 --to 2026-03-08
      route schedule --from 2026-10-05 --to 2026-10-11 --max-wait 1
    """
    from routing.calendars.schedule import make_calendar
    from routing.units import parse_date

    first, last = parse_date(start), parse_date(end)
    if last < first:
        raise click.BadParameter(f"--to {end} is before --from {start}", param_hint="--to")
    if (last - first).days >= 366:
        raise click.BadParameter("a calendar covers at most a year", param_hint="--to")
    s = make_calendar(county, first, last, max_wait, daily_parcels, data_dir, _say(False))
    click.echo(f"{s.path}: {len(s.rows)} villages over {s.days} days")
    for pattern in ("daily", "mon-wed-fri", "tue-thu-sat"):
        click.echo(f"  {pattern}: {s.count(pattern)} villages")
    click.echo(f"  village visits a week: {s.visits_saved:.0%} fewer than visiting daily")


def _date_range(ctx, param, value):
    from routing.units import parse_date_range

    try:
        return parse_date_range(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@main.command("compare")
@click.argument(
    "scenarios", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@click.option(
    "--dates",
    required=True,
    callback=_date_range,
    help="Dates to plan: YYYY-MM-DD..YYYY-MM-DD (both included) or one date.",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    help="Seconds of solve stage for each scenario, date and seed.",
)
@click.option(
    "--seeds",
    type=click.IntRange(1, 20),
    default=2,
    show_default=True,
    help="Search seeds per scenario and date (0, 1, ...): their spread is the run-to-run "
    "noise against which differences are flagged.",
)
@iterations_option
@workers_option
@scheduler_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("compare"),
    show_default=True,
    help="Folder for compare.csv (a row per scenario, date and seed) and compare.png.",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@data_dir_option
@_fail_cleanly
def compare_cmd(
    scenarios, dates, time_limit, seeds, iterations, workers, scheduler, out, quiet, data_dir
):
    """Plan each scenario on each date with several seeds and print their KPIs side by side
    (vehicles, km, hours, costs, cost per parcel, orders served, unserved by reason, villagers'
    access to their service point), each difference to the first scenario flagged where it is
    within the seeds' noise. Writes the table as CSV and a PNG chart.

    \b
    Example:
      route compare scenarios/wugong-base.toml scenarios/wugong-fleet-25.toml \\
          --dates 2026-11-23..2026-11-29 --time-limit 10
    """
    from routing.atomic import write_atomic
    from routing.scenarios.compare import compare_scenarios, read_all
    from routing.scenarios.kpi_table import chart_png, rows_csv, table_text

    read_all(list(scenarios), data_dir)  # every file's problems before any work
    n = len(scenarios) * len(dates) * seeds
    with click.progressbar(
        length=n,
        label=f"planning {n} scenario-days",
        file=sys.stderr,
        show_pos=True,
        hidden=quiet,
    ) as bar:
        result = compare_scenarios(
            list(scenarios),
            dates,
            list(range(seeds)),
            time_limit,
            iterations,
            workers,
            scheduler,
            data_dir,
            done=lambda k, total: bar.update(1),
        )
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / "compare.csv", rows_csv(list(result.rows)))
    title = f"{', '.join(s.name for s in result.scenarios)}: {dates[0]}..{dates[-1]}"
    write_atomic(out / "compare.png", chart_png(result.summary, title))
    click.echo(table_text(result.summary, list(result.rows), seeds))
    click.echo(
        f"\n{len(result.rows)} plans, all validated; {out / 'compare.csv'}, {out / 'compare.png'}"
    )


@main.command("site")
@click.option("--add", "k", type=click.IntRange(1, 50), required=True, help="New points to choose.")
@click.option(
    "--candidates",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="CSV of candidates (id, name, lon, lat in WGS-84); default: generated from road "
    "junctions and village points at least 500 m from every service point.",
)
@county_option
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    help="Seconds for the exact model; a result it has not proven optimal is marked so.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Scenario file to write (default: scenarios/<county>-site-<K>.toml).",
)
@data_dir_option
@_fail_cleanly
def site_cmd(k, candidates, county, time_limit, out, data_dir):
    """Choose the K best new service points: the villagers' access distance on the road
    network saved, less the routing cost of one more stop, by an exact model (CP-SAT). Writes
    a scenario file with the chosen points, ready for `route compare`.

    \b
    Example:
      route site --add 1
      route site --add 3 --candidates candidates.csv --county wugong --out new.toml
    """
    from routing.atomic import write_atomic
    from routing.inputs.county import load_county
    from routing.scenarios.scenario_file import AddedPoint, scenario_text
    from routing.scenarios.siting import read_candidates, site_county

    c = load_county(county, data_dir)
    given = read_candidates(candidates) if candidates is not None else None
    r = site_county(c, k, given, time_limit)
    proven = (
        "proven optimal"
        if r.status == "OPTIMAL"
        else (
            f"NOT proven optimal ({r.status}): the best found in {time_limit:g} s; the bound "
            f"allows at most {r.bound_yuan:,.2f} yuan a day"
        )
    )
    click.echo(f"{c.slug}: {r.k} new service point(s) from {r.candidates} candidates, {proven}")
    for s in r.chosen:
        click.echo(
            f"  {s.id} {s.name} ({s.lon:.6f}, {s.lat:.6f}): nearest for {s.residents:,.0f} "
            f"residents; one more stop, {s.detour_m / 1000:.1f} km of detour, "
            f"{s.stop_yuan:,.2f} yuan a day"
        )
    click.echo(
        f"  saves {r.objective_yuan:,.2f} yuan a day (villagers' trips less the stops); access "
        f"mean {r.before.mean_m:,.0f} -> {r.after.mean_m:,.0f} m, 95th percentile "
        f"{r.before.p95_m:,.0f} -> {r.after.p95_m:,.0f} m"
    )
    path = out or Path("scenarios") / f"{c.slug}-site-{k}.toml"
    added = [AddedPoint(s.id, s.name, s.lon, s.lat, "") for s in r.chosen]
    comment = (
        f"written by route site --add {k}: {proven}; saves {r.objective_yuan:,.2f} yuan a day\n"
        f"access mean {r.before.mean_m:,.0f} -> {r.after.mean_m:,.0f} m"
    )
    write_atomic(
        path,
        scenario_text(f"{c.slug}-site-{k}", c.slug, f"{k} new service point(s)", added, comment),
    )
    click.echo(f"wrote {path}")


@main.command("costs")
@click.option("--year", type=click.IntRange(2000, 2100), required=True, help="Calendar year.")
@county_option
@click.option(
    "--every",
    type=click.IntRange(1, 366),
    default=8,
    show_default=True,
    help="Plan every Nth day of the year; each stands for the days up to the next.",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0.1),
    default=5.0,
    show_default=True,
    help="Seconds of solve stage per planned day.",
)
@seed_option
@iterations_option
@engine_option
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--quiet", is_flag=True, help="No progress lines.")
@data_dir_option
@_fail_cleanly
def costs_cmd(year, county, every, time_limit, seed, iterations, engine, as_json, quiet, data_dir):
    """The year's cost of the county's fleet, from planned sample days, beside the budget of
    its county.json: standing costs (vehicles, salaried drivers) every day, the routes'
    costs (fuel and wear, overtime, dispatch) scaled from every Nth day.

    \b
    Example:
      route costs --year 2026
      route costs --year 2026 --county wugong --every 30 --time-limit 10
    """
    from dataclasses import asdict

    from routing.costs.annual import annual_costs, costs_text

    say = _say(quiet or as_json)
    params = _params(time_limit, seed, iterations, engine, lambda _: None)
    a = annual_costs(county, year, every, params, data_dir, say)
    if as_json:
        doc = {
            **asdict(a),
            "days": a.days,
            "year_yuan": round(a.year_yuan, 2),
            "budget_yuan_per_year": a.budget.per_year if a.budget else None,
        }
        click.echo(json.dumps(doc, ensure_ascii=False, indent=1))
    else:
        click.echo(costs_text(a))


@main.group()
def bench():
    """Benchmark instances (Solomon, VRPLIB, Li & Lim, LKH-3 VRPSPD) through the planner."""


@bench.command("solve")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--time-limit", type=click.FloatRange(min=0.1), default=10.0, show_default=True)
@seed_option
@iterations_option
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

    result = solve_instance(file, _params(time_limit, seed, iterations, engine, _say(True)))
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
@seed_option
@iterations_option
@engine_option
@out_file_option("Write the per-instance results as CSV.")
@_fail_cleanly
def bench_run(directory, bks_file, time_limit, seed, iterations, engine, out):
    """Solve every instance of a folder that has a best-known solution; print each gap and
    the mean, median and max gap and the number infeasible.

    \b
    Example:
      route bench run ../shared/benchmarks/solomon \\
          --bks ../shared/benchmarks/solomon/bks.csv --time-limit 10
    """
    from routing.bench.runner import rows_csv, run

    params = _params(time_limit, seed, iterations, engine, _say(False))
    rows, summary = run(directory, bks_file, params)
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
        from routing.atomic import write_atomic

        write_atomic(out, rows_csv(rows))


if __name__ == "__main__":
    main()
