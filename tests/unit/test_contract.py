"""docs/contract.md states what the code does: its tables follow the code they describe."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hassette_tasks.errors import Failure
from hassette_tasks.settings import DEFAULTS
from hassette_tasks.tasks import SHORT_FLAGS

REPO = Path(__file__).resolve().parents[2]
CONTRACT = REPO / "docs" / "contract.md"


def table_rows(section: str) -> list[list[str]]:
    """The cells of every table row under the `## SECTION` heading (header rows left out)."""
    text = CONTRACT.read_text()
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    rows = [
        [cell.strip().strip("`") for cell in line.strip("|").split("|")]
        for line in body.splitlines()
        if line.startswith("|") and not re.match(r"^\|[-| ]+\|$", line)
    ]
    return rows[1:] if rows else rows


@pytest.mark.parametrize("failure", list(Failure), ids=lambda failure: failure.name)
def test_every_exit_code_is_documented(failure):
    assert [str(failure.exit_code), failure.title] in [row[:2] for row in table_rows("Exit codes")]


def test_every_documented_exit_code_exists():
    codes = {str(failure.exit_code) for failure in Failure} | {"1", "128 + signal"}
    assert {row[0] for row in table_rows("Exit codes")} == codes


def test_every_setting_is_documented_with_its_default():
    documented = {row[0]: row[1] for row in table_rows("Settings") if row[0] != "UV_*"}
    assert documented == DEFAULTS


def test_the_short_flags_table_is_the_code_s():
    documented = dict(row[:2] for row in table_rows("Tasks") if row[0].startswith("-"))
    expected = {f"-{short}": "--" + name.replace("_", "-") for name, short in SHORT_FLAGS.items()}
    assert documented == expected


def test_the_readme_points_to_the_contract():
    assert "](docs/contract.md)" in (REPO / "README.md").read_text()
