"""Host-test helpers: what is installed, which uv commands ran, snapshots of folders."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import packages
from tests.support.index_server import IndexServer
from tests.support.tasks_runner import Layout, Result, Running, write_uv_wrapper

# HASSETTE__INSTALL_DEPS on: requirements.txt discovery enabled
ON = {"HASSETTE__INSTALL_DEPS": "1"}


@pytest.fixture
def installed(layout: Layout, fixture_uv_env) -> Callable[[], dict[str, str]]:
    """What the app venv holds right now ({name: version}), read by `uv pip list`."""
    return lambda: packages.installed_packages(layout.venv, fixture_uv_env)


@pytest.fixture
def uv_calls(layout: Layout) -> Callable[[], list[str]]:
    """Puts a logging `uv` first on PATH; returns a reader of the calls since the last read."""
    log = layout.root / "uv-calls.log"
    wrapper = write_uv_wrapper(layout.root / "uv-wrapper", log)
    layout.env_overrides["PATH"] = f"{wrapper.parent}{os.pathsep}{os.environ['PATH']}"
    read = {"lines": 0}

    def calls() -> list[str]:
        lines = log.read_text().splitlines() if log.exists() else []
        new, read["lines"] = lines[read["lines"] :], len(lines)
        return new

    return calls


@pytest.fixture
def hang_index():
    """A local index that accepts connections and never answers."""
    with IndexServer("hang", lifetime=60) as server:
        yield server


@pytest.fixture
def error_index():
    """A local index that answers every request with 500."""
    with IndexServer("error500", lifetime=60) as server:
        yield server


@pytest.fixture
def counting_index(layout, tmp_path):
    """The test wheels as a PEP 503 index over HTTP; `.requests` counts what it was asked."""
    folder = tmp_path / "index"
    packages.write_simple_index(layout.wheels, folder)
    # no-cache: uv asks again on each start, as it does once PyPI's 10-minute pages expire
    with IndexServer("serve", root=folder, lifetime=120, cache_control="no-cache") as server:
        yield server


def new_container(layout, env) -> None:
    """The image's own venv again (hassette only), as a new container on the same cache has."""
    from tests.conftest import make_app_venv

    shutil.rmtree(layout.venv)
    make_app_venv(layout.venv, layout.wheels, env)


def snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Every path under FOLDER with its size, modification time and mode."""
    found = {}
    for current, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(current, name)
            info = path.lstat()
            found[str(path.relative_to(folder))] = (info.st_size, info.st_mtime_ns, info.st_mode)
    return found


def assert_ok(result: Result) -> dict:
    """The boot handed off: exit 0 and the stand-in hassette printed what it got."""
    assert result.exit_code == 0, result.describe()
    ran = result.hassette()
    assert ran is not None, f"hassette never ran:\n{result.describe()}"
    return ran


def assert_halts_until_sigterm(running: Running, banner: str, code: int) -> Result:
    """Halt mode: after BANNER the boot stays up and idle, then on SIGTERM exits promptly
    with the failure's CODE, never having started hassette."""
    running.wait_for(banner)
    running.wait_for("on failure: halt")
    with pytest.raises(subprocess.TimeoutExpired):  # an exit on its own ends the wait early
        running.process.wait(timeout=1)

    stopped_at = time.monotonic()
    running.signal(signal.SIGTERM)
    result = running.finish(timeout=5)

    assert result.exit_code == code, result.describe()
    assert time.monotonic() - stopped_at < 3, "halt mode did not stop promptly on SIGTERM"
    assert result.hassette() is None
    return result


def assert_failed(result: Result, banner: str, code: int) -> None:
    """A fatal error: the banner, the failure's exit code, and hassette never started."""
    assert result.exit_code == code, result.describe()
    assert banner in result.stdout, result.describe()
    assert result.hassette() is None, result.describe()


def write_requirements(folder: Path, *lines: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "requirements.txt"
    path.write_text("".join(f"{line}\n" for line in lines))
    return path


def from_index(url: str) -> dict[str, str | None]:
    """Packages come from URL only (no local folder)."""
    return {"UV_NO_INDEX": None, "UV_FIND_LINKS": None, "UV_INDEX_URL": url}


def locked_project(
    layout, fixture_uv_env, dependencies=("appliba>=1",), build_system=True, extra="", backends=None
):
    """A user project in the layout's project folder, locked against the test wheels."""
    folder = packages.write_project(
        layout.project_dir, dependencies=dependencies, build_system=build_system, extra=extra
    )
    packages.lock_project(
        folder, [layout.wheels, *([backends] if backends else [])], fixture_uv_env
    )
    return folder
