"""`route plan` and `route check` end to end on the default county."""

from __future__ import annotations

import csv
import json

from click.testing import CliRunner

from cli import main
from routing.pipeline import load_day, solve_day

from .conftest import budget


def test_plan_then_check_on_wugong(wugong_copy, tmp_path):
    out = tmp_path / "plan"
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "plan",
            "--date",
            "2026-11-29",
            "--time-limit",
            "600",
            "--iterations",
            "30",
            "--data-dir",
            str(wugong_copy.parent),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    n = len(load_day("wugong", "2026-11-29", data_dir=wugong_copy.parent).problem.orders)
    assert f"using {n} generated demo orders (seed 1)" in result.stderr
    assert f"orders: {n} served, 0 unserved" in result.stdout
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert (doc["format"], doc["version"], doc["county"], doc["date"]) == (
        "rural-route-plan",
        2,
        "wugong",
        "2026-11-29",
    )
    assert doc["inputs"]["orders"] == {
        **doc["inputs"]["orders"],
        "generated": True,
        "path": "orders.csv",
    }
    with (out / "routes.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    stops = [r for r in rows if r["stop_id"] != "610431-HUB"]  # the depot and reload rows
    assert len(stops) == sum(not s["reload"] for r in doc["routes"] for s in r["stops"])
    assert {r["vehicle"] for r in rows} == {r["vehicle"] for r in doc["routes"]}

    check = runner.invoke(main, ["check", str(out / "plan.json")])
    assert check.exit_code == 0, check.output
    assert check.stdout.rstrip().endswith(f"cost {doc['summary']['cost_yuan']:.2f} yuan)")


def test_check_reports_a_tampered_plan(wugong_copy, tmp_path):
    out = tmp_path / "plan"
    runner = CliRunner()
    assert (
        runner.invoke(
            main,
            [
                "plan",
                "--date",
                "2026-11-29",
                "--time-limit",
                "600",
                "--iterations",
                "30",
                "--quiet",
                "--data-dir",
                str(wugong_copy.parent),
                "--out",
                str(out),
            ],
        ).exit_code
        == 0
    )
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    route = doc["routes"][0]
    moved = route["stops"][0]["deliver"].pop()
    doc["routes"][1]["stops"][0]["deliver"].append(moved)
    (out / "plan.json").write_text(json.dumps(doc), encoding="utf-8")
    result = runner.invoke(main, ["check", str(out / "plan.json"), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    rules = {v["rule"] for v in report["violations"]}
    assert report["ok"] is False
    assert {"order", "load"} <= rules


def test_json_output_for_scripts(wugong_copy, tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "plan",
            "--date",
            "2026-11-29",
            "--time-limit",
            "600",
            "--iterations",
            "30",
            "--json",
            "--data-dir",
            str(wugong_copy.parent),
            "--out",
            str(tmp_path / "p"),
        ],
    )
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    n = len(load_day("wugong", "2026-11-29", data_dir=wugong_copy.parent).problem.orders)
    assert doc["summary"]["orders_served"] == n
    assert len(doc["routes"]) == doc["summary"]["vehicles_used"]
    assert result.stderr == ""


def test_same_seed_and_iteration_budget_give_the_same_plan(wugong_copy):
    day = load_day("wugong", "2026-11-29", wugong_copy.parent)
    a = solve_day(day, budget(40, seed=3))
    b = solve_day(day, budget(40, seed=3))
    assert a.routes == b.routes
    assert a.cost_yuan == b.cost_yuan


def test_orders_import_then_plan_uses_the_file(wugong_copy, tmp_path):
    from .conftest import REPO

    runner = CliRunner()
    data_dir = str(wugong_copy.parent)
    imported = runner.invoke(
        main, ["orders", "import", str(REPO / "tests/data/orders_ok.csv"), "--data-dir", data_dir]
    )
    assert imported.exit_code == 0, imported.output
    stored = wugong_copy / "orders" / "2026-11-29.csv"
    assert imported.stdout.strip() == f"2026-11-29: 2 orders -> {stored}"
    result = runner.invoke(
        main,
        [
            "plan",
            "--date",
            "2026-11-29",
            "--time-limit",
            "600",
            "--iterations",
            "30",
            "--json",
            "--data-dir",
            data_dir,
            "--out",
            str(tmp_path / "p"),
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["summary"]["orders_served"] == 2
    plan = json.loads((tmp_path / "p" / "plan.json").read_text(encoding="utf-8"))
    assert plan["inputs"]["orders"]["path"] == str(stored)
    assert not (tmp_path / "p" / "orders.csv").exists()
    stops = [s for r in plan["routes"] for s in r["stops"]]
    assert any(s["unload"] == ["o2"] and s["point"] == "610431-PARK" for s in stops)


def test_orders_generate_writes_the_demo_day(wugong_copy):
    result = CliRunner().invoke(
        main, ["orders", "generate", "--date", "2026-10-14", "--data-dir", str(wugong_copy.parent)]
    )
    assert result.exit_code == 0, result.output
    path = wugong_copy / "orders" / "2026-10-14.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("order_id,date,courier,point_id,kind,")
    assert result.stdout.startswith(f"{path}: {len(lines) - 1} orders")
    assert sum(",pickup," in line for line in lines) > 100  # harvest season


def test_plan_into_a_folder_with_other_files_keeps_them(wugong_copy, tmp_path):
    """`--out` may hold the user's own files: they stay, and a later plan without maps leaves
    no stale map or sheets from the earlier one."""
    out = tmp_path / "today"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    args = ["plan", "--date", "2026-11-29", "--time-limit", "600", "--iterations", "5"]
    args += ["--quiet", "--data-dir", str(wugong_copy.parent), "--out", str(out)]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert {p.name for p in out.iterdir()} >= {"notes.txt", "plan.json", "map.html", "sheets.pdf"}
    second = CliRunner().invoke(main, [*args, "--no-maps"])
    assert second.exit_code == 0, second.output
    names = {p.name for p in out.iterdir()}
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert "plan.json" in names and not names & {"map.html", "sheets.pdf"}
