"""An index that refused uv (HTTP 401 / 403): its own banner, naming the index (without
credentials) and the variables that give uv credentials for it.

uv 0.13.9's words, captured against a local index demanding basic auth
(tests/unit/test_index_auth.py keeps them): a file (a locked package's direct URL)
  `HTTP status client error (401 Unauthorized) for url (URL)` (or `403 Forbidden`);
an index page, after which uv reports the package as not found (which alone would read
as a DEPENDENCY CONFLICT)
  `hint: An index URL (URL) could not be queried due to a lack of valid authentication
  credentials (401 Unauthorized)` or `hint: An index (URL) returned a 403 Forbidden error`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass

from hassette_tasks.console import REDACTED
from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.project.indexes import Index, bare, environment_indexes
from hassette_tasks.userinfo import hide

_REFUSALS = (
    re.compile(r"client error \((40[13])[^)]*\) for url \((\S+?)\)"),
    re.compile(
        r"An index URL \((\S+?)\) could not be queried due to a lack of valid "
        r"authentication credentials \((40[13])"
    ),
    re.compile(r"An index \((\S+?)\) returned a (40[13]) "),
)


@dataclass(frozen=True)
class Refusal:
    status: str  # "401" or "403"
    url: str  # as uv printed it (shown only through `hide`)


def refusal(output: str) -> Refusal | None:
    """The first 401/403 uv's OUTPUT reports, or None."""
    for number, pattern in enumerate(_REFUSALS):
        found = pattern.search(output)
        if found:
            status, url = found.groups() if number == 0 else found.groups()[::-1]
            return Refusal(status, url)
    return None


def owner(url: str, indexes: Iterable[Index]) -> Index | None:
    """The index URL lies under (the longest match), or None."""
    target = bare(url)
    under = [index for index in indexes if target.startswith(bare(index.url))]
    return max(under, key=lambda index: len(bare(index.url)), default=None)


def todo(found: Refusal, index: Index | None) -> str:
    words = (
        "It refused the credentials uv sent (403: wrong ones, or not allowed to read it)."
        if found.status == "403"
        else "It wants credentials uv did not have, or they were wrong (401)."
    )
    if index is not None and index.variables is not None:
        user, password = index.variables
        return (
            f"{words} It is the index `{index.name}`: set {user} and {password} in the "
            "container's environment (a token usually goes in the password), or put the "
            "credentials in a netrc file (NETRC), and restart."
        )
    return (
        f"{words} For an index named in pyproject.toml ([[tool.uv.index]] name = NAME) set "
        "UV_INDEX_<NAME>_USERNAME and UV_INDEX_<NAME>_PASSWORD (NAME in upper case, every "
        "character but letters and digits as _); for UV_INDEX_URL / UV_EXTRA_INDEX_URL put "
        "the credentials in the URL (https://USER:TOKEN@host/simple) or in a netrc file "
        "(NETRC); then restart."
    )


class Refused(StartupError):
    """INDEX AUTHENTICATION FAILED for one step."""

    def __init__(self, step: str, found: Refusal, index: Index | None, output: str = ""):
        name = f" `{index.name}`" if index is not None and index.name else ""
        super().__init__(
            Failure.INDEX_AUTH,
            f"{step}: the package index{name} {hide(found.url, REDACTED)} answered "
            f"{found.status}: uv could not read it.",
            todo(found, index),
            output,
        )
        self.step, self.found = step, found

    def naming(self, indexes: Iterable[Index]) -> Refused:
        """The same failure, naming the index among INDEXES (and uv's UV_INDEX ones)."""
        known = [*indexes, *environment_indexes(os.environ)]
        return Refused(self.step, self.found, owner(self.found.url, known), self.output)


def failure(output: str, step: str, tail: str) -> Refused | None:
    """The INDEX AUTHENTICATION FAILED banner when uv's OUTPUT reports a 401 / 403."""
    found = refusal(output)
    if found is None:
        return None
    return Refused(step, found, owner(found.url, environment_indexes(os.environ)), tail)
