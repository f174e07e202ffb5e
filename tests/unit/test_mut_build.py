"""project.build: which projects are built, the warning when a backend refuses one, and
the dry run's words (tests found by nox -s mutate -- project.build)."""

from __future__ import annotations

import io

import pytest

from hassette_tasks.console import Console
from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.project import build
from hassette_tasks.project.build import Packaging
from tests.unit.conftest import write

PROJECT = '[project]\nname = "myapps"\nversion = "0.1.0"\n'
SETUPTOOLS = '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
# uv's words when setuptools refuses a flat folder of several modules (shape of uv 0.13)
REFUSED = """  x Failed to build `myapps @ file:///tmp/w/project`
  |-> The build backend returned an error
  `-> Call to `setuptools.build_meta.build_wheel` failed (exit status: 1)

      [stderr]
      error: Multiple top-level modules discovered in a flat-layout: ['a', 'b'].
"""


def _console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(env={}, stream=out, started=0.0), out


def _lines(out: io.StringIO) -> list[str]:
    """The console's lines without their `[   12ms] ` time stamps."""
    return [line.partition("] ")[2] for line in out.getvalue().splitlines()]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (PROJECT, Packaging.TRY),
        (PROJECT + "[tool.uv]\npackage = false\n", Packaging.VIRTUAL),
        (PROJECT + "[tool.uv]\npackage = true\n", Packaging.PACKAGE),
        (PROJECT + SETUPTOOLS, Packaging.PACKAGE),
        (PROJECT + SETUPTOOLS + "[tool.uv]\npackage = false\n", Packaging.VIRTUAL),
        (PROJECT + "build-system = 'setuptools'\n", Packaging.TRY),
        (PROJECT + "[tool.uv]\npackage = 'false'\n", Packaging.TRY),
        (PROJECT + "[tool.uv]\npackage = 0\n", Packaging.TRY),
        ("not toml [", Packaging.PACKAGE),
    ],
    ids=[
        "neither",
        "package-false",
        "package-true",
        "build-system",
        "package-false-wins",
        "build-system-not-a-table",
        "package-a-string",
        "package-zero",
        "unreadable",
    ],
)
def test_packaging_follows_uvs_rule(tmp_path, text, expected):
    write(tmp_path / "pyproject.toml", text)

    assert build.packaging(tmp_path) is expected


def test_a_missing_pyproject_is_left_to_uv(tmp_path):
    assert build.packaging(tmp_path) is Packaging.PACKAGE


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "myapps",
            "project install: dependencies only ([tool.uv] package = false: the project "
            "myapps itself is not installed)",
        ),
        (
            None,
            "project install: dependencies only ([tool.uv] package = false: the project "
            "itself is not installed)",
        ),
    ],
)
def test_the_virtual_project_line(name, expected):
    console, out = _console()

    build.say_virtual(console, name)

    assert _lines(out) == [expected]


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        (REFUSED, "Multiple top-level modules discovered in a flat-layout: ['a', 'b']."),
        ("  ValueError: bad version '1.x'  \n", "bad version '1.x'"),
        ("error: Failed to build `x`\nerror: no pyproject\n", "no pyproject"),
        ("error: Failed to build `x`\n  cause: first\n  Caused by: last one\n", "last one"),
        ("  Caused by:   spaced out  \n", "spaced out"),
        ("the backend said nothing useful\n", "the build backend refused it"),
        ("", "the build backend refused it"),
        ("xerror: not at the start\n", "the build backend refused it"),
    ],
    ids=[
        "uv-error-line",
        "python-exception",
        "failed-to-build-is-not-the-reason",
        "last-cause",
        "cause-stripped",
        "nothing",
        "empty",
        "not-a-line-start",
    ],
)
def test_the_backends_reason_is_taken_from_uvs_words(output, expected):
    assert build.reason(output) == expected


def test_an_error_line_wins_over_a_cause():
    assert build.reason("  cause: the cause\nerror: the error\n") == "the error"


def _failure(output: str, failure: Failure = Failure.INSTALL) -> StartupError:
    return StartupError(failure, "installing the project", "", output)


@pytest.mark.parametrize(
    "output", [REFUSED, "error: Failed to build `x`\n  cause: build backend failed\n"]
)
def test_a_refused_build_without_build_system_is_one_warning(output):
    console, out = _console()

    assert build.soft_failure(_failure(output), Packaging.TRY, console, "myapps") is True

    lines = _lines(out)
    assert len(lines) == 1
    assert lines[0].startswith("warning: project install: the project myapps could not be built (")
    assert lines[0].endswith(
        "; its dependencies are installed, the project itself is not. pyproject.toml has "
        f"no [build-system]: {build.FIXES}"
    )


def test_the_warning_names_the_reason_and_reads_well_without_a_name():
    console, out = _console()

    assert build.soft_failure(_failure(REFUSED), Packaging.TRY, console, None)

    assert _lines(out)[0].startswith(
        "warning: project install: the project could not be built (Multiple top-level "
        "modules discovered in a flat-layout: ['a', 'b'].); its dependencies"
    )


@pytest.mark.parametrize(
    ("output", "mode", "failure"),
    [
        (REFUSED, Packaging.PACKAGE, Failure.INSTALL),
        (REFUSED, Packaging.VIRTUAL, Failure.INSTALL),
        (REFUSED, Packaging.TRY, Failure.TIMEOUT),
        (REFUSED, Packaging.TRY, Failure.DISK_FULL),
        ("error: Failed to fetch `https://x/setuptools`\n", Packaging.TRY, Failure.INSTALL),
    ],
    ids=["package", "virtual", "timeout", "disk-full", "download-failed"],
)
def test_every_other_failure_stops_the_start(output, mode, failure):
    console, out = _console()

    assert build.soft_failure(_failure(output, failure), mode, console, "myapps") is False
    assert out.getvalue() == ""


def test_the_dry_run_line_per_kind_of_project(tmp_path):
    write(tmp_path / "pyproject.toml", PROJECT + "[tool.uv]\npackage = false\n")
    assert build.plan_line(tmp_path) == (
        "dependencies only: [tool.uv] package = false, the project itself is not installed"
    )
    write(tmp_path / "pyproject.toml", PROJECT)
    assert build.plan_line(tmp_path) == (
        "no [build-system]: the project is built with uv's default backend if it can be; "
        "if not, its dependencies stay installed with a warning"
    )
    write(tmp_path / "pyproject.toml", PROJECT + SETUPTOOLS)
    assert build.plan_line(tmp_path) is None
