"""handoff: the cache prune (in this process and detached, alongside hassette) with real uv on
a cache of the test's own, and the hand-off itself (an exec, so run in a child process, onto
a stand-in `hassette` that prints what it was given). Each test pins a behaviour a surviving
mutant showed no test noticed."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from hassette_tasks import handoff, uv
from hassette_tasks.console import Console
from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.settings import Settings, Timeout

# the folder the package under test was imported from (under mutmut: its mutated copy)
PACKAGE_ROOT = Path(handoff.__file__).resolve().parents[1]
ELAPSED = re.compile(r"^\[ *(\d+)ms\] (.*)$")


def log(stream: io.StringIO) -> list[tuple[int, str]]:
    """(elapsed ms, message) of each log line."""
    found = []
    for line in stream.getvalue().splitlines():
        matched = ELAPSED.match(line)
        assert matched, f"not a log line: {line!r}"
        found.append((int(matched[1]), matched[2]))
    return found


def python_child(code: str, env: dict[str, str], timeout: float = 120) -> str:
    """Run CODE in a fresh interpreter importing the package under test; its whole output
    (a detached grandchild's too: the pipe closes when the last writer is gone)."""
    paths = [str(PACKAGE_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**os.environ, **env, "PYTHONPATH": os.pathsep.join(paths)},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


@pytest.fixture
def own_cache(tmp_path, monkeypatch) -> Path:
    cache = tmp_path / "uv cache"
    monkeypatch.setenv("UV_CACHE_DIR", str(cache))
    return cache


def test_a_prune_says_it_completed_and_nothing_else(own_cache):
    stream = io.StringIO()

    handoff.prune(Console(env={}, stream=stream))

    lines = log(stream)
    assert len(lines) == 1, lines  # uv's own lines are not echoed
    assert re.fullmatch(r"uv cache prune: complete \(\d+\.\d\ds\)", lines[0][1]), lines


def test_a_failing_prune_is_a_warning_with_uvs_last_line(tmp_path, monkeypatch):
    damaged = tmp_path / "damaged cache"
    (damaged / ".lock").mkdir(parents=True)  # uv cannot take its lock: exit 2
    monkeypatch.setenv("UV_CACHE_DIR", str(damaged))
    stream = io.StringIO()

    handoff.prune(Console(env={}, stream=stream))

    [(_, message)] = log(stream)
    # the last line uv itself says about it
    said = subprocess.run(
        [uv.binary(), "cache", "prune"],
        env=uv.environment(),  # as boot runs uv
        capture_output=True,
        text=True,
        check=False,
    )
    assert said.returncode != 0
    last = (said.stdout + said.stderr).strip().splitlines()[-1]
    assert message == f"warning: uv cache prune failed, continuing: {last}"


def test_a_prune_without_uv_is_a_warning_saying_so(own_cache, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "no programs here"))
    stream = io.StringIO()

    handoff.prune(Console(env={}, stream=stream))

    [(_, message)] = log(stream)
    assert message.startswith("warning: uv cache prune failed, continuing: "), message
    assert message == f"warning: uv cache prune failed, continuing: {uv.UvNotFound()}"


def test_the_detached_prune_keeps_the_booting_processs_clock(own_cache):
    origin = time.monotonic() - 1000  # boot started 1000 s ago

    out = python_child(
        "from hassette_tasks import handoff; handoff.prune_detached()",
        {handoff.CLOCK_ORIGIN: repr(origin)},
    )

    [(ms, message)] = log(io.StringIO(out))
    assert message.startswith("uv cache prune: complete (")
    assert 1_000_000 <= ms < 1_000_000 + 120_000


def test_the_detached_prune_without_a_clock_counts_from_its_own_start(own_cache, monkeypatch):
    monkeypatch.delenv(handoff.CLOCK_ORIGIN, raising=False)

    out = python_child("from hassette_tasks import handoff; handoff.prune_detached()", {})

    [(ms, message)] = log(io.StringIO(out))
    assert message.startswith("uv cache prune: complete (")
    assert 0 <= ms < 60_000


def test_the_prune_alongside_runs_detached_on_the_same_clock(own_cache):
    code = """
        import time
        from hassette_tasks import handoff, uv
        from hassette_tasks.console import Console
        handoff.prune_alongside(Console(started=time.monotonic() - 1000))
        print("returned", flush=True)
    """

    out = python_child(code, {})

    lines = out.splitlines()
    assert lines[0].endswith("] uv cache prune: started alongside hassette"), lines
    assert lines[1] == "returned", lines  # the prune did not hold this process
    [(ms, message)] = log(io.StringIO("\n".join(lines[2:]) + "\n"))
    assert message.startswith("uv cache prune: complete (")
    assert ms >= 1_000_000


def settings_for(root: Path) -> Settings:
    return Settings(
        project_dir=root / "project",
        apps_dir=root / "my apps",
        config_dir=root / "config",
        install_deps=False,
        prune_cache=False,
        constraints=root / "constraints.txt",
        venv=root / "app venv",
        install_timeout=Timeout("HASSETTE__INSTALL_TIMEOUT", "300"),
        requirements_timeout=Timeout("HASSETTE__REQUIREMENTS_TIMEOUT", "120"),
        on_failure="exit",
        force_install=False,
    )


@pytest.mark.parametrize("mode", [None, 0o644])
def test_a_missing_or_unrunnable_hassette_is_an_image_failure(tmp_path, mode):
    settings = settings_for(tmp_path)
    program = settings.venv / "bin" / "hassette"
    if mode is not None:
        program.parent.mkdir(parents=True)
        program.write_text("#!/bin/sh\n")
        program.chmod(mode)
    stream = io.StringIO()

    with pytest.raises(StartupError) as failed:
        handoff.hand_off(settings, Console(env={}, stream=stream), [])

    assert failed.value.failure is Failure.IMAGE
    assert failed.value.what == f"{program} is missing or not executable."
    assert failed.value.todo == "The image may be corrupt: rebuild or pull it again."
    assert stream.getvalue() == ""


STAND_IN = """#!{python}
import json, os, sys
print("HASSETTE " + json.dumps({{"argv": sys.argv, "pid": os.getpid(), "env": dict(os.environ)}}))
"""


def hand_off_in_a_child(tmp_path: Path, env: dict[str, str], note: str) -> tuple[list[str], dict]:
    """The hand-off in a child process: its log lines, and what the stand-in was given."""
    settings = settings_for(tmp_path)
    program = settings.venv / "bin" / "hassette"
    program.parent.mkdir(parents=True)
    program.write_text(STAND_IN.format(python=sys.executable))
    program.chmod(0o755)
    code = f"""
        import os
        from pathlib import Path
        from hassette_tasks import handoff, settings
        from hassette_tasks.console import Console
        root = Path({str(tmp_path)!r})
        chosen = settings.Settings(
            root / "project", root / "my apps", root / "config", False, False,
            root / "constraints.txt", root / "app venv",
            settings.Timeout("HASSETTE__INSTALL_TIMEOUT", "300"),
            settings.Timeout("HASSETTE__REQUIREMENTS_TIMEOUT", "120"), "exit", False,
        )
        args = ["--token", "tok-9", "-x"]
        print("PID", os.getpid(), flush=True)
        if {note!r}:
            handoff.hand_off(chosen, Console(), args, {note!r})
        handoff.hand_off(chosen, Console(), args)  # no note: the default
    """
    out = python_child(code, env)
    lines = out.splitlines()
    [handed] = [
        json.loads(line.removeprefix("HASSETTE ")) for line in lines if "HASSETTE {" in line
    ]
    [pid] = [int(line.split()[1]) for line in lines if line.startswith("PID ")]
    assert handed["pid"] == pid  # the same process: an exec, not a child
    return [line for line in lines if line.startswith("[")], handed


def test_the_hand_off_execs_hassette_run_without_the_start_up_settings(tmp_path):
    env = {"HASSETTE__INSTALL_DEPS": "1", "HASSETTE__FORCE_INSTALL": "0", "HASSETTE__X": "y"}
    env["HASSETTE__APPS__DIRECTORY"] = ""

    logged, handed = hand_off_in_a_child(tmp_path, env, " (a note)")

    program = tmp_path / "app venv" / "bin" / "hassette"
    assert handed["argv"] == [str(program), "run", "--token", "tok-9", "-x"]
    assert "HASSETTE__INSTALL_DEPS" not in handed["env"]
    assert "HASSETTE__FORCE_INSTALL" not in handed["env"]
    assert handed["env"]["HASSETTE__X"] == "y"
    assert handed["env"]["HASSETTE__APPS__DIRECTORY"] == str(tmp_path / "my apps")
    messages = [ELAPSED.match(line)[2] for line in logged]  # type: ignore[index]
    assert messages[0] == (
        "hand-off: start-up settings not passed to hassette: "
        "HASSETTE__FORCE_INSTALL, HASSETTE__INSTALL_DEPS"
    )
    assert messages[1] == f"handing off to hassette (a note): '{program}' run --token **** -x"
    assert len(messages) == 2


def test_a_hand_off_withholding_nothing_says_nothing_about_it(tmp_path, monkeypatch):
    for name in list(os.environ):
        if name.startswith("HASSETTE__"):
            monkeypatch.delenv(name)

    logged, handed = hand_off_in_a_child(tmp_path, {}, "")

    assert len(logged) == 1, logged
    program = tmp_path / "app venv" / "bin" / "hassette"
    assert logged[0].endswith(f"] handing off to hassette: '{program}' run --token **** -x")
    assert handed["argv"][1:] == ["run", "--token", "tok-9", "-x"]


def test_a_prune_failing_without_a_word_is_a_warning_naming_the_exit(tmp_path, monkeypatch):
    silent = tmp_path / "silent uv"
    silent.mkdir()
    (silent / "uv").write_text("#!/bin/sh\nexit 3\n")
    (silent / "uv").chmod(0o755)
    monkeypatch.setenv("PATH", str(silent))
    stream = io.StringIO()

    handoff.prune(Console(env={}, stream=stream))

    [(_, message)] = log(stream)
    assert message == "warning: uv cache prune failed, continuing: uv failed (exit 3)"
