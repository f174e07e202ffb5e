"""A uv.lock that no longer matches its pyproject.toml (a dependency added without
`uv lock`): told as a stale lock, naming both files, before anything installs."""

from __future__ import annotations

import pytest

from tests.host.conftest import (
    assert_failed,
    assert_halts_until_sigterm,
    assert_ok,
    locked_project,
    snapshot,
)
from tests.support import packages

pytestmark = pytest.mark.faults


def stale(layout, fixture_uv_env):
    """A locked project whose pyproject.toml then gained applibc, with no `uv lock` after."""
    project = locked_project(layout, fixture_uv_env)
    packages.write_project(project, dependencies=("appliba>=1", "applibc"))
    return project


def assert_stale_lock_banner(result, project) -> None:
    said = result.stdout.split("EXPORT FAILED", 1)[1]
    assert f"{project / 'uv.lock'}" in said, result.describe()
    assert f"{project / 'pyproject.toml'}" in said, result.describe()
    assert "run `uv lock`" in said, result.describe()
    assert "BROKEN ENVIRONMENT" not in result.stdout, result.describe()
    assert "pin a version" not in said, result.describe()  # the old, wrong advice


def test_dependency_added_without_uv_lock_is_a_stale_lock_and_nothing_installs(
    layout, installed, fixture_uv_env
):
    project = locked_project(layout, fixture_uv_env)
    first = layout.run("boot")
    assert_ok(first)
    before, files = installed(), snapshot(project)
    assert "applibc" not in before
    packages.write_project(project, dependencies=("appliba>=1", "applibc"))
    files = snapshot(project)

    result = layout.run("boot")

    assert_failed(result, "EXPORT FAILED", 3)
    assert_stale_lock_banner(result, project)
    assert installed() == before
    assert snapshot(project) == files  # nothing written into the user's tree
    assert layout.leftover_temp_dirs() == []

    packages.lock_project(project, [layout.wheels], fixture_uv_env)  # what the banner says
    fixed = layout.run("boot")
    assert_ok(fixed)
    assert installed()["applibc"] == "1.0"


def test_stale_lock_in_halt_mode_stays_up(layout, installed, fixture_uv_env):
    project = stale(layout, fixture_uv_env)
    before = installed()
    running = layout.spawn("boot", env={"HASSETTE__ON_FAILURE": "halt"})

    result = assert_halts_until_sigterm(running, "EXPORT FAILED", 3)

    assert_stale_lock_banner(result, project)
    assert installed() == before


def test_export_task_says_the_lock_is_stale(layout, fixture_uv_env):
    project = stale(layout, fixture_uv_env)

    result = layout.run("export")

    assert result.exit_code == 3, result.describe()
    # export prints data on stdout: its banner goes to stderr with its log (seen with > FILE)
    said = result.stderr
    assert f"{project / 'uv.lock'}" in said and "run `uv lock`" in said, result.describe()
    assert result.stdout == "", result.describe()


def test_unchanged_lock_restarts_warm_without_uv(layout, fixture_uv_env, uv_calls):
    """--locked is checked only where the export runs: a warm restart runs no uv at all."""
    locked_project(layout, fixture_uv_env)
    assert_ok(layout.run("boot"))
    uv_calls()

    again = layout.run("boot")

    assert_ok(again)
    assert "project install: up to date" in again.stdout
    assert [call for call in uv_calls() if not call.startswith("cache prune")] == []
