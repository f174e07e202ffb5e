"""offline.py's pure parts: what uv's words say (on any text), and the dry run's lines.

The classification's real-uv evidence is in tests/host/test_offline.py; here: no input
ends in an exception, and the branches the dry run names.
"""

from __future__ import annotations

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
