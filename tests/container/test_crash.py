"""`docker kill` at chosen points of a start: the next start of the same container repairs
and ends with exactly what a fresh container has; the start after that trusts it again.

The points come from a `uv` wrapper mounted first on PATH (tests/support/crash.py) that
prints a line at its point (into its log too) and waits; the test sees the line and runs
`docker kill`. "During the copy" is made deterministic as on the host: uv finishes, the
wrapper leaves the package as such a kill does, then waits to be killed.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.container.crashing import tmp_leftovers, venv_state, wrapper_mounts
from tests.container.dockerrun import Mount, docker, write
from tests.support.crash import CRASH_POINT_LINE

pytestmark = pytest.mark.docker

REPAIRING = "repair: the previous start was interrupted during an install"
_fresh_state: dict = {}


@pytest.fixture
def inputs(folders, make_project, base_env):
    """A locked project (appliba, bigpkg) and a requirements file (bigreq, applibc)."""
    project = make_project(folders.make("my apps"), dependencies=("appliba>=1", "bigpkg"))
    config = folders.make("config")
    write(config / "requirements.txt", "bigreq\napplibc\n")
    mounts = [Mount(project, "/apps", read_only=True), Mount(config, "/config", read_only=True)]
    return {**base_env, "HASSETTE__INSTALL_DEPS": "1"}, mounts


@pytest.fixture
def fresh(containers, inputs) -> dict:
    """What a fresh container makes of the inputs (computed once per session)."""
    if not _fresh_state:
        env, mounts = inputs
        name = containers.create("--version", env=env, mounts=mounts)
        first = containers.start_attached(name)
        assert first.exit_code == 0, first.describe()
        _fresh_state.update(venv_state(name))
        assert _fresh_state["record_problems"] == {}
    return _fresh_state


def wait_for_crash_point(log: Path, timeout: float = 180) -> None:
    """The wrapper writes its point to the crash log too (an offline attempt's output is
    not echoed by boot, so the container's log may not show it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.is_file() and CRASH_POINT_LINE in log.read_text():
            return
        time.sleep(0.2)
    raise AssertionError(f"the crash wrapper never reached its point ({log})")


def kill_at(containers, folders, inputs, at: str, mode: str, package: str | None = None) -> str:
    env, mounts = inputs
    log_folder = folders.make("crash log")
    crash_mounts, crash_env = wrapper_mounts(folders.make("crash uv"), log_folder)
    crash_env.update(CRASH_AT=at, CRASH_MODE=mode)
    if package:
        crash_env["CRASH_PACKAGE"] = package
    name = containers.start_detached(
        "--version", env={**env, **crash_env}, mounts=[*mounts, *crash_mounts]
    )
    wait_for_crash_point(log_folder / "fired")
    docker("kill", name)
    assert containers.exit_code(name) == 137
    return name


def assert_repairs_to_fresh(containers, name: str, fresh: dict) -> None:
    repaired = containers.start_attached(name)
    assert repaired.exit_code == 0, repaired.describe()
    assert REPAIRING in repaired.output, repaired.describe()
    assert "project install: complete" in repaired.output
    assert "requirements install: complete" in repaired.output

    state = venv_state(name)
    assert state["record_problems"] == {}
    assert state["freeze"] == fresh["freeze"]
    assert state["files"] == fresh["files"]
    assert tmp_leftovers(containers, name) == []

    again = containers.start_attached(name)
    assert again.exit_code == 0, again.describe()
    assert "project install: up to date" in again.output, again.describe()
    assert "repair:" not in again.output


def test_killed_before_uv_runs(containers, folders, inputs, fresh):
    name = kill_at(containers, folders, inputs, "export", "hold")

    assert tmp_leftovers(containers, name) != []
    assert_repairs_to_fresh(containers, name, fresh)


def test_killed_during_the_copy_of_a_locked_package(containers, folders, inputs, fresh):
    name = kill_at(containers, folders, inputs, "locked-requirements.txt", "pause", "bigpkg")

    assert venv_state(name)["record_problems"] != {}
    assert_repairs_to_fresh(containers, name, fresh)


def test_killed_during_the_project_build(containers, folders, inputs, fresh):
    name = kill_at(containers, folders, inputs, "--no-deps", "running")

    assert tmp_leftovers(containers, name) != []
    assert_repairs_to_fresh(containers, name, fresh)


def test_killed_during_a_requirements_install(containers, folders, inputs, fresh):
    """The dist-info keeps RECORD but loses METADATA: uv itself then refuses every install."""
    name = kill_at(containers, folders, inputs, "-r requirements.txt", "pause-nometa", "bigreq")

    assert_repairs_to_fresh(containers, name, fresh)


def test_killed_after_the_hand_off(containers, inputs):
    env, mounts = inputs
    # hassette keeps running (retrying an absent Home Assistant) until it is killed
    env = {**env, "HASSETTE__TOKEN": "not-a-real-token", "HASSETTE__BASE_URL": "http://127.0.0.1:9"}
    name = containers.start_detached(env=env, mounts=mounts)
    containers.wait_for_log(name, "handing off to hassette")
    docker("kill", name, check=False)

    docker("start", name)
    logs = wait_for_count(containers, name, "handing off to hassette", 2)
    docker("kill", name, check=False)

    second = logs.split("handing off to hassette", 1)[1]
    assert "project install: up to date" in second, logs
    assert "requirements install: up to date" in second, logs
    assert "repair:" not in logs


def wait_for_count(containers, name: str, text: str, count: int, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while True:
        logs = containers.logs(name)
        if logs.count(text) >= count:
            return logs
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} not seen {count} times in {name}:\n{logs}")
        time.sleep(0.25)
