"""A first start on a new, empty uv cache volume (hassette_tasks/offline.py empty_at_start):
the index at once, with no offline attempt that could only fail, while a recreate on the
cache that start filled is offline-first again, and an unreachable index still names what
the cache lacks."""

from __future__ import annotations

import pytest

from hassette_tasks import offline
from tests.host.conftest import (
    assert_failed,
    assert_ok,
    from_index,
    locked_project,
    new_container,
)
from tests.support.index_server import free_port

MISS_LINE = "not all in the local cache"


def test_a_first_start_on_an_empty_cache_goes_to_the_index_at_once(
    layout, installed, fixture_uv_env, counting_index
):
    locked_project(layout, fixture_uv_env)
    assert not any(layout.uv_cache.iterdir())  # a new volume
    index = from_index(f"{counting_index.url}/simple")

    first = layout.run("boot", env=index)

    assert_ok(first)
    assert installed()["appliba"] == "1.0"
    assert MISS_LINE not in first.stdout, first.stdout
    assert "from the local cache" not in first.stdout
    assert any(layout.uv_cache.iterdir())  # the index's files are cached now
    # a new container on the cache that start filled: from the cache, no index request
    new_container(layout, fixture_uv_env)
    asked = counting_index.requests

    again = layout.run("boot", env=index)

    assert_ok(again)
    assert "installing the locked dependencies: installed from the local cache" in again.stdout
    assert counting_index.requests == asked, again.stdout
    assert installed()["appliba"] == "1.0"


def test_a_first_start_offline_on_an_empty_cache_names_what_is_missing(
    layout, installed, fixture_uv_env
):
    locked_project(layout, fixture_uv_env)
    before = installed()

    result = layout.run("boot", env=from_index(f"http://127.0.0.1:{free_port()}/simple"))

    assert_failed(result, "PACKAGE INDEX UNREACHABLE", 5)
    assert "The network is needed once for appliba" in result.stdout, result.stdout
    assert "Traceback" not in result.output
    assert installed() == before


@pytest.mark.parametrize("cache", ["empty", "filled"])
def test_the_dry_run_says_which_comes_first(layout, fixture_uv_env, cache):
    locked_project(layout, fixture_uv_env)
    if cache == "filled":
        (layout.uv_cache / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55")

    result = layout.run("boot", "--dry-run")

    assert result.exit_code == 0, result.describe()
    first_start = "network: project: from the index (the local uv cache is empty: a first start)"
    cache_first = "network: project: from the local uv cache first (offline)"
    assert (first_start in result.stdout) is (cache == "empty"), result.stdout
    assert (cache_first in result.stdout) is (cache == "filled"), result.stdout
    assert offline.cache_possible(layout.env())
