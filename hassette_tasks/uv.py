"""Running uv, and every other process the start-up starts: output streamed live and kept
for the banner, a timeout that stops uv's children, no idle wait after uv ends, and no
thread left behind. What uv's failures mean to a user is in uv_failures.py beside it."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import signal
import stat
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from hassette_tasks.console import Console
from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.settings import Timeout
from hassette_tasks.util import proc_self_stat

# The last lines of uv's output a banner repeats (all of it was streamed already).
BANNER_TAIL_LINES = 40
# sh's threads end within milliseconds of uv; this only bounds a wait that should not happen
THREAD_JOIN_SECONDS = 5

_DISK_FULL = re.compile(r"No space left on device|os error 28|Disk quota exceeded", re.I)
_UNREACHABLE = re.compile(
    r"Connection refused|error sending request|dns error|failed to lookup address"
    r"|tcp connect error|Could not connect|connection reset|operation timed out"
    r"|HTTP status server error|status code 5\d\d|\b5\d\d (Internal Server Error|Bad Gateway"
    r"|Service Unavailable|Gateway Timeout)|certificate|invalid peer certificate|UnknownIssuer",
    re.I,
)
_RESOLUTION = re.compile(
    r"No solution found when resolving|we can conclude that|unsatisfiable"
    r"|was not found in the (package registry|provided package locations)"
    r"|not found in the package registry|no versions of|there is no version of",
    re.I,
)

# uv words a broken download as a resolution failure ("has an invalid package format ...
# unsatisfiable"); it is not a conflict the user's requirements can fix
_INVALID_PACKAGE = re.compile(r"invalid package format|Failed to read from zip file", re.I)


class UvNotFound(StartupError):
    def __init__(self) -> None:
        super().__init__(
            Failure.IMAGE,
            "uv was not found on PATH.",
            "The image may be corrupt: rebuild or pull it again.",
        )


class UvFailed(Exception):
    """uv exited non-zero or was stopped by the timeout; callers turn it into a StartupError."""

    def __init__(self, output: str, exit_code: int | None, timeout: Timeout | None = None):
        super().__init__(f"uv failed (exit {exit_code})")
        self.output = output
        self.exit_code = exit_code
        self.timed_out = timeout is not None
        self.timeout = timeout

    @property
    def tail(self) -> str:
        return "\n".join(self.output.splitlines()[-BANNER_TAIL_LINES:])

    def classify(self) -> Failure:
        """The most precise failure kind uv's own words allow."""
        if self.timed_out:
            return Failure.TIMEOUT
        if _DISK_FULL.search(self.output):
            return Failure.DISK_FULL
        if _INVALID_PACKAGE.search(self.output):
            return Failure.INSTALL
        if _RESOLUTION.search(self.output) and not _UNREACHABLE.search(self.output):
            return Failure.CONFLICT
        if _UNREACHABLE.search(self.output):
            return Failure.UNREACHABLE
        return Failure.INSTALL


def binary() -> str:
    found = shutil.which("uv")
    if not found:
        raise UvNotFound()
    return found


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """uv's environment: ours with UV_* untouched, no colour, no stray virtualenv."""
    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)
    env.setdefault("NO_COLOR", "1")
    if extra:
        env.update(extra)
    return env


def unwritable_cache(env: dict[str, str] | None = None) -> str | None:
    """UV_CACHE_DIR when it is set but this user cannot write it (e.g. a root-owned volume)."""
    cache = (os.environ if env is None else env).get("UV_CACHE_DIR")
    if not cache or (os.environ if env is None else env).get("UV_NO_CACHE"):
        return None
    path = Path(cache)
    existing = path if path.exists() else next((p for p in path.parents if p.exists()), None)
    if existing is None or os.access(existing, os.W_OK | os.X_OK):
        return None
    return cache


def use_cache_or_fall_back(console: Console) -> bool:
    """Install without a cache (uv's own temporary one) when UV_CACHE_DIR is not writable.

    Returns False when the cache is unusable, so callers can skip `uv cache prune`.
    """
    cache = unwritable_cache()
    if cache is None:
        return True
    console.warn(
        f"the uv cache {cache} is not writable by uid {os.getuid()}: installing without a "
        "cache this time (make the volume writable by that user to speed up installs)"
    )
    os.environ["UV_NO_CACHE"] = "1"
    return False


def run(
    args: Sequence[str | os.PathLike[str]],
    console: Console,
    timeout: Timeout | None = None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    echo: bool = True,
    capture: bool = False,
    alongside: Callable[[], None] | None = None,
) -> str:
    """Run `uv ARGS`, echoing each output line (redacted) as it arrives; return all output.
    ALONGSIDE is called while uv runs (work of ours that needs no answer from uv); when it
    raises, uv is stopped and its error goes on. With CAPTURE, standard output is returned
    apart (never echoed, never mixed with warnings) and only standard error is echoed and
    kept for a failure banner. A log that cannot be written (a closed pipe) does not cut
    uv short: its error is raised once uv has ended. uv runs in its own process group so
    that a timeout or our own SIGTERM stops the build backends it started too. Raises
    UvFailed on a non-zero exit or a timeout.

    Output reaches us through `write` objects and uv is waited for without a timeout
    (sh's callbacks, `_timeout` and `.wait(timeout)` poll on 0.1 s timers, its `_iter`
    mode can sleep a second): the timeout is a timer of ours that stops uv's process
    group. Every thread started for the call has ended when this returns, so the next
    fork (sh forks to start a command) happens in a process with one thread.
    """
    import sh  # imported here: a warm restart that runs no uv never pays for it

    output = _Output(console, echo)
    streams = (
        {"_out": _Lines(output.captured.append), "_err": _Lines(output.take)}
        if capture
        else {"_out": _Lines(output.take), "_err_to_out": True}
    )
    _require_folder(cwd)
    before = set(threading.enumerate())
    process = _start(args, cwd, env, streams)
    watchdog = _Watchdog(process.pid, timeout)
    try:
        if alongside is not None:
            alongside()
        process.wait()
    except sh.ErrorReturnCode as error:  # SignalException too: killed by the watchdog or others
        if watchdog.fired:
            raise UvFailed("".join(output.lines), None, timeout) from None
        raise UvFailed("".join(output.lines), error.exit_code) from None
    except BaseException:
        _kill_group(process.pid)  # SIGTERM to us while uv runs: uv and its children go too
        with contextlib.suppress(Exception):
            process.wait()  # reap it, so that sh's threads for it end too
        raise
    finally:
        watchdog.stop()
        _join_threads_started_since(before)
    if output.unwritable:
        raise output.unwritable[0]
    return "".join(output.captured if capture else output.lines)


def _require_folder(cwd: Path | None) -> None:
    """Raise the OSError that entering CWD would raise: sh enters it in the forked child,
    where a failure becomes sh's ForkException (a traceback) instead of an OSError."""
    if cwd is None:
        return
    if not stat.S_ISDIR(os.stat(cwd).st_mode):
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(cwd))


def _start(
    args: Sequence[str | os.PathLike[str]],
    cwd: Path | None,
    env: dict[str, str] | None,
    streams: dict[str, Any],
) -> Any:
    """uv started in the background, in its own process group (sh's RunningCommand)."""
    import sh

    command = sh.Command(binary())
    return command(
        *[str(arg) for arg in args],
        _bg=True,
        _bg_exc=False,
        _new_group=True,
        _tty_out=False,
        _cwd=str(cwd) if cwd else None,
        _env=env or environment(),
        _decode_errors="replace",
        **streams,
    )


class _Output:
    """What uv prints: its lines kept (for a banner) and echoed, standard output captured
    apart. `take` runs in sh's reader thread, where an exception would be lost: the log's
    own failure is kept for the caller's thread instead."""

    def __init__(self, console: Console, echo: bool):
        self.lines: list[str] = []
        self.captured: list[str] = []
        self.unwritable: list[Exception] = []
        self._console = console
        self._echo = echo

    def take(self, line: str) -> None:
        self.lines.append(line)
        if self._echo and not self.unwritable:
            try:
                self._console.output(line)
            except Exception as error:
                self.unwritable.append(error)


class _Lines:
    """A stream for sh: each write is one line of uv's output (sh buffers by line).

    sh hands a callable a stdin queue that it polls every 0.1 s; an object with `write`
    gets no such queue.
    """

    encoding = "utf-8"  # sh decodes each line with it, replacing what does not decode

    def __init__(self, sink: Callable[[str], None]):
        self.write = sink


class _Watchdog:
    """Stops uv's process group when the timeout passes."""

    def __init__(self, pgid: int, timeout: Timeout | None):
        self.fired = False
        self._pgid = pgid
        self._timer = None
        if timeout is not None:
            self._timer = threading.Timer(timeout.seconds, self._fire)
            self._timer.daemon = True
            self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        _kill_group(self._pgid)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer.join()


def _join_threads_started_since(before: set[threading.Thread]) -> None:
    # sh leaves a cancelled timer thread behind; a fork while it lives is a fork with threads
    current = threading.current_thread()
    for thread in threading.enumerate():
        if thread not in before and thread is not current:
            thread.join(THREAD_JOIN_SECONDS)
    if threading.active_count() == 1:
        # before 3.13, join() returns when a thread's Python state is gone, a moment before
        # the thread itself: Python 3.12 counts the kernel's threads when it warns on fork
        deadline = time.monotonic() + THREAD_JOIN_SECONDS
        while _os_threads() > 1 and time.monotonic() < deadline:
            time.sleep(0.0005)


def _os_threads() -> int:
    """The kernel's count of this process's threads (0 where /proc cannot tell)."""
    fields = proc_self_stat()
    try:
        return int(fields[17]) if fields else 0  # field 20 of stat(5): num_threads
    except (ValueError, IndexError):
        return 0


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


# `sh -c 'CMD &'` returns at once: the backgrounded child is re-parented to init (tini in
# the image), which reaps it, so hassette never inherits a child it did not start
_DETACH = 'exec "$0" "$@" </dev/null &'


def start_detached(argv: Sequence[str], env: dict[str, str]) -> None:
    """Start ARGV detached and return at once (the cache prune that runs alongside hassette).

    subprocess forks and execs in C: forking this process, which may have had sh's
    threads, and running Python in the child could deadlock; so the child is a fresh
    program, never a fork running our code. Its own session keeps a Ctrl-C or a signal
    meant for hassette from cutting it.
    """
    import subprocess  # invoke has already imported it

    subprocess.run(["/bin/sh", "-c", _DETACH, *argv], env=env, start_new_session=True, check=False)
