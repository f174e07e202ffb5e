"""offline: a locked step on a first start, when UV_CACHE_DIR was empty (a new volume): the
index first, with everything the step was given (tests found by nox -s mutate -- offline:
the branch came with issue 18, after the module's last measurement)."""

from __future__ import annotations

import os
import time

import pytest

from hassette_tasks import offline
from hassette_tasks.settings import Timeout
from tests.unit.test_mut_offline import FakeUv, lines


@pytest.fixture
def first_start(tmp_path, monkeypatch) -> FakeUv:
    fake = FakeUv(tmp_path, monkeypatch)
    (tmp_path / "uv cache" / "CACHEDIR.TAG").unlink()  # a new, empty cache volume
    return fake


def test_an_empty_cache_sends_a_locked_step_to_the_index_in_its_folder(first_start, tmp_path):
    fake = first_start
    fake.answer("ok", "ok")
    work = tmp_path / "my work"
    work.mkdir()
    ran = []

    fake.cache_first(cwd=work, alongside=lambda: ran.append(True))

    assert fake.calls() == ["0 online"]  # no offline attempt: it could only fail
    assert fake.folders() == {str(work)}
    assert ran == [True]
    assert fake.said.count("    + applibc==1.0\n") == 1
    assert lines(fake.said) == []


def test_an_empty_cache_keeps_the_environment_given(first_start):
    first_start.answer("ok", "ok")

    first_start.cache_first(env={**os.environ, "UV_HTTP_RETRIES": "5"})

    assert first_start.calls() == ["5 online"]


def test_an_empty_cache_and_a_refused_index_name_the_step_and_the_package(first_start):
    first_start.answer("refused", "miss")

    with pytest.raises(offline.NetworkFailure) as caught:
        first_start.cache_first()

    assert first_start.calls() == ["0 online", "unset 1", "unset online"]
    assert caught.value.missing == ["applibc"]
    assert caught.value.what.startswith("installing the locked dependencies")


def test_an_empty_cache_and_a_silent_index_keep_the_time_limit(first_start):
    first_start.answer("hang", "ok")
    started = time.monotonic()

    first_start.cache_first(timeout=Timeout("HASSETTE__INSTALL_TIMEOUT", "1"))

    assert time.monotonic() - started < 20
    assert first_start.calls() == ["0 online", "unset 1"]
    # the index attempt was stopped at the limit, and the cache answered
    assert lines(first_start.said) == [offline.FROM_CACHE_LINE]


def test_a_missing_file_without_a_hash_fragment_is_named_by_its_project():
    # a flat index or find-links page gives plain URLs: no `#sha256=` after the name
    output = (
        "error: Failed to download `app_libc==1.0`\n  cause: Network connectivity is "
        "disabled, but the requested data wasn't found in the cache: "
        "http://127.0.0.1:8000/files/App_Libc-1.0-py3-none-any.whl"
    )

    assert offline.classify_offline(output, 1).packages == ["app-libc"]
