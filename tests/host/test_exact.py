"""Exact environments: after a restart the venv holds what a fresh one would, nothing more."""

from __future__ import annotations

import json

import pytest

from tests.conftest import make_app_venv
from tests.host.conftest import ON, assert_ok, snapshot, write_requirements
from tests.support import packages
from tests.support.packages import Dist
from tests.support.tasks_runner import Layout

INSTALLING = ("export", "pip install", "pip uninstall", "pip check")


@pytest.fixture
def fresh(layout, fixture_uv_env):
    """A second app venv, never booted, that sees the same folders and packages."""

    def make() -> Layout:
        twin = Layout(
            root=layout.root,
            venv=make_app_venv(layout.root / "fresh venv", layout.wheels, fixture_uv_env),
            constraints=layout.constraints,
            wheels=layout.wheels,
        )
        twin.extra_find_links = list(layout.extra_find_links)
        return twin

    return make


@pytest.fixture
def newer_tinydep(layout, tmp_path, fixture_uv_env):
    """tinydep 1.5: newer than the image's 1.0, still inside hassette's range (<2)."""
    out = packages.build_dists([Dist("tinydep", "1.5")], tmp_path / "newer", tmp_path / "src")
    layout.extra_find_links.append(out)
    return out


def lock(layout, fixture_uv_env, *dependencies: str):
    project = packages.write_project(layout.project_dir, dependencies=dependencies)
    packages.lock_project(project, [layout.wheels], fixture_uv_env)
    return project


def install_behind_boots_back(layout, env, name: str) -> None:
    """NAME installed into the app venv by uv directly, as no input of boot's asks."""
    python = layout.venv / "bin" / "python"
    packages.run_uv(
        ["pip", "install", "--python", python, "--find-links", layout.wheels, name], env=env
    )


def test_a_removed_dependency_leaves_the_venv_as_a_fresh_start_would(
    layout, fixture_uv_env, installed, fresh, uv_calls
):
    lock(layout, fixture_uv_env, "appliba", "applibc")
    requirements = write_requirements(layout.config_dir, "probe-config", "probe-nested")
    first = layout.run("boot", env=ON)
    assert_ok(first)
    assert {"applibc", "probe-nested", "appliba", "applibb"} <= set(installed())

    lock(layout, fixture_uv_env, "appliba")
    requirements.write_text("probe-config\n")
    uv_calls()
    second = layout.run("boot", env=ON)

    assert_ok(second)
    now = installed()
    assert "applibc" not in now and "probe-nested" not in now
    assert {"appliba", "applibb", "probe-config", "myapps", "hassette", "tinydep"} <= set(now)
    removed = next(
        line for line in second.stdout.splitlines() if "exact environment: removed" in line
    )
    assert "applibc 1.0" in removed and "probe-nested 1.0" in removed, second.describe()
    assert any(call.startswith("pip uninstall") for call in uv_calls())
    # the proof: a venv that only ever saw the new inputs holds exactly the same
    twin = fresh()
    assert_ok(twin.run("boot", env=ON))
    assert packages.freeze(layout.venv, fixture_uv_env) == packages.freeze(
        twin.venv, fixture_uv_env
    )


def test_the_image_version_comes_back_when_the_upgrading_requirement_goes(
    layout, fixture_uv_env, installed, fresh, newer_tinydep
):
    requirements = write_requirements(layout.config_dir, "tinydep>=1.5", "probe-config")
    assert installed()["tinydep"] == "1.0"
    first = layout.run("boot", env=ON)
    assert_ok(first)
    assert installed()["tinydep"] == "1.5"

    requirements.write_text("probe-config\n")
    second = layout.run("boot", env=ON)

    assert_ok(second)
    assert installed()["tinydep"] == "1.0", second.describe()  # the image's package stays
    assert "putting back the image's tinydep 1.0 (now 1.5)" in second.stdout
    twin = fresh()
    assert_ok(twin.run("boot", env=ON))
    assert packages.freeze(layout.venv, fixture_uv_env) == packages.freeze(
        twin.venv, fixture_uv_env
    )


def test_an_upgrade_another_input_still_needs_is_kept(
    layout, fixture_uv_env, installed, newer_tinydep
):
    write_requirements(layout.config_dir, "tinydep>=1.5")
    requirements = write_requirements(layout.apps_dir / "one", "tinydep>=1.5", "applibc")
    assert_ok(layout.run("boot", env=ON))

    requirements.write_text("tinydep>=1.5\n")
    result = layout.run("boot", env=ON)

    assert_ok(result)
    now = installed()
    assert now["tinydep"] == "1.5" and "applibc" not in now
    assert "putting back" not in result.stdout


def test_inputs_all_gone_remove_everything_they_installed_once(
    layout, fixture_uv_env, installed, uv_calls
):
    before = installed()
    project = lock(layout, fixture_uv_env, "appliba")
    requirements = write_requirements(layout.config_dir, "probe-config")
    assert_ok(layout.run("boot", env=ON))
    for name in ("pyproject.toml", "uv.lock"):
        (project / name).unlink()
    requirements.unlink()
    uv_calls()

    emptied = layout.run("boot", env=ON)

    assert_ok(emptied)
    removed = emptied.stdout.split("exact environment: removed", 1)[1].splitlines()[0]
    for name in ("appliba", "applibb", "myapps", "probe-config"):
        assert name in removed, emptied.describe()
    assert installed() == before
    # nothing changed since: the next start runs no uv for the venv at all
    uv_calls()
    again = layout.run("boot", env=ON)
    assert_ok(again)
    assert [call for call in uv_calls() if call.startswith(INSTALLING)] == []
    assert "exact environment" not in again.stdout


def test_warm_restart_does_no_exactness_work(layout, fixture_uv_env, uv_calls):
    lock(layout, fixture_uv_env, "appliba")
    first = layout.run("boot")
    assert_ok(first)
    assert "exact environment: nothing to remove" in first.stdout
    uv_calls()

    second = layout.run("boot")

    assert_ok(second)
    assert [call for call in uv_calls() if call.startswith(INSTALLING)] == []
    assert "exact environment" not in second.stdout


def test_packages_the_venv_had_before_its_first_start_are_never_removed(
    layout, fixture_uv_env, installed
):
    # a venv no image recorded: whatever it holds at the first start is its own
    install_behind_boots_back(layout, fixture_uv_env, "probe-hidden")
    requirements = write_requirements(layout.config_dir, "probe-config")
    first = layout.run("boot", env=ON)
    assert_ok(first)
    assert "recorded the" in first.stdout
    assert (layout.venv / ".hassette-tasks-baseline.json").is_file()
    requirements.write_text("probe-nested\n")

    second = layout.run("boot", env=ON)

    assert_ok(second)
    now = installed()
    assert "probe-hidden" in now and "probe-nested" in now and "probe-config" not in now


def test_the_image_record_names_the_image_packages(layout, fixture_uv_env, installed, tmp_path):
    record = tmp_path / "image-packages.json"
    made = layout.run("baseline", "--output", str(record))
    assert made.exit_code == 0, made.describe()
    assert set(json.loads(record.read_text())["packages"]) == set(installed())
    # installed after the image was built: not the image's, so not kept
    install_behind_boots_back(layout, fixture_uv_env, "probe-hidden")
    write_requirements(layout.config_dir, "probe-config")
    env = ON | {"HASSETTE_TASKS_IMAGE_PACKAGES": str(record)}

    result = layout.run("boot", env=env)

    assert_ok(result)
    assert "exact environment: removed probe-hidden 1.0" in result.stdout
    assert not (layout.venv / ".hassette-tasks-baseline.json").exists()
    assert "probe-hidden" not in installed() and "probe-config" in installed()


def test_dry_run_lists_what_would_be_removed_and_changes_nothing(layout, fixture_uv_env, installed):
    lock(layout, fixture_uv_env, "appliba", "applibc")
    assert_ok(layout.run("boot"))
    lock(layout, fixture_uv_env, "appliba")
    before, venv_before = installed(), snapshot(layout.venv)

    result = layout.run("boot", "--dry-run")

    assert result.exit_code == 0, result.describe()
    assert "plan: exact environment: would remove applibc 1.0" in result.stdout, result.describe()
    assert installed() == before
    assert snapshot(layout.venv) == venv_before
