"""tasks: the invoke layer's own decisions, in process: which short flag each task has,
what reaches hassette after `--`, where data and log lines go, and which name a project
folder problem is said with (tests found by nox -s mutate -- tasks; the tasks themselves
run as a user runs them in tests/host/test_mut_tasks.py)."""

from __future__ import annotations

import io
import sys

import pytest
from invoke.context import Context
from invoke.exceptions import Exit

from hassette_tasks import ns, tasks
from hassette_tasks.console import Console


def flag_names(task_name: str) -> dict[str, tuple[str, ...]]:
    return {arg.name: tuple(arg.names) for arg in ns[task_name].get_arguments()}


def test_each_flag_in_the_table_has_its_letter_and_no_other_flag_has_one():
    for task_name in ns.task_names:
        for name, names in flag_names(task_name).items():
            dashed = name.replace("_", "-")
            expected = (dashed, tasks.SHORT_FLAGS[name]) if name in tasks.SHORT_FLAGS else (dashed,)
            assert names == expected, (task_name, name, names)


def test_boots_flags_and_their_letters():
    assert flag_names("boot") == {
        "dry_run": ("dry-run", "d"),
        "force": ("force", "f"),
        "project_dir": ("project-dir", "p"),
        "apps_dir": ("apps-dir", "a"),
        "config_dir": ("config-dir",),
        "venv": ("venv", "v"),
        "constraints": ("constraints", "c"),
    }


@pytest.mark.parametrize(
    ("argv", "handed_on"),
    [
        (["invoke", "start"], []),
        (["invoke", "start", "--"], []),
        (["invoke", "start", "--", "run", "--verbose"], ["run", "--verbose"]),
        (["invoke", "boot", "--", "--", "-x", "--"], ["--", "-x", "--"]),  # after the first
    ],
)
def test_hassettes_arguments_are_those_after_the_first_double_dash(monkeypatch, argv, handed_on):
    monkeypatch.setattr(sys, "argv", argv)
    assert tasks.hassette_args() == handed_on


def test_data_goes_to_stdout_whole_and_nothing_else_does(capsys):
    log = io.StringIO()
    tasks._emit(Console(env={}, stream=log), "export", "appliba==1.0\n", None)
    assert capsys.readouterr().out == "appliba==1.0\n"
    assert log.getvalue() == ""


def test_data_for_a_file_goes_to_the_file_and_the_log_says_so(capsys, tmp_path):
    log = io.StringIO()
    target = tmp_path / "out dir" / "reqs.txt"
    target.parent.mkdir()
    tasks._emit(Console(env={}, stream=log), "export", "appliba==1.0\n", str(target))
    assert target.read_text() == "appliba==1.0\n"
    assert capsys.readouterr().out == ""
    assert log.getvalue().endswith(f"] export: wrote {target}\n")


def run_task(call, *args, **kwargs) -> int:
    """The task's exit code (0 when it returns)."""
    try:
        call(Context(), *args, **kwargs)
    except Exit as stop:
        return stop.code
    return 0


def test_a_missing_project_folder_names_the_flag_that_gave_it(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("HASSETTE__PROJECT_DIR", raising=False)
    missing = tmp_path / "no project"
    assert run_task(tasks.install_locked, project_dir=str(missing)) == 2
    out = capsys.readouterr().out
    assert f"--project-dir: the project folder {missing} does not exist" in out, out


def test_a_missing_project_folder_from_the_variable_names_the_variable(
    capsys, tmp_path, monkeypatch
):
    missing = tmp_path / "no project"
    monkeypatch.setenv("HASSETTE__PROJECT_DIR", str(missing))
    monkeypatch.setenv("HASSETTE__VENV", str(tmp_path / "venv"))
    assert run_task(tasks.export) == 2
    captured = capsys.readouterr()
    # export prints data on stdout: its banner goes to stderr
    assert captured.out == ""
    assert f"HASSETTE__PROJECT_DIR: the project folder {missing} does not exist" in captured.err


def test_a_task_that_writes_a_file_logs_on_stdout(capsys, tmp_path, fake_venv):
    target = tmp_path / "constraints.txt"
    venv = fake_venv(hassette_version="1.0")
    assert run_task(tasks.constraints, venv=str(venv), output=str(target)) == 0
    captured = capsys.readouterr()
    assert captured.out.endswith(f"] constraints: wrote {target}\n") and captured.err == ""
    assert target.read_text().endswith("hassette==1.0\n")


def test_without_output_the_data_is_stdout_and_a_failure_is_on_stderr(capsys, tmp_path):
    assert run_task(tasks.constraints, venv=str(tmp_path / "no venv")) == 10
    captured = capsys.readouterr()
    assert captured.out == "" and "HASSETTE NOT INSTALLED" in captured.err


def test_settings_names_prints_the_list_alone_on_stdout(capsys, tmp_path):
    python = tmp_path / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("#!/bin/sh\nprintf '{\"format\": 1}\\n'\n")
    python.chmod(0o755)
    assert run_task(tasks.settings_names, venv=str(tmp_path / "venv")) == 0
    assert capsys.readouterr() == ('{"format": 1}\n', "")


def test_settings_names_without_a_list_warns_on_stderr_and_succeeds(capsys, tmp_path):
    python = tmp_path / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("#!/bin/sh\necho 'this hassette has no settings check' >&2\nexit 3\n")
    python.chmod(0o755)
    assert run_task(tasks.settings_names, venv=str(tmp_path / "venv")) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.endswith(
        "] warning: settings-names: no list (this hassette has no settings check)\n"
    )


def test_a_boot_failure_without_halt_says_how_to_halt_and_exits(capsys, tmp_path, monkeypatch):
    """boot is the one task that may halt on failure; without HASSETTE__ON_FAILURE=halt it
    says so and exits with the failure's code."""
    monkeypatch.delenv("HASSETTE__ON_FAILURE", raising=False)
    monkeypatch.setenv("HASSETTE_TASKS_HEALTH", "0")
    assert run_task(tasks.boot, venv=str(tmp_path / "no venv")) == 10
    out = capsys.readouterr().out
    assert "HASSETTE NOT INSTALLED" in out
    assert out.endswith(
        "] on failure: exit (set HASSETTE__ON_FAILURE=halt to stay up instead of restarting "
        "in a loop)\n"
    ), out


def test_only_boot_may_halt(capsys, tmp_path, monkeypatch):
    """HASSETTE__ON_FAILURE=halt keeps a failed boot up; a failed step run by hand exits."""
    monkeypatch.setenv("HASSETTE__ON_FAILURE", "halt")
    monkeypatch.setenv("HASSETTE__VENV", str(tmp_path / "no venv"))
    assert run_task(tasks.constraints) == 10
    assert "on failure" not in capsys.readouterr().err
