"""The warm-restart record: a fingerprint of every input of an install, kept in the app venv.

When a step's fingerprint matches the record of the last successful start, the step runs
no uv at all. Inputs are what decides the installed result (files, constraints, folders,
settings, Python and uv), never where packages come from (UV_* index settings).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from hassette_tasks import reqfiles
from hassette_tasks.project import LOCK, PYLOCK, PYPROJECT, SKIPPED_NAMES
from hassette_tasks.util import atomic_write

RECORD_NAME = ".hassette-tasks-record.json"
RECORD_VERSION = 1
# a project tree larger than this is fingerprinted by these many files and its size
MAX_PROJECT_FILES = 50_000
# The kind of each part of a fingerprint, so that parts of different kinds never read
# alike; the words themselves mean nothing (any distinct ones would do): data, not logic.
_FILE, _UNREADABLE, _UV = "file", "unreadable", "uv"
_PROJECT, _REQUIREMENTS, _INCLUDES = "project", "requirements", "includes"
_LOCAL_FILE, _LOCAL_FOLDER = "local file", "local folder"
# between parts: repr() never holds a NUL byte
_SEPARATOR = b"\0"


def record_path(venv: Path) -> Path:
    return venv / RECORD_NAME


class Fingerprint:
    def __init__(self, *parts: object):
        self._hash = hashlib.sha256()
        for part in parts:
            self.add(part)

    def add(self, part: object) -> Fingerprint:
        self._hash.update(repr(part).encode() + _SEPARATOR)
        return self

    def add_file(self, path: Path) -> Fingerprint:
        try:
            self._hash.update(path.read_bytes())
            self.add((_FILE, str(path)))
        except (OSError, ValueError) as error:  # ValueError: a NUL byte in the path
            self.add((_UNREADABLE, str(path), getattr(error, "errno", None)))
        return self

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def common_inputs(constraints: Path, python_version: str) -> Fingerprint:
    """What every install depends on: the constraints, Python, and the uv binary."""
    print_ = Fingerprint(RECORD_VERSION, python_version)
    print_.add_file(constraints)
    uv = shutil.which("uv")
    if uv:
        info = os.stat(uv)
        print_.add((_UV, uv, info.st_size, info.st_mtime_ns))
    return print_


def _project_files(
    project_dir: Path, by_content: frozenset[str] = frozenset()
) -> Iterable[tuple[str, int, int]]:
    """Each file's (relative path, size, mtime), but those in BY_CONTENT (relative paths of
    files the fingerprint reads whole: a `touch` of one of them changes nothing)."""
    count = 0
    for folder, dirs, files in os.walk(project_dir):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_NAMES and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".pyc") or name.startswith("."):
                continue
            path = os.path.join(folder, name)
            if by_content and os.path.relpath(path, project_dir) in by_content:
                continue
            try:
                info = os.lstat(path)
            except OSError:
                continue
            count += 1
            if count > MAX_PROJECT_FILES:
                return
            yield os.path.relpath(path, project_dir), info.st_size, info.st_mtime_ns


_BY_CONTENT = (LOCK, PYPROJECT, PYLOCK)
# what a local folder named in a requirements file is built from, read whole
_BUILD_FILES = (PYPROJECT, "setup.py", "setup.cfg")


def _relative(paths: Iterable[Path], folder: Path) -> frozenset[str]:
    return frozenset(os.path.relpath(os.path.abspath(path), folder) for path in paths)


def project_fingerprint(
    common: Fingerprint, project_dir: Path, requirements: Iterable[Path] = ()
) -> str:
    """The lock and pyproject by content, every other project file by size and time; the
    requirements files (and what they include), which their own fingerprint reads whole,
    are left out here (in the default layout they live in the project folder)."""
    # no mutate: the kind and the folder only tell apart fingerprints that are never
    # compared (each step has its own entry) and paths add_file's parts hold already
    print_ = Fingerprint(common.hexdigest(), _PROJECT, str(project_dir))  # pragma: no mutate
    print_.add_file(project_dir / LOCK).add_file(project_dir / PYPROJECT)
    print_.add_file(project_dir / PYLOCK)
    requirements = list(requirements)
    whole = [*requirements, *reqfiles.reached(requirements).files]
    folder = Path(os.path.abspath(project_dir))
    by_content = _relative([*(folder / name for name in _BY_CONTENT), *whole], folder)
    for entry in _project_files(project_dir, by_content):
        print_.add(entry)
    return print_.hexdigest()


def _add_local(print_: Fingerprint, path: Path) -> None:
    """A local path a requirements file installs: its build files by content, every other
    file by size and time (as a project's)."""
    # os.path, not Path: on Python < 3.14 Path's tests raise inside an unreadable folder
    if not os.path.isdir(path):
        print_.add((_LOCAL_FILE, str(path))).add_file(path)
        return
    print_.add((_LOCAL_FOLDER, str(path)))
    for name in _BUILD_FILES:
        if os.path.exists(path / name):
            print_.add_file(path / name)
    for entry in _project_files(path, frozenset(_BUILD_FILES)):
        print_.add(entry)


def requirements_fingerprint(common: Fingerprint, roots: list[Path], files: list[Path]) -> str:
    """Each requirements file by content, and everything it reaches: the files it includes
    (-r/-c, recursively) by content, the local files and folders it installs by state."""
    # no mutate: as in project_fingerprint; the roots decide nothing but which files, and
    # the files are read whole below
    folders = [str(root) for root in roots]  # pragma: no mutate
    print_ = Fingerprint(common.hexdigest(), _REQUIREMENTS, folders)  # pragma: no mutate
    for path in files:
        print_.add_file(path)
    reached = reqfiles.reached(files)
    for path in reached.files:
        print_.add((_INCLUDES, str(path))).add_file(path)
    for path in reached.local:
        _add_local(print_, path)
    return print_.hexdigest()


def load(venv: Path) -> dict[str, str]:
    try:
        record = json.loads(record_path(venv).read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(record, dict) or record.get("version") != RECORD_VERSION:
        return {}
    return {key: value for key, value in record.items() if isinstance(value, str)}


def save(venv: Path, steps: dict[str, str]) -> None:
    """Write the record atomically: a crash leaves the old record or the new one."""
    text = json.dumps({"version": RECORD_VERSION, **steps})
    atomic_write(record_path(venv), text, prefix=".record-")


def forget(venv: Path) -> None:
    record_path(venv).unlink(missing_ok=True)
