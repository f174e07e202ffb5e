"""Fault injection: silent, refusing and failing indexes, corrupt wheels, signals, secrets."""

from __future__ import annotations

import signal
import time

import pytest

from tests.host.conftest import (
    ON,
    assert_failed,
    assert_halts_until_sigterm,
    assert_ok,
    from_index,
    locked_project,
    write_requirements,
)
from tests.support import packages
from tests.support.index_server import IndexServer, free_port

pytestmark = pytest.mark.faults


@pytest.fixture
def served_index(layout, tmp_path):
    """The test wheels plus a corrupt one, as a PEP 503 index over HTTP."""
    folder = tmp_path / "index"
    packages.write_simple_index(layout.wheels, folder)
    page = folder / "simple" / "corruptpkg"
    packages.write_corrupt_wheel(page)
    (page / "index.html").write_text(
        '<a href="corruptpkg-1.0-py3-none-any.whl">corruptpkg-1.0-py3-none-any.whl</a>\n'
    )
    with IndexServer("serve", root=folder, lifetime=60) as server:
        yield server


def test_requirements_install_from_a_served_index(layout, installed, served_index):
    write_requirements(layout.apps_dir, "appliba")

    result = layout.run("boot", env=ON | from_index(f"{served_index.url}/simple"))

    assert_ok(result)
    assert installed()["applibb"] == "1.0"


def test_corrupt_wheel_stops_the_start(layout, installed, served_index):
    write_requirements(layout.apps_dir, "corruptpkg")
    before = installed()

    result = layout.run("boot", env=ON | from_index(f"{served_index.url}/simple"))

    # a broken file on the index, not a conflict the user's requirements could fix
    assert_failed(result, "INSTALL FAILED", 8)
    assert "DEPENDENCY CONFLICT" not in result.stdout
    assert installed() == before


def assert_stopped_by_timeout(result, variable, layout, installed, before) -> None:
    """`timed out after 2s` naming VARIABLE, promptly, venv as it was, no temp folder."""
    assert_failed(result, "timed out after 2s", 6)
    assert variable in result.stdout
    assert result.seconds < 12, f"took {result.seconds:.1f}s"
    assert installed() == before
    assert layout.leftover_temp_dirs() == []


def test_locked_install_times_out_against_a_silent_index(
    layout, installed, fixture_uv_env, hang_index
):
    locked_project(layout, fixture_uv_env)
    before = installed()

    result = layout.run(
        "boot",
        env=from_index(f"{hang_index.url}/simple") | {"HASSETTE__INSTALL_TIMEOUT": "2"},
        timeout=30,
    )

    assert_stopped_by_timeout(result, "HASSETTE__INSTALL_TIMEOUT", layout, installed, before)


def test_requirements_install_times_out_against_a_silent_index(layout, installed, hang_index):
    write_requirements(layout.apps_dir, "applibc")
    before = installed()

    result = layout.run(
        "boot",
        env=ON | from_index(f"{hang_index.url}/simple") | {"HASSETTE__REQUIREMENTS_TIMEOUT": "2"},
        timeout=30,
    )

    assert_stopped_by_timeout(result, "HASSETTE__REQUIREMENTS_TIMEOUT", layout, installed, before)


def test_refused_connection_says_the_index_is_unreachable(layout, installed):
    write_requirements(layout.apps_dir, "applibc")
    before = installed()

    result = layout.run("boot", env=ON | from_index(f"http://127.0.0.1:{free_port()}/simple"))

    assert_failed(result, "PACKAGE INDEX UNREACHABLE", 5)
    assert installed() == before


def test_server_error_says_the_index_is_unreachable(layout, fixture_uv_env, error_index):
    locked_project(layout, fixture_uv_env)

    result = layout.run("boot", env=from_index(f"{error_index.url}/simple"))

    assert_failed(result, "PACKAGE INDEX UNREACHABLE", 5)
    assert layout.leftover_temp_dirs() == []


TOKEN = "tok-3f9a1c77-secret"
PASSWORD = "hunter2-pa55word"


@pytest.mark.parametrize("index", ["error", "served"])
def test_secrets_never_appear_in_the_output(
    layout, fixture_uv_env, error_index, served_index, index
):
    locked_project(layout, fixture_uv_env)
    write_requirements(layout.apps_dir / "more", "applibc")
    server = error_index if index == "error" else served_index
    url = f"http://alice:{PASSWORD}@127.0.0.1:{server.port}/simple"
    env = (
        ON
        | from_index(url)
        | {
            "HASSETTE__TOKEN": TOKEN,
            "UV_EXTRA_INDEX_URL": f"http://__token__:{TOKEN}@127.0.0.1:{server.port}/simple",
            "UV_INDEX_STRATEGY": "unsafe-best-match",
        }
    )

    result = layout.run("boot", "--", "--token", TOKEN, env=env)

    if index == "error":
        assert_failed(result, "PACKAGE INDEX UNREACHABLE", 5)
    else:
        assert_ok(result)
    # hassette's own output (the stand-in echoes its argv) is not ours to redact
    ours = "\n".join(line for line in result.output.splitlines() if not line.startswith('{"pid"'))
    assert TOKEN not in ours, result.describe()
    assert PASSWORD not in ours, result.describe()
    if index == "served":  # the hand-off line shows the argument, redacted
        assert "--token ****" in ours, result.describe()


def test_no_temp_dir_is_left_after_success_or_failure(layout, fixture_uv_env):
    project = locked_project(layout, fixture_uv_env)
    assert_ok(layout.run("boot"))
    assert layout.leftover_temp_dirs() == []

    packages.write_project(project, dependencies=("wantsnew",))
    packages.lock_project(project, [layout.wheels], fixture_uv_env)
    assert layout.run("boot").exit_code == 4
    assert layout.leftover_temp_dirs() == []


def test_sigterm_during_install_stops_promptly_and_the_next_boot_completes(
    layout, installed, fixture_uv_env, hang_index
):
    locked_project(layout, fixture_uv_env)
    running = layout.spawn("boot", env=from_index(f"{hang_index.url}/simple"))
    running.wait_for("locked package(s) with constraints")
    hang_index.wait_for_connection(timeout=30)  # uv is now waiting on the silent index
    assert layout.leftover_temp_dirs(), "the install should be using a private temp dir"

    stopped_at = time.monotonic()
    running.signal(signal.SIGTERM)
    result = running.finish(timeout=10)

    assert result.exit_code not in (0, None), result.describe()
    assert time.monotonic() - stopped_at < 5
    assert "INTERRUPTED" in result.stdout
    assert result.hassette() is None
    assert layout.leftover_temp_dirs() == []
    assert "myapps" not in installed()

    again = layout.run("boot")

    assert_ok(again)
    assert "project install: complete" in again.stdout
    assert installed()["myapps"] == "0.1.0"


def test_halt_mode_stays_up_after_a_conflict_until_sigterm(layout):
    write_requirements(layout.apps_dir, "wantsnew")
    running = layout.spawn("boot", env=ON | {"HASSETTE__ON_FAILURE": "halt"})

    assert_halts_until_sigterm(running, "DEPENDENCY CONFLICT", 4)


def test_halt_mode_applies_to_configuration_errors(layout):
    running = layout.spawn(
        "boot", env={"HASSETTE__ON_FAILURE": "halt", "HASSETTE__INSTALL_TIMEOUT": "abc"}
    )

    assert_halts_until_sigterm(running, "CONFIGURATION ERROR", 2)
