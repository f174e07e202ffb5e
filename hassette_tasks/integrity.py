"""Crash-safe installs: an in-progress marker, RECORD verification, and the repair after a kill.

A start that is killed (SIGKILL, OOM, power loss) while uv copies wheels into the app venv
can leave a package half-copied: its METADATA present, most of its files missing. uv then
takes it as installed and `uv pip check` (metadata only) passes. So boot writes a marker
into the venv before its first uv call and removes it only after the warm-restart record
is written. A start that finds the marker repairs before it trusts anything: every
installed distribution is checked against its RECORD (sha256 and size), a broken one is
removed so the install puts it back, and what a killed uv or an earlier start left behind
is removed. On a start without the marker none of this runs: one stat() is its cost.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from hassette_tasks import uv
from hassette_tasks.console import Console
from hassette_tasks.environment import AppEnvironment
from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.installed import dist_infos, name_version
from hassette_tasks.leftovers import (
    leftover_workdirs,
    owned_paths,
    remove_file,
    remove_leftover_workdirs,
    stray_temp_files,
    uninstall,
)
from hassette_tasks.records import (
    changed_since,
    check_installed,
    read_record,
    snapshot,
    summary,
    verify,
    verify_changed,
)
from hassette_tasks.util import atomic_write, elapsed, fsync_folder

MARKER_NAME = ".hassette-tasks-installing"

RECREATE = (
    "Recreate the container (docker compose up -d --force-recreate, or docker rm and "
    "docker run again): a new container starts from the image's own, intact packages."
)

# the RECORD checks live in records.py and what the repair removes in leftovers.py; they
# are named here too, as the one place the install sequence and the tests reach them by
__all__ = [
    "MARKER_NAME",
    "InstallGuard",
    "Repair",
    "changed_since",
    "check_installed",
    "clear_marker",
    "interrupted",
    "leftover_workdirs",
    "mark_installing",
    "marker_path",
    "owned_paths",
    "put_back",
    "read_record",
    "remove_leftover_workdirs",
    "repair",
    "snapshot",
    "stray_temp_files",
    "uninstall",
    "verify",
    "verify_changed",
]


def marker_path(venv: Path) -> Path:
    return venv / MARKER_NAME


def interrupted(venv: Path) -> bool:
    """True when an earlier start began installing and never finished."""
    return os.path.lexists(marker_path(venv))


def mark_installing(venv: Path) -> None:
    """Write the marker atomically and durably, before the first uv call of an install."""
    text = f"install started by pid {os.getpid()} at {time.time():.0f}\n"
    atomic_write(marker_path(venv), text, prefix=".marker-", durable=True)


def clear_marker(venv: Path) -> None:
    """The install finished (and was recorded): the marker goes, durably."""
    path = marker_path(venv)
    if os.path.lexists(path):
        path.unlink()
        fsync_folder(venv)


class Repair:
    """What a repair found and did."""

    def __init__(self) -> None:
        self.verified = 0
        # (name, version) of broken distributions, removed for the install to put back
        self.removed: list[tuple[str, str]] = []
        self.strays = 0
        self.workdirs = 0


def repair(app: AppEnvironment, console: Console, tmpdir: Path | None = None) -> Repair:
    """After an interrupted install: remove every distribution that does not match its
    RECORD (or lacks METADATA/RECORD), uv's stray temporary files, and earlier starts'
    work folders. Raises StartupError when the venv cannot be changed."""
    started = time.monotonic()
    site, venv = app.site_packages, app.venv
    console.line(
        "repair: the previous start was interrupted during an install: checking every "
        "package in the venv against its RECORD"
    )
    done = Repair()
    try:
        dists = dist_infos(site)
        for dist_info in dists:
            problems = verify(dist_info, site, venv)
            done.verified += 1
            if not problems:
                continue
            name, version = name_version(dist_info)
            console.line(
                f"repair: {name} {version} is broken ({summary(problems)}): "
                "removed, the install puts it back"
            )
            uninstall(dist_info, site, venv)
            done.removed.append((name, version))
        owned = owned_paths(site, venv, dist_infos(site))
        strays = stray_temp_files(venv, site, owned)
        for path in strays:
            remove_file(path)
        done.strays = len(strays)
        done.workdirs = len(remove_leftover_workdirs(tmpdir))
    except OSError as error:
        raise StartupError(
            Failure.REPAIR,
            f"the previous start was interrupted during an install, and the venv {venv} "
            f"cannot be repaired: {error.strerror or error} ({error.filename}).",
            RECREATE,
        ) from error
    if done.strays:
        console.line(f"repair: removed {done.strays} stray temporary file(s) uv left")
    if done.workdirs:
        console.line(f"repair: removed {done.workdirs} temporary folder(s) of earlier starts")
    console.line(
        f"repair: complete ({done.verified} package(s) checked, {len(done.removed)} "
        f"removed, {elapsed(started)})"
    )
    return done


def put_back(
    app: AppEnvironment,
    console: Console,
    removed: list[tuple[str, str]],
    constraints: Callable[[], Path],
) -> list[str]:
    """Reinstall removed distributions that the installs did not bring back (the image's own
    packages, e.g. a dependency of hassette an interrupted upgrade broke), at their version."""
    present = {name_version(path)[0].lower() for path in dist_infos(app.site_packages)}
    missing = [f"{name}=={version}" for name, version in removed if name.lower() not in present]
    if not missing:
        return []
    console.line(f"repair: reinstalling {', '.join(missing)} (removed by the repair)")
    try:
        uv.run(
            ["pip", "install", "--python", app.python, "--no-deps", "-c", constraints(), *missing],
            console,
        )
    except uv.UvFailed as error:
        raise StartupError(
            Failure.REPAIR,
            f"the previous start was interrupted while installing, which broke "
            f"{', '.join(missing)}, and uv could not install it again.",
            "If the package index is unreachable, fix the network and restart. " + RECREATE,
            error.tail,
        ) from None
    return missing


# failures after which uv may have left half-written files: it was killed (the timeout), or
# a write failed part-way (a full disk); the marker stays and the next start repairs
_MAY_LEAVE_HALF_WRITTEN = (Failure.TIMEOUT, Failure.DISK_FULL)


class InstallGuard:
    """Boot's side of all this: repair if the marker is there, set it before installing,
    know what the installs changed, put back what the repair removed, clear the marker."""

    # the guard of this process's start, for settle_after_failure (one start per process)
    active: InstallGuard | None = None

    def __init__(self, app: AppEnvironment, console: Console, installing: bool):
        InstallGuard.active = self
        self.app = app
        self.marked = False
        self.repaired: Repair | None = None
        if interrupted(app.venv):
            self.marked = True
            self.repaired = repair(app, console)
        if installing and not self.marked:
            try:
                mark_installing(app.venv)
                self.marked = True
            except OSError as error:
                console.warn(
                    f"could not write the install marker ({error.strerror}): a start killed "
                    "during this install would not be repaired"
                )
        self.before = snapshot(app.site_packages) if (installing or self.marked) else {}

    def put_back(self, console: Console, constraints: Callable[[], Path]) -> bool:
        """True when something was reinstalled; CONSTRAINTS is asked for only then."""
        if not self.repaired or not self.repaired.removed:
            return False
        return bool(put_back(self.app, console, self.repaired.removed, constraints))

    def settle_failure(self, console: Console, failure: Failure) -> None:
        """A start that failed and cleaned up was not interrupted: the marker goes, so the
        next start neither claims a crash nor repairs, unless this failure may have left
        something behind (uv killed, a full disk, a package whose files do not match its
        RECORD, or packages a repair removed and nothing put back)."""
        if not self.marked or failure in _MAY_LEAVE_HALF_WRITTEN:
            return
        if self.repaired is not None and self.repaired.removed:
            return
        try:
            if verify_changed(self.app, self.before):
                return
        except OSError:
            return
        self.finish(console)

    def finish(self, console: Console) -> None:
        """Installs (if any) are done and recorded: the next start trusts the venv again."""
        InstallGuard.active = None
        if not self.marked:
            return
        try:
            clear_marker(self.app.venv)
        except OSError as error:
            console.warn(
                f"could not remove the install marker ({error.strerror}): the next start "
                "checks the venv again"
            )


def settle_after_failure(console: Console, failure: Failure) -> None:
    """After a fatal error has been shown: settle this process's install marker."""
    guard = InstallGuard.active
    if guard is not None:
        guard.settle_failure(console, failure)
