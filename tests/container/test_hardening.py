"""Containers a cautious operator runs: a read-only root file system, a foreign uid.

Both make /app/.venv unwritable. Boot must say so, and what to do, before uv runs (not
bury it in uv's words), leave the venv as it was, and still start hassette when nothing
needs installing.
"""

from __future__ import annotations

import pytest

from tests.container.dockerrun import Mount

pytestmark = [pytest.mark.docker, pytest.mark.faults]

BANNER = "APP ENVIRONMENT NOT WRITABLE"
EXIT = 12
READ_ONLY = ["--read-only", "--tmpfs", "/tmp"]


@pytest.fixture
def project(folders, make_project):
    return Mount(make_project(folders.make("apps")), "/apps", read_only=True)


def test_read_only_root_with_a_project_says_so_before_uv_runs(containers, project, base_env):
    run = containers.run("--version", env=base_env, mounts=[project], options=READ_ONLY)

    assert run.exit_code == EXIT, run.describe()
    assert BANNER in run.output
    assert "read-only file system" in run.output
    assert "--read-only" in run.output  # what to do: drop it, or build an image of your own
    assert "RUN hassette-tasks bake" in run.output  # the README's recipe for that image
    assert "install-locked" not in run.output
    assert "project install: exporting" not in run.output, "uv ran anyway"
    assert "handing off" not in run.output


def test_read_only_root_without_installs_still_starts_hassette(containers, base_env):
    run = containers.run("--version", env=base_env, options=READ_ONLY)

    assert run.exit_code == 0, run.describe()
    assert "handing off to hassette" in run.output
    assert BANNER not in run.output


def test_foreign_uid_with_a_project_names_the_uid_and_the_owner(containers, project, base_env):
    run = containers.run("--version", env=base_env, mounts=[project], user="4242:4242")

    assert run.exit_code == EXIT, run.describe()
    assert BANNER in run.output
    assert "uid 4242" in run.output and "belongs to uid 1000" in run.output, run.output
    assert "--user" in run.output
    assert "RUN hassette-tasks bake" in run.output
    assert "project install: exporting" not in run.output, "uv ran anyway"


def test_foreign_uid_in_halt_mode_stays_up_with_the_banner(containers, project, base_env):
    name = containers.start_detached(
        "--version",
        env={**base_env, "HASSETTE__ON_FAILURE": "halt"},
        mounts=[project],
        user="4242:4242",
    )

    log = containers.wait_for_log(name, BANNER)
    assert containers.running(name), log
    containers.stop(name)
    assert containers.exit_code(name) == EXIT, containers.logs(name)


def test_a_token_given_on_the_command_line_is_not_logged(containers, base_env):
    secret = "cli-token-5c1f9e"
    run = containers.run("--token", secret, "--version", env=base_env)

    assert run.exit_code == 0, run.describe()
    assert "hassette run --token **** --version" in run.output, run.output
    assert secret not in run.output
