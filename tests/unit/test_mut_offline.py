# ruff: noqa: E501 (uv's words are pasted verbatim, long lines included)
"""offline: the cache-first and index-first decisions, and what they say, where surviving
mutants showed no test pinned them down (tests/unit/test_offline.py and the host tests
test_offline.py / test_offline_retries.py hold the first ones, with real uv).

Here the program run is a stand-in `uv` on PATH that answers with real uv 0.13.9's words
(captured in tests/unit/test_uv.py and tests/host/test_offline.py) according to how it is
called: online or offline (UV_OFFLINE), with or without retries (UV_HTTP_RETRIES). It logs
each call, so a test sees which attempts boot made, in which order, and what it said.
"""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest

from hassette_tasks import offline, uv_failures
from hassette_tasks.console import Console
from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.settings import Timeout

REFUSED = """error: Request failed after 3 retries in 8.9s
  cause: Failed to fetch: http://127.0.0.1:9/simple/applibc/
  cause: error sending request for url (http://127.0.0.1:9/simple/applibc/)
  cause: client error (Connect)
  cause: tcp connect error
  cause: Connection refused (os error 111)"""
RESET = """error: Failed to fetch: http://127.0.0.1:9/simple/applibc/
  cause: error sending request for url (http://127.0.0.1:9/simple/applibc/)
  cause: connection reset by peer"""
SERVER_ERROR = """error: Request failed after 3 retries in 7.1s
  cause: Failed to fetch: http://127.0.0.1:8766/simple/applibc/
  cause: HTTP status server error (503 Service Unavailable) for url (http://127.0.0.1:8766/simple/applibc/)"""
CONFLICT = """error: No solution found when resolving dependencies
  cause: Because only applibb<=2.0 is available and you require applibb>=5, we can conclude that your requirements are unsatisfiable."""
MISS = """error: No solution found when resolving dependencies
  cause: Because applibc was not found in the cache and you require applibc==1.0, we can conclude that your requirements are unsatisfiable.

      hint: Packages were unavailable because the network was disabled. When the network is disabled, registry packages may only be read from the cache."""
FILE_MISS = "error: Failed to download `app_libc==1.0`\n  cause: Network connectivity is disabled, but the requested data wasn't found in the cache: http://127.0.0.1:8000/files/App_Libc-1.0-py3-none-any.whl#sha256=ab12"
INSTALLED = "Installed 1 package in 3ms\n + applibc==1.0"
# (words, exit code) per answer
ANSWERS = {
    "ok": (INSTALLED, 0),
    "refused": (REFUSED, 2),
    "reset": (RESET, 2),
    "500": (SERVER_ERROR, 2),
    "conflict": (CONFLICT, 1),
    "miss": (MISS, 1),
    "miss2": (MISS + "\n" + FILE_MISS, 1),
}
TIMEOUT = Timeout("HASSETTE__REQUIREMENTS_TIMEOUT", "120")
STEP = "installing requirements.txt"


class FakeUv:
    """A `uv` on PATH: online it answers ONLINE (ONLINE_RETRIED when UV_HTTP_RETRIES is not
    0), offline OFFLINE; each call appends `RETRIES MODE` to a log."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
        self.log = tmp_path / "calls.log"
        folder = tmp_path / "fake uv"
        folder.mkdir()
        for name, (words, code) in ANSWERS.items():
            (folder / f"{name}.txt").write_text(words + "\n")
            (folder / f"{name}.code").write_text(str(code))
        script = folder / "uv"
        script.write_text(
            "#!/bin/sh\n"
            f'printf \'%s %s %s\\n\' "${{UV_HTTP_RETRIES-unset}}" "${{UV_OFFLINE:-online}}" "$PWD" >> "{self.log}"\n'
            'if [ -n "$UV_OFFLINE" ]; then answer=$OFFLINE\n'
            'elif [ "${UV_HTTP_RETRIES-unset}" != 0 ] && [ -n "$ONLINE_RETRIED" ]; then answer=$ONLINE_RETRIED\n'
            "else answer=$ONLINE; fi\n"
            '[ "$answer" = hang ] && exec sleep 30\n'
            f'cat "{folder}/$answer.txt" >&2\n'
            f'exit "$(cat "{folder}/$answer.code")"\n'
        )
        script.chmod(0o755)
        self.monkeypatch = monkeypatch
        monkeypatch.setenv("PATH", f"{folder}:{os.environ['PATH']}")
        cache = tmp_path / "uv cache"
        cache.mkdir()
        (cache / "CACHEDIR.TAG").write_text("")  # filled by an earlier start: offline-first
        monkeypatch.setenv("UV_CACHE_DIR", str(cache))
        for name in ("UV_NO_CACHE", "UV_OFFLINE", "UV_HTTP_RETRIES", "ONLINE_RETRIED"):
            monkeypatch.delenv(name, raising=False)
        self.stream = io.StringIO()
        self.console = Console(env={}, stream=self.stream)

    def answer(self, online: str, offline_answer: str = "ok", retried: str | None = None) -> None:
        self.monkeypatch.setenv("ONLINE", online)
        self.monkeypatch.setenv("OFFLINE", offline_answer)
        if retried:
            self.monkeypatch.setenv("ONLINE_RETRIED", retried)

    def logged(self) -> list[list[str]]:
        lines = self.log.read_text().splitlines() if self.log.exists() else []
        return [line.split(" ", 2) for line in lines]

    def calls(self) -> list[str]:
        """`RETRIES MODE` per uv call, in order."""
        return [" ".join(fields[:2]) for fields in self.logged()]

    def folders(self) -> set[str]:
        return {fields[2] for fields in self.logged()}

    @property
    def said(self) -> str:
        return self.stream.getvalue()

    def index_first(self, env=None, cwd=None, timeout=TIMEOUT) -> None:
        offline.index_first(
            uv_failures.run_step, ["pip", "install"], self.console, STEP, timeout, cwd, env
        )

    def cache_first(self, timeout=TIMEOUT, **kwargs) -> None:
        offline.cache_first(
            uv_failures.run_step,
            ["pip", "install"],
            self.console,
            "installing the locked dependencies",
            timeout,
            **kwargs,
        )


@pytest.fixture
def fake(tmp_path, monkeypatch) -> FakeUv:
    return FakeUv(tmp_path, monkeypatch)


def lines(said: str) -> list[str]:
    """The phase lines (timestamps cut), without uv's own indented output."""
    return [line.split("] ", 1)[1] for line in said.splitlines() if line.startswith("[")]


# --- a requirements file: the index first


def test_an_answering_index_is_asked_once_without_retries(fake):
    fake.answer("ok")

    fake.index_first()

    assert fake.calls() == ["0 online"]
    assert lines(fake.said) == []
    assert "    + applibc==1.0" in fake.said


def test_a_refused_index_goes_to_the_cache_at_once(fake):
    fake.answer("refused", "ok")

    fake.index_first()

    assert fake.calls() == ["0 online", "unset 1"]
    assert lines(fake.said) == [offline.FROM_CACHE_LINE]
    assert fake.said.count("    + applibc==1.0\n") == 1  # the cache's install, shown once


def test_a_refused_index_and_a_cache_miss_ask_again_and_name_the_package(fake):
    fake.answer("refused", "miss")

    with pytest.raises(offline.NetworkFailure) as caught:
        fake.index_first()

    assert fake.calls() == ["0 online", "unset 1", "unset online"]
    assert lines(fake.said) == [offline.RETRY_LINE]
    error = caught.value
    assert error.failure is Failure.UNREACHABLE and error.missing == ["applibc"]
    assert error.what.endswith(
        " The local uv cache lacks applibc too, so it cannot be installed offline either."
    )
    assert error.todo.startswith(
        "The network is needed once for applibc: start once with the package index "
        "reachable, and later starts install it from the cache. "
    )
    assert "Connection refused" in error.output


def test_a_refused_index_that_answers_when_asked_again_installs(fake):
    fake.answer("refused", "miss", retried="ok")

    fake.index_first()

    assert fake.calls() == ["0 online", "unset 1", "unset online"]
    assert lines(fake.said) == [offline.RETRY_LINE]


def test_a_refused_index_then_a_5xx_keeps_the_network_failure(fake):
    fake.answer("refused", "miss", retried="500")

    with pytest.raises(offline.NetworkFailure) as caught:
        fake.index_first()

    assert "Connection refused" in caught.value.output  # a 5xx is not the network's fault
    assert caught.value.missing == ["applibc"]


def test_a_refused_index_then_a_reset_reports_the_reset(fake):
    fake.answer("refused", "miss", retried="reset")

    with pytest.raises(offline.NetworkFailure) as caught:
        fake.index_first()

    assert "connection reset" in caught.value.output


def test_an_index_answering_5xx_is_asked_again_and_never_the_cache(fake):
    fake.answer("500", "ok")

    with pytest.raises(StartupError) as caught:
        fake.index_first()

    assert fake.calls() == ["0 online", "unset online"]
    assert lines(fake.said) == [offline.RETRY_LINE]
    assert type(caught.value) is StartupError and caught.value.failure is Failure.UNREACHABLE


def test_a_5xx_that_clears_when_asked_again_installs(fake):
    fake.answer("500", "miss", retried="ok")

    fake.index_first()

    assert fake.calls() == ["0 online", "unset online"]


def test_a_reset_is_asked_again_then_taken_from_the_cache(fake):
    fake.answer("reset", "ok")

    fake.index_first()

    assert fake.calls() == ["0 online", "unset online", "unset 1"]
    assert lines(fake.said) == [offline.RETRY_LINE, offline.FROM_CACHE_LINE]


def test_a_reset_and_a_cache_miss_are_not_asked_a_third_time(fake):
    fake.answer("reset", "miss")

    with pytest.raises(offline.NetworkFailure):
        fake.index_first()

    assert fake.calls() == ["0 online", "unset online", "unset 1"]


def test_the_users_retries_are_kept_and_not_repeated(fake):
    fake.answer("refused", "miss")
    fake.monkeypatch.setenv("UV_HTTP_RETRIES", "2")

    with pytest.raises(offline.NetworkFailure):
        fake.index_first()

    assert fake.calls() == ["2 online", "2 1"]
    assert offline.RETRY_LINE not in fake.said


def test_the_environment_given_is_the_one_every_attempt_gets(fake):
    fake.answer("refused", "ok")
    env = {**os.environ, "UV_HTTP_RETRIES": "5"}

    fake.index_first(env=env)

    assert fake.calls() == ["5 online", "5 1"]


def test_the_environment_given_without_retries_is_the_one_asked_again(fake):
    fake.answer("refused", "miss")
    env = dict(os.environ)
    fake.monkeypatch.setenv("UV_HTTP_RETRIES", "7")  # the process's, not the one given

    with pytest.raises(offline.NetworkFailure):
        fake.index_first(env=env)

    calls = fake.calls()
    assert calls[0] == "0 online" and calls[2] == "unset online"


def test_every_attempt_runs_in_the_folder_given(fake, tmp_path):
    folder = tmp_path / "requirements folder"
    folder.mkdir()
    fake.answer("refused", "miss")

    with pytest.raises(offline.NetworkFailure) as caught:
        fake.index_first(cwd=folder)

    assert len(fake.calls()) == 3
    assert fake.folders() == {str(folder)}
    assert caught.value.what.startswith(f"{STEP} failed (uv exit code 2).")


def test_a_locked_step_runs_both_attempts_in_the_folder_given(fake, tmp_path):
    folder = tmp_path / "private copy"
    folder.mkdir()
    fake.answer("ok", "miss")

    fake.cache_first(cwd=folder)

    assert len(fake.calls()) == 2
    assert fake.folders() == {str(folder)}


def test_the_attempt_asked_again_keeps_the_time_limit(fake):
    fake.answer("500", "miss", retried="hang")
    started = time.monotonic()

    with pytest.raises(offline.NetworkFailure) as caught:
        fake.index_first(timeout=Timeout("HASSETTE__REQUIREMENTS_TIMEOUT", "1"))

    assert time.monotonic() - started < 20
    assert caught.value.failure is Failure.TIMEOUT
    assert fake.calls() == ["0 online", "unset online", "unset 1"]


def test_a_5xx_then_a_refusal_is_not_asked_a_third_time(fake):
    fake.answer("500", "miss", retried="refused")

    with pytest.raises(offline.NetworkFailure) as caught:
        fake.index_first()

    assert fake.calls() == ["0 online", "unset online", "unset 1"]
    assert "Connection refused" in caught.value.output


def test_the_users_retries_and_a_5xx_fail_once(fake):
    fake.answer("500", "ok")
    fake.monkeypatch.setenv("UV_HTTP_RETRIES", "2")

    with pytest.raises(StartupError) as caught:
        fake.index_first()

    assert type(caught.value) is StartupError and caught.value.failure is Failure.UNREACHABLE
    assert caught.value.what == f"{STEP} failed (uv exit code 2)."
    assert fake.calls() == ["2 online"]


def test_a_silent_index_is_stopped_at_the_time_limit_and_the_cache_used(fake):
    fake.answer("hang", "ok")
    started = time.monotonic()

    fake.index_first(timeout=Timeout("HASSETTE__REQUIREMENTS_TIMEOUT", "1"))

    assert time.monotonic() - started < 20
    assert fake.calls() == ["0 online", "unset 1"]
    assert lines(fake.said) == [offline.FROM_CACHE_LINE]


def test_a_silent_cache_attempt_of_a_requirements_file_is_stopped(fake):
    fake.answer("refused", "hang")
    started = time.monotonic()

    with pytest.raises(StartupError) as caught:
        fake.index_first(timeout=Timeout("HASSETTE__REQUIREMENTS_TIMEOUT", "1"))

    assert time.monotonic() - started < 20
    assert fake.calls() == ["0 online", "unset 1", "unset online"]
    assert type(caught.value) is StartupError  # the cache said nothing of what it lacks
    assert caught.value.failure is Failure.UNREACHABLE


def test_a_conflict_is_never_taken_from_the_cache(fake):
    fake.answer("conflict", "ok")

    with pytest.raises(StartupError) as caught:
        fake.index_first()

    assert caught.value.failure is Failure.CONFLICT
    assert fake.calls() == ["0 online"]


def test_without_a_usable_cache_a_refused_index_fails_as_it_is(fake):
    fake.answer("refused", "ok")
    fake.monkeypatch.setenv("UV_NO_CACHE", "1")

    with pytest.raises(StartupError) as caught:
        fake.index_first()

    assert type(caught.value) is StartupError and caught.value.failure is Failure.UNREACHABLE
    assert fake.calls() == ["0 online"]


# --- a locked step: the cache first


def test_a_locked_step_the_cache_has_asks_no_index(fake):
    fake.answer("refused", "ok")
    ran = []

    fake.cache_first(alongside=lambda: ran.append(True))

    assert fake.calls() == ["unset 1"]
    assert lines(fake.said) == [
        "project install: installing the locked dependencies: installed from the local cache "
        "(no index needed)"
    ]
    assert ran == [True]
    assert fake.said.count("    + applibc==1.0\n") == 1


def test_a_locked_step_says_what_the_cache_lacks_and_goes_online(fake):
    fake.answer("ok", "miss")
    ran = []

    fake.cache_first(prefix="bake", alongside=lambda: ran.append(True))

    assert fake.calls() == ["unset 1", "unset online"]
    assert lines(fake.said) == [
        "bake: installing the locked dependencies: not all in the local cache (applibc): "
        "using the index"
    ]
    assert ran == [True]  # once, during the first uv call


def test_a_locked_step_names_everything_the_cache_lacks(fake):
    fake.answer("ok", "miss2")

    fake.cache_first()

    assert lines(fake.said) == [
        "project install: installing the locked dependencies: not all in the local cache "
        "(app-libc, applibc): using the index"
    ]


def test_a_locked_step_neither_cache_nor_index_has_names_the_package(fake):
    fake.answer("refused", "miss")

    with pytest.raises(offline.NetworkFailure) as caught:
        fake.cache_first()

    assert caught.value.missing == ["applibc"]


def test_an_offline_failure_that_is_not_a_miss_goes_online_as_before(fake):
    fake.answer("refused", "conflict")

    with pytest.raises(StartupError) as caught:
        fake.cache_first()

    assert type(caught.value) is StartupError  # nothing named: the cache was not the question
    assert lines(fake.said) == [
        "project install: installing the locked dependencies: not all in the local cache "
        "(the cache could not answer): using the index"
    ]


def test_without_a_usable_cache_a_locked_step_goes_online_at_once(fake):
    fake.answer("ok", "ok")
    fake.monkeypatch.setenv("UV_CACHE_DIR", str(fake.log.parent / "no such cache"))
    ran = []

    fake.cache_first(alongside=lambda: ran.append(True))

    assert fake.calls() == ["unset online"]
    assert lines(fake.said) == []
    assert fake.said.count("    + applibc==1.0\n") == 1
    assert ran == [True]


@pytest.fixture
def no_cache(fake):
    fake.monkeypatch.setenv("UV_CACHE_DIR", str(fake.log.parent / "no such cache"))
    return fake


def test_without_a_usable_cache_the_step_gets_its_folder_and_environment(no_cache, tmp_path):
    no_cache.answer("ok", "ok")
    folder = tmp_path / "private copy"
    folder.mkdir()

    no_cache.cache_first(cwd=folder, env={**os.environ, "UV_HTTP_RETRIES": "5"})

    assert no_cache.calls() == ["5 online"]
    assert no_cache.folders() == {str(folder)}


def test_without_a_usable_cache_the_steps_failure_is_its_own(no_cache):
    no_cache.answer("refused", "ok")

    with pytest.raises(StartupError) as caught:
        no_cache.cache_first()

    assert caught.value.what == "installing the locked dependencies failed (uv exit code 2)."


def test_without_a_usable_cache_the_step_keeps_its_time_limit(no_cache):
    no_cache.answer("hang", "ok")
    started = time.monotonic()

    with pytest.raises(StartupError) as caught:
        no_cache.cache_first(timeout=Timeout("HASSETTE__INSTALL_TIMEOUT", "1"))

    assert caught.value.failure is Failure.TIMEOUT
    assert time.monotonic() - started < 20


def test_a_silent_cache_attempt_is_stopped_and_the_index_asked(fake):
    fake.answer("ok", "hang")
    started = time.monotonic()

    fake.cache_first(timeout=Timeout("HASSETTE__INSTALL_TIMEOUT", "1"))

    assert time.monotonic() - started < 20
    assert fake.calls() == ["unset 1", "unset online"]
    assert lines(fake.said) == [
        "project install: installing the locked dependencies: not all in the local cache "
        "(the cache could not answer): using the index"
    ]


def test_both_attempts_of_a_locked_step_get_the_environment_given(fake):
    fake.answer("ok", "miss")

    fake.cache_first(env={**os.environ, "UV_HTTP_RETRIES": "5"})

    assert fake.calls() == ["5 1", "5 online"]


def test_the_index_attempt_of_a_locked_step_keeps_step_and_time_limit(fake):
    fake.answer("hang", "miss")
    started = time.monotonic()

    with pytest.raises(offline.NetworkFailure) as caught:
        fake.cache_first(timeout=Timeout("HASSETTE__INSTALL_TIMEOUT", "1"))

    assert time.monotonic() - started < 20
    assert caught.value.failure is Failure.TIMEOUT
    assert caught.value.what.startswith(
        "installing the locked dependencies timed out after 1s and was stopped."
    )


def test_a_folder_uv_cannot_enter_is_not_a_cache_miss(fake, tmp_path):
    a_file = tmp_path / "a file"
    a_file.write_text("")

    missed = offline.try_from_cache(["pip"], fake.console, TIMEOUT, cwd=a_file)

    assert missed is not None and missed.exit_code is None and not missed.is_miss
    assert str(a_file) in missed.packages[0]
    assert fake.calls() == []


def test_try_from_cache_runs_uv_offline_in_the_folder_given(fake, tmp_path):
    fake.answer("refused", "ok")

    assert offline.try_from_cache(["pip"], fake.console, TIMEOUT, cwd=tmp_path) is None
    fake.answer("refused", "miss")
    missed = offline.try_from_cache(["pip"], fake.console, TIMEOUT)

    assert missed == offline.CacheMiss(1, ["applibc"])
    assert fake.calls() == ["unset 1", "unset 1"]
    assert "not found in the cache" not in fake.said  # a miss is not echoed


# --- what uv's words say


def test_a_missing_wheel_file_is_named_by_its_project():
    missed = offline.classify_offline(FILE_MISS, 1)

    assert missed.packages == ["app-libc"]
    assert missed.is_miss


def test_names_are_sorted_once_each():
    words = MISS.replace("applibc", "zed") + "\n" + MISS + "\n" + MISS
    assert offline.classify_offline(words, 1).packages == ["applibc", "zed"]


@pytest.mark.parametrize(
    ("filename", "project"),
    [
        ("pa-1.0-py3-none-any.whl", "pa"),
        ("Py_Thing-2.0.tar.gz", "py-thing"),
        ("thing-1.0.zip", "thing"),
        ("odd.egg", "odd.egg"),
        ("Odd_Name-1.0.egg", "Odd_Name-1.0.egg"),  # not a wheel or sdist: kept as it is
        ("legacy.zip", "legacy"),
    ],
)
def test_a_files_project(filename, project):
    assert offline._project_of_file(filename) == project


def test_another_exit_code_is_no_miss_and_keeps_its_code():
    missed = offline.classify_offline(MISS, 2)

    assert missed == offline.CacheMiss(2, [])
    assert offline.classify_offline("error: something else", 1) == offline.CacheMiss(1, [])


# --- what counts as a network failure


def error(kind: Failure, output: str | None) -> StartupError:
    return StartupError(kind, "x failed.", "todo", output)  # type: ignore[arg-type]


def test_network_failures_and_no_route():
    assert offline.is_network_error(error(Failure.TIMEOUT, ""))
    assert offline.is_network_error(error(Failure.UNREACHABLE, RESET))
    assert not offline.is_network_error(error(Failure.UNREACHABLE, SERVER_ERROR))
    assert not offline.is_network_error(error(Failure.UNREACHABLE, None))
    assert not offline.is_network_error(error(Failure.INSTALL, REFUSED))
    assert offline.no_route(error(Failure.UNREACHABLE, REFUSED))
    assert not offline.no_route(error(Failure.UNREACHABLE, RESET))
    assert not offline.no_route(error(Failure.UNREACHABLE, None))
    assert not offline.no_route(error(Failure.TIMEOUT, REFUSED))


def test_name_missing_only_for_a_network_failure_and_a_real_miss():
    miss = offline.CacheMiss(1, ["applibc"])
    refused = error(Failure.UNREACHABLE, REFUSED)
    assert isinstance(offline.name_missing(refused, miss), offline.NetworkFailure)
    assert offline.name_missing(refused, offline.CacheMiss(2, ["applibc"])) is refused
    conflict = error(Failure.CONFLICT, CONFLICT)
    assert offline.name_missing(conflict, miss) is conflict


def test_a_network_failure_keeps_the_original_words():
    original = error(Failure.TIMEOUT, "Resolved")

    named = offline.NetworkFailure(original, ["pa", "pb"])

    assert named.failure is Failure.TIMEOUT and named.output == "Resolved"
    assert named.what == (
        "x failed. The local uv cache lacks pa, pb too, so it cannot be installed offline either."
    )
    assert named.todo == (
        "The network is needed once for pa, pb: start once with the package index reachable, "
        "and later starts install it from the cache. todo"
    )


def test_quick_env_turns_retries_off_unless_set():
    assert offline.quick_env({"A": "1"}) == {"A": "1", "UV_HTTP_RETRIES": "0"}
    assert offline.quick_env({"UV_HTTP_RETRIES": ""}) is None


# --- when the cache can help


def test_cache_possible(tmp_path, monkeypatch):
    assert offline.cache_possible({"UV_CACHE_DIR": str(tmp_path)})
    assert offline.cache_possible({})
    assert not offline.cache_possible({"UV_OFFLINE": "1"})
    assert not offline.cache_possible({"UV_CACHE_DIR": str(tmp_path), "UV_OFFLINE": "1"})
    assert not offline.cache_possible({"UV_CACHE_DIR": str(tmp_path), "UV_NO_CACHE": "1"})
    a_file = tmp_path / "a file"
    a_file.write_text("")
    assert not offline.cache_possible({"UV_CACHE_DIR": str(a_file)})
    a_file.chmod(0o755)  # readable and "enterable" to os.access, still no folder
    assert not offline.cache_possible({"UV_CACHE_DIR": str(a_file)})
    a_file.chmod(0o644)
    monkeypatch.setenv("UV_CACHE_DIR", str(a_file))
    monkeypatch.delenv("UV_NO_CACHE", raising=False)
    monkeypatch.delenv("UV_OFFLINE", raising=False)
    assert not offline.cache_possible()
    assert offline.cache_possible({"UV_CACHE_DIR": str(tmp_path)})


# --- the dry run's words


def test_dry_run_lines_in_full():
    assert offline.plan_lines(["project", "requirements"], True, True) == [
        "project: from the local uv cache first (offline), the index only for what the cache lacks",
        "requirements: resolved against the index; from the local uv cache if the index is unreachable",
        "if the index is unreachable and the cache lacks a package: start on the last good "
        "environment (the venv as the last successful start left it)",
    ]
    assert offline.plan_lines(["requirements"], False, False) == [
        "requirements: from the index (no usable local uv cache)",
        "if the index is unreachable and the cache lacks a package: fail (no earlier "
        "successful start: no last good environment)",
    ]
    assert offline.plan_lines(["project"], False, False)[0] == (
        "project: from the index (no usable local uv cache)"
    )
