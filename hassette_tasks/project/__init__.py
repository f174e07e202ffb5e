"""The user's project: the one reader of its pyproject.toml and uv.lock (pylock.toml:
project/pylock.py), which branch the start takes, its local path dependencies.

Its private copy and the build key live in project/copy.py; the standard lock file's
conversion in project/pylock.py (it imports packaging, so only a pylock.toml project pays).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.installed import canonicalize_name

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


def pyproject(project_dir: Path) -> dict[str, Any] | None:
    """PROJECT_DIR's pyproject.toml as a table, or None when it cannot be read or parsed
    (each reader then does without it: uv reports such a file in its own words)."""
    try:
        with (project_dir / PYPROJECT).open("rb") as handle:
            return tomllib.load(handle)
    # ValueError: TOMLDecodeError, and UnicodeDecodeError for a file that is not UTF-8
    except (OSError, ValueError):
        return None


def table(data: object, key: str) -> dict[str, Any]:
    """DATA[KEY] when both are tables, else an empty one (a malformed file reads as unset)."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def project_name(project_dir: Path) -> str | None:
    name = table(pyproject(project_dir), "project").get("name")
    return name if isinstance(name, str) else None


class LockError(StartupError):
    """uv.lock cannot be read, or is not shaped as uv writes it."""

    def __init__(self, path: Path, problem: str):
        super().__init__(
            Failure.EXPORT,
            f"cannot read the lock file {path}: {problem}.",
            "Run `uv lock` where the project lives, keep uv.lock with pyproject.toml, and restart.",
        )


def _tables(value: object, what: str, path: Path) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise LockError(path, f"{what} is not a list of tables")
    return value


def uv_lock_packages(path: Path) -> list[dict[str, Any]]:
    """The [[package]] tables of the uv.lock at PATH, each checked for the shape of the
    fields this package reads (name, source, dependencies, optional-dependencies)."""
    try:
        with path.open("rb") as handle:
            lock = tomllib.load(handle)
    except UnicodeDecodeError as error:
        raise LockError(path, f"it is not UTF-8 text (byte {error.start})") from None
    except tomllib.TOMLDecodeError as error:
        raise LockError(path, f"it is not valid TOML ({error})") from None
    except OSError as error:
        raise LockError(path, error.strerror or str(error)) from None
    packages = _tables(lock.get("package", []), "`package`", path)
    for number, package in enumerate(packages, 1):
        _check_package(package, number, path)
    return packages


def _check_package(package: dict[str, Any], number: int, path: Path) -> None:
    name = package.get("name")
    where = f"package {name}" if isinstance(name, str) else f"package number {number}"
    if not isinstance(name, str):
        raise LockError(path, f"{where} has no name")
    if not isinstance(package.get("source", {}), dict):
        raise LockError(path, f"{where}: `source` is not a table")
    # a copy: the extras' entries are checked with it, never added to the package's own list
    dependencies = [*_tables(package.get("dependencies", []), f"{where}: `dependencies`", path)]
    extras = package.get("optional-dependencies", {})
    if not isinstance(extras, dict):
        raise LockError(path, f"{where}: `optional-dependencies` is not a table")
    for extra, listed in extras.items():
        dependencies += _tables(listed, f"{where}: `optional-dependencies.{extra}`", path)
    for dependency in dependencies:
        marker, wanted = dependency.get("marker", ""), dependency.get("extra", [])
        if not isinstance(dependency.get("name"), str) or not isinstance(marker, str):
            raise LockError(path, f"{where}: a dependency without a name or marker text")
        if not isinstance(wanted, list) or not all(isinstance(e, str) for e in wanted):
            raise LockError(path, f"{where}: a dependency's `extra` is not a list of names")


@dataclass(frozen=True)
class PathDependency:
    name: str
    written: str  # as uv.lock writes it
    resolved: Path
    inside: bool


def path_dependencies(project_dir: Path) -> list[PathDependency]:
    """Packages that uv.lock takes from a local folder or file, other than the project itself.

    A lock uv cannot read yields none here: `uv export` then fails with uv's own words,
    which name the file, the line and what is wrong.
    """
    try:
        packages = uv_lock_packages(project_dir / LOCK)
    except LockError:
        return []
    root = project_dir.resolve()
    found = []
    for package in packages:
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


def uv_lock_names(path: Path, env: dict[str, str]) -> set[str]:
    """The packages `uv export` would list from the uv.lock at PATH (no dev groups, no
    extras), read without running uv: the dry run runs nothing."""
    from packaging.markers import Marker

    packages = uv_lock_packages(path)  # a LockError for a lock uv could not read either
    by_name: dict[str, list[dict[str, Any]]] = {}
    for package in packages:
        by_name.setdefault(canonicalize_name(str(package.get("name"))), []).append(package)
    roots = [p for p in packages if "." in (p.get("source") or {}).values()]
    names: set[str] = set()
    visited: set[tuple[str, tuple[str, ...]]] = set()
    stack: list[tuple[dict[str, Any], tuple[str, ...]]] = [(package, ()) for package in roots]
    while stack:
        package, extras = stack.pop()
        dependencies = list(package.get("dependencies", []))
        for extra in extras:
            dependencies += package.get("optional-dependencies", {}).get(extra, [])
        for dependency in dependencies:
            marker = dependency.get("marker")
            try:
                if marker and not Marker(marker).evaluate(env | {"extra": ""}):
                    continue
            except ValueError:  # InvalidMarker, and comparisons a marker cannot make
                pass
            name = canonicalize_name(str(dependency.get("name")))
            wanted = tuple(dependency.get("extra", ()))
            if (name in names and not wanted) or (name, wanted) in visited:
                continue  # visited: extras that ask for each other in a cycle end here
            names.add(name)
            visited.add((name, wanted))
            stack += [(candidate, wanted) for candidate in by_name.get(name, [])]
    return names
