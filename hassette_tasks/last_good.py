"""The last good environment: when a changed input cannot be installed because the network
is down (and the cache lacks what it needs), start hassette on the venv the last successful
start left, and keep that start's warm-restart record so the next start installs the change.

Only a network failure qualifies (offline.is_network_error): a conflict, a hash mismatch or a
broken lock still fail. A venv that this start already changed is no longer the last good
one: uv fails a step at resolution or download, before it installs anything (checked on
real uv 0.13, tests/host/test_last_good.py), so only an earlier step of the same start can
have changed it; then the start fails as it would have without this.
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
    ):
        self.venv = venv
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
        if self.start is None or self.record is None or not offline.is_network_error(error):
            return False
        return not integrity.changed_since(self.guard.app.site_packages, self.guard.before)

    def use(self, console: Console, step: str, error: StartupError) -> NoReturn:
        restore_record(self.venv, self.record or b"")
        self.guard.finish(console)  # the venv is as the last successful start left it
        missing = getattr(error, "missing", None)
        what = f"{step} ({', '.join(missing)} not in the local cache)" if missing else step
        console.banner(
            TITLE,
            [
                f"Not installed: {what}.",
                f"Why: {error.what}",
                "Hassette starts on the packages the last successful start installed. The "
                "warm-restart record is kept as it was: the next start with the package "
                "index reachable installs the change.",
            ],
            error.output,
        )
        assert self.start is not None  # applies() said so
        self.start(HAND_OFF_NOTE)


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
