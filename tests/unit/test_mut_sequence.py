"""sequence: the warm-restart record inside the guarded install sequence, behaviours
surviving mutants showed no test pinned down (the installs themselves, with real uv, are
tested through tests/host). A record that outlives an install that did not finish is a
next start that skips an install it needs."""

from __future__ import annotations

import io

import pytest

from hassette_tasks import integrity, settings, state
from hassette_tasks.console import Console
from hassette_tasks.environment import inspect
from hassette_tasks.sequence import Installs, installing

OLD = {"requirements": "old"}
NEW = {"requirements": "new"}


@pytest.fixture(autouse=True)
def no_active_guard(monkeypatch):
    # a body that raises leaves the guard of "this start" set: never for the next test
    monkeypatch.setattr(integrity.InstallGuard, "active", None)


@pytest.fixture
def cfg(tmp_path, fake_venv):
    return settings.load({"HASSETTE__VENV": str(fake_venv())})


def lines(stream: io.StringIO) -> list[str]:
    return [line.split("] ", 1)[1] for line in stream.getvalue().splitlines()]


def run(cfg, body=None, record=NEW) -> list[str]:
    """The sequence around BODY (nothing installed: no uv runs); what it said."""
    stream = io.StringIO()
    console = Console(env={}, stream=stream)
    with installing(cfg, console, inspect(cfg.venv), mark=False, record=record):
        if body:
            body()
    return lines(stream)


def test_the_old_record_is_gone_while_installing_and_the_new_one_written_after(cfg):
    state.save(cfg.venv, OLD)
    during = []

    said = run(cfg, lambda: during.append(state.load(cfg.venv)))

    assert during == [{}]
    assert state.load(cfg.venv) == NEW
    assert not [line for line in said if line.startswith("warning:")]


def test_an_install_that_fails_leaves_no_record(cfg):
    state.save(cfg.venv, OLD)

    def fail() -> None:
        raise RuntimeError("uv was killed")

    with pytest.raises(RuntimeError):
        run(cfg, fail)

    assert not state.record_path(cfg.venv).exists()


def test_without_a_record_to_write_the_old_one_stays(cfg):
    # install-reqs and install-locked: they neither forget nor write boot's record
    state.save(cfg.venv, OLD)

    run(cfg, record=None)

    assert state.load(cfg.venv) == OLD


def test_a_record_that_cannot_be_removed_nor_written_is_a_warning(cfg):
    state.record_path(cfg.venv).mkdir()  # unlink and the atomic rename both fail

    said = run(cfg)

    assert said == [
        "warning: could not remove the warm-restart record (Is a directory): installing anyway",
        "warning: could not write the warm-restart record (Is a directory): the next start "
        "installs again",
    ]


def test_an_attempt_without_a_fallback_is_the_install_itself():
    calls = []

    def install(*args: object) -> str:
        calls.append(args)
        return "roots"

    assert Installs().attempt("the project", install, "a", 2) == "roots"
    assert calls == [("a", 2)]
