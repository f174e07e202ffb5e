"""index_auth: what the INDEX AUTHENTICATION FAILED banner says, in full, where surviving
mutants showed no test pinned it down (tests/unit/test_index_auth.py holds the first ones,
on real uv 0.13.9 words; tests/host/test_private_index.py runs real uv against a local
index demanding credentials)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hassette_tasks import index_auth
from hassette_tasks.errors import Failure
from hassette_tasks.project.indexes import Index

CAPTURED = Path(__file__).parents[1] / "support" / "data" / "uv-index-auth"
FILE_401 = (CAPTURED / "file-401.txt").read_text()
FILE_403 = (CAPTURED / "file-403.txt").read_text()
SERVER = "http://127.0.0.1:18802"
PRIVATE = Index("private-repo", f"{SERVER}/simple")

GENERAL = (
    "For an index named in pyproject.toml ([[tool.uv.index]] name = NAME) set "
    "UV_INDEX_<NAME>_USERNAME and UV_INDEX_<NAME>_PASSWORD (NAME in upper case, every "
    "character but letters and digits as _); for UV_INDEX_URL / UV_EXTRA_INDEX_URL put "
    "the credentials in the URL (https://USER:TOKEN@host/simple) or in a netrc file "
    "(NETRC); then restart."
)
WANTS = "It wants credentials uv did not have, or they were wrong (401)."
REFUSED = "It refused the credentials uv sent (403: wrong ones, or not allowed to read it)."


@pytest.fixture(autouse=True)
def no_uv_index(monkeypatch):
    monkeypatch.delenv("UV_INDEX", raising=False)


def test_a_401_of_an_unknown_index_gets_the_general_advice_in_full():
    refused = index_auth.failure(FILE_401, "installing the locked dependencies", "uv's tail")

    assert refused is not None
    assert refused.failure is Failure.INDEX_AUTH
    url = f"{SERVER}/simple/secretpkg/secretpkg-1.0-py3-none-any.whl"
    assert refused.what == (
        f"installing the locked dependencies: the package index {url} answered 401: uv could "
        "not read it."
    )
    assert refused.todo == f"{WANTS} {GENERAL}"
    assert refused.output == "uv's tail"


def test_a_403_of_a_named_index_names_its_variables_in_full():
    found = index_auth.refusal(FILE_403)
    assert found is not None

    advice = index_auth.todo(found, PRIVATE)

    assert advice == (
        f"{REFUSED} It is the index `private-repo`: set UV_INDEX_PRIVATE_REPO_USERNAME and "
        "UV_INDEX_PRIVATE_REPO_PASSWORD in the container's environment (a token usually goes "
        "in the password), or put the credentials in a netrc file (NETRC), and restart."
    )


def test_an_index_without_a_name_gets_the_general_advice():
    found = index_auth.Refusal("401", f"{SERVER}/simple/x/")

    assert index_auth.todo(found, Index(None, f"{SERVER}/simple")) == f"{WANTS} {GENERAL}"
    refused = index_auth.Refused("step", found, Index(None, f"{SERVER}/simple"), "")
    assert refused.what == (
        f"step: the package index {SERVER}/simple/x/ answered 401: uv could not read it."
    )


def test_the_banner_names_the_index_it_belongs_to():
    refused = index_auth.failure(FILE_403, "installing x", "tail")
    assert refused is not None

    named = refused.naming([PRIVATE])

    assert named.what.startswith("installing x: the package index `private-repo` http://")
    assert named.output == "tail" and named.step == "installing x"
    assert named.found == refused.found


@pytest.mark.parametrize("order", [1, -1])
def test_the_longest_index_url_owns_the_address(order):
    wide = Index("whole-host", SERVER)
    narrow = Index("private-repo", f"{SERVER}/simple/")
    other = Index("other", "http://elsewhere/simple")

    found = index_auth.owner(f"{SERVER}/simple/secretpkg/", [wide, narrow, other][::order])

    assert found is narrow
    assert index_auth.owner("http://nowhere/simple/x/", [wide, narrow]) is None
