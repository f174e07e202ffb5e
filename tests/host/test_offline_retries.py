"""uv's retries and the index-first attempt of a requirements file (offline.index_first).

uv retries a failed request 3 times by default, with a backoff: against a refused port or
an unresolvable name that cost 7-11 s before the cache fallback (0.3-0.5 s without). So the
first attempt runs with UV_HTTP_RETRIES=0 unless the user set it; a refused or unresolvable
index goes to the cache at once, any other failure (a 5xx) is asked again with uv's retries,
and so is a refused one whose packages the cache lacks. A logging `uv` shows each call's
UV_HTTP_RETRIES and UV_OFFLINE; the index is a real local server, stopped (refusing).
"""

from __future__ import annotations

import shutil

import pytest

from hassette_tasks import offline
from tests.conftest import make_app_venv
from tests.host.conftest import ON, assert_failed, assert_ok, from_index, write_requirements

DEFAULT_RETRIES = {"UV_HTTP_RETRIES": None}  # unset, as in the image (uv's default: 3)


@pytest.fixture
def uv_retries(layout):
    """A `uv` first on PATH that logs `RETRIES OFFLINE ARGS` per call; returns the pip
    install calls as (retries, offline) pairs."""
    log = layout.root / "uv-retries.log"
    folder = layout.root / "retries uv"
    folder.mkdir()
    wrapper = folder / "uv"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'printf \'%s %s %s\\n\' "${{UV_HTTP_RETRIES-unset}}" "${{UV_OFFLINE:-online}}" '
        f"\"$*\" >> '{log}'\n"
        f"exec '{shutil.which('uv')}' \"$@\"\n"
    )
    wrapper.chmod(0o755)
    layout.env_overrides["PATH"] = f"{folder}:{layout.env()['PATH']}"

    def calls() -> list[tuple[str, str]]:
        lines = log.read_text().splitlines() if log.exists() else []
        log.unlink(missing_ok=True)
        return [tuple(line.split(" ", 2)[:2]) for line in lines if " pip install " in line]

    return calls


def test_a_refused_index_goes_to_the_cache_without_uv_retries(
    layout, installed, counting_index, uv_retries, fixture_uv_env
):
    write_requirements(layout.apps_dir, "applibc==1.0", "appliba>=1")
    env = ON | from_index(f"{counting_index.url}/simple") | DEFAULT_RETRIES
    assert_ok(layout.run("boot", env=env))
    shutil.rmtree(layout.venv)  # a new container on the same cache
    make_app_venv(layout.venv, layout.wheels, fixture_uv_env)
    counting_index.stop()
    uv_retries()

    result = layout.run("boot", env=env)

    assert_ok(result)
    assert offline.FROM_CACHE_LINE in result.stdout, result.stdout
    assert offline.RETRY_LINE not in result.stdout
    assert uv_retries() == [("0", "online"), ("unset", "1")]
    assert installed()["appliba"] == "1.0"
    # uv's 3 retries alone took 7-11 s here; boot without them takes 2-4 s
    assert result.seconds < 7, result.seconds


def test_a_refused_index_and_a_cache_miss_ask_again_with_retries(
    layout, counting_index, uv_retries
):
    write_requirements(layout.apps_dir, "applibc==1.0")
    counting_index.stop()

    result = layout.run(
        "boot", env=ON | from_index(f"{counting_index.url}/simple") | DEFAULT_RETRIES
    )

    assert_failed(result, "PACKAGE INDEX UNREACHABLE", 5)
    assert offline.RETRY_LINE in result.stdout, result.stdout
    assert "The network is needed once for applibc" in result.stdout
    assert uv_retries() == [("0", "online"), ("unset", "1"), ("unset", "online")]


def test_an_index_answering_500_is_asked_again_with_retries(layout, error_index, uv_retries):
    write_requirements(layout.apps_dir, "applibc==1.0")
    env = ON | from_index(f"{error_index.url}/simple") | DEFAULT_RETRIES

    result = layout.run("boot", env=env, timeout=120)

    assert_failed(result, "PACKAGE INDEX UNREACHABLE", 5)
    assert offline.RETRY_LINE in result.stdout, result.stdout
    assert offline.FROM_CACHE_LINE not in result.stdout
    assert uv_retries() == [("0", "online"), ("unset", "online")]  # not a network failure


def test_retries_the_user_set_are_kept(layout, counting_index, uv_retries):
    write_requirements(layout.apps_dir, "applibc==1.0")
    counting_index.stop()

    result = layout.run("boot", env=ON | from_index(f"{counting_index.url}/simple"))  # the tests' 0

    assert_failed(result, "PACKAGE INDEX UNREACHABLE", 5)
    assert offline.RETRY_LINE not in result.stdout
    assert uv_retries() == [("0", "online"), ("0", "1")]
