"""The package indexes a project names (`[[tool.uv.index]]` in pyproject.toml) and the
locked packages uv.lock takes from them.

`uv export` writes `NAME==VERSION --hash=...` and drops where a package comes from, so
`uv pip install` looks for it on the default index: a package on an explicit index is
"not found" there, or a same-named package on the default index is tried (dependency
confusion; the lock's hashes refuse it, but the install still fails). `--emit-index-url`
is no way out: it makes every project index global (explicit ones too) and writes an
`--index-url` that overrides the image's UV_INDEX_URL.

So each exported package that uv.lock takes from a project-named index is rewritten as a
direct reference to the lock's own file (`NAME @ URL`, the same `--hash`): it can come
from that URL only, and the default index still serves everything else. uv pip reads the
project's `[[tool.uv.index]]` from the private copy it runs in, so uv's own credentials
(UV_INDEX_<NAME>_USERNAME / _PASSWORD, credentials in the URL, netrc) reach those URLs.
Measured on uv 0.13.9 (tests/host/test_private_index.py).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hassette_tasks.console import REDACTED
from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.installed import canonicalize_name
from hassette_tasks.project import LOCK, pyproject, table, uv_lock_packages
from hassette_tasks.userinfo import hide

# `NAME==VERSION` and an optional `; marker`, as the first line of an exported entry
_PINNED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(;[^\\]*)?")


@dataclass(frozen=True)
class Index:
    name: str | None  # None: a project index without a name (no UV_INDEX_<NAME>_* then)
    url: str  # as written: may hold credentials, never shown as is (see `shown`)
    explicit: bool = False

    @property
    def shown(self) -> str:
        return hide(self.url, REDACTED)

    @property
    def variables(self) -> tuple[str, str] | None:
        """uv's variables for this index's credentials (None for an unnamed index)."""
        return credential_variables(self.name) if self.name else None


@dataclass(frozen=True)
class LockedFile:
    url: str
    hash: str  # `sha256:...`, as uv.lock writes it
    filename: str


def credential_variables(name: str) -> tuple[str, str]:
    """UV_INDEX_<NAME>_USERNAME / _PASSWORD, NAME as uv normalizes it: upper case, every
    character but ASCII letters and digits as `_`."""
    normal = re.sub(r"[^A-Z0-9]", "_", name.upper())
    return f"UV_INDEX_{normal}_USERNAME", f"UV_INDEX_{normal}_PASSWORD"


def bare(url: str) -> str:
    """URL without credentials or a trailing `/`: how a lock's `registry` is compared."""
    return hide(url, "").replace("://@", "://", 1).rstrip("/")


def project_indexes(project_dir: Path) -> list[Index]:
    """The `[[tool.uv.index]]` entries of PROJECT_DIR's pyproject.toml; malformed entries
    are left out (uv's own export and install report those in uv's words)."""
    entries = table(table(pyproject(project_dir), "tool"), "uv").get("index", [])
    found = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
            continue
        name = entry.get("name")
        found.append(
            Index(
                name if isinstance(name, str) else None, entry["url"], entry.get("explicit") is True
            )
        )
    return found


def environment_indexes(env: Mapping[str, str]) -> list[Index]:
    """Named indexes from uv's UV_INDEX variable (`NAME=URL`, separated by spaces)."""
    found = []
    for word in env.get("UV_INDEX", "").split():
        name, equals, url = word.partition("=")
        if equals and name and url and "://" not in name:
            found.append(Index(name, url))
    return found


def locked_files(lock: Path, indexes: Iterable[Index]) -> dict[tuple[str, str], list[LockedFile]]:
    """{(name, version): its files} for every uv.lock package from one of INDEXES: the
    wheels first, then the sdist (a package with neither is left to the export's line)."""
    urls = {bare(index.url) for index in indexes}
    files: dict[tuple[str, str], list[LockedFile]] = {}
    for package in uv_lock_packages(lock):  # LockError (a banner) for a malformed lock
        registry = package.get("source", {}).get("registry")
        version = package.get("version")
        if not isinstance(registry, str) or bare(registry) not in urls:
            continue
        if not isinstance(version, str):
            continue
        wheels = package.get("wheels", [])
        entries = [*(wheels if isinstance(wheels, list) else []), package.get("sdist")]
        found = [item for item in map(_file, entries) if item is not None]
        if found:
            files[(canonicalize_name(package["name"]), version)] = found
    return files


def _file(entry: Any) -> LockedFile | None:
    if not isinstance(entry, dict):
        return None
    url, digest = entry.get("url"), entry.get("hash")
    if not isinstance(url, str) or not isinstance(digest, str) or ":" not in digest:
        return None
    return LockedFile(url, digest, url.rsplit("/", 1)[-1].split("#", 1)[0])


def supported_tags(python_version: str) -> list[Any]:
    """The wheel tags a CPython of PYTHON_VERSION on this machine accepts, best first."""
    from packaging import tags

    parts = python_version.split(".")
    if len(parts) < 2 or not all(part.isdigit() for part in parts[:2]):
        return list(tags.sys_tags())
    version = (int(parts[0]), int(parts[1]))
    return [*tags.cpython_tags(version), *tags.compatible_tags(version)]


def pick(files: list[LockedFile], supported: list[Any]) -> LockedFile | None:
    """The wheel whose best tag ranks first in SUPPORTED; else the sdist; else None."""
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    rank = {tag: number for number, tag in enumerate(supported)}
    best: tuple[int, LockedFile] | None = None
    for item in files:
        if not item.filename.endswith(".whl"):
            continue
        try:
            wheel_tags = parse_wheel_filename(item.filename)[3]
        except InvalidWheelFilename:
            continue
        score = min((rank[tag] for tag in wheel_tags if tag in rank), default=None)
        if score is not None and (best is None or score < best[0]):
            best = (score, item)
    if best is not None:
        return best[1]
    return next((item for item in files if not item.filename.endswith(".whl")), None)


def _entries(text: str) -> list[list[str]]:
    """The export's lines grouped into entries: a line and its `\\` continuations."""
    entries: list[list[str]] = []
    continued = False
    for line in text.splitlines():
        if continued and entries:
            entries[-1].append(line)
        else:
            entries.append([line])
        continued = line.rstrip().endswith("\\")
    return entries


def pin_to_files(
    exported: str, files: Mapping[tuple[str, str], list[LockedFile]], supported: list[Any]
) -> tuple[str, list[str]]:
    """EXPORTED with each entry of FILES as `NAME @ URL ; MARKER --hash=...`; returns the
    text and the names rewritten."""
    out: list[str] = []
    moved: list[str] = []
    for entry in _entries(exported):
        found = _PINNED.match(entry[0])
        key = (canonicalize_name(found.group(1)), found.group(2)) if found else ("", "")
        if found is None or key not in files:
            out += entry
            continue
        chosen = pick(files[key], supported)
        if chosen is None:
            raise StartupError(
                Failure.INSTALL,
                f"no file of {found.group(1)} {found.group(2)} in {LOCK} fits this "
                "container's Python and platform.",
                "Lock it again where a wheel or sdist for this platform is published "
                "(`uv lock --upgrade-package NAME`), and restart.",
            )
        marker = f" {found.group(3).strip()}" if found.group(3) else ""
        out.append(f"{found.group(1)} @ {chosen.url}{marker} --hash={chosen.hash}")
        moved.append(found.group(1))
    return "\n".join(out) + "\n", moved


def pin_locked(copy: Path, exported: str, python_version: str, say: Any) -> str:
    """The export of the project in COPY with the packages uv.lock takes from the project's
    own indexes pinned to the lock's files (unchanged when it names no index). SAY gets
    one line naming the indexes (no credentials) and the packages moved."""
    indexes = project_indexes(copy)
    if not indexes:
        return exported
    files = locked_files(copy / LOCK, indexes)
    if not files:
        return exported
    text, moved = pin_to_files(exported, files, supported_tags(python_version))
    if moved:
        names = ", ".join(
            f"`{index.name}` {index.shown}" if index.name else index.shown for index in indexes
        )
        say(
            f"project install: {len(moved)} package(s) from the project's index(es) {names}, "
            f"each from its locked file only: {', '.join(moved)}"
        )
    return text


def plan_lines(project_dir: Path) -> list[str]:
    """The dry run's words on the project's indexes (names and URLs without credentials)."""
    lines = []
    for index in project_indexes(project_dir):
        kind = "explicit: only the packages pinned to it" if index.explicit else "extra index"
        label = f"`{index.name}` " if index.name else ""
        lines.append(f"project install: index {label}{index.shown} ({kind})")
    default = os.environ.get("UV_INDEX_URL")
    if lines and default:  # where every package not pinned to those comes from
        lines.append(f"project install: default index {hide(default, REDACTED)} (the rest)")
    return lines
