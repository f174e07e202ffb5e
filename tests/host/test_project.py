"""A user's project (pyproject.toml + uv.lock): export, install, and everything around it."""

from __future__ import annotations

import subprocess

import pytest

from tests.host.conftest import assert_failed, assert_ok, locked_project, snapshot
from tests.support import packages


@pytest.fixture
def read_only(request):
    """chmod -R a-w a folder for the test, writable again afterwards (for cleanup)."""
    folders = []

    def make(folder):
        subprocess.run(["chmod", "-R", "a-w", str(folder)], check=True)
        folders.append(folder)
        return folder

    yield make
    for folder in folders:
        subprocess.run(["chmod", "-R", "u+w", str(folder)], check=True)


@pytest.mark.parametrize("build_system", [True, False], ids=["uv_build", "no-build-system"])
def test_locked_project_installs_from_a_read_only_folder(
    layout, installed, fixture_uv_env, build_backends, read_only, build_system
):
    # without [build-system] uv builds the project with setuptools: offline, from the
    # folder HASSETTE_TASKS_BUILD_BACKENDS names
    if not build_system:
        layout.extra_find_links.append(build_backends)
    project = locked_project(layout, fixture_uv_env, build_system=build_system)
    read_only(project)
    before = snapshot(project)

    result = layout.run("boot")

    assert_ok(result)
    assert "project install: complete" in result.stdout
    now = installed()
    assert now["myapps"] == "0.1.0"
    assert now["appliba"] == "1.0" and now["applibb"] == "1.0"
    assert snapshot(project) == before, "boot wrote into the project folder"
    assert layout.leftover_temp_dirs() == []


def test_pyproject_without_lock_is_skipped_with_a_hint(layout, installed):
    packages.write_project(layout.project_dir)
    before = installed()

    result = layout.run("boot")

    assert_ok(result)
    line = next(line for line in result.stdout.splitlines() if "project install: skipped" in line)
    assert "uv lock" in line
    assert installed() == before


def test_locked_conflict_stops_the_start_and_changes_nothing(layout, installed, fixture_uv_env):
    # the lock happily picks tinydep 2.0; the image's constraints say tinydep<2
    locked_project(layout, fixture_uv_env, dependencies=("applibc", "tinydep>=2"))
    before = installed()

    result = layout.run("boot")

    assert_failed(result, "DEPENDENCY CONFLICT", 4)
    assert "tinydep" in result.stdout.split("uv said:", 1)[1]
    assert installed() == before
    assert layout.leftover_temp_dirs() == []


def test_broken_lock_is_an_export_failure(layout, installed, fixture_uv_env):
    project = locked_project(layout, fixture_uv_env)
    (project / "uv.lock").write_text("version = 1\n[[package]\nthis is not toml\n")
    before = installed()

    result = layout.run("boot")

    assert_failed(result, "EXPORT FAILED", 3)
    assert "uv lock" in result.stdout  # what to do
    assert installed() == before
    assert layout.leftover_temp_dirs() == []


def test_path_dependency_inside_the_project_installs(layout, installed, fixture_uv_env):
    project = layout.project_dir
    packages.write_source_tree(packages.Dist("locallib", "0.3"), project / "libs" / "locallib")
    locked_project(
        layout,
        fixture_uv_env,
        dependencies=("locallib", "applibc"),
        extra='[tool.uv.sources]\nlocallib = { path = "libs/locallib" }',
    )
    before = snapshot(project)

    result = layout.run("boot")

    assert_ok(result)
    assert "project install: complete" in result.stdout
    now = installed()
    assert now["locallib"] == "0.3" and now["myapps"] == "0.1.0" and "applibc" in now
    assert snapshot(project) == before


def test_path_dependency_outside_the_project_is_named(layout, installed, fixture_uv_env):
    outside = layout.root / "outside lib"
    packages.write_source_tree(packages.Dist("outsidelib", "0.2"), outside)
    locked_project(
        layout,
        fixture_uv_env,
        dependencies=("outsidelib",),
        extra='[tool.uv.sources]\noutsidelib = { path = "../outside lib" }',
    )
    before = installed()

    result = layout.run("boot")

    assert_failed(result, "LOCAL PATH DEPENDENCY OUTSIDE THE PROJECT", 9)
    assert "outsidelib" in result.stdout
    assert "outside lib" in result.stdout
    assert installed() == before


def test_export_prints_the_locked_requirements(layout, fixture_uv_env, tmp_path):
    locked_project(layout, fixture_uv_env, dependencies=("appliba>=1", "applibc"))

    printed = layout.run("export")

    assert printed.exit_code == 0, printed.describe()
    pins = {
        line.split(";")[0].strip()
        for line in printed.stdout.splitlines()
        if line.strip() and not line.startswith(("#", " ", "["))
    }
    # the dependencies, not the project itself (--no-emit-project)
    assert pins == {"appliba==1.0", "applibb==1.0", "applibc==1.0"}, printed.describe()

    target = tmp_path / "out dir" / "locked.txt"
    target.parent.mkdir()
    written = layout.run("export", "--output", str(target))

    assert written.exit_code == 0, written.describe()
    assert target.read_text() == printed.stdout
    assert "appliba==1.0" not in written.stdout


def test_install_locked_task(layout, installed, fixture_uv_env):
    locked_project(layout, fixture_uv_env)

    result = layout.run("install-locked")

    assert result.exit_code == 0, result.describe()
    assert "project install: complete" in result.stdout
    assert installed()["myapps"] == "0.1.0"
    assert result.hassette() is None
