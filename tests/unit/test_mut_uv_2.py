"""uv: a timed-out uv's words kept whole, and uv's environment built without a VIRTUAL_ENV to
drop (tests found by the mutants of uv.py the last session left unchecked; test_mut_uv.py
holds the first ones)."""

from __future__ import annotations

import threading

import pytest

from hassette_tasks import uv
from hassette_tasks.errors import Failure
from hassette_tasks.settings import Timeout
from tests.unit.test_mut_uv import console, stand_in


def test_a_timed_out_uv_keeps_every_line_it_said_for_the_banner(tmp_path, monkeypatch):
    stand_in(tmp_path, monkeypatch, "echo Resolved\necho Downloading >&2\nexec sleep 300\n")

    with pytest.raises(uv.UvFailed) as failed:
        uv.run(["x"], console()[0], timeout=Timeout("HASSETTE__INSTALL_TIMEOUT", "1"))

    assert failed.value.classify() is Failure.TIMEOUT
    assert failed.value.output == "Resolved\nDownloading\n"


def test_uvs_environment_without_a_virtual_env_to_drop(monkeypatch):
    # the image's boot runs outside any virtualenv: nothing to drop is not an error
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    monkeypatch.setenv("MARK", "kept")

    env = uv.environment()

    assert "VIRTUAL_ENV" not in env and env["MARK"] == "kept"


def test_a_failed_uv_keeps_every_line_it_said_for_the_banner(tmp_path, monkeypatch):
    stand_in(tmp_path, monkeypatch, "echo Resolved\necho 'error: no solution' >&2\nexit 1\n")

    with pytest.raises(uv.UvFailed) as failed:
        uv.run(["x"], console()[0])

    assert failed.value.exit_code == 1
    assert failed.value.output == "Resolved\nerror: no solution\n"


def test_a_failed_uv_leaves_no_exception_in_a_background_thread(tmp_path, monkeypatch):
    # a thread's uncaught exception is printed as a traceback in the start-up log, beside
    # the banner that already says what failed
    stand_in(tmp_path, monkeypatch, "echo 'error: no solution' >&2\nexit 1\n")
    uncaught: list = []
    monkeypatch.setattr(threading, "excepthook", uncaught.append)

    with pytest.raises(uv.UvFailed):
        uv.run(["x"], console()[0])

    assert uncaught == []
