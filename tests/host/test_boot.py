"""boot without a project: the hand-off, its arguments, exit code, settings and log format."""

from __future__ import annotations

import pytest

from tests.host.conftest import assert_failed, assert_ok, write_requirements
from tests.support.packages import HASSETTE_VERSION
from tests.support.tasks_runner import PHASE_LINE

DISABLED = "requirements install: disabled (set HASSETTE__INSTALL_DEPS=1 to enable)"
TIMEOUTS = ["HASSETTE__INSTALL_TIMEOUT", "HASSETTE__REQUIREMENTS_TIMEOUT"]


def test_no_project_hands_off_to_hassette(layout, installed):
    before = installed()

    result = layout.run("boot")

    assert_ok(result)
    assert "project install: skipped (no project" in result.stdout
    assert DISABLED in result.stdout
    assert f"environment: hassette {HASSETTE_VERSION}" in result.stdout
    assert "handing off to hassette" in result.stdout
    assert installed() == before


def test_hand_off_keeps_the_pid(layout):
    result = layout.run("boot")

    ran = assert_ok(result)
    # exec, not a child: the process invoke ran in is the one hassette printed
    assert ran["pid"] == result.pid, result.describe()


def test_hand_off_passes_hassettes_exit_code(layout):
    result = layout.run("boot", env={"FAKE_HASSETTE_EXIT": "3"})

    assert result.exit_code == 3, result.describe()
    assert result.hassette() is not None


ARGS = ["--config", "/config/my file.toml", "it's", 'say "hi"', "", "a  b", "--", "$HOME", "*"]


@pytest.mark.parametrize("task", ["boot", "start"])
def test_hand_off_passes_arguments_exactly(layout, task):
    result = layout.run(task, "--", *ARGS)

    ran = assert_ok(result)
    assert ran["argv"] == ARGS


def test_start_alone_hands_off(layout):
    result = layout.run("start", "--", "--dev")

    ran = assert_ok(result)
    assert ran["argv"] == ["--dev"]
    assert ran["pid"] == result.pid


def test_every_phase_line_starts_with_elapsed_milliseconds(layout):
    write_requirements(layout.config_dir, "probe-config")
    result = layout.run("boot", env={"HASSETTE__INSTALL_DEPS": "1"})

    assert_ok(result)
    ours = [
        line
        for line in result.stdout.splitlines()
        if line.strip() and not line.startswith((" ", '{"pid"'))
    ]
    assert len(ours) >= 5, result.describe()
    for line in ours:
        assert PHASE_LINE.match(line), f"not a phase line: {line!r}\n{result.describe()}"
    for phrase in (
        "environment:",
        "project install: skipped",
        "Installing requirements from",
        "requirements install: complete (1 file(s)",
        "handing off to hassette",
    ):
        assert any(phrase in line for line in ours), phrase


@pytest.mark.parametrize("variable", TIMEOUTS)
def test_bad_timeout_is_a_config_error_before_anything_installs(layout, installed, variable):
    write_requirements(layout.apps_dir, "probe-nested")
    before = installed()

    result = layout.run("boot", env={"HASSETTE__INSTALL_DEPS": "1", variable: "abc"})

    assert_failed(result, "CONFIGURATION ERROR", 2)
    assert variable in result.stdout
    assert "'abc'" in result.stdout
    assert installed() == before


def test_missing_constraints_is_an_error_naming_the_variable(layout, installed):
    write_requirements(layout.apps_dir, "probe-nested")
    missing = layout.root / "no such constraints.txt"
    before = installed()

    result = layout.run(
        "boot", env={"HASSETTE__INSTALL_DEPS": "1", "HASSETTE__CONSTRAINTS": str(missing)}
    )

    assert_failed(result, "CONFIGURATION ERROR", 2)
    assert "HASSETTE__CONSTRAINTS" in result.stdout
    assert str(missing) in result.stdout
    assert "Installing requirements from" not in result.stdout
    assert installed() == before


def test_missing_constraints_does_not_matter_when_nothing_installs(layout):
    result = layout.run("boot", env={"HASSETTE__CONSTRAINTS": str(layout.root / "nope.txt")})

    assert_ok(result)


def test_missing_hassette_is_a_clear_error(layout):
    result = layout.run("boot", env={"HASSETTE__VENV": str(layout.root / "no venv")})

    assert_failed(result, "HASSETTE NOT INSTALLED", 10)
    assert "corrupt" in result.stdout


def test_prune_runs_by_default_and_can_be_disabled(layout):
    pruned = layout.run("boot")
    assert_ok(pruned)
    assert "uv cache prune: complete" in pruned.stdout

    disabled = layout.run("boot", env={"HASSETTE__PRUNE_UV_CACHE": "0"})
    assert_ok(disabled)
    assert "uv cache prune: disabled" in disabled.stdout
    assert "uv cache prune: complete" not in disabled.stdout


def test_prune_task(layout):
    result = layout.run("prune")

    assert result.exit_code == 0, result.describe()
    assert "uv cache prune: complete" in result.stdout


@pytest.mark.faults
def test_failing_prune_is_only_a_warning(layout):
    # a damaged cache: uv cannot take its lock, so `uv cache prune` fails (exit 2)
    damaged = layout.root / "damaged cache"
    (damaged / ".lock").mkdir(parents=True)
    env = {"UV_CACHE_DIR": str(damaged)}

    alone = layout.run("prune", env=env)
    assert alone.exit_code == 0, alone.describe()
    assert "warning: uv cache prune failed" in alone.stdout

    booted = layout.run("boot", env=env)
    assert_ok(booted)
    assert "warning: uv cache prune failed" in booted.stdout


def test_prune_setting_other_than_0_or_1_warns(layout):
    result = layout.run("boot", env={"HASSETTE__PRUNE_UV_CACHE": "yes"})

    assert_ok(result)
    assert "HASSETTE__PRUNE_UV_CACHE" in result.stdout and "warning" in result.stdout
    assert "uv cache prune: complete" not in result.stdout


START_UP_SETTINGS = {
    "HASSETTE__INSTALL_DEPS": "1",
    "HASSETTE__PRUNE_UV_CACHE": "0",
    "HASSETTE__INSTALL_TIMEOUT": "300",
    "HASSETTE__REQUIREMENTS_TIMEOUT": "120",
    "HASSETTE__ON_FAILURE": "exit",
    "HASSETTE__FORCE_INSTALL": "0",
    "HASSETTE__APP_DIR": "/old/apps",
}


@pytest.mark.parametrize("task", ["boot", "start"])
def test_hassette_is_handed_none_of_the_start_up_settings(layout, task):
    env = {**START_UP_SETTINGS, "HASSETTE__TOKEN": "tok-123456", "HASSETTE__APPS__DIRECTORY": None}
    result = layout.run(task, env=env)

    ran = assert_ok(result)
    handed = ran["env"]
    # the layout's own settings (project dir, venv, constraints) are withheld too
    assert not [name for name in handed if name in START_UP_SETTINGS], handed
    for name in ("HASSETTE__PROJECT_DIR", "HASSETTE__VENV", "HASSETTE__CONSTRAINTS"):
        assert name not in handed, handed
    assert handed["HASSETTE__TOKEN"] == "tok-123456"
    assert handed["HASSETTE__APPS__DIRECTORY"] == "/old/apps"
    assert "hand-off: start-up settings not passed to hassette: " in result.stdout
    assert "HASSETTE__APP_DIR, HASSETTE__CONSTRAINTS" in result.stdout


def test_hassettes_own_settings_pass_untouched(layout):
    result = layout.run("boot", env={"HASSETTE__DATA_DIR": "/d"})

    handed = assert_ok(result)["env"]
    assert handed["HASSETTE__APPS__DIRECTORY"] == str(layout.apps_dir)
    assert handed["HASSETTE__CONFIG_DIR"] == str(layout.config_dir)
    assert handed["HASSETTE__DATA_DIR"] == "/d"


def test_without_an_apps_setting_hassette_gets_boots_default(layout):
    result = layout.run("boot", env={"HASSETTE__APPS__DIRECTORY": None})

    assert assert_ok(result)["env"]["HASSETTE__APPS__DIRECTORY"] == "/apps"


def test_token_on_the_command_line_is_not_logged(layout):
    result = layout.run("boot", "--", "--token", "cli-secret-99", "--dev-mode")

    ran = assert_ok(result)
    assert ran["argv"] == ["--token", "cli-secret-99", "--dev-mode"]
    boots_lines = "\n".join(result.phase_lines()) + result.stderr
    assert "cli-secret-99" not in boots_lines
    assert "run --token **** --dev-mode" in boots_lines
