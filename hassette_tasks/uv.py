"""Running uv: output streamed live and kept for the banner, a timeout that stops uv's children."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
from collections.abc import Sequence
from pathlib import Path

from hassette_tasks.console import Console
from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.settings import Timeout

# The last lines of uv's output a banner repeats (all of it was streamed already).
BANNER_TAIL_LINES = 40

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
    def __init__(self):
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
    args: Sequence[str | os.PathLike],
    console: Console,
    timeout: Timeout | None = None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    echo: bool = True,
    capture: bool = False,
) -> str:
    """Run `uv ARGS`, echoing each output line (redacted) as it arrives; return all output.

    With CAPTURE, standard output is returned apart (never echoed, never mixed with
    warnings) and only standard error is echoed and kept for a failure banner. uv runs
    in its own process group so that a timeout or our own SIGTERM stops the build
    backends it started too. Raises UvFailed on a non-zero exit or a timeout.
    """
    import sh  # imported here: a warm restart that runs no uv never pays for it

    lines: list[str] = []
    captured: list[str] = []

    def take(line: str) -> None:
        lines.append(line)
        if echo:
            console.output(line)

    streams = (
        {"_out": captured.append, "_err": take} if capture else {"_out": take, "_err_to_out": True}
    )

    def stop_group(process, success, exit_code) -> None:
        if not success:
            _kill_group(process.pid)

    command = sh.Command(binary())
    process = command(
        *[str(arg) for arg in args],
        _bg=True,
        _bg_exc=False,
        _new_group=True,
        _tty_out=False,
        **streams,
        _cwd=str(cwd) if cwd else None,
        _env=env or environment(),
        _timeout=timeout.seconds if timeout else None,
        _done=stop_group,
        _decode_errors="replace",
    )
    try:
        process.wait()
    except sh.TimeoutException:
        _kill_group(process.pid)
        raise UvFailed("".join(lines), None, timeout) from None
    except sh.ErrorReturnCode as error:
        raise UvFailed("".join(lines), error.exit_code) from None
    except sh.SignalException as error:  # killed from outside
        raise UvFailed("".join(lines), error.exit_code) from None
    except BaseException:
        _kill_group(process.pid)  # SIGTERM to us while uv runs: uv and its children go too
        raise
    return "".join(captured if capture else lines)


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
