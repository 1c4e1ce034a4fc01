"""Documentation stays true: every command has help with an example and a README row, and every
data column is documented with the data."""

from __future__ import annotations

import click
import pytest

from cli import main
from routing.inputs.tables import DEMAND_COLUMNS, FLEET_COLUMNS, ORDER_COLUMNS, POINT_COLUMNS

from .conftest import REPO


def _commands(group: click.Group, prefix: str = "route"):
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, f"{prefix} {name}")
        else:
            yield f"{prefix} {name}", cmd


@pytest.mark.parametrize(("name", "cmd"), list(_commands(main)))
def test_every_command_has_an_example_and_a_readme_row(name, cmd):
    assert "Example:" in (cmd.help or ""), name
    assert f"`{name} " in (REPO / "README.md").read_text(encoding="utf-8"), name


@pytest.mark.parametrize(
    "column",
    [c for cols in (POINT_COLUMNS, FLEET_COLUMNS, ORDER_COLUMNS, DEMAND_COLUMNS) for c in cols],
)
def test_every_data_column_is_documented(column):
    assert f"`{column.name}`" in (REPO / "data" / "README.md").read_text(encoding="utf-8")


def test_quick_start_has_the_two_setup_commands():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert "pip install -e . && route plan --date 2026-11-29" in text
    assert 'pip install -e ".[test]" && python -m pytest' in text
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install -e ".[test]"' in ci and "python -m pytest" in ci


def test_every_check_rule_and_unserved_reason_is_documented():
    from routing.plans.document import UNSERVED_REASONS
    from routing.plans.validate import RULES

    text = (REPO / "docs" / "plan-format.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip() for line in text.splitlines() if line.startswith("| `")}
    assert {f"`{r}`" for r in RULES} <= rows
    assert {f"`{r}`" for r in UNSERVED_REASONS} <= rows
