"""uv_failures: which banner uv's words become, and what it says, where surviving mutants
showed no test pinned it down (tests/unit/test_uv.py, test_install_hints.py and
test_index_auth.py hold the first ones). The failures come from a stand-in `uv` on PATH
where the runner is part of the behaviour."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from hassette_tasks import uv, uv_failures
from hassette_tasks.console import Console
from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.settings import Timeout

CONFLICT = (
    "error: No solution found when resolving dependencies\n"
    "  cause: Because you require beta>=5, we can conclude that your requirements are "
    "unsatisfiable.\n"
)
DISK_FULL = "error: failed to write to file `cache/.gitignore`: No space left on device\n"
HASH = (
    "error: Failed to download `appliba==1.0`\n"
    "  Caused by: Hash mismatch for `appliba==1.0`\n"
    "Expected:\n  sha256:aa\nComputed:\n  sha256:bb\n"
)
REFUSED_FILE = (
    "error: Failed to download `secretpkg==1.0`\n"
    "  Caused by: HTTP status client error (401 Unauthorized) for url "
    "(http://127.0.0.1:18802/files/secretpkg-1.0-py3-none-any.whl)\n"
)
TIMEOUT = Timeout("HASSETTE__INSTALL_TIMEOUT", "045")


def failed(output: str, exit_code: int | None = 1, timeout: Timeout | None = None):
    return uv.UvFailed(output, exit_code, timeout)


def test_a_hash_mismatch_names_the_file_and_repeats_uvs_words():
    error = uv_failures.failure_from_uv(failed(HASH), "installing the project", None)

    assert error.failure is Failure.HASH_MISMATCH
    assert error.what == (
        "installing the project: the file served for appliba==1.0 does not have the hash "
        "recorded for it, so uv refused it. Nothing from this step was installed."
    )
    assert error.todo == uv_failures.HASH_TODO
    assert error.output == failed(HASH).tail and "Computed:" in error.output


def test_a_hash_mismatch_wins_over_an_index_refusal():
    error = uv_failures.failure_from_uv(failed(REFUSED_FILE + HASH), "installing", None)

    assert error.failure is Failure.HASH_MISMATCH


def test_a_refused_index_repeats_uvs_words(monkeypatch):
    monkeypatch.delenv("UV_INDEX", raising=False)
    output = "Resolved 1 package\n" + REFUSED_FILE

    error = uv_failures.failure_from_uv(failed(output), "installing the project", None)

    assert error.failure is Failure.INDEX_AUTH
    assert error.what.startswith("installing the project: the package index ")
    assert error.output == failed(output).tail


@pytest.mark.parametrize(
    ("output", "kind"),
    [(CONFLICT, Failure.EXPORT), ("error: some other problem\n", Failure.EXPORT)],
)
def test_an_export_failure_is_an_export_failure(output, kind):
    error = uv_failures.failure_from_uv(failed(output, 2), "exporting", None, export=True)

    assert error.failure is kind
    assert error.what == "exporting failed (uv exit code 2)."
    assert error.todo == uv_failures.TODO[Failure.EXPORT]
    assert error.output == output.rstrip("\n")


def test_an_export_that_filled_the_disk_or_timed_out_says_so():
    full = uv_failures.failure_from_uv(failed(DISK_FULL), "exporting", None, export=True)
    late = uv_failures.failure_from_uv(
        failed(CONFLICT, None, TIMEOUT), "exporting", TIMEOUT, export=True
    )

    assert full.failure is Failure.DISK_FULL
    assert full.todo == uv_failures.TODO[Failure.DISK_FULL]
    assert late.failure is Failure.TIMEOUT


def test_without_export_a_conflict_stays_a_conflict():
    error = uv_failures.failure_from_uv(failed(CONFLICT), "installing x", None)

    assert error.failure is Failure.CONFLICT
    assert error.todo == uv_failures.TODO[Failure.CONFLICT]


def test_a_timeout_names_the_step_the_time_as_set_and_the_variable():
    error = uv_failures.failure_from_uv(
        failed("Resolved\n", None, TIMEOUT), "installing x", TIMEOUT
    )

    assert error.failure is Failure.TIMEOUT
    assert error.what == "installing x timed out after 045s and was stopped."
    assert error.todo == (
        "A slow or silent package index is the usual cause. Check the network, or give it "
        "more time with HASSETTE__INSTALL_TIMEOUT (seconds)."
    )
    assert error.output == "Resolved"


def test_an_install_failure_gets_the_advice_its_words_call_for():
    output = "error: failed to create directory `/app/.venv/x`: Permission denied\n"

    error = uv_failures.failure_from_uv(failed(output, 2), "installing x", None)

    assert error.failure is Failure.INSTALL
    assert error.what == "installing x failed (uv exit code 2)."
    assert error.todo == uv_failures.install_todo(output) != uv_failures.TODO[Failure.INSTALL]


def test_not_found_files_get_the_path_advice():
    for words in ("No such file or directory", "Distribution not found at", "File not found"):
        assert "mount what it points to" in uv_failures.install_todo(f"error: {words}: x")


# --- run_step: uv run for one step, its failure as a banner


def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    script = tmp_path / "bin" / "uv"
    script.parent.mkdir(exist_ok=True)
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{script.parent}:{os.environ['PATH']}")


def test_run_step_runs_uv_where_and_how_it_is_told(tmp_path, monkeypatch):
    stand_in(tmp_path, monkeypatch, 'pwd\necho "$MARK $*"\necho "warning: w" >&2\n')
    folder = tmp_path / "copy"
    folder.mkdir()
    stream = io.StringIO()
    seen = []
    env = {"PATH": os.environ["PATH"], "MARK": "given"}

    output = uv_failures.run_step(
        ["pip", "install"],
        Console(env={}, stream=stream),
        "installing x",
        TIMEOUT,
        cwd=folder,
        env=env,
        alongside=lambda: seen.append(True),
    )

    assert output == f"{folder}\ngiven pip install\nwarning: w\n"
    assert seen == [True]
    assert "    warning: w\n" in stream.getvalue()


def test_run_step_for_an_export_returns_only_the_list(tmp_path, monkeypatch):
    stand_in(tmp_path, monkeypatch, 'echo "appliba==1.0"\necho "warning: w" >&2\n')

    output = uv_failures.run_step(
        ["export"], Console(env={}, stream=io.StringIO()), "exporting", TIMEOUT, export=True
    )

    assert output == "appliba==1.0\n"


def test_run_step_turns_uvs_failure_into_the_steps_banner(tmp_path, monkeypatch):
    stand_in(tmp_path, monkeypatch, f"echo '{CONFLICT.splitlines()[0]}' >&2\nexit 1\n")

    with pytest.raises(StartupError) as caught:
        uv_failures.run_step(
            ["export"], Console(env={}, stream=io.StringIO()), "exporting", TIMEOUT, export=True
        )

    assert caught.value.failure is Failure.EXPORT
    assert caught.value.what == "exporting failed (uv exit code 1)."
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_run_step_stops_uv_at_the_steps_time_limit(tmp_path, monkeypatch):
    stand_in(tmp_path, monkeypatch, "exec sleep 300\n")

    with pytest.raises(StartupError) as caught:
        uv_failures.run_step(
            ["pip"], Console(env={}, stream=io.StringIO()), "installing x", Timeout("T", "1")
        )

    assert caught.value.failure is Failure.TIMEOUT
    assert caught.value.what == "installing x timed out after 1s and was stopped."
