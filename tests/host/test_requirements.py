"""Opt-in requirements.txt files: which are found, and what ends up in the venv."""

from __future__ import annotations

import pytest

from tests.host.conftest import ON, assert_failed, assert_ok, write_requirements

DISABLED = "requirements install: disabled (set HASSETTE__INSTALL_DEPS=1 to enable)"


def make_tree(layout) -> dict[str, object]:
    """requirements files in every kind of place; each installs its own probe package."""
    apps = layout.apps_dir
    return {
        "config": write_requirements(layout.config_dir, "probe-config"),
        "nested": write_requirements(apps / "my app" / "sub", "appliba  # pulls applibb"),
        "depth5": write_requirements(apps / "a" / "b" / "c" / "d", "probe-depth5"),
        "depth6": write_requirements(apps / "a" / "b" / "c" / "d" / "e", "probe-depth6"),
        "hidden": write_requirements(apps / ".hidden", "probe-hidden"),
        "hidden_file": (apps / "x").mkdir()
        or (apps / "x" / ".requirements.txt").write_text("probe-hidden\n"),
        "devfile": (apps / "requirements-dev.txt").write_text("probe-devfile\n"),
        "empty": write_requirements(apps / "empty"),
        "comments": write_requirements(apps / "comments", "# probe-empty", "", "   "),
        "ignored": write_requirements(apps / "ignored", "probe-ignored"),
        "ignore_file": (apps / ".ignore").write_text("ignored/\n"),
    }


def test_default_is_off(layout, installed):
    make_tree(layout)
    before = installed()

    result = layout.run("boot")

    assert_ok(result)
    assert DISABLED in result.stdout
    assert "Installing requirements" not in result.stdout
    assert installed() == before


@pytest.mark.parametrize("value", ["true", "yes"])
def test_other_words_than_1_warn_and_install_nothing(layout, installed, value):
    make_tree(layout)
    before = installed()

    result = layout.run("boot", env={"HASSETTE__INSTALL_DEPS": value})

    assert_ok(result)
    warning = [line for line in result.stdout.splitlines() if "warning:" in line]
    assert warning and "HASSETTE__INSTALL_DEPS" in warning[0] and "1" in warning[0], result.stdout
    assert "Installing requirements" not in result.stdout
    assert installed() == before


def test_discovery_installs_what_fd_would_find(layout, installed):
    tree = make_tree(layout)

    result = layout.run("boot", env=ON)

    assert_ok(result)
    now = installed()
    for found in ("probe-config", "appliba", "applibb", "probe-depth5"):
        assert found in now, f"{found} missing:\n{result.describe()}"
    for skipped in (
        "probe-depth6",
        "probe-hidden",
        "probe-devfile",
        "probe-empty",
        "probe-ignored",
    ):
        assert skipped not in now, f"{skipped} installed:\n{result.describe()}"
    # the log names each file, in sorted path order, and skips the empty ones by name
    installing = [
        line.split("Installing requirements from ", 1)[1]
        for line in result.stdout.splitlines()
        if "Installing requirements from" in line
    ]
    expected = sorted(str(tree[key]) for key in ("config", "nested", "depth5"))
    assert installing == [f"{path} (with constraints)..." for path in expected]
    assert f"skipping {tree['empty']} (empty)" in result.stdout
    assert f"skipping {tree['comments']} (empty)" in result.stdout
    assert "requirements install: complete (3 file(s)" in result.stdout
    assert "environment check: ok" in result.stdout


def test_old_apps_dir_name_still_works(layout, installed):
    old = layout.root / "old apps"
    write_requirements(old, "probe-nested")

    result = layout.run(
        "boot", env=ON | {"HASSETTE__APPS__DIRECTORY": None, "HASSETTE__APP_DIR": str(old)}
    )

    assert_ok(result)
    assert "probe-nested" in installed()


def test_install_reqs_list_installs_nothing(layout, installed):
    tree = make_tree(layout)
    before = installed()

    result = layout.run("install-reqs", "--list")

    assert result.exit_code == 0, result.describe()
    listed = [line for line in result.stdout.splitlines() if line.startswith("/")]
    assert listed == sorted(str(tree[key]) for key in ("config", "nested", "depth5"))
    assert installed() == before


def test_install_reqs_task_installs(layout, installed):
    write_requirements(layout.config_dir, "probe-config")

    result = layout.run("install-reqs")

    assert result.exit_code == 0, result.describe()
    assert "probe-config" in installed()


@pytest.mark.parametrize("requirement", ["wantsnew", "tinydep==2.0", "no-such-package"])
def test_conflict_stops_the_start_and_changes_nothing(layout, installed, requirement):
    write_requirements(layout.apps_dir / "mine", "probe-nested", requirement)
    before = installed()

    result = layout.run("boot", env=ON)

    assert_failed(result, "DEPENDENCY CONFLICT", 4)
    words = result.stdout.split("uv said:", 1)[1]  # uv's own words follow the banner
    assert requirement.split("==")[0] in words or "tinydep" in words, result.describe()
    assert installed() == before


def test_later_conflict_keeps_the_stop_at_that_file(layout, installed):
    # each file is installed on its own, in sorted order: the one before the conflict stays
    write_requirements(layout.apps_dir / "a", "probe-nested")
    failing = write_requirements(layout.apps_dir / "b", "wantsnew")
    before = installed()

    result = layout.run("boot", env=ON)

    assert_failed(result, "DEPENDENCY CONFLICT", 4)
    assert str(failing) in result.stdout.split("DEPENDENCY CONFLICT", 1)[1]
    assert installed() == before | {"probe-nested": "1.0"}


def test_broken_environment_after_install_is_fatal(layout, installed):
    # appliba needs applibb<2; the second file replaces applibb with 2.0, which uv
    # installs without looking at appliba: only `uv pip check` notices.
    write_requirements(layout.apps_dir / "a", "appliba")
    write_requirements(layout.apps_dir / "b", "applibb==2.0")

    result = layout.run("boot", env=ON)

    assert_failed(result, "BROKEN ENVIRONMENT", 7)
    assert "appliba" in result.stdout and "applibb" in result.stdout
    assert installed()["applibb"] == "2.0"
