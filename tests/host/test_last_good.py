"""The last good environment (hassette_tasks/last_good.py), on the host with real uv.

The index is a local server; "the network is down" is that server stopped, so its port
refuses (uv's cache is kept per index address, so the address must stay the same).
"""

from __future__ import annotations

import shutil
import signal

import pytest

from hassette_tasks import integrity, last_good, state
from tests.host.conftest import (
    ON,
    assert_failed,
    assert_ok,
    from_index,
    locked_project,
    write_requirements,
)
from tests.support import packages
from tests.support.crash import write_crash_wrapper
from tests.support.index_server import IndexServer


@pytest.fixture
def index_folder(layout, tmp_path):
    folder = tmp_path / "index"
    packages.write_simple_index(layout.wheels, folder)
    return folder


def serve(folder, port=0) -> IndexServer:
    return IndexServer("serve", root=folder, port=port, lifetime=120, cache_control="no-cache")


def test_a_change_the_network_cannot_bring_starts_on_the_last_good_venv(
    layout, installed, index_folder
):
    server = serve(index_folder).start()
    env = ON | from_index(f"{server.url}/simple")
    write_requirements(layout.apps_dir, "applibc==1.0")
    assert_ok(layout.run("boot", env=env))
    record = state.record_path(layout.venv).read_bytes()
    good = installed()
    server.stop()
    write_requirements(layout.apps_dir, "applibc==1.0", "appliba")  # never cached

    result = layout.run("boot", env=env)

    assert_ok(result)
    assert last_good.TITLE in result.stdout, result.stdout
    assert "Not installed: the requirements (appliba not in the local cache)" in result.stdout
    assert any(
        "handing off to hassette (the last good environment" in line for line in result.lines
    ), result.stdout
    assert "Traceback" not in result.output
    assert installed() == good
    assert state.record_path(layout.venv).read_bytes() == record  # kept as it was
    assert not integrity.interrupted(layout.venv)

    with serve(index_folder, port=server.port):  # the network is back
        again = layout.run("boot", env=env)

    assert_ok(again)
    assert last_good.TITLE not in again.stdout
    assert installed()["appliba"] == "1.0"
    assert state.record_path(layout.venv).read_bytes() != record


def test_a_conflict_still_fails_with_a_last_good_venv(layout, installed, index_folder):
    with serve(index_folder) as server:
        env = ON | from_index(f"{server.url}/simple")
        write_requirements(layout.apps_dir, "applibc==1.0")
        assert_ok(layout.run("boot", env=env))
        write_requirements(layout.apps_dir, "applibb==1.0", "applibb==2.0")

        result = layout.run("boot", env=env)

    assert_failed(result, "DEPENDENCY CONFLICT", 4)
    assert last_good.TITLE not in result.stdout


def test_a_start_that_never_succeeded_has_no_last_good_venv(layout, installed, index_folder):
    server = serve(index_folder).start()
    env = ON | from_index(f"{server.url}/simple")
    server.stop()
    write_requirements(layout.apps_dir, "appliba")

    result = layout.run("boot", env=env)

    assert_failed(result, "PACKAGE INDEX UNREACHABLE", 5)
    assert "The network is needed once for appliba" in result.stdout
    assert last_good.TITLE not in result.stdout


def test_dry_run_names_the_branches_without_running_uv(layout, installed, index_folder, uv_calls):
    with serve(index_folder) as server:
        env = ON | from_index(f"{server.url}/simple")
        write_requirements(layout.apps_dir, "applibc==1.0")
        first = layout.run("boot", "--dry-run", env=env)
        assert uv_calls() == [], "a dry run ran uv"
        assert_ok(layout.run("boot", env=env))
        uv_calls()
        write_requirements(layout.apps_dir, "applibc==1.0", "appliba")

        second = layout.run("boot", "--dry-run", env=env)

    assert uv_calls() == [], "a dry run ran uv"
    assert "plan: network: requirements: resolved against the index; from the local uv cache" in (
        first.stdout
    ), first.stdout
    assert "fail (no earlier successful start: no last good environment)" in first.stdout
    assert "start on the last good environment" in second.stdout, second.stdout


# --- an earlier step of the same start already changed the venv (rollback.py)


def warm_cache(layout, tmp_path, url, *requirements):
    """What another container on the same uv cache installed: in the cache, not in this venv."""
    target = tmp_path / "elsewhere"
    env = layout.env(from_index(url))
    packages.run_uv(["pip", "install", "--target", target, *requirements], env=env)


def two_files_installed(layout, index_folder):
    """Two requirements files installed online: (the index, the start's env, the files' folders)."""
    server = serve(index_folder).start()
    env = ON | from_index(f"{server.url}/simple")
    first, second = layout.apps_dir / "first app", layout.apps_dir / "second app"
    write_requirements(first, "applibb==2.0")
    write_requirements(second, "applibc==1.0")
    assert_ok(layout.run("boot", env=env))
    return server, env, first, second


def test_an_earlier_step_that_changed_the_venv_is_put_back(
    layout, installed, index_folder, tmp_path
):
    server, env, first, second = two_files_installed(layout, index_folder)
    record = state.record_path(layout.venv).read_bytes()
    good = installed()
    warm_cache(layout, tmp_path, f"{server.url}/simple", "applibb==1.0", "probe-nested")
    server.stop()
    # the first file installs from the cache (a downgrade, a new package); the second cannot
    write_requirements(first, "applibb==1.0", "probe-nested")
    write_requirements(second, "applibc==1.0", "appliba")  # appliba never cached

    result = layout.run("boot", env=env)

    assert_ok(result)
    assert "requirements install: index unreachable, installed from the local cache" in (
        result.stdout
    )
    assert last_good.TITLE in result.stdout, result.stdout
    assert "probe-nested 1.0 removed, applibb 1.0 back to 2.0" in result.stdout, result.stdout
    assert "Not installed: the requirements (appliba not in the local cache)" in result.stdout
    assert "Traceback" not in result.output
    assert installed() == good
    assert state.record_path(layout.venv).read_bytes() == record
    assert not integrity.interrupted(layout.venv)

    with serve(index_folder, port=server.port):  # the network is back
        again = layout.run("boot", env=env)

    assert_ok(again)
    assert last_good.TITLE not in again.stdout
    assert installed() == good | {"applibb": "1.0", "probe-nested": "1.0", "appliba": "1.0"}


def test_an_earlier_step_the_cache_cannot_undo_fails_as_before(
    layout, installed, fixture_uv_env, index_folder, tmp_path
):
    server = serve(index_folder).start()
    env = ON | from_index(f"{server.url}/simple")
    locked_project(layout, fixture_uv_env)
    write_requirements(layout.config_dir, "applibc==1.0")
    assert_ok(layout.run("boot", env=env))
    warm_cache(layout, tmp_path, f"{server.url}/simple", "probe-nested")
    server.stop()
    # the new lock installs from the cache and rebuilds the project itself (on no index)
    locked_project(layout, fixture_uv_env, dependencies=("appliba>=1", "probe-nested"))
    write_requirements(layout.config_dir, "applibc==1.0", "probe-config")  # never cached

    result = layout.run("boot", env=env)

    assert_failed(result, "PACKAGE INDEX UNREACHABLE", 5)
    assert last_good.TITLE not in result.stdout
    assert "An earlier step of this start had already changed the venv" in result.stdout
    assert "cannot give back myapps==0.1.0" in result.stdout, result.stdout
    assert "Traceback" not in result.output
    assert not state.record_path(layout.venv).exists()  # the next start installs again

    with serve(index_folder, port=server.port):
        again = layout.run("boot", env=env)

    assert_ok(again)
    assert installed()["probe-nested"] == "1.0"
    assert installed()["probe-config"] == "1.0"


def test_a_start_killed_while_putting_back_repairs_and_installs(
    layout, installed, index_folder, tmp_path
):
    server, env, first, second = two_files_installed(layout, index_folder)
    warm_cache(layout, tmp_path, f"{server.url}/simple", "applibb==1.0")
    server.stop()
    write_requirements(first, "applibb==1.0")
    write_requirements(second, "applibc==1.0", "appliba")
    wrapper = write_crash_wrapper(layout.root / "crash uv", shutil.which("uv"))
    crash = {
        "PATH": f"{wrapper.parent}:{layout.env()['PATH']}",
        "CRASH_AT": "--reinstall",  # the reinstall of applibb 2.0, half copied, then SIGKILL
        "CRASH_MODE": "half",
        "CRASH_PACKAGE": "applibb",
        "CRASH_LOG": str(layout.root / "crash.log"),
    }

    killed = layout.run("boot", env=env | crash)

    assert killed.exit_code == -signal.SIGKILL, killed.describe()
    assert "last good environment: putting the venv back" in killed.stdout
    assert integrity.interrupted(layout.venv)  # the marker stayed: the next start repairs
    assert not state.record_path(layout.venv).exists()

    with serve(index_folder, port=server.port):
        again = layout.run("boot", env=env)

    assert_ok(again)
    assert "repair: applibb 2.0 is broken" in again.stdout, again.stdout
    assert installed()["applibb"] == "1.0"
    assert installed()["appliba"] == "1.0"
    assert not integrity.interrupted(layout.venv)
