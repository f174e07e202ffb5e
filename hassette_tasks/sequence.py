"""The guarded install sequence, in one place: every install (boot's, install-locked's,
install-reqs') runs inside `installing`, which keeps this order:

repair if the previous start was killed mid-install → the install marker → the venv's own
packages recorded (baseline) → the warm-restart record forgotten → the installs (the
`with` body) → the exact environment → what the repair removed put back → the environment
check → the warm-restart record written → the install marker cleared.

A failure inside stops the sequence where it is: the marker stays, so the next start
repairs, and no record claims an install that did not finish.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar

from hassette_tasks import health, integrity, state
from hassette_tasks.console import Console
from hassette_tasks.environment import AppEnvironment
from hassette_tasks.last_good import LastGood
from hassette_tasks.settings import Settings

if TYPE_CHECKING:
    from hassette_tasks.wanted import Roots

T = TypeVar("T")


@dataclass
class Installs:
    """What the installs inside `installing` did, for the steps after them."""

    installed: bool = False  # anything installed (the environment check runs then)
    locked: Roots | None = None  # what the lock asked for (the exact environment keeps it)
    files: list[Path] = field(default_factory=list)  # the requirements files of this start
    # boot's: a network failure while installing a change may start on the last good venv
    fallback: LastGood | None = None

    def attempt(self, step: str, install: Callable[..., T], *args: object) -> T:
        """INSTALL(*ARGS), through the last good environment's fallback when there is one."""
        if self.fallback is None:
            return install(*args)
        return self.fallback.run(step, install, *args)


@contextmanager
def installing(
    settings: Settings,
    console: Console,
    app: AppEnvironment,
    *,
    mark: bool,
    exact: bool = False,
    record: dict[str, str] | None = None,
    start_on_last_good: Callable[[str], NoReturn] | None = None,
) -> Iterator[Installs]:
    """MARK: this start installs (or may uninstall): set the marker and record the baseline.
    EXACT: make the venv exact after the installs (boot only). RECORD: the warm-restart
    record to write once everything succeeded (boot only; forgotten before installing).
    START_ON_LAST_GOOD: boot's hand-off (with a note), for a change the network cannot bring
    (last_good.py); None: a failure stays a failure."""
    guard = integrity.InstallGuard(app, console, installing=mark)
    if mark:
        from hassette_tasks import baseline  # imported only here: warm restarts never pay

        baseline.ensure_baseline(app, console)  # the venv's own packages, before any install
    done = Installs()
    if start_on_last_good is not None:  # reads the record: before it is forgotten
        done.fallback = LastGood(
            settings.venv, guard, console, start_on_last_good, settings.install_timeout
        )
    if record is not None:
        _forget_record(settings, console)
    yield done
    if exact:
        from hassette_tasks import exact as exact_environment

        health.phase("making the environment exact")

        changed = exact_environment.make_exact(settings, console, app, done.locked, done.files)
        done.installed = changed or done.installed
    done.installed = guard.put_back(console, settings.require_constraints) or done.installed
    if done.installed:
        from hassette_tasks.installs import check_environment

        health.phase("checking the environment")

        check_environment(app, console, guard.before)
    if record is not None:
        _save_record(settings, console, record)
    guard.finish(console)  # after the record: a kill in between repairs again


def _forget_record(settings: Settings, console: Console) -> None:
    try:
        state.forget(settings.venv)  # an interrupted install must never look finished
    except OSError as error:
        console.warn(
            f"could not remove the warm-restart record ({error.strerror}): installing anyway"
        )


def _save_record(settings: Settings, console: Console, record: dict[str, str]) -> None:
    try:
        state.save(settings.venv, record)
    except OSError as error:
        console.warn(
            f"could not write the warm-restart record ({error.strerror}): "
            "the next start installs again"
        )
