"""failure: how a fatal error ends a task (banner, exit code) and halt mode (idle until a
stop signal). Each test here pins a behaviour a surviving mutant showed no test noticed."""

from __future__ import annotations

import errno
import io
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from invoke.exceptions import Exit

from hassette_tasks import failure
from hassette_tasks.console import Console
from hassette_tasks.errors import Failure


def console() -> tuple[Console, io.StringIO]:
    stream = io.StringIO()
    return Console(env={}, stream=stream, started=time.monotonic()), stream


def test_a_full_disk_is_exit_11_and_says_so():
    error = failure.from_os_error(OSError(errno.ENOSPC, "No space left on device", "/venv/x"))

    assert error.failure is Failure.DISK_FULL
    assert error.failure.exit_code == 11
    assert "no space left on the device (/venv/x)" in error.what


def test_another_file_system_error_is_an_install_failure_naming_the_file():
    error = failure.from_os_error(PermissionError(errno.EACCES, "Permission denied", "/apps/x"))

    assert error.failure is Failure.INSTALL and error.failure.exit_code == 8
    assert error.what == "Permission denied (/apps/x)."
    assert f"uid {os.getuid()}" in error.todo


def _raise(error: BaseException):
    def body(_console: Console) -> object:
        raise error

    return body


@pytest.mark.parametrize(
    ("error", "code", "title", "what"),
    [
        (
            PermissionError(errno.EACCES, "Permission denied", "/config/x"),
            8,
            "INSTALL FAILED",
            "Permission denied (/config/x).",
        ),
        (
            OSError(errno.ENOSPC, "No space left on device", "/tmp/y"),
            11,
            "NO SPACE LEFT",
            "no space left on the device (/tmp/y).",
        ),
    ],
)
def test_an_os_error_at_the_task_boundary_is_a_banner_and_its_exit_code(
    monkeypatch, error, code, title, what
):
    monkeypatch.delenv("HASSETTE__ON_FAILURE", raising=False)
    shown, stream = console()

    with pytest.raises(Exit) as caught:
        failure.guarded(lambda: shown, _raise(error))

    assert caught.value.code == code  # never 0: the container must not look healthy
    printed = stream.getvalue()
    assert f"  {title}\n" in printed
    assert f"What happened: {what}" in printed


def test_a_body_that_succeeds_returns_its_value_and_prints_nothing():
    shown, stream = console()

    assert failure.guarded(lambda: shown, lambda _console: "done") == "done"
    assert stream.getvalue() == ""


@pytest.fixture
def restored_signals():
    """halt installs its own SIGTERM/SIGINT handlers: put pytest's back afterwards."""
    saved = {sig: signal.getsignal(sig) for sig in failure.STOP_SIGNALS}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.mark.parametrize("sig", failure.STOP_SIGNALS)
def test_halt_stays_until_a_stop_signal_then_returns_naming_it(restored_signals, sig):
    shown, stream = console()
    sender = threading.Timer(0.3, os.kill, (os.getpid(), sig))
    sender.start()
    started = time.monotonic()

    failure.halt(shown, 11)

    sender.join()
    assert time.monotonic() - started >= 0.25  # it waited for the signal
    printed = stream.getvalue()
    assert "on failure: halt (HASSETTE__ON_FAILURE=halt)" in printed
    assert f"on failure: stopping on signal {int(sig)}, exit code 11" in printed


HALT_SCRIPT = textwrap.dedent(
    """
    from hassette_tasks import failure
    from hassette_tasks.console import Console
    failure.halt(Console(env={}), 4)
    """
)


def _cpu_ticks(pid: int) -> int:
    """utime + stime of PID, in clock ticks (stat(5) fields 14 and 15)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


def test_halt_idles_without_burning_cpu():
    process = subprocess.Popen(
        [sys.executable, "-c", HALT_SCRIPT], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        assert "on failure: halt" in process.stdout.readline()
        before, started = _cpu_ticks(process.pid), time.monotonic()
        time.sleep(1.5)
        used = (_cpu_ticks(process.pid) - before) / os.sysconf("SC_CLK_TCK")
        elapsed = time.monotonic() - started
        assert process.poll() is None, "halt mode ended by itself"
        # a busy loop uses ~1.5 s of CPU here (less on a loaded machine, never near 0.1)
        assert used < 0.1, f"halt used {used:.2f}s of CPU in {elapsed:.2f}s"
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=10)
    finally:
        process.kill()
        process.wait()
    assert "stopping on signal 15, exit code 4" in rest


def test_the_body_writes_to_the_console_guarded_made():
    shown, stream = console()

    failure.guarded(lambda: shown, lambda given: given.line("from the body"))

    assert "] from the body\n" in stream.getvalue()


def test_a_stop_signal_in_the_body_is_the_interrupted_banner_and_128_plus_its_number(
    restored_signals,
):
    shown, stream = console()

    def body(_console: Console) -> object:
        os.kill(os.getpid(), signal.SIGTERM)  # guarded turns it into an unwinding exception
        time.sleep(5)
        return "not reached"

    started = time.monotonic()
    with pytest.raises(Exit) as caught:
        failure.guarded(lambda: shown, body)

    assert time.monotonic() - started < 4
    assert caught.value.code == 128 + signal.SIGTERM
    printed = stream.getvalue()
    assert "  INTERRUPTED\n" in printed
    assert "stopped by SIGTERM before the start-up finished" in printed
    # and the handlers it set for the body are gone again
    assert signal.getsignal(signal.SIGTERM) is not failure._raise_interrupted


@pytest.mark.parametrize("halt_on_failure", [False, True])
def test_without_halt_mode_a_failure_exits_at_once(monkeypatch, halt_on_failure):
    # HASSETTE__ON_FAILURE=halt is honoured only where the task asks for it (boot);
    # elsewhere, and with halt mode off, the exit is immediate
    if halt_on_failure:
        monkeypatch.setenv("HASSETTE__ON_FAILURE", "exit")
    else:
        monkeypatch.setenv("HASSETTE__ON_FAILURE", "halt")
    shown, stream = console()
    error = OSError(errno.ENOSPC, "No space left on device", "/tmp/z")

    started = time.monotonic()
    with pytest.raises(Exit) as caught:
        failure.guarded(lambda: shown, _raise(error), halt_on_failure=halt_on_failure)

    assert time.monotonic() - started < 5 and caught.value.code == 11
    told = "on failure: exit (set HASSETTE__ON_FAILURE=halt to stay up" in stream.getvalue()
    assert told == halt_on_failure
    assert "Free space (or give the container's /tmp more room)" in stream.getvalue()


def test_an_os_error_without_a_file_name_names_none():
    error = failure.from_os_error(OSError(errno.EIO, "Input/output error"))
    assert error.what == "Input/output error." and error.failure is Failure.INSTALL
    full = failure.from_os_error(OSError(errno.ENOSPC, "No space left on device"))
    assert full.what == "no space left on the device."
