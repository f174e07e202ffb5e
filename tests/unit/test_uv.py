# ruff: noqa: E501 (uv's words are pasted verbatim, long lines included)
"""uv.UvFailed.classify on uv's own words.

The texts below were captured from uv 0.13.9 (NO_COLOR=1) against hand-made wheels in a
local --find-links folder with --no-index, a local simple index served by http.server,
a server answering 503, a closed port, and a full 64k tmpfs.
"""

from __future__ import annotations

import io
import os

import pytest

from hassette_tasks import uv
from hassette_tasks.console import Console
from hassette_tasks.errors import Failure
from hassette_tasks.settings import Timeout
from hassette_tasks.uv import BANNER_TAIL_LINES, UvFailed

CONFLICT = """\
Using Python 3.11.7 environment at: venv
error: No solution found when resolving dependencies
  cause: Because all versions of alpha depend on beta<2 and beta>=2, we can conclude that all versions of alpha cannot be used.
         And because you require alpha, we can conclude that your requirements are unsatisfiable.
"""

MISSING_FIND_LINKS = """\
Using Python 3.11.7 environment at: venv
error: No solution found when resolving dependencies
  cause: Because nosuchpkg-xyz was not found in the provided package locations and you require nosuchpkg-xyz>=1, we can conclude that your requirements are unsatisfiable.
"""

MISSING_INDEX = """\
Using Python 3.11.7 environment at: venv
error: No solution found when resolving dependencies
  cause: Because nosuchpkg-xyz was not found in the package registry and you require nosuchpkg-xyz, we can conclude that your requirements are unsatisfiable.
"""

NO_MATCHING_VERSION = """\
Using Python 3.11.7 environment at: venv
error: No solution found when resolving dependencies
  cause: Because only beta<=2.0 is available and you require beta>=5, we can conclude that your requirements are unsatisfiable.
"""

REFUSED = """\
Using Python 3.11.7 environment at: venv
error: Request failed after 3 retries in 8.9s
  cause: Failed to fetch: http://127.0.0.1:9/simple/alpha/
  cause: error sending request for url (http://127.0.0.1:9/simple/alpha/)
  cause: client error (Connect)
  cause: tcp connect error
  cause: Connection refused (os error 111)
"""

SERVER_ERROR = """\
Using Python 3.11.7 environment at: venv
error: Request failed after 3 retries in 7.1s
  cause: Failed to fetch: http://127.0.0.1:8766/simple/alpha/
  cause: HTTP status server error (503 Service Unavailable) for url (http://127.0.0.1:8766/simple/alpha/)
"""

DISK_FULL_INSTALL = """\
Using Python 3.11.7 environment at: small/venv
Resolved 2 packages in 1ms
Prepared 2 packages in 4ms
error: Failed to install: alpha-1.0-py3-none-any.whl (alpha==1.0)
  cause: Failed to copy to `/tmp/uvreal/small/venv/lib/python3.11/site-packages/alpha-1.0.dist-info/RECORD`
  cause: failed to copy file from /tmp/uvreal/cache/archive-v0/oG8IsHnS5RvFs1WP/alpha-1.0.dist-info/RECORD to /tmp/uvreal/small/venv/lib/python3.11/site-packages/alpha-1.0.dist-info/.tmpiaMAAS: No space left on device (os error 28)
"""

DISK_FULL_CACHE = """\
error: Failed to initialize cache at `small/cache`
  cause: failed to write to file `small/cache/.gitignore`: No space left on device (os error 28)
"""


def classify(output: str, exit_code: int | None = 1, timeout: Timeout | None = None) -> Failure:
    return UvFailed(output, exit_code, timeout).classify()


def test_conflict():
    assert classify(CONFLICT) is Failure.CONFLICT
    assert Failure.CONFLICT.title == "DEPENDENCY CONFLICT"


@pytest.mark.parametrize("output", [MISSING_FIND_LINKS, MISSING_INDEX, NO_MATCHING_VERSION])
def test_missing_package_is_a_dependency_conflict(output):
    assert classify(output) is Failure.CONFLICT


@pytest.mark.parametrize("output", [REFUSED, SERVER_ERROR])
def test_unreachable_index(output):
    assert classify(output, exit_code=2) is Failure.UNREACHABLE


@pytest.mark.parametrize("output", [DISK_FULL_INSTALL, DISK_FULL_CACHE])
def test_disk_full(output):
    assert classify(output, exit_code=2) is Failure.DISK_FULL


def test_timeout_wins_over_whatever_uv_said():
    timeout = Timeout("HASSETTE__REQUIREMENTS_TIMEOUT", "120")
    failed = UvFailed(CONFLICT, None, timeout)
    assert failed.classify() is Failure.TIMEOUT
    assert failed.timed_out and failed.timeout.text == "120"
    assert classify("", exit_code=None, timeout=timeout) is Failure.TIMEOUT


def test_unrecognised_failure_is_a_plain_install_failure():
    output = "error: Failed to build `mylib @ file:///tmp/x`\n  cause: Build backend failed\n"
    assert classify(output) is Failure.INSTALL
    assert classify("") is Failure.INSTALL


def test_each_kind_has_its_own_non_zero_exit_code():
    codes = [failure.exit_code for failure in Failure]
    assert len(set(codes)) == len(codes)
    assert all(code != 0 for code in codes)


def test_tail_keeps_the_last_lines_for_the_banner():
    output = "".join(f"line {number}\n" for number in range(100))
    tail = UvFailed(output, 1).tail.splitlines()
    assert len(tail) == BANNER_TAIL_LINES
    assert tail[-1] == "line 99"


# --- running uv: a stand-in `uv` on PATH, so the runner itself is what is tested


@pytest.fixture
def fake_uv(tmp_path, monkeypatch):
    """A `uv` that prints a line to stdout and a warning to stderr, then exits with $CODE."""
    script = tmp_path / "bin" / "uv"
    script.parent.mkdir()
    script.write_text(
        "#!/bin/sh\n"
        'echo "appliba==1.0"\n'
        'echo "warning: something uv wants you to know" >&2\n'
        'exit "${FAKE_UV_CODE:-0}"\n'
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{script.parent}:{os.environ['PATH']}")
    return script


def test_capture_returns_stdout_only_and_echoes_stderr(fake_uv):
    stream = io.StringIO()
    console = Console(env={}, stream=stream)

    output = uv.run(["export"], console, capture=True)

    assert output == "appliba==1.0\n"  # a warning never lands in the exported list
    assert "warning: something uv wants you to know" in stream.getvalue()
    assert "appliba==1.0" not in stream.getvalue()


def test_failure_keeps_uv_words_for_the_banner(fake_uv, monkeypatch):
    monkeypatch.setenv("FAKE_UV_CODE", "2")
    console = Console(env={}, stream=io.StringIO())

    with pytest.raises(UvFailed) as failed:
        uv.run(["pip", "install", "x"], console)

    assert failed.value.exit_code == 2
    assert "warning: something uv wants you to know" in failed.value.output
