"""Credentials in URL-like text, found whether or not the URL is well formed.

A password may hold characters a URL must percent-encode (`/`, `@`, `#`, `?`, quotes): a
URL parser then splits it in the wrong place, and uv rejects the value and prints it
whole (`error: invalid value 'https://alice:Zm9v/YmFy==@host/simple' ...`). So nothing
here parses URLs. Within one whitespace-free word, everything between `scheme://` (or
the word's start) and the word's LAST `@` is taken as userinfo: a password can contain
`@`, a host cannot.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# a word of text: userinfo of URL-ish alphabets never contains whitespace
_WORD = re.compile(r"\S+")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
# what may precede a scheme-less `user:password@host` in a word: quotes, brackets, `--opt=`
_LEAD = re.compile(r"['\"(<\[`]*(?:-{1,2}[A-Za-z][\w-]*=)?['\"(<\[`]*")


def spans(word: str) -> tuple[int, int] | None:
    """Where the userinfo of WORD is (start, end before the `@`), or None if it has none.

    With a scheme, anything between `://` and the last `@` counts, unless it starts with
    `/` (`file:///a/@b` is a path) or it is a bare `host/path` (a VCS `repo@ref`: userinfo
    holding a `/` and no `:` is not told apart from that, so it is left). Without a
    scheme, only `user:password@` counts: `name@host` is an e-mail or scp-style git URL.
    """
    at = word.rfind("@")
    if at <= 0:
        return None
    head = word[:at]
    lead = _LEAD.match(head)
    start = lead.end() if lead else 0
    scheme = _SCHEME.search(head, start)
    user, colon, _password = head[start : scheme.start() if scheme else at].partition(":")
    if colon and "/" not in user:  # user:password@, whatever the password holds (even ://)
        return start, at
    if scheme is None:  # `name@host`, or a PATH-like `/bin:/x@y` (a user name holds no `/`)
        return None
    userinfo = head[scheme.end() :]
    if not userinfo or userinfo.startswith("/") or ("/" in userinfo and ":" not in userinfo):
        return None
    return scheme.end(), at


def hide(text: str, replacement: str) -> str:
    """TEXT with the userinfo of every word replaced."""

    def one(match: re.Match[str]) -> str:
        word = match.group()
        found = spans(word)
        if found is None:
            return word
        start, end = found
        return word[:start] + replacement + word[end:]

    return _WORD.sub(one, text)


def secrets(value: str) -> Iterator[str]:
    """The secret part of each userinfo in VALUE: the password of `user:password`, or the
    whole userinfo when it has no `:` (a token)."""
    for match in _WORD.finditer(value):
        found = spans(match.group())
        if found is not None:
            userinfo = match.group()[found[0] : found[1]]
            yield userinfo.partition(":")[2] if ":" in userinfo else userinfo
