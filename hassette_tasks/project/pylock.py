"""The standard lock file (PEP 751 `pylock.toml`) as a pinned requirements list with hashes.

uv 0.13 refuses `uv pip install -r pylock.toml -c CONSTRAINTS`, and the constraints are
what keeps a user's lock from downgrading hassette. So the lock's packages are written out
as `NAME==VERSION --hash=...` lines (local folders and VCS checkouts as direct
references, which carry no hashes), and that list installs like uv's own export does:
with `-c CONSTRAINTS`, each hash checked by uv.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from packaging.markers import Marker, UndefinedEnvironmentName

from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.project import PYLOCK

TODO = (
    "Write the lock again with the tool that made it (`uv export --format pylock.toml -o "
    "pylock.toml`, `pip lock`, `pdm export -f pylock`), or use uv.lock instead, and restart."
)


class PylockError(StartupError):
    def __init__(self, path: Path, problem: str):
        super().__init__(Failure.EXPORT, f"cannot read the lock file {path}: {problem}.", TODO)


@dataclass(frozen=True)
class Converted:
    text: str  # the requirements list
    count: int  # how many packages it installs


def _table(value: object, what: str, path: Path) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PylockError(path, f"{what} is not a table")
    return value


def _text(value: object, what: str, path: Path) -> str | None:
    """VALUE when it is a string, None when it is absent."""
    if value is not None and not isinstance(value, str):
        raise PylockError(path, f"{what} is not a string")
    return value


def _strings(value: object, what: str, path: Path) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise PylockError(path, f"{what} is not a list of strings")
    return value


def _hash_options(entry: object, where: str, path: Path) -> list[str]:
    hashes = _table(entry, f"{where}: a file entry", path).get("hashes", {})
    if not isinstance(hashes, dict):
        raise PylockError(path, f"{where}: `hashes` is not a table")
    return [f"--hash={algorithm}:{value}" for algorithm, value in sorted(hashes.items())]


def _selected(package: dict[str, Any], environment: dict[str, str], groups: frozenset[str]) -> bool:
    written = package.get("marker")
    if written is None:
        return True
    context = environment | {"extras": frozenset(), "dependency_groups": groups}
    try:
        return Marker(str(written)).evaluate(context, context="lock_file")
    # InvalidMarker, comparisons a marker cannot make, and a variable a lock file's marker
    # has not (`extra`: a KeyError, not a ValueError)
    except (ValueError, UndefinedEnvironmentName) as error:
        raise ValueError(f"marker {written!r}: {error}") from None


@dataclass(frozen=True)
class _Places:
    project: Path  # the user's folder (resolved): paths must stay inside it
    copy: Path  # the private copy the install reads from
    lock: Path  # the user's pylock.toml, as messages name it

    def local(self, written: str, name: str) -> Path:
        """WRITTEN (relative to the lock's folder) inside the private copy."""
        try:
            resolved = (self.project / written).resolve()
        except (OSError, ValueError) as error:  # a NUL byte, a loop
            raise PylockError(self.lock, f"{name}: the path {written!r} ({error})") from None
        if resolved != self.project and self.project not in resolved.parents:
            raise StartupError(
                Failure.PATH_DEPENDENCY,
                f"{self.lock} takes {name} from {written} ({resolved}), outside the project, "
                "which the container cannot see.",
                "Move it inside the project folder (e.g. libs/NAME) and lock again, publish "
                "it to an index, or build a custom image FROM this one that installs it.",
            )
        return self.copy / resolved.relative_to(self.project)


def _line(package: dict[str, Any], places: _Places) -> str | None:
    path = places.lock
    name = package.get("name")
    if not isinstance(name, str) or not name:
        raise PylockError(path, "a [[packages]] entry has no name")
    where = f"package {name}"
    version = package.get("version")
    if "directory" in package:
        directory = package["directory"]
        written = directory.get("path") if isinstance(directory, dict) else None
        if not isinstance(written, str):
            raise PylockError(path, f"{where}: `directory` has no path")
        folder = places.local(written, name)
        if folder == places.copy:
            return None  # the project itself: installed on its own, without its dependencies
        return f"{name} @ {folder.as_uri()}"
    if "vcs" in package:
        vcs = _table(package["vcs"], f"{where}: `vcs`", path)
        url, commit = vcs.get("url") or vcs.get("path"), vcs.get("commit-id")
        if not isinstance(url, str) or not isinstance(commit, str):
            raise PylockError(path, f"{where}: `vcs` needs a url and a commit-id")
        subdirectory = _text(vcs.get("subdirectory"), f"{where}: `vcs.subdirectory`", path)
        fragment = f"#subdirectory={quote(subdirectory)}" if subdirectory else ""
        kind = _text(vcs.get("type"), f"{where}: `vcs.type`", path) or "git"
        return f"{name} @ {kind}+{url}@{commit}{fragment}"
    if "archive" in package:
        archive = _table(package["archive"], f"{where}: `archive`", path)
        url = archive.get("url")
        if not isinstance(url, str) and isinstance(archive.get("path"), str):
            url = places.local(archive["path"], name).as_uri()
        if not isinstance(url, str):
            raise PylockError(path, f"{where}: `archive` has no url or path")
        return " ".join([f"{name} @ {url}", *_hash_options(archive, where, path)])
    wheels = package.get("wheels", [])
    if not isinstance(wheels, list):
        raise PylockError(path, f"{where}: `wheels` is not a list")
    files = [*wheels, *([package["sdist"]] if "sdist" in package else [])]
    if not isinstance(version, str):
        raise PylockError(path, f"{where} has no version (and no directory, vcs or archive)")
    hashes = [option for entry in files for option in _hash_options(entry, where, path)]
    return " ".join([f"{name}=={version}", *dict.fromkeys(hashes)])


def check_environment(lock: dict[str, Any], environment: dict[str, str], path: Path) -> None:
    """The lock's `requires-python` and `environments` must admit this venv (PEP 751)."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    python = environment.get("python_full_version", "")
    written = lock.get("requires-python")
    try:
        if written and python and python not in SpecifierSet(str(written)):
            raise PylockError(path, f"it requires Python {written}, this venv has {python}")
    except InvalidSpecifier:
        raise PylockError(path, f"requires-python {written!r} is not a version range") from None
    environments = _strings(lock.get("environments"), "`environments`", path)
    if environments:
        try:
            fits = any(Marker(marker).evaluate(environment) for marker in environments)
        except (ValueError, UndefinedEnvironmentName) as error:  # as in _selected
            raise PylockError(path, f"environments: {error}") from None
        if not fits:
            raise PylockError(path, "none of its `environments` is this container's")


def convert(project_dir: Path, copy: Path, environment: dict[str, str]) -> Converted:
    """PROJECT_DIR/pylock.toml as requirements, read from its private COPY; local paths
    must stay inside the project. ENVIRONMENT: the venv's marker values."""
    path = project_dir / PYLOCK
    places = _Places(project_dir.resolve(), copy, path)
    try:
        with (copy / PYLOCK).open("rb") as handle:
            lock = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise PylockError(path, f"it is not valid TOML ({error})") from None
    except (OSError, UnicodeDecodeError) as error:
        raise PylockError(path, str(error)) from None
    version = lock.get("lock-version")
    if not isinstance(version, str) or version.split(".")[0] != "1":
        raise PylockError(path, f"lock-version {version!r} is not one this reader knows (1.x)")
    packages = lock.get("packages")
    if not isinstance(packages, list) or not all(isinstance(p, dict) for p in packages):
        raise PylockError(path, "it has no [[packages]] list")
    check_environment(lock, environment, path)
    groups = frozenset(_strings(lock.get("default-groups"), "`default-groups`", path))
    lines = []
    for package in packages:
        try:
            if not _selected(package, environment, groups):
                continue
        except ValueError as error:
            raise PylockError(path, f"package {package.get('name')}: {error}") from None
        line = _line(package, places)
        if line is not None:
            lines.append(line)
    header = f"# converted from {path.name} (PEP 751) by hassette-tasks\n"
    return Converted(header + "".join(f"{line}\n" for line in lines), len(lines))
