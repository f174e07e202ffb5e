"""settings: what the constraints banner tells the user to do (tests found by
nox -s mutate -- settings)."""

from __future__ import annotations

import pytest

from hassette_tasks.errors import ConfigError
from hassette_tasks.settings import load


def _todo(path) -> str:
    with pytest.raises(ConfigError) as caught:
        load({"HASSETTE__CONSTRAINTS": str(path)}).require_constraints()
    return caught.value.todo


def test_a_missing_constraints_file_tells_where_the_image_keeps_it(tmp_path):
    assert _todo(tmp_path / "nope.txt") == (
        "The image may be corrupt, or HASSETTE__CONSTRAINTS names the wrong file. Point it "
        "at the image's constraints file (default /app/constraints.txt)."
    )


def test_an_empty_constraints_file_tells_how_to_regenerate_it(tmp_path):
    path = tmp_path / "constraints.txt"
    path.write_text("# only a comment\n\n")

    assert _todo(path) == (
        "Without constraints a user package could replace hassette's own dependencies. "
        "Regenerate it: invoke constraints --output FILE."
    )
