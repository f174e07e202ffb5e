"""startlock: one start at a time per app venv. Each test pins a behaviour a surviving mutant
showed no test noticed (the host tests cover the two-boots case end to end)."""

from __future__ import annotations

import gc
import io
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from hassette_tasks import startlock
from hassette_tasks.console import Console
from hassette_tasks.errors import Failure, StartupError

# another start: takes the lock, writes WHO into the lock file, holds it until stdin closes
HOLDER = textwrap.dedent(
    """
    import fcntl, os, sys
    handle = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(handle, fcntl.LOCK_EX)
    os.ftruncate(handle, 0)
    os.pwrite(handle, os.fsencode(sys.argv[2]), 0)
    print("locked", flush=True)
    sys.stdin.read()
    """
)


def console() -> tuple[Console, io.StringIO]:
    stream = io.StringIO()
    return Console(env={}, stream=stream, started=time.monotonic()), stream


@pytest.fixture
def released():
    """Whatever a test holds is let go afterwards (the lock is process-wide state)."""
    yield
    startlock.release()


def holder(venv: Path, who: str | bytes = "pid 4242\n") -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(venv / startlock.LOCK_NAME), who],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline() == "locked\n"
    return process


def assert_refused_while(other: subprocess.Popen[str], venv: Path, shown, stream) -> None:
    """While OTHER holds VENV's lock (and the wait is 0), a start is refused and says so."""
    try:
        with pytest.raises(StartupError):
            startlock.hold(venv, shown)
    finally:
        other.kill()
        other.wait()
    assert "another start is installing into" in stream.getvalue()


def can_lock(venv: Path) -> bool:
    """Whether another process could take the venv's lock now."""
    probe = (
        "import fcntl, os, sys\n"
        "h = os.open(sys.argv[1], os.O_RDWR)\n"
        "try:\n    fcntl.flock(h, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
        "except BlockingIOError:\n    sys.exit(1)\n"
    )
    lock = str(venv / startlock.LOCK_NAME)
    return subprocess.run([sys.executable, "-c", probe, lock], check=False).returncode == 0


def test_a_start_takes_the_lock_says_who_holds_it_and_release_lets_another_in(tmp_path, released):
    shown, stream = console()
    old = os.umask(0o022)
    try:
        startlock.hold(tmp_path, shown)
    finally:
        os.umask(old)

    lock = tmp_path / startlock.LOCK_NAME
    assert lock.read_text() == f"pid {os.getpid()}\n"
    assert lock.stat().st_mode & 0o777 == 0o644
    assert stream.getvalue() == ""  # nobody else held it: no waiting line
    assert not can_lock(tmp_path)
    startlock.release()
    assert can_lock(tmp_path)


def test_a_longer_text_left_by_an_earlier_holder_is_replaced_whole(tmp_path, released):
    (tmp_path / startlock.LOCK_NAME).write_text("pid 1234567890 from an older start\n")

    startlock.hold(tmp_path, console()[0])

    assert (tmp_path / startlock.LOCK_NAME).read_text() == f"pid {os.getpid()}\n"


def test_the_lock_is_not_inherited_by_a_child_the_start_runs(tmp_path, released):
    # hassette is exec'd: a descriptor it inherited would hold the lock for its lifetime
    startlock.hold(tmp_path, console()[0])
    listing = (
        "import os\n"
        "for fd in os.listdir('/proc/self/fd'):\n"
        "    try:\n        print(os.readlink(f'/proc/self/fd/{fd}'))\n"
        "    except OSError:\n        pass\n"
    )
    child = subprocess.run(
        [sys.executable, "-c", listing], capture_output=True, text=True, close_fds=False, check=True
    )
    assert startlock.LOCK_NAME not in child.stdout


def test_a_missing_venv_folder_is_no_lock_and_no_error(tmp_path, released):
    shown, stream = console()

    startlock.hold(tmp_path / "no venv", shown)

    assert not (tmp_path / "no venv").exists() and stream.getvalue() == ""


def test_a_lock_file_that_is_a_symlink_is_not_followed(tmp_path, released):
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me\n")
    venv = tmp_path / "venv"
    venv.mkdir()
    (venv / startlock.LOCK_NAME).symlink_to(target)

    startlock.hold(venv, console()[0])

    assert target.read_text() == "keep me\n"
    assert can_lock_file(target)  # and no lock was taken on it either


def can_lock_file(path: Path) -> bool:
    probe = (
        "import fcntl, os, sys\n"
        "h = os.open(sys.argv[1], os.O_RDONLY)\n"
        "try:\n    fcntl.flock(h, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
        "except BlockingIOError:\n    sys.exit(1)\n"
    )
    return subprocess.run([sys.executable, "-c", probe, str(path)], check=False).returncode == 0


def test_a_lock_path_only_readable_still_locks_and_a_waiter_names_no_holder(
    tmp_path, monkeypatch, released
):
    # a folder where the lock file belongs opens read-only (as a lock file someone else
    # owns would): the lock works, and who holds it cannot be read, nor written
    (tmp_path / startlock.LOCK_NAME).mkdir()
    shown, stream = console()
    startlock.hold(tmp_path, shown)
    assert not can_lock_file(tmp_path / startlock.LOCK_NAME)
    startlock.release()

    monkeypatch.setenv(startlock.WAIT_VARIABLE, "0")
    probe = (
        "import fcntl, os, sys\n"
        "h = os.open(sys.argv[1], os.O_RDONLY)\n"
        "fcntl.flock(h, fcntl.LOCK_EX)\n"
        "print('locked', flush=True)\n"
        "sys.stdin.read()\n"
    )
    other = subprocess.Popen(
        [sys.executable, "-c", probe, str(tmp_path / startlock.LOCK_NAME)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert other.stdout is not None and other.stdout.readline() == "locked\n"
    assert_refused_while(other, tmp_path, shown, stream)


def test_a_holder_that_wrote_no_text_is_not_named(tmp_path, monkeypatch, released):
    monkeypatch.setenv(startlock.WAIT_VARIABLE, "0")
    other = holder(tmp_path, who=b"\xff\xfe not UTF-8")
    shown, stream = console()
    assert_refused_while(other, tmp_path, shown, stream)


def test_a_second_start_waits_while_the_first_holds_then_takes_over(
    tmp_path, monkeypatch, released
):
    monkeypatch.setenv(startlock.WAIT_VARIABLE, "60")
    other = holder(tmp_path)
    shown, stream = console()
    assert other.stdin is not None
    # the other start ends (its lock with it) while this one waits
    letting_go = threading.Timer(0.8, other.stdin.close)
    letting_go.start()
    started = time.monotonic()
    try:
        startlock.hold(tmp_path, shown)
    finally:
        letting_go.join()
        other.wait(timeout=10)
    waited = time.monotonic() - started

    printed = stream.getvalue()
    assert waited >= 0.7  # it waited for the other start
    assert f"another start (pid 4242) is installing into {tmp_path}: waiting" in printed
    assert "for it to finish (at most 60s)" in printed
    finished = printed.split("start lock: the other start finished (")[1]
    assert 0.7 <= float(finished.split("s)")[0]) < 30
    assert (tmp_path / startlock.LOCK_NAME).read_text() == f"pid {os.getpid()}\n"


def test_a_holder_that_wrote_nothing_is_not_named(tmp_path, monkeypatch, released):
    monkeypatch.setenv(startlock.WAIT_VARIABLE, "0")
    other = holder(tmp_path, who="")
    shown, stream = console()
    try:
        with pytest.raises(StartupError) as caught:
            startlock.hold(tmp_path, shown)
    finally:
        other.kill()
        other.wait()
    assert "another start is installing into" in stream.getvalue()
    assert caught.value.what.startswith(f"another start has held the app environment {tmp_path}")


def test_a_start_waits_a_bounded_time_then_fails_naming_holder_and_setting(
    tmp_path, monkeypatch, released
):
    monkeypatch.setenv(startlock.WAIT_VARIABLE, "1")
    other = holder(tmp_path)
    shown, stream = console()
    # an earlier test's holder keeps its two pipes until a garbage collection, which could
    # otherwise close them in the middle of this count (it did, under mutmut's stats run)
    gc.collect()
    open_before = len(os.listdir("/proc/self/fd"))
    started = time.monotonic()
    try:
        with pytest.raises(StartupError) as caught:
            startlock.hold(tmp_path, shown)
        waited = time.monotonic() - started
        assert can_lock(tmp_path) is False  # the other start still holds it
    finally:
        other.kill()
        other.wait()

    error = caught.value
    assert error.failure is Failure.TIMEOUT
    assert 1 <= waited < 10
    assert error.what == (
        f"another start (pid 4242) has held the app environment {tmp_path} for more "
        "than 1s while this one waited for it."
    )
    assert error.todo == (
        "Two starts share this venv (a docker exec of boot, or two containers on one venv "
        "volume). Let the other one finish, or stop it, then restart; "
        "HASSETTE_TASKS_START_WAIT sets how long a start waits (seconds)."
    )
    assert "(at most 1s)" in stream.getvalue()
    assert len(os.listdir("/proc/self/fd")) == open_before  # its descriptor is closed
    startlock.release()
    assert can_lock(tmp_path)  # and it holds nothing after failing


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [
        ("", 1800),
        ("5", 5),
        (" 12 ", 12),
        ("0", 0),
        ("999999", 999999),
        ("1000000", 1800),  # 7 digits: not a wait anyone meant
        ("-5", 1800),
        ("1.5", 1800),
        ("ten", 1800),
        ("\u0663", 1800),  # an Arabic-Indic digit: isdigit, not ASCII
    ],
)
def test_the_wait_setting(raw, seconds):
    assert startlock.wait_seconds({startlock.WAIT_VARIABLE: raw}) == seconds


def test_the_wait_setting_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv(startlock.WAIT_VARIABLE, "7")
    assert startlock.wait_seconds() == 7
    monkeypatch.delenv(startlock.WAIT_VARIABLE)
    assert startlock.wait_seconds() == startlock.DEFAULT_WAIT_SECONDS == 1800
