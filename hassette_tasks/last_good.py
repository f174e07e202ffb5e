"""The last good environment: when a changed input cannot be installed because the network
is down (and the cache lacks what it needs), start hassette on the venv the last successful
start left, and keep that start's warm-restart record so the next start installs the change.

Only a network failure qualifies (offline.is_network_error): a conflict, a hash mismatch or a
broken lock still fail. uv fails a step at resolution or download, before it installs
anything (checked on real uv 0.13, tests/host/test_last_good.py), so only an earlier step
of the same start can have changed the venv: rollback.py puts that back first (from the
cache, offline); when it cannot, the start fails as it would have without this.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TypeVar

from hassette_tasks import integrity, offline, state
from hassette_tasks.console import Console
from hassette_tasks.errors import StartupError
from hassette_tasks.settings import Timeout

TITLE = "STARTED WITH THE LAST GOOD ENVIRONMENT"
HAND_OFF_NOTE = " (the last good environment: the change was not installed)"
T = TypeVar("T")


class LastGood:
    """Made before the record is forgotten; `run` wraps each install step."""

    def __init__(
        self,
        venv: Path,
        guard: integrity.InstallGuard,
        console: Console,
        start: Callable[[str], NoReturn] | None,
        timeout: Timeout | None = None,
    ):
        self.venv = venv
        self.timeout = timeout  # for putting back what an earlier step changed
        self.guard = guard
        self.console = console
        self.start = start  # steps.hand_off with the note, bound by boot; None: never used
        self.record: bytes | None = None
        # only a start that installs reads the record (a warm restart pays nothing); an
        # interrupted install (repaired) leaves no last good environment
        if guard.marked and guard.repaired is None:
            try:
                self.record = state.record_path(venv).read_bytes()
            except OSError:
                self.record = None

    def run(self, step: str, install: Callable[..., T], *args: object) -> T:
        """INSTALL(*ARGS); on a network failure that the last good venv can absorb, start on it."""
        try:
            return install(*args)
        except StartupError as error:
            if not self.applies(error):
                raise
            self.use(self.console, step, error)

    def applies(self, error: StartupError) -> bool:
        if self.start is None or self.record is None:
            return False
        return offline.is_network_error(error)

    def use(self, console: Console, step: str, error: StartupError) -> NoReturn:
        from hassette_tasks import rollback  # only when the network failed a change

        try:  # what an earlier step of this start installed goes first
            undone = rollback.put_back(self.guard.app, console, self.guard.before, self.timeout)
        except (rollback.CannotPutBack, OSError) as why:
            raise cannot_put_back(error, str(why)) from None
        restore_record(self.venv, self.record or b"")
        self.guard.finish(console)  # the venv is as the last successful start left it
        missing = getattr(error, "missing", None)
        what = f"{step} ({', '.join(missing)} not in the local cache)" if missing else step
        console.banner(
            TITLE,
            [
                f"Not installed: {what}.",
                f"Why: {error.what}",
                *([f"Put back (an earlier step had changed the venv): {undone}."] * bool(undone)),
                "Hassette starts on the packages the last successful start installed. The "
                "warm-restart record is kept as it was: the next start with the package "
                "index reachable installs the change.",
            ],
            error.output,
        )
        assert self.start is not None  # applies() said so
        self.start(HAND_OFF_NOTE)


def cannot_put_back(error: StartupError, why: str) -> StartupError:
    """ERROR as it stands, saying why the last good environment could not take over."""
    error.what = (  # the same error: its kind, exit code and missing names stay
        f"{error.what} An earlier step of this start had already changed the venv, and it "
        f"could not be put back as the last successful start left it ({why}): hassette "
        "cannot start on the last good environment either."
    )
    return error


def restore_record(venv: Path, record: bytes) -> None:
    """Put the last successful start's record back, atomically."""
    handle, temporary = tempfile.mkstemp(prefix=".record-", dir=venv)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(record)
        os.replace(temporary, state.record_path(venv))
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
