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

from hassette_tasks.project import LOCK, PYLOCK, PYPROJECT, SKIPPED_NAMES
from hassette_tasks.util import atomic_write

RECORD_NAME = ".hassette-tasks-record.json"
RECORD_VERSION = 1
# a project tree larger than this is fingerprinted by these many files and its size
MAX_PROJECT_FILES = 50_000


def record_path(venv: Path) -> Path:
    return venv / RECORD_NAME


class Fingerprint:
    def __init__(self, *parts: object):
        self._hash = hashlib.sha256()
        for part in parts:
            self.add(part)

    def add(self, part: object) -> Fingerprint:
        self._hash.update(repr(part).encode() + b"\0")
        return self

    def add_file(self, path: Path) -> Fingerprint:
        try:
            self._hash.update(path.read_bytes())
            self.add(("file", str(path)))
        except OSError as error:
            self.add(("unreadable", str(path), error.errno))
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
        print_.add(("uv", uv, info.st_size, info.st_mtime_ns))
    return print_


def _project_files(project_dir: Path) -> Iterable[tuple[str, int, int]]:
    count = 0
    for folder, dirs, files in os.walk(project_dir):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_NAMES and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".pyc") or name.startswith("."):
                continue
            path = os.path.join(folder, name)
            try:
                info = os.lstat(path)
            except OSError:
                continue
            count += 1
            if count > MAX_PROJECT_FILES:
                return
            yield os.path.relpath(path, project_dir), info.st_size, info.st_mtime_ns


def project_fingerprint(common: Fingerprint, project_dir: Path) -> str:
    """The lock and pyproject by content, every other project file by size and time."""
    print_ = Fingerprint(common.hexdigest(), "project", str(project_dir))
    print_.add_file(project_dir / LOCK).add_file(project_dir / PYPROJECT)
    print_.add_file(project_dir / PYLOCK)
    for entry in _project_files(project_dir):
        print_.add(entry)
    return print_.hexdigest()


def requirements_fingerprint(common: Fingerprint, roots: list[Path], files: list[Path]) -> str:
    print_ = Fingerprint(common.hexdigest(), "requirements", [str(root) for root in roots])
    for path in files:
        print_.add_file(path)
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
