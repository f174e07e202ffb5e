"""`invoke constraints`: the file the image carries, from the installed hassette's metadata."""

from __future__ import annotations

from packaging.requirements import Requirement

from tests.host.conftest import write_requirements
from tests.support.packages import HASSETTE_VERSION


def requirement_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_constraints_from_the_installed_hassette(layout):
    result = layout.run("constraints")

    assert result.exit_code == 0, result.describe()
    lines = requirement_lines(result.stdout)
    # hassette declares: hassette-dep[speed]>=1.0,<2 ; tinydep>=1.0,<2 with a marker ;
    # extraonly only for its `docs` extra
    assert lines[-1] == f"hassette=={HASSETTE_VERSION}"
    parsed = {Requirement(line).name: Requirement(line) for line in lines}
    assert set(parsed) == {"hassette-dep", "tinydep", "hassette"}, lines
    assert all(not requirement.extras for requirement in parsed.values()), lines
    assert str(parsed["hassette-dep"].specifier) == "<2,>=1.0"
    assert parsed["hassette-dep"].marker is None
    assert str(parsed["tinydep"].specifier) == "<2,>=1.0"
    assert parsed["tinydep"].marker is not None and '"3.8"' in str(parsed["tinydep"].marker)


def test_constraints_output_file_is_what_uv_accepts(layout, installed):
    target = layout.root / "out dir" / "constraints.txt"
    target.parent.mkdir()

    written = layout.run("constraints", "--output", str(target))
    printed = layout.run("constraints")

    assert written.exit_code == 0, written.describe()
    assert target.read_text() == printed.stdout
    # and it does its job: tinydep 2.0 is refused through it
    write_requirements(layout.apps_dir, "tinydep==2.0")
    result = layout.run("install-reqs", env={"HASSETTE__CONSTRAINTS": str(target)})
    assert result.exit_code == 4, result.describe()
    assert installed()["tinydep"] == "1.0"


def test_constraints_without_hassette_is_an_error(layout, tmp_path):
    result = layout.run("constraints", "--venv", str(tmp_path / "empty venv"))

    assert result.exit_code != 0
    # constraints prints data on stdout: its log and banner go to stderr, once
    assert "hassette is not installed" in result.stderr
    assert "hassette is not installed" not in result.stdout
