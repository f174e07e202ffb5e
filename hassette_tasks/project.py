"""The user's project: which branch it takes, its local path dependencies, its private copy."""

from __future__ import annotations

import errno
import os
import shutil
import tomllib
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from hassette_tasks.errors import Failure, StartupError

LOCK = "uv.lock"
PYLOCK = "pylock.toml"  # PEP 751, the standard lock file
PYPROJECT = "pyproject.toml"
# never copied into the private build copy, never part of the warm-restart fingerprint
SKIPPED_NAMES = frozenset(
    {
        ".venv",
        "__pycache__",
        "node_modules",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        ".nox",
    }
)
EXPORT_ARGS = (
    "export",
    "--frozen",
    "--no-default-groups",
    "--no-dev",
    "--no-editable",
    "--no-emit-project",
)


class ProjectKind(Enum):
    LOCKED = "locked"  # uv.lock (it wins when pylock.toml is there too)
    PYLOCK = "pylock"  # pylock.toml and no uv.lock
    UNLOCKED = "unlocked"
    NONE = "none"

    @property
    def locked(self) -> bool:
        return self in (ProjectKind.LOCKED, ProjectKind.PYLOCK)


def kind(project_dir: Path) -> ProjectKind:
    if (project_dir / LOCK).is_file():
        return ProjectKind.LOCKED
    if (project_dir / PYLOCK).is_file():
        return ProjectKind.PYLOCK
    if (project_dir / PYPROJECT).is_file():
        return ProjectKind.UNLOCKED
    return ProjectKind.NONE


def project_name(project_dir: Path) -> str | None:
    try:
        with (project_dir / PYPROJECT).open("rb") as handle:
            return tomllib.load(handle).get("project", {}).get("name")
    except (OSError, tomllib.TOMLDecodeError, AttributeError):
        return None


@dataclass(frozen=True)
class PathDependency:
    name: str
    written: str  # as uv.lock writes it
    resolved: Path
    inside: bool


def path_dependencies(project_dir: Path) -> list[PathDependency]:
    """Packages that uv.lock takes from a local folder or file, other than the project itself.

    A lock uv cannot read yields none here: `uv export` then fails with uv's own words.
    """
    try:
        with (project_dir / LOCK).open("rb") as handle:
            lock = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError):
        return []
    root = project_dir.resolve()
    found = []
    for package in lock.get("package", []):
        source = package.get("source") or {}
        for key in ("directory", "path", "editable"):
            written = source.get(key)
            if not isinstance(written, str):
                continue
            resolved = (project_dir / written).resolve()
            if resolved == root:
                continue
            inside = root in resolved.parents
            found.append(PathDependency(str(package.get("name")), written, resolved, inside))
    return found


def check_path_dependencies(project_dir: Path) -> list[PathDependency]:
    dependencies = path_dependencies(project_dir)
    outside = [dep for dep in dependencies if not dep.inside]
    if outside:
        named = ", ".join(f"{dep.name} ({dep.written} -> {dep.resolved})" for dep in outside)
        raise StartupError(
            Failure.PATH_DEPENDENCY,
            f"uv.lock in {project_dir} takes {named} from a folder outside the project, "
            "which the container cannot see.",
            "Move the dependency inside the project folder (e.g. libs/NAME) and run `uv lock`, "
            "publish it to an index, or build a custom image FROM this one that installs it "
            "(RUN uv pip install --python /app/.venv/bin/python /src/NAME).",
        )
    return dependencies


def _skip(_folder: str, names: list[str]) -> set[str]:
    return {name for name in names if name in SKIPPED_NAMES or name.endswith(".pyc")}


def _copy_failure(project_dir: Path, detail: str, disk_full: bool) -> StartupError:
    if disk_full:
        return StartupError(
            Failure.DISK_FULL,
            f"cannot copy the project {project_dir} to build it: {detail}",
            "Free space in the container's temporary folder (TMPDIR, default /tmp).",
        )
    return StartupError(
        Failure.INSTALL,
        f"cannot copy the project {project_dir} to build it: {detail}",
        f"Make every file in the project readable by the container's user (uid {os.getuid()}).",
    )


def private_copy(project_dir: Path, workdir: Path) -> Path:
    """Copy the project into WORKDIR (a private temporary folder) to build it there.

    Read-only mounts work and nothing is written into the user's tree. Symlinks are
    copied as symlinks, never followed.
    """
    destination = workdir / "project"
    try:
        shutil.copytree(project_dir, destination, symlinks=True, ignore=_skip)
    except shutil.Error as error:
        # copytree collects each file's OSError as text: a full TMPDIR is only seen there
        entries = error.args[0] if error.args and isinstance(error.args[0], list) else []
        source, _, reason = entries[0] if entries else ("?", "?", str(error))
        full = any("[Errno 28]" in str(entry[-1]) for entry in entries)
        raise _copy_failure(project_dir, f"{source}: {reason}", full) from error
    except OSError as error:
        raise _copy_failure(project_dir, str(error), error.errno == errno.ENOSPC) from error
    os.chmod(destination, 0o700)
    return destination
