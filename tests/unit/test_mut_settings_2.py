"""settings: what the banner says about an unknown HASSETTE__ON_FAILURE value (found by
nox -s mutate -- settings, the module's first full run)."""

from __future__ import annotations

import pytest

from hassette_tasks.errors import ConfigError, Failure
from hassette_tasks.settings import load


def test_an_unknown_on_failure_value_is_named_with_the_choices():
    with pytest.raises(ConfigError) as caught:
        load({"HASSETTE__ON_FAILURE": " Sometimes "})

    assert caught.value.failure is Failure.CONFIG
    assert caught.value.what == ("HASSETTE__ON_FAILURE: 'sometimes' is not one of exit, halt")
    assert caught.value.todo == "Fix HASSETTE__ON_FAILURE and restart."
