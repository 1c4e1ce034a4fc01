"""What an installed copy needs, without building one (.ci/run builds a wheel and plans from a
fresh venv): every package listed, the data found through the package, a quick start-up."""

from __future__ import annotations

import subprocess
import sys
import tomllib

from setuptools import find_packages

from routing.inputs.locations import bundled_dir, data_home, raw_division_dir, search_path

from .conftest import REPO


def test_every_package_is_listed_for_the_wheel():
    """pyproject lists the packages (data/ is mapped to routing.bundled): a new subpackage
    missing from the list would be missing from every wheel."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = set(find_packages(str(REPO), include=["routing*"])) | {"routing.bundled"}
    assert listed == found
    assert config["tool"]["setuptools"]["package-dir"] == {"routing.bundled": "data"}


def test_bundled_data_is_found_through_the_package():
    assert (bundled_dir() / "wugong" / "county.json").is_file()
    assert (raw_division_dir() / "adcode" / "610431.csv").is_file()


def test_data_home_comes_from_the_option_then_the_environment(tmp_path, monkeypatch):
    assert data_home(tmp_path) == tmp_path
    monkeypatch.setenv("ROUTE_DATA_DIR", str(tmp_path / "env"))
    assert data_home() == tmp_path / "env"
    monkeypatch.delenv("ROUTE_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert data_home() == tmp_path / "xdg" / "rural-route"
    assert search_path() == [tmp_path / "xdg" / "rural-route", bundled_dir()]


def test_help_does_not_load_the_library():
    """`route --help` must start at once: the solver, the graph libraries and the pipeline
    load only inside a command."""
    code = (
        "import sys; from click.testing import CliRunner; from cli import main; "
        "CliRunner().invoke(main, ['--help']); "
        "heavy = [m for m in ('ortools', 'pyvrp', 'networkx', 'osmnx', 'numpy', 'geopandas', "
        "'reportlab', 'routing.pipeline') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
