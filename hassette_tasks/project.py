"""The user's project: which branch it takes, its local path dependencies, its private copy."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import stat
import tomllib
from copy import deepcopy
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

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
            name = tomllib.load(handle).get("project", {}).get("name")
            return name if isinstance(name, str) else None
    # ValueError: TOMLDecodeError, and UnicodeDecodeError for a file that is not UTF-8
    except (OSError, ValueError, AttributeError):
        return None


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
        name = package.get("name")
        where = f"package {name}" if isinstance(name, str) else f"package number {number}"
        if not isinstance(name, str):
            raise LockError(path, f"{where} has no name")
        if not isinstance(package.get("source", {}), dict):
            raise LockError(path, f"{where}: `source` is not a table")
        dependencies = _tables(package.get("dependencies", []), f"{where}: `dependencies`", path)
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
    return packages


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


# uv keeps the wheel it built from a local folder in its cache, keyed on the folder's path
# and, by default, on the ctime of pyproject.toml, setup.py and setup.cfg there. A fresh
# copy has fresh ctimes, so the build would never be reused; the copy's own cache keys name
# a variable instead, whose value is a digest of everything copied: the same files give the
# same key (and uv's cached wheel, in this container or any other sharing the cache), and
# any edit gives a new one (and a new build).
BUILD_KEY_VARIABLE = "HASSETTE_TASKS_PROJECT_DIGEST"
_CACHE_KEYS_LINE = f'cache-keys = [{{ env = "{BUILD_KEY_VARIABLE}" }}]'
_TOOL_UV_HEADER = re.compile(r"^[ \t]*\[[ \t]*tool[ \t]*\.[ \t]*uv[ \t]*\][ \t\r]*(#.*)?$", re.M)
_TOOL_HEADER = re.compile(r"^[ \t]*\[[ \t]*tool[ \t]*\][ \t\r]*(#.*)?$", re.M)


def digest(folder: Path) -> str:
    """A digest of every file's path, content and executable bit, and every symlink."""
    print_ = hashlib.sha256()
    for parent, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files) + [d for d in dirs if os.path.islink(os.path.join(parent, d))]:
            path = os.path.join(parent, name)
            relative = os.path.relpath(path, folder).encode(errors="surrogateescape")
            info = os.lstat(path)
            print_.update(relative + b"\0")
            if stat.S_ISLNK(info.st_mode):
                print_.update(b"link\0" + os.fsencode(os.readlink(path)) + b"\0")
            elif stat.S_ISREG(info.st_mode):
                print_.update(f"file {info.st_mode & 0o111:o} {info.st_size}\0".encode())
                with open(path, "rb") as handle:
                    while chunk := handle.read(1 << 20):
                        print_.update(chunk)
    return print_.hexdigest()


def pin_build_key(copy: Path) -> dict[str, str]:
    """Make uv key the build of COPY on its content: the variable uv must be given.

    Returns {} (uv then builds it afresh, as before) when the project declares its own
    `cache-keys`, or its pyproject.toml cannot take the setting.
    """
    pyproject = copy / PYPROJECT
    try:
        text = pyproject.read_text(encoding="utf-8")
        document = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
    tool = document.get("tool", {})
    if not isinstance(tool, dict) or not isinstance(tool.get("uv", {}), dict):
        return {}
    if "cache-keys" in tool.get("uv", {}):
        return {}  # the project says itself what its build depends on
    edited = _with_cache_keys(text, document)
    if edited is None:
        return {}
    try:
        key = digest(copy)
        pyproject.write_text(edited, encoding="utf-8")
    except OSError:
        return {}
    return {BUILD_KEY_VARIABLE: key}


def _with_cache_keys(text: str, document: dict[str, Any]) -> str | None:
    """TEXT with tool.uv.cache-keys added, and nothing else changed (checked by parsing)."""
    expected = deepcopy(document)
    expected.setdefault("tool", {}).setdefault("uv", {})["cache-keys"] = [
        {"env": BUILD_KEY_VARIABLE}
    ]
    candidates = []
    for header, prefix in ((_TOOL_UV_HEADER, ""), (_TOOL_HEADER, "uv.")):
        found = header.search(text)
        if found:
            line = f"{prefix}{_CACHE_KEYS_LINE}"
            candidates.append(f"{text[: found.end()]}\n{line}{text[found.end() :]}")
    candidates.append(f"{text.rstrip()}\n\n[tool.uv]\n{_CACHE_KEYS_LINE}\n")
    candidates.append(f"tool.uv.{_CACHE_KEYS_LINE}\n{text}")
    for candidate in candidates:
        try:
            if tomllib.loads(candidate) == expected:
                return candidate
        except tomllib.TOMLDecodeError:
            continue
    return None


def requirement_line(copy: Path, name: str) -> str:
    """`NAME @ file:///...`: uv rebuilds a folder named on its command line every time,
    but takes one named in a requirements file from its cache when the keys match."""
    return f"{name} @ {copy.resolve().as_uri()}\n"
