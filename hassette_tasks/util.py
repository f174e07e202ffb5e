"""Small facts and helpers every layer uses: names, atomic writes, elapsed time, /proc.

The bottom of the package: it imports nothing of hassette_tasks, so any module may use it.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

# every temporary folder and file of ours in TMPDIR starts with this (the repair removes
# an earlier start's leftovers by it)
TEMP_PREFIX = "hassette-tasks-"


def venv_python(venv: Path) -> Path:
    """The interpreter of a venv as uv lays it out."""
    return venv / "bin" / "python"


def venv_program(venv: Path, name: str) -> Path:
    return venv / "bin" / name


def elapsed(started: float) -> str:
    """The time since STARTED (a time.monotonic() reading) as log lines show it: `0.42s`."""
    return f"{time.monotonic() - started:.2f}s"


def fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def atomic_write(
    target: Path, text: str, prefix: str, durable: bool = False, shared: bool = False
) -> None:
    """Write TARGET through a private temporary sibling and a rename: a reader (or a start
    after a crash) sees the old content or the new one, never half. DURABLE: fsync the
    file and the folder too (the install marker must survive a power loss). SHARED: the
    file gets the mode a plain open() would give it (a file the user asked for), not 0600."""
    handle, temporary = tempfile.mkstemp(prefix=prefix, dir=target.parent)
    try:
        if shared:
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(handle, 0o666 & ~umask)
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    if durable:
        fsync_folder(target.parent)


def proc_self_stat() -> list[bytes] | None:
    """The fields of /proc/self/stat after the command name (field 3 of stat(5) is index 0),
    or None where /proc cannot tell."""
    try:
        with open("/proc/self/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
