"""A uv.lock older than its pyproject.toml: a dependency added without `uv lock`.

uv itself can tell (`uv export --locked`), but only by resolving the project again: that
needs the index or the cache to hold every package's metadata (offline, or in a container
whose UV_INDEX_URL differs from the one the lock was made with, it fails with `No solution
found`, where `--frozen` exports fine), and it costs a resolution on every install (about
0.4 s here). So the export stays `--frozen`, and this compares what uv.lock recorded of the
project's own requirements (`[package.metadata] requires-dist` of the project's package)
with what pyproject.toml asks for now, by name: an added dependency is one uv.lock cannot
install, and is told before anything installs (it was a BROKEN ENVIRONMENT afterwards).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.installed import canonicalize_name
from hassette_tasks.project import LOCK, PYPROJECT, LockError, pyproject, table, uv_lock_packages

_NAME = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")


def _declared(project_dir: Path) -> tuple[str, set[str]] | None:
    """(project name, the names its [project] dependencies list), or None where that list
    is not static text (dynamic, missing, malformed: uv's export then says what it says)."""
    project = table(pyproject(project_dir), "project")
    if not isinstance(project.get("name"), str):
        return None
    dependencies, dynamic = project.get("dependencies", []), project.get("dynamic", [])
    if not isinstance(dynamic, list) or "dependencies" in dynamic:
        return None
    if not isinstance(dependencies, list):
        return None
    names = set()
    for text in dependencies:
        found = _NAME.match(text) if isinstance(text, str) else None
        if not found:
            return None
        names.add(canonicalize_name(found.group(1)))
    return canonicalize_name(project["name"]), names


def _recorded(lock: Path, name: str) -> set[str] | None:
    """The names uv.lock recorded as the project NAME's requirements, or None if it did not."""
    try:
        packages = uv_lock_packages(lock)
    except LockError:
        return None
    roots = [
        package
        for package in packages
        if canonicalize_name(str(package.get("name"))) == name
        and "." in (package.get("source") or {}).values()
    ]
    if len(roots) != 1:
        return None
    metadata: Any = roots[0].get("metadata")
    wanted = metadata.get("requires-dist") if isinstance(metadata, dict) else None
    if not isinstance(wanted, list):
        return None
    names = {item.get("name") for item in wanted if isinstance(item, dict)}
    if not all(isinstance(found, str) for found in names):
        return None
    return {canonicalize_name(str(found)) for found in names}


def missing_from_lock(project_dir: Path) -> list[str]:
    """The dependencies pyproject.toml asks for that uv.lock never recorded (sorted);
    empty when they agree or when either file cannot tell."""
    declared = _declared(project_dir)
    if declared is None:
        return []
    name, wanted = declared
    recorded = _recorded(project_dir / LOCK, name)
    if recorded is None:
        return []
    return sorted(wanted - recorded)


def check_lock_is_current(project_dir: Path) -> None:
    """Raise the stale-lock failure (EXPORT FAILED) when pyproject.toml gained a dependency
    its uv.lock does not have."""
    missing = missing_from_lock(project_dir)
    if not missing:
        return
    lock, declared = project_dir / LOCK, project_dir / PYPROJECT
    raise StartupError(
        Failure.EXPORT,
        f"the lock file {lock} is out of date: {declared} asks for {', '.join(missing)}, "
        f"which the lock does not have (pyproject.toml was changed without `uv lock`).",
        f"Where you edit the project, run `uv lock` (it updates uv.lock to match "
        f"pyproject.toml), put both files in {project_dir}, and restart.",
    )
