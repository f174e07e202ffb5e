"""One start at a time per app venv: a lock on a file in the venv, held until the hand-off.

Two starts on one venv (a `docker exec ... hassette-tasks boot` while the container
starts, or two containers sharing a venv volume) would each take the other's install
marker for a crash, repair, and remove each other's work. The second start waits for the
lock instead (bounded, with a log line saying so), then decides from what the first left:
usually a warm restart. flock follows the open file, so the lock ends when this process
exits or execs hassette (the descriptor is not inherited), and no stale lock survives a
kill.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Mapping
from pathlib import Path

from hassette_tasks.console import Console
from hassette_tasks.errors import Failure, StartupError

LOCK_NAME = ".hassette-tasks-lock"
# how long a start waits for another one (a first install can take many minutes)
WAIT_VARIABLE = "HASSETTE_TASKS_START_WAIT"
DEFAULT_WAIT_SECONDS = 1800
POLL_SECONDS = 0.2

_held: list[int] = []  # the descriptor holding the lock, while this process holds it


def _open(venv: Path) -> int | None:
    path = venv / LOCK_NAME
    flags = os.O_CLOEXEC | os.O_NOFOLLOW
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | flags, 0o644)
    except OSError:
        pass
    try:  # someone else's lock file, or a read-only venv: a read lock works as well
        return os.open(path, os.O_RDONLY | flags)
    except OSError:
        return None  # nothing can install into this venv either: require_writable says so


def _try_lock(handle: int) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder(handle: int) -> str:
    """Who holds the lock, as the holder wrote it (`pid N`), for the log."""
    with contextlib.suppress(OSError, UnicodeDecodeError):
        text = os.pread(handle, 100, 0).decode().strip()
        if text:
            return f" ({text})"
    return ""


def wait_seconds(env: Mapping[str, str] | None = None) -> int:
    raw = (os.environ if env is None else env).get(WAIT_VARIABLE, "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 7 else DEFAULT_WAIT_SECONDS


def hold(venv: Path, console: Console) -> None:
    """Take the venv's start lock, waiting (bounded) while another start holds it."""
    handle = _open(venv)
    if handle is None:
        return
    if not _try_lock(handle):
        limit = wait_seconds()
        console.line(
            f"start lock: another start{_holder(handle)} is installing into {venv}: waiting "
            f"for it to finish (at most {limit}s)"
        )
        started = time.monotonic()
        while not _try_lock(handle):
            if time.monotonic() - started >= limit:
                holder = _holder(handle)
                os.close(handle)
                raise StartupError(
                    Failure.TIMEOUT,
                    f"another start{holder} has held the app environment {venv} for more "
                    f"than {limit}s while this one waited for it.",
                    "Two starts share this venv (a docker exec of boot, or two containers "
                    "on one venv volume). Let the other one finish, or stop it, then "
                    f"restart; {WAIT_VARIABLE} sets how long a start waits (seconds).",
                )
            time.sleep(POLL_SECONDS)
        console.line(f"start lock: the other start finished ({time.monotonic() - started:.1f}s)")
    with contextlib.suppress(OSError):  # a read-only lock file cannot say who holds it
        os.ftruncate(handle, 0)
        os.pwrite(handle, f"pid {os.getpid()}\n".encode(), 0)
    _held.append(handle)


def release() -> None:
    """Let another start go on (a failed start that stays up in halt mode)."""
    while _held:
        os.close(_held.pop())
