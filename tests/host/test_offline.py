"""Offline-first installs on the host, with real uv and a local index (hassette_tasks/offline.py).

A "recreate" here is a forced install (HASSETTE__FORCE_INSTALL=1) into the same venv with
the same uv cache: what a new container on the same /uv_cache volume does. The index is
then either the counting server (to prove no request was made) or a refused port.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from hassette_tasks import offline, uv, uv_failures
from hassette_tasks.console import Console
from hassette_tasks.errors import Failure
from tests.host.conftest import (
    ON,
    assert_failed,
    assert_ok,
    from_index,
    locked_project,
    new_container,
    write_requirements,
)
from tests.support import packages
from tests.support.index_server import free_port

FORCE = {"HASSETTE__FORCE_INSTALL": "1"}


def refused() -> dict[str, str | None]:
    return from_index(f"http://127.0.0.1:{free_port()}/simple")


def real_uv(args, cache, extra=None) -> tuple[int, str]:
    """Real uv's exit code and words (stdout and stderr together, as boot keeps them)."""
    env = packages.uv_env({"UV_CACHE_DIR": str(cache), "UV_HTTP_RETRIES": "0", **(extra or {})})
    env.pop("UV_NO_INDEX", None)
    result = subprocess.run(
        ["uv", *map(str, args)], env=env, capture_output=True, text=True, timeout=60
    )
    return result.returncode, result.stdout + result.stderr


# --- classification, on real uv's own output


def test_real_uv_offline_cache_miss_names_the_package(layout, tmp_path):
    code, output = real_uv(
        ["pip", "install", "--offline", "--python", layout.venv / "bin" / "python", "applibc"],
        tmp_path / "empty cache",
        {"UV_INDEX_URL": "http://127.0.0.1:9/simple"},
    )

    missed = offline.classify_offline(output, code)

    assert code == offline.CACHE_MISS_EXIT, output
    assert missed.is_miss, output
    assert missed.packages == ["applibc"]


def test_real_uv_offline_miss_of_a_wheel_file_names_its_project(layout, counting_index, tmp_path):
    cache = tmp_path / "cache"
    python = layout.venv / "bin" / "python"
    online = {"UV_INDEX_URL": f"{counting_index.url}/simple"}
    assert (
        real_uv(["pip", "install", "--dry-run", "--python", python, "applibc==1.0"], cache, online)[
            0
        ]
        == 0
    )
    # the index page is cached, the wheel was never fetched (a dry run only resolves)

    code, output = real_uv(
        ["pip", "install", "--offline", "--python", python, "applibc==1.0"], cache, online
    )

    assert code == offline.CACHE_MISS_EXIT, output
    assert offline.classify_offline(output, code).packages == ["applibc"], output


def test_real_uv_conflict_offline_is_not_a_cache_miss(layout, tmp_path):
    code, output = real_uv(
        [
            "pip",
            "install",
            "--offline",
            "--python",
            layout.venv / "bin" / "python",
            "--find-links",
            layout.wheels,
            "applibb==1.0",
            "applibb==2.0",
        ],
        tmp_path / "cache",
    )

    assert code != 0
    assert not offline.classify_offline(output, code).is_miss, output


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:{port}/simple", "http://no-such-host.invalid/simple"]
)
def test_real_uv_network_failures_are_network_errors(layout, tmp_path, url):
    code, output = real_uv(
        ["pip", "install", "--python", layout.venv / "bin" / "python", "applibc"],
        tmp_path / "cache",
        {"UV_INDEX_URL": url.format(port=free_port())},
    )
    error = uv_failures.failure_from_uv(uv.UvFailed(output, code), "installing", None)

    assert error.failure is Failure.UNREACHABLE, output
    assert offline.is_network_error(error), output


def test_real_uv_certificate_or_500_is_not_a_network_error(layout, tmp_path, error_index):
    code, output = real_uv(
        ["pip", "install", "--python", layout.venv / "bin" / "python", "applibc"],
        tmp_path / "cache",
        {"UV_INDEX_URL": f"{error_index.url}/simple"},
    )
    error = uv_failures.failure_from_uv(uv.UvFailed(output, code), "installing", None)

    assert not offline.is_network_error(error), output


# --- boot: locked installs from the cache first


def test_locked_recreate_on_a_warm_cache_asks_the_index_nothing(
    layout, installed, fixture_uv_env, counting_index
):
    locked_project(layout, fixture_uv_env)
    index = from_index(f"{counting_index.url}/simple")
    assert_ok(layout.run("boot", env=index))
    assert counting_index.requests > 0  # the first start did fetch from it
    before = counting_index.requests
    new_container(layout, fixture_uv_env)

    result = layout.run("boot", env=index)

    assert_ok(result)
    assert counting_index.requests == before, result.stdout
    assert "installing the locked dependencies: installed from the local cache" in result.stdout
    assert "installing the project: installed from the local cache" in result.stdout
    assert installed()["appliba"] == "1.0"


def test_locked_recreate_with_the_index_unreachable(
    layout, installed, fixture_uv_env, counting_index
):
    locked_project(layout, fixture_uv_env)
    assert_ok(layout.run("boot", env=from_index(f"{counting_index.url}/simple")))
    new_container(layout, fixture_uv_env)
    counting_index.stop()  # the same index address, now refusing: uv's cache is per index

    result = layout.run("boot", env=from_index(f"{counting_index.url}/simple"))

    assert_ok(result)
    assert installed()["appliba"] == "1.0"
    assert "PACKAGE INDEX UNREACHABLE" not in result.stdout


def test_locked_step_goes_online_only_for_what_the_cache_lacks(
    layout, installed, fixture_uv_env, counting_index
):
    locked_project(layout, fixture_uv_env)  # a first start fills the cache with appliba
    assert_ok(layout.run("boot", env=from_index(f"{counting_index.url}/simple")))
    locked_project(layout, fixture_uv_env, dependencies=("appliba>=1", "applibc==1.0"))

    result = layout.run("boot", env=from_index(f"{counting_index.url}/simple"))

    assert_ok(result)
    assert "not all in the local cache (applibc): using the index" in result.stdout
    assert installed()["applibc"] == "1.0"


# --- boot: requirements files online first, the cache on a network failure


def test_requirements_recreate_with_the_index_unreachable_uses_the_cache(
    layout, installed, counting_index, fixture_uv_env
):
    write_requirements(layout.apps_dir, "applibc==1.0", "appliba>=1")
    first = layout.run("boot", env=ON | from_index(f"{counting_index.url}/simple"))
    assert_ok(first)
    # the default prune ran (and finished) after it: it must keep what an offline start needs
    assert "uv cache prune: complete" in first.stdout, first.stdout
    new_container(layout, fixture_uv_env)
    counting_index.stop()  # the same index address, now refusing: uv's cache is per index

    result = layout.run("boot", env=ON | from_index(f"{counting_index.url}/simple"))

    assert_ok(result)
    assert any(line.endswith(f"] {offline.FROM_CACHE_LINE}") for line in result.lines), (
        result.stdout
    )
    assert installed()["applibc"] == "1.0"
    assert installed()["appliba"] == "1.0"


def test_requirements_online_resolve_the_index_as_before(layout, installed, counting_index):
    write_requirements(layout.apps_dir, "applibb>=1")

    result = layout.run("boot", env=ON | from_index(f"{counting_index.url}/simple"))

    assert_ok(result)
    assert installed()["applibb"] == "2.0"  # the index's newest, not a cached older one
    assert offline.FROM_CACHE_LINE not in result.stdout


def test_a_package_neither_index_nor_cache_has_is_named(
    layout, installed, counting_index, fixture_uv_env
):
    write_requirements(layout.apps_dir, "tinydep==1.0")
    assert_ok(layout.run("boot", env=ON | from_index(f"{counting_index.url}/simple")))
    new_container(layout, fixture_uv_env)  # no earlier successful start: no last good venv
    write_requirements(layout.apps_dir, "tinydep==1.0", "applibc")
    before = installed()
    counting_index.stop()

    result = layout.run("boot", env=ON | from_index(f"{counting_index.url}/simple"))

    assert_failed(result, "PACKAGE INDEX UNREACHABLE", 5)
    assert "lacks applibc too" in result.stdout, result.stdout
    assert "The network is needed once for applibc" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert installed() == before


@pytest.mark.parametrize("cache", ["missing", "unreadable"])
def test_an_unusable_cache_degrades_to_online(
    layout, installed, fixture_uv_env, counting_index, cache
):
    locked_project(layout, fixture_uv_env)
    folder = layout.root / "no cache here"
    if cache == "unreadable":
        folder = layout.root / "file, not a folder"
        folder.write_text("")
    env = from_index(f"{counting_index.url}/simple") | {"UV_CACHE_DIR": str(folder)}

    result = layout.run("boot", env=env)

    assert_ok(result)
    assert installed()["appliba"] == "1.0"
    assert "Traceback" not in result.stdout + result.stderr


def test_cache_possible_reads_the_settings(tmp_path):
    assert offline.cache_possible({"UV_CACHE_DIR": str(tmp_path)})
    assert not offline.cache_possible({"UV_CACHE_DIR": str(tmp_path / "missing")})
    assert not offline.cache_possible({"UV_CACHE_DIR": str(tmp_path), "UV_NO_CACHE": "1"})
    assert offline.cache_possible({})
    os.chmod(tmp_path, 0o700)
    assert Console  # the module under test logs through it
