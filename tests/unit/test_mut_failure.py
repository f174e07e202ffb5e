"""failure: more behaviours of a fatal error's ending that surviving mutants showed no test
pinned down (tests/unit/test_failure.py holds the first ones)."""

from __future__ import annotations

import errno
import io
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request

import pytest
from invoke.exceptions import Exit

from hassette_tasks import failure, integrity, startlock
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
    assert (
        "  What happened: stopped by "
        f"{signal.Signals(sig).name} before the start-up finished; temporary files were removed "
        "and nothing was recorded as installed.\n"
    ) in stream.getvalue()
    assert "uv said" not in stream.getvalue()  # nothing of uv's to show


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def health_answer(port: int) -> tuple[int, dict]:
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health/live", timeout=5):
                pass
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


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
    # and, while it stays up, the health address answers 503 with what happened and what to do
    port = free_port()
    env = {
        **os.environ,
        "HASSETTE__ON_FAILURE": "halt",
        "HASSETTE__CONFIG_DIR": str(tmp_path),
        "HASSETTE_TASKS_HEALTH": "1",
        "HASSETTE__WEB_API__HOST": "127.0.0.1",
        "HASSETTE__WEB_API__PORT": str(port),
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
        answer = health_answer(port)
        assert process.poll() is None, "halt mode ended by itself"
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=20)
    finally:
        process.kill()
        process.wait()
    printed = "".join(lines) + rest
    assert "DEPENDENCY CONFLICT" in printed
    assert (
        "ms] on failure: halt (HASSETTE__ON_FAILURE=halt): staying up and idle so the container "
        "does not restart in a loop; fix the problem above, then restart the container\n"
    ) in printed
    assert f"stopping on signal {int(signal.SIGTERM)}, exit code 4" in printed
    assert "ended with Exit 4" in printed
    assert process.returncode == 4
    assert answer == (
        503,
        {
            "status": "halted",
            "title": "DEPENDENCY CONFLICT",
            "what_to_do": "Relax the requirement.",
        },
    )


def test_the_todo_of_a_file_system_error_in_full():
    full = failure.from_os_error(OSError(errno.ENOSPC, "No space left on device"))
    assert full.todo == "Free space (or give the container's /tmp more room) and restart."
    other = failure.from_os_error(OSError(errno.EROFS, "Read-only file system"))
    assert other.todo == (
        "Check that the folders the container uses exist and that uid "
        f"{os.getuid()} can read them (and write the app venv)."
    )


def test_a_task_without_halt_mode_ignores_on_failure_halt_and_says_nothing_of_it(monkeypatch):
    monkeypatch.setenv("HASSETTE__ON_FAILURE", "halt")
    shown, stream = console()
    error = OSError(errno.EIO, "Input/output error")
    # were it to halt, a SIGTERM ends the halt (and the test, failing) instead of hanging
    saved = {sig: signal.getsignal(sig) for sig in failure.STOP_SIGNALS}
    stopper = threading.Timer(5, os.kill, (os.getpid(), signal.SIGTERM))
    stopper.start()
    try:
        with pytest.raises(Exit) as caught:
            failure.guarded(lambda: shown, _raise(error))
    finally:
        stopper.cancel()
        for sig, handler in saved.items():
            signal.signal(sig, handler)

    assert caught.value.code == 8
    assert "on failure:" not in stream.getvalue()


def test_the_exit_line_of_a_task_with_halt_mode_off(monkeypatch):
    monkeypatch.delenv("HASSETTE__ON_FAILURE", raising=False)
    shown, stream = console()

    with pytest.raises(Exit):
        failure.guarded(lambda: shown, _raise(OSError(errno.EIO, "x")), halt_on_failure=True)

    assert stream.getvalue().endswith(
        "] on failure: exit (set HASSETTE__ON_FAILURE=halt to stay up instead of "
        "restarting in a loop)\n"
    )


def _raise(error: BaseException):
    def body(_console: Console) -> object:
        raise error

    return body


def app_venv(tmp_path):
    from hassette_tasks.environment import AppEnvironment

    venv = tmp_path / "app venv"
    site = venv / "lib" / "python3.12" / "site-packages"
    site.mkdir(parents=True)
    return venv, AppEnvironment(venv, site, "3.12.4", "0.60.0")


@pytest.fixture
def no_guard():
    yield
    integrity.InstallGuard.active = None


def test_a_failure_that_may_have_left_half_an_install_keeps_the_install_marker(
    tmp_path, monkeypatch, no_guard
):
    # uv stopped by a timeout: the next start must check (repair) the venv
    monkeypatch.delenv("HASSETTE__ON_FAILURE", raising=False)
    venv, app = app_venv(tmp_path)
    shown, _stream = console()

    def body(given: Console) -> object:
        integrity.InstallGuard(app, given, installing=True)
        raise StartupError(Failure.TIMEOUT, "uv timed out.", "")

    with pytest.raises(Exit):
        failure.guarded(lambda: shown, body)

    assert integrity.interrupted(venv)


def test_a_marker_that_cannot_be_removed_after_a_failure_is_a_warning(
    tmp_path, monkeypatch, no_guard
):
    monkeypatch.delenv("HASSETTE__ON_FAILURE", raising=False)
    venv, app = app_venv(tmp_path)
    shown, stream = console()

    def body(given: Console) -> object:
        integrity.InstallGuard(app, given, installing=True)
        marker = integrity.marker_path(venv)
        marker.unlink()
        marker.mkdir()  # something the clean-up cannot unlink
        raise StartupError(Failure.CONFLICT, "no solution.", "Relax it.")

    with pytest.raises(Exit) as caught:
        failure.guarded(lambda: shown, body)

    assert caught.value.code == 4
    assert "warning: could not remove the install marker (Is a directory)" in stream.getvalue()
