"""failure: more behaviours of a fatal error's ending that surviving mutants showed no test
pinned down (tests/unit/test_failure.py holds the first ones)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from invoke.exceptions import Exit

from hassette_tasks import failure, startlock
from hassette_tasks.console import Console
from hassette_tasks.errors import ConfigError, Failure, StartupError


def console() -> tuple[Console, io.StringIO]:
    stream = io.StringIO()
    return Console(env={}, stream=stream, started=time.monotonic()), stream


def test_an_os_error_without_a_message_is_shown_as_itself():
    error = failure.from_os_error(OSError("the folder went away"))

    assert error.what == "the folder went away." and error.failure is Failure.INSTALL


@pytest.mark.parametrize(
    ("value", "halts"),
    [("halt", True), (" HALT ", True), ("exit", False), ("", False), ("sometimes", False)],
)
def test_halt_is_requested_only_by_halt_and_a_bad_value_is_not_a_halt(value, halts):
    env = {"HASSETTE__ON_FAILURE": value}
    assert failure.halt_requested(env) is halts


def test_halt_requested_reads_the_environment_it_is_given(monkeypatch):
    monkeypatch.setenv("HASSETTE__ON_FAILURE", "exit")
    assert failure.halt_requested({"HASSETTE__ON_FAILURE": "halt"}) is True
    monkeypatch.setenv("HASSETTE__ON_FAILURE", "halt")
    assert failure.halt_requested() is True
    assert failure.halt_requested({}) is False


def test_a_bad_setting_shown_by_guarded_ends_with_its_exit_code(monkeypatch):
    # the failure may be the setting itself: halt mode is then off, and the exit immediate
    monkeypatch.setenv("HASSETTE__ON_FAILURE", "sometimes")
    shown, stream = console()

    def body(_console: Console) -> object:
        raise ConfigError("HASSETTE__ON_FAILURE", "'sometimes' is not one of exit, halt")

    started = time.monotonic()
    with pytest.raises(Exit) as caught:
        failure.guarded(lambda: shown, body, halt_on_failure=True)

    assert time.monotonic() - started < 5
    assert caught.value.code == Failure.CONFIG.exit_code
    assert "on failure: exit (set HASSETTE__ON_FAILURE=halt" in stream.getvalue()


def test_a_failed_start_lets_another_start_take_the_venv(tmp_path, monkeypatch):
    # halt mode stays up after a failure: the start lock must not keep the next start waiting
    monkeypatch.delenv("HASSETTE__ON_FAILURE", raising=False)
    shown, _stream = console()

    def body(given: Console) -> object:
        startlock.hold(tmp_path, given)
        raise StartupError(Failure.CONFLICT, "no solution.", "Relax it.")

    try:
        with pytest.raises(Exit) as caught:
            failure.guarded(lambda: shown, body)
        probe = (
            "import fcntl, os, sys\n"
            "h = os.open(sys.argv[1], os.O_RDWR)\n"
            "fcntl.flock(h, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
        )
        lock = str(tmp_path / startlock.LOCK_NAME)
        other = subprocess.run([sys.executable, "-c", probe, lock], check=False)
    finally:
        startlock.release()
    assert caught.value.code == Failure.CONFLICT.exit_code
    assert other.returncode == 0, "the failed start still holds the venv's lock"


def test_the_stop_signal_handlers_are_put_back_after_the_body():
    seen: list[int] = []

    def mine(signum, _frame):
        seen.append(signum)

    saved = {sig: signal.getsignal(sig) for sig in failure.STOP_SIGNALS}
    try:
        for sig in failure.STOP_SIGNALS:
            signal.signal(sig, mine)
        shown, _stream = console()
        failure.guarded(lambda: shown, lambda _console: None)
        for sig in failure.STOP_SIGNALS:
            assert signal.getsignal(sig) is mine
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


@pytest.mark.parametrize("sig", failure.STOP_SIGNALS)
def test_either_stop_signal_interrupts_the_body(sig):
    shown, stream = console()

    def body(_console: Console) -> object:
        os.kill(os.getpid(), sig)
        time.sleep(5)
        return "not reached"

    saved = {s: signal.getsignal(s) for s in failure.STOP_SIGNALS}
    try:
        with pytest.raises(Exit) as caught:
            failure.guarded(lambda: shown, body)
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)
    assert caught.value.code == 128 + sig
    assert f"stopped by {signal.Signals(sig).name} before the start-up finished" in (
        stream.getvalue()
    )
    assert "What to do: Nothing to fix: the next start installs again." in stream.getvalue()


# a boot that fails in halt mode: banner, health answers 503, idle until SIGTERM, then exit
HALT_GUARDED = textwrap.dedent(
    """
    import sys
    from hassette_tasks import failure
    from hassette_tasks.console import Console
    from hassette_tasks.errors import Failure, StartupError

    def body(_console):
        raise StartupError(Failure.CONFLICT, "no solution.", "Relax the requirement.")

    try:
        failure.guarded(lambda: Console(env={}), body, halt_on_failure=True)
    except SystemExit as stop:
        raise
    except BaseException as error:
        print("ended with", type(error).__name__, getattr(error, "code", None), flush=True)
        sys.exit(getattr(error, "code", 99))
    """
)


def test_halt_mode_shows_the_failure_stays_up_and_exits_with_its_code_on_sigterm(tmp_path):
    env = {
        **os.environ,
        "HASSETTE__ON_FAILURE": "halt",
        "HASSETTE__CONFIG_DIR": str(tmp_path),
        "HASSETTE_TASKS_HEALTH": "0",  # no port here: halt mode must not need one
    }
    process = subprocess.Popen(
        [sys.executable, "-c", HALT_GUARDED], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert process.stdout is not None
        lines = []
        while "on failure: halt" not in "".join(lines):
            line = process.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
        time.sleep(0.5)
        assert process.poll() is None, "halt mode ended by itself"
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=20)
    finally:
        process.kill()
        process.wait()
    printed = "".join(lines) + rest
    assert "DEPENDENCY CONFLICT" in printed
    assert f"stopping on signal {int(signal.SIGTERM)}, exit code 4" in printed
    assert "ended with Exit 4" in printed
    assert process.returncode == 4
