"""Warm restarts: a second boot with nothing changed runs no export and no install."""

from __future__ import annotations

import shutil

import pytest

from tests.host.conftest import ON, assert_ok, snapshot, write_requirements
from tests.support import packages

INSTALLING = ("export", "pip install", "pip check")


def installs(calls: list[str]) -> list[str]:
    return [call for call in calls if call.startswith(INSTALLING)]


@pytest.fixture
def own_wheels(layout, tmp_path):
    """A copy of the wheels this test alone uses, so it can delete them."""
    copy = tmp_path / "own wheels"
    shutil.copytree(layout.wheels, copy)
    layout.wheels = copy
    return copy


@pytest.fixture
def booted(layout, fixture_uv_env, uv_calls, own_wheels):
    """A project and a requirements file, installed by a first (cold) boot."""
    project = packages.write_project(layout.project_dir, dependencies=("appliba",))
    packages.lock_project(project, [own_wheels], fixture_uv_env)
    requirements = write_requirements(layout.config_dir, "probe-config")
    first = layout.run("boot", env=ON)
    assert_ok(first)
    assert "project install: complete" in first.stdout
    calls = uv_calls()
    assert any(call.startswith("export") for call in calls), calls
    assert sum(call.startswith("pip install") for call in calls) == 3, calls
    return project, requirements


def test_second_boot_installs_nothing_and_needs_no_packages(
    layout, booted, uv_calls, own_wheels, installed
):
    before = installed()
    shutil.rmtree(own_wheels)  # no package source at all now

    result = layout.run("boot", env=ON)

    assert_ok(result)
    assert installs(uv_calls()) == []
    assert "project install: up to date" in result.stdout
    assert "requirements install: up to date" in result.stdout
    assert installed() == before


def test_changed_requirements_file_reinstalls(layout, booted, uv_calls, installed):
    _, requirements = booted
    requirements.write_text("probe-config\nprobe-nested\n")

    result = layout.run("boot", env=ON)

    assert_ok(result)
    calls = installs(uv_calls())
    assert any(call.startswith("pip install") and "requirements.txt" in call for call in calls)
    assert "probe-nested" in installed()
    # any change means the full path: the project is installed again too, first
    assert "project install: complete" in result.stdout
    assert result.stdout.index("project install: complete") < result.stdout.index(
        "requirements install: complete"
    )


def test_changed_lock_reinstalls(layout, booted, uv_calls, fixture_uv_env, installed):
    project, _ = booted
    packages.write_project(project, dependencies=("appliba", "applibc"))
    packages.lock_project(project, [layout.wheels], fixture_uv_env)

    result = layout.run("boot", env=ON)

    assert_ok(result)
    assert "project install: complete" in result.stdout
    assert any(call.startswith("export") for call in uv_calls())
    assert "applibc" in installed()


def test_edited_project_module_reinstalls(layout, booted, uv_calls, installed):
    project, _ = booted
    packages.project_module(project).write_text("VALUE = 'edited after the first boot'\n")

    result = layout.run("boot", env=ON)

    assert_ok(result)
    assert "project install: complete" in result.stdout
    assert any(call.startswith("pip install") for call in uv_calls())
    site = next((layout.venv / "lib").glob("python3.*/site-packages"))
    assert "edited after the first boot" in (site / "myapps" / "__init__.py").read_text()


def test_force_install_ignores_the_record(layout, booted, uv_calls):
    result = layout.run("boot", env=ON | {"HASSETTE__FORCE_INSTALL": "1"})

    assert_ok(result)
    calls = installs(uv_calls())
    assert any(call.startswith("export") for call in calls)
    assert sum(call.startswith("pip install") for call in calls) == 3, calls


def test_failed_install_is_never_recorded(layout, booted, uv_calls, own_wheels):
    _, requirements = booted
    requirements.write_text("wantsnew\n")
    failed = layout.run("boot", env=ON)
    assert failed.exit_code == 4, failed.describe()
    requirements.write_text("probe-config\n")  # back to what was installed before
    uv_calls()

    result = layout.run("boot", env=ON)

    # the failed start removed the record: this one installs again instead of trusting it
    assert_ok(result)
    assert any(call.startswith("export") for call in uv_calls())


def test_dry_run_changes_nothing_and_does_not_start(layout, fixture_uv_env, uv_calls, installed):
    project = packages.write_project(layout.project_dir, dependencies=("appliba",))
    packages.lock_project(project, [layout.wheels], fixture_uv_env)
    write_requirements(layout.config_dir, "probe-config")
    before, venv_before = installed(), snapshot(layout.venv)

    result = layout.run("boot", "--dry-run", "--", "--dev", env=ON)

    assert result.exit_code == 0, result.describe()
    assert result.hassette() is None
    assert "would install the locked project" in result.stdout
    assert str(layout.config_dir / "requirements.txt") in result.stdout
    assert "--dev" in result.stdout  # the hand-off it would do
    assert installs(uv_calls()) == []
    assert installed() == before
    assert snapshot(layout.venv) == venv_before


def test_another_uv_at_the_same_path_reinstalls(layout, booted, uv_calls, installed):
    # uv upgraded in place (as `uv self update` or a new image layer does): the same path,
    # another binary. Here the logging wrapper first on PATH is rewritten, so the uv this
    # start finds differs in size and modification time from the one on record
    wrapper = layout.root / "uv-wrapper" / "uv"
    wrapper.write_text(wrapper.read_text() + "# another uv version\n")
    before = installed()

    result = layout.run("boot", env=ON)

    assert_ok(result)
    assert "project install: complete" in result.stdout
    assert "requirements install: complete" in result.stdout
    calls = installs(uv_calls())
    assert any(call.startswith("export") for call in calls), calls
    assert sum(call.startswith("pip install") for call in calls) == 3, calls
    assert installed() == before

    again = layout.run("boot", env=ON)  # and that uv is on record now

    assert_ok(again)
    assert installs(uv_calls()) == []
