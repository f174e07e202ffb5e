"""How a fatal error ends a task: the banner, then exit or (boot, halt mode) stay idle."""

from __future__ import annotations

import errno
import os
import signal
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import FrameType

from invoke.exceptions import Exit

from hassette_tasks import health, settings
from hassette_tasks.console import Console
from hassette_tasks.errors import ConfigError, Failure, Interrupted, StartupError

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _raise_interrupted(signum: int, _frame: FrameType | None) -> None:
    raise Interrupted(signum)


@contextmanager
def stop_signals_unwind() -> Iterator[None]:
    """SIGTERM/SIGINT unwind the stack (uv stopped, temporary files removed) instead of killing."""
    previous = {sig: signal.signal(sig, _raise_interrupted) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _banner(console: Console, title: str, what: str, todo: str, output: str = "") -> None:
    body = [f"What happened: {what}"]
    if todo:
        body.append(f"What to do: {todo}")
    console.banner(title, body, output)


def show(error: StartupError, console: Console) -> None:
    _banner(console, error.failure.title, error.what, error.todo, error.output)


def from_os_error(error: OSError) -> StartupError:
    """A file-system error outside uv: no space, no permission, a missing file."""
    where = f" ({error.filename})" if error.filename else ""
    if error.errno == errno.ENOSPC:
        return StartupError(
            Failure.DISK_FULL,
            f"no space left on the device{where}.",
            "Free space (or give the container's /tmp more room) and restart.",
        )
    return StartupError(
        Failure.INSTALL,
        f"{error.strerror or error}{where}.",
        "Check that the folders the container uses exist and that uid "
        f"{os.getuid()} can read them (and write the app venv).",
    )


def halt_requested(env: Mapping[str, str] | None = None) -> bool:
    """HASSETTE__ON_FAILURE=halt, read as settings.load reads it.

    Read again here because the failure being shown may be a bad setting, found before
    any Settings existed; an unknown value is itself such an error, and it exits.
    """
    try:
        return settings.on_failure(env) == "halt"
    except ConfigError:
        return False


def halt(console: Console, code: int) -> None:
    """Stay alive and idle until SIGTERM/SIGINT, then exit with the failure's code."""
    stopped: list[int] = []
    for sig in STOP_SIGNALS:
        signal.signal(sig, lambda signum, _frame: stopped.append(signum))
    console.line(
        "on failure: halt (HASSETTE__ON_FAILURE=halt): staying up and idle so the "
        "container does not restart in a loop; fix the problem above, then restart "
        "the container"
    )
    while not stopped:
        signal.pause()
    console.line(f"on failure: stopping on signal {stopped[0]}, exit code {code}")


def after_failure(console: Console, error: StartupError) -> None:
    """The clean-up that ran is on record: a failure is not an interruption."""
    from hassette_tasks import integrity, startlock  # a failed start has imported them

    integrity.settle_after_failure(console, error.failure)
    startlock.release()  # halt mode stays up: another start must not wait for it


def guarded(
    console_factory: Callable[[], Console],
    body: Callable[[Console], object],
    halt_on_failure: bool = False,
) -> object:
    """Run BODY; turn a StartupError or a stop signal into a banner and an exit code."""
    console = console_factory()
    try:
        try:
            with stop_signals_unwind():
                return body(console)
        except OSError as error:
            raise from_os_error(error) from error
    except StartupError as error:
        show(error, console)
        after_failure(console, error)
        code = error.failure.exit_code
        if halt_on_failure:
            if halt_requested():
                health.halted(error.failure.title, error.todo, console)  # 503 until stopped
                halt(console, code)
            else:
                console.line(
                    "on failure: exit (set HASSETTE__ON_FAILURE=halt to stay up "
                    "instead of restarting in a loop)"
                )
        raise Exit(code=code) from None
    except Interrupted as stop:
        name = signal.Signals(stop.signum).name
        _banner(
            console,
            "INTERRUPTED",
            f"stopped by {name} before the start-up finished; temporary files "
            "were removed and nothing was recorded as installed.",
            "Nothing to fix: the next start installs again.",
        )
        raise Exit(code=stop.exit_code) from None
