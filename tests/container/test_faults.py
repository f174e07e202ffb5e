"""Faults in a real container: a refusing or hung index, bad input, secrets, signals, a full
temporary folder. Each must end in a clear banner and a non-zero exit (or, in halt mode,
an idle container that stops promptly)."""

from __future__ import annotations

import os

import pytest

from tests.container.conftest import HANG_URL
from tests.container.dockerrun import Mount, write

pytestmark = [pytest.mark.docker, pytest.mark.faults]

# a host on the compose network where nothing listens on this port
REFUSING_URL = "http://index:9/simple"


@pytest.fixture
def config_with_requirements(folders):
    config = folders.make("config dir")
    write(config / "requirements.txt", "tinydep\n")
    return Mount(config, "/config", read_only=True)


def test_index_refuses_connections(containers, config_with_requirements, base_env):
    run = containers.run(
        "--version",
        mounts=[config_with_requirements],
        env={**base_env, "HASSETTE__INSTALL_DEPS": "1", "UV_INDEX_URL": REFUSING_URL},
    )

    assert run.exit_code == 5, run.describe()
    assert "PACKAGE INDEX UNREACHABLE" in run.output
    assert "handing off" not in run.output


def test_hung_index_times_out(containers, config_with_requirements, base_env):
    run = containers.run(
        "--version",
        mounts=[config_with_requirements],
        env={
            **base_env,
            "HASSETTE__INSTALL_DEPS": "1",
            "UV_INDEX_URL": HANG_URL,
            "HASSETTE__REQUIREMENTS_TIMEOUT": "3",
        },
        timeout=60,
    )

    assert run.exit_code == 6, run.describe()
    assert "INSTALL TIMED OUT" in run.output
    assert "timed out after 3s" in run.output
    assert run.seconds < 20, run.describe()


def test_malformed_lock_is_an_export_failure(containers, folders, make_project, base_env):
    project = make_project(folders.make("apps"))
    (project / "uv.lock").write_text("version = 1\n[[package]\nname = \n")

    run = containers.run(
        "--version", env=base_env, mounts=[Mount(project, "/apps", read_only=True)]
    )

    assert run.exit_code == 3, run.describe()
    assert "EXPORT FAILED" in run.output
    assert "uv lock" in run.output
    assert "handing off" not in run.output


TOKEN = "tok-3f9a1c77e2b54d0a"
PASSWORD = "pw-91be7d2c44"


@pytest.mark.parametrize("reachable", [True, False], ids=["install works", "index refuses"])
def test_secrets_never_appear_in_the_output(
    containers, config_with_requirements, base_env, reachable
):
    """Neither uv's output nor the hand-off line (which shows hassette's arguments) may
    show the token or the password; hassette's own `--version` ignores the extras."""
    host = "index:8000" if reachable else "index:9"
    url = f"http://alice:{PASSWORD}@{host}/simple"
    run = containers.run(
        "--version",
        f"--token={TOKEN}",
        url,
        mounts=[config_with_requirements],
        env={
            **base_env,
            "HASSETTE__INSTALL_DEPS": "1",
            "HASSETTE__TOKEN": TOKEN,
            "UV_INDEX_URL": url,
            "UV_HTTP_RETRIES": "0",
        },
    )

    assert run.exit_code == (0 if reachable else 5), run.describe()
    if reachable:
        assert "handing off to hassette" in run.output
        assert "--token=****" in run.output
    assert TOKEN not in run.output
    assert PASSWORD not in run.output


def test_sigterm_during_a_slow_install_stops_promptly(containers, folders, make_project, base_env):
    project = make_project(folders.make("my apps"))
    name = containers.start_detached(
        "--version",
        mounts=[Mount(project, "/apps", read_only=True)],
        env={**base_env, "UV_INDEX_URL": HANG_URL},
    )
    containers.wait_for_log(name, "project install: installing 2 locked package(s)")

    seconds = containers.stop(name, grace=10)

    logs = containers.logs(name)
    assert seconds < 5, f"docker stop took {seconds:.1f}s (SIGKILL after 10 s?):\n{logs}"
    assert containers.exit_code(name) == 143, logs  # 128 + SIGTERM, not 137 (SIGKILL)
    assert "INTERRUPTED" in logs
    assert "handing off" not in logs
    # the private copy is gone and nothing claims the install finished
    assert not [p for p in containers.files(name, "/tmp") if "hassette-tasks-" in p], logs
    assert not containers.exists(name, "/app/.venv/.hassette-tasks-record.json")


def test_project_install_timeout(containers, folders, make_project, base_env):
    project = make_project(folders.make("my apps"))

    run = containers.run(
        "--version",
        mounts=[Mount(project, "/apps", read_only=True)],
        env={**base_env, "UV_INDEX_URL": HANG_URL, "HASSETTE__INSTALL_TIMEOUT": "3"},
        timeout=60,
    )

    assert run.exit_code == 6, run.describe()
    assert "installing the locked dependencies timed out after 3s" in run.output
    assert "HASSETTE__INSTALL_TIMEOUT" in run.output


def test_halt_mode_stays_up_after_a_conflict_and_stops_promptly(
    containers, folders, conflict, base_env
):
    config = folders.make("config")
    write(config / "requirements.txt", f"{conflict.pin}\n")
    name = containers.start_detached(
        "--version",
        mounts=[Mount(config, "/config", read_only=True)],
        env={**base_env, "HASSETTE__INSTALL_DEPS": "1", "HASSETTE__ON_FAILURE": "halt"},
    )

    logs = containers.wait_for_log(name, "on failure: halt")
    assert "DEPENDENCY CONFLICT" in logs
    assert containers.running(name), logs
    seconds = containers.stop(name, grace=10)

    logs = containers.logs(name)
    assert seconds < 5, f"docker stop took {seconds:.1f}s:\n{logs}"
    assert containers.exit_code(name) == 4, logs
    assert "handing off" not in logs


def test_full_temporary_folder_is_a_clear_error(containers, folders, make_project, base_env):
    project = make_project(folders.make("big project"))
    (project / "src" / "myapps" / "data.bin").write_bytes(os.urandom(2 * 1024 * 1024))

    run = containers.run(
        "--version",
        env={**base_env, "TMPDIR": "/tmp"},
        mounts=[Mount(project, "/apps", read_only=True)],
        options=["--tmpfs", "/tmp:size=1m"],
    )

    assert run.exit_code == 11, run.describe()
    assert "NO SPACE LEFT" in run.output
    assert "handing off" not in run.output
