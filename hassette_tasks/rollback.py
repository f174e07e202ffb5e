"""Putting the venv back as the last successful start left it, when an earlier step of this
start already changed it and a later one cannot install for want of the network.

E.g. a new lock installs from the cache, then a changed requirements file needs the
unreachable index: the venv now holds half of the change. uv fails a step before it
installs anything (last_good.py), so what changed is exactly what the earlier steps did:
the dist-info folders that are new or rewritten since the snapshot taken before the
installs (InstallGuard.before, whose folder names give each package's version then).
Packages this start added are uninstalled; the ones it upgraded, downgraded or rewrote are
reinstalled at their earlier version from uv's cache alone (offline: the network is down).
What the cache cannot give back (e.g. the user's project itself, built from its folder and
on no index) makes the start fail as it would have without the last good environment.

The install marker stays set throughout (the caller clears it once the record is back):
a start killed while this runs repairs and installs again, as after any install.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from hassette_tasks import offline, uv
from hassette_tasks.console import Console
from hassette_tasks.environment import AppEnvironment
from hassette_tasks.installed import canonicalize_name, dist_infos, name_version
from hassette_tasks.records import Snapshot, changed_since, verify_changed
from hassette_tasks.settings import Timeout


class CannotPutBack(Exception):
    """The venv could not be put back: the reason, in a user's words."""


@dataclass
class Changes:
    """What this start's installs did to the venv, against the snapshot before them."""

    added: list[str] = field(default_factory=list)  # names to uninstall
    restore: dict[str, str] = field(default_factory=dict)  # name: the version to reinstall
    now: dict[str, str] = field(default_factory=dict)  # name: the version installed now

    def __bool__(self) -> bool:
        return bool(self.added or self.restore)

    def describe(self) -> str:
        parts = [f"{name} {self.now[name]} removed" for name in self.added]
        for name, version in self.restore.items():
            was = self.now.get(name)
            parts.append(f"{name} {was} back to {version}" if was else f"{name} {version} back")
        return ", ".join(parts)


def _versions(names: list[str]) -> dict[str, str]:
    found = {}
    for dist_info in names:
        name, version = name_version(Path(dist_info))
        found[canonicalize_name(name)] = version
    return found


def changes(site: Path, before: Snapshot) -> Changes:
    """The packages added, and those changed or removed (with their version BEFORE)."""
    then = _versions(list(before))
    now = _versions([path.name for path in dist_infos(site)])
    rewritten = set(_versions([path.name for path in changed_since(site, before)]))
    found = Changes(now=now)
    found.added = sorted(name for name in now if name not in then)
    found.restore = {
        name: version
        for name, version in sorted(then.items())
        if now.get(name) != version or name in rewritten
    }
    return found


def put_back(
    app: AppEnvironment, console: Console, before: Snapshot, timeout: Timeout | None
) -> str:
    """Make the venv hold what it held at BEFORE again; returns what was done (for the
    banner), raises CannotPutBack when it cannot be done (the venv may be half put back:
    the caller fails the start then, and the next start installs everything again)."""
    found = changes(app.site_packages, before)
    if not found:
        return ""
    console.line(f"last good environment: putting the venv back ({found.describe()})")
    offline_env = uv.environment({offline.OFFLINE_VARIABLE: "1"})
    if found.added:
        try:
            uv.run(
                ["pip", "uninstall", "--python", app.python, *found.added],
                console,
                timeout=timeout,
                env=offline_env,
            )
        except (uv.UvFailed, OSError) as error:
            raise CannotPutBack(f"uv could not uninstall {', '.join(found.added)}") from error
    if found.restore:
        wanted = [f"{name}=={version}" for name, version in found.restore.items()]
        args: list[str | os.PathLike[str]] = ["pip", "install", "--python", app.python]
        args += ["--no-deps", "--reinstall", *wanted]
        missed = offline.try_from_cache(args, console, timeout)
        if missed is not None:
            what = ", ".join(missed.packages) if missed.is_miss else "its answer is above"
            raise CannotPutBack(f"the local uv cache cannot give back {', '.join(wanted)} ({what})")
    _check(app, before)
    return found.describe()


def _check(app: AppEnvironment, before: Snapshot) -> None:
    """The venv holds the versions of BEFORE again, each file as its RECORD says."""
    left = changes(app.site_packages, before)
    different = left.added + [
        name for name, version in left.restore.items() if left.now.get(name) != version
    ]
    if different:
        raise CannotPutBack(f"{', '.join(different)} still differ(s) after putting back")
    broken = verify_changed(app, before)
    if broken:
        raise CannotPutBack(f"the files of {', '.join(broken)} do not match their RECORD")
