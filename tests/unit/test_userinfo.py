"""Redaction of URL userinfo that does not depend on the URL being well formed (issue 20, 1)."""

from __future__ import annotations

import string

from hypothesis import assume, given
from hypothesis import strategies as st

from hassette_tasks.console import Redactor

# what a password pasted into a URL can hold: unreserved, sub-delims, gen-delims, %
URLISH = string.ascii_letters + string.digits + "-._~!$&'()*+,;=:/?#[]@%"
passwords = st.text(alphabet=URLISH, min_size=6, max_size=40)
users = st.text(alphabet=string.ascii_letters + string.digits + "-._", min_size=1, max_size=12)

# how uv words an index URL it rejects, and other places a URL lands in its output
LINES = (
    "error: invalid value '{url}' for '--index-url <INDEX_URL>': invalid port number",
    "error: Invalid URL in `requirements.txt` at position 0: {url}",
    "error: Expected an index URL, but received non-base URL: {url}",
    "  cause: Failed to fetch: `{url}/hbar-alpha/`",
    "{url}",
)


def lines_with(url: str) -> list[str]:
    return [line.format(url=url) for line in LINES]


@given(user=users, password=passwords, scheme=st.sampled_from(["https://", "http://", ""]))
def test_password_never_printed_without_the_environment(user, password, scheme):
    url = f"{scheme}{user}:{password}@pypi.example.com/simple"
    redact = Redactor({})
    for line in lines_with(url):
        assume(password not in line.replace(url, ""))
        assert password not in redact(line), line


@given(user=users, password=passwords, scheme=st.sampled_from(["https://", ""]))
def test_password_from_uv_index_url_never_printed(user, password, scheme):
    url = f"{scheme}{user}:{password}@pypi.example.com/simple"
    redact = Redactor({"UV_INDEX_URL": url})
    for line in [*lines_with(url), f"auth for {user} failed: {password}"]:
        assume(password not in line.replace(url, "").replace(f": {password}", ""))
        assert password not in redact(line), line


def test_the_issues_base64_password_with_a_slash():
    url = "https://alice:Zm9v/YmFy+SECRETpart==@host/simple"
    out = Redactor({})(f"error: invalid value '{url}' for '--index-url <INDEX_URL>'")
    assert "SECRETpart" not in out and "Zm9v" not in out
    assert "https://****@host/simple" in out


def test_scheme_less_userinfo_hidden():
    assert Redactor({})("received non-base URL: alice:SEC@host") == (
        "received non-base URL: ****@host"
    )
    assert "SECRETX" not in Redactor({})("--index-url=alice:SECRETX@host")


def test_what_is_not_userinfo_stays():
    redact = Redactor({"PATH": "/usr/bin:/home/u@x/bin"})
    for text in (
        "mail alice@example.com",
        "git+https://github.com/org/repo@v1.0",
        "file:///srv/@scope/pkg",
        "hbar-alpha @ file:///apps/x",
        "git@github.com:org/repo.git",
        "/usr/bin:/home/u@x/bin and /home/u",
    ):
        assert redact(text) == text


@given(user=users, password=st.text(alphabet=URLISH, min_size=1, max_size=20))
def test_password_holding_a_scheme_like_part(user, password):
    secret = f"x{password}ab://cd{password}"
    for url in (f"{user}:{secret}@host", f"https://{user}:{secret}@host/simple"):
        assert secret not in Redactor({})(f"error: invalid value '{url}'")
