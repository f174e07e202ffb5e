"""offline.py's pure parts: what uv's words say (on any text), and the dry run's lines.

The classification's real-uv evidence is in tests/host/test_offline.py; here: no input
ends in an exception, and the branches the dry run names.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hassette_tasks import offline


@given(st.text(), st.one_of(st.none(), st.integers(-5, 300)))
def test_any_uv_output_is_classified_without_an_exception(output, code):
    missed = offline.classify_offline(output, code)
    assert missed.is_miss == (code == offline.CACHE_MISS_EXIT and bool(missed.packages))


def test_only_exit_code_one_is_a_cache_miss():
    words = "  cause: Because pa was not found in the cache and you require pa"
    assert offline.classify_offline(words, 1).packages == ["pa"]
    assert not offline.classify_offline(words, 2).is_miss


def test_dry_run_lines_name_each_branch():
    assert offline.plan_lines([], True, True) == ["no install runs: no uv call, no index, no cache"]
    both = offline.plan_lines(["project", "requirements"], True, False)
    assert both[0].startswith("project: from the local uv cache first")
    assert both[1].startswith("requirements: resolved against the index")
    assert both[2].endswith("fail (no earlier successful start: no last good environment)")
    assert "no usable local uv cache" in offline.plan_lines(["project"], False, True)[0]
    assert "start on the last good environment" in offline.plan_lines(["project"], False, True)[1]


def test_an_empty_cache_keeps_its_first_answer_for_the_start(tmp_path):
    cache = tmp_path / "new volume"
    cache.mkdir()
    env = {"UV_CACHE_DIR": str(cache)}

    assert offline.empty_at_start(env)
    (cache / "CACHEDIR.TAG").write_text("")  # what uv's first call of the start writes
    assert offline.empty_at_start(env)  # still this start's first start


@pytest.mark.parametrize("case", ["filled", "missing", "unset", "a file"])
def test_only_an_existing_empty_folder_is_a_new_cache(tmp_path, case):
    cache = tmp_path / "cache"
    if case == "filled":
        cache.mkdir()
        (cache / "CACHEDIR.TAG").write_text("")
    elif case == "a file":
        cache.write_text("")
    env = {} if case == "unset" else {"UV_CACHE_DIR": str(cache)}

    assert not offline.empty_at_start(env)


def test_the_dry_run_names_an_empty_cache():
    lines = offline.plan_lines(["project", "requirements"], True, False, empty=True)

    assert lines[0] == "project: from the index (the local uv cache is empty: a first start)"
    assert lines[1].startswith("requirements: resolved against the index")
    assert offline.plan_lines(["project"], False, False, empty=True)[0].endswith(
        "(no usable local uv cache)"
    )
