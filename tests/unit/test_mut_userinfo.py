"""userinfo: exactly which part of a word is hidden, and which secret a userinfo holds
(tests found by nox -s mutate -- userinfo)."""

from __future__ import annotations

import pytest

from hassette_tasks.userinfo import hide, secrets


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("--index-url=alice:S3cret@host/simple", "--index-url=****@host/simple"),
        ("'alice:S3cret@host'", "'****@host'"),
        ("(https://alice:S3cret@host)", "(https://****@host)"),
    ],
)
def test_what_leads_the_userinfo_is_kept(text, shown):
    assert hide(text, "****") == shown


@pytest.mark.parametrize(
    "text",
    [
        "https://@host/simple",  # an empty userinfo: nothing to hide
        "file:///srv/a:b/@scope/pkg",  # a path that holds a `:` and an `@`
    ],
)
def test_what_is_not_userinfo_is_left_as_written(text):
    assert hide(text, "****") == text


def test_the_secret_is_a_token_or_everything_after_the_users_colon():
    assert list(secrets("https://TOKEN@host https://u:pa:ss@host")) == ["TOKEN", "pa:ss"]
