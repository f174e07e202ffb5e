"""A task's path options, checked before any work: a folder that is missing, a file, or
unreadable, or an output file whose folder is, is a CONFIGURATION ERROR naming the flag
(or the variable it came from), never a traceback or a banner about something else."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from hassette_tasks.errors import ConfigError
from hassette_tasks.util import atomic_write


def source(flag: str, variable: str, given: object) -> str:
    """How the user named the path: the flag when it was given, else the variable."""
    return flag if given is not None else variable


def require_folder(path: Path, name: str, what: str = "folder") -> Path:
    """PATH when it is a folder this user can list; else ConfigError naming NAME."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ConfigError(name, f"the {what} {path} does not exist") from None
    except OSError as error:
        raise ConfigError(name, f"cannot read the {what} {path}: {error.strerror}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise ConfigError(name, f"{path} is not a folder (it should be the {what})")
    try:
        os.scandir(path).close()
    except OSError as error:
        raise ConfigError(
            name,
            f"cannot read the {what} {path}: {error.strerror}",
            f"Make it readable by this user (uid {os.getuid()}), or fix {name}.",
        ) from None
    return path


def require_output(path: Path, name: str = "--output") -> Path:
    """PATH when a file can be written there: its folder exists and this user may write
    it, and PATH is not a folder itself. Checked before the work that produces the text."""
    folder = path.parent
    if os.path.isdir(path):
        raise ConfigError(name, f"{path} is a folder: give a file name")
    try:
        info = folder.stat()
    except FileNotFoundError:
        raise ConfigError(
            name,
            f"the output folder {folder} does not exist",
            f"Create it first (mkdir -p {folder}), or write the file elsewhere.",
        ) from None
    except OSError as error:
        raise ConfigError(
            name, f"cannot reach the output folder {folder}: {error.strerror}"
        ) from None
    if not stat.S_ISDIR(info.st_mode):
        raise ConfigError(name, f"{folder} is not a folder, so {path} cannot be written")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(
            name,
            f"the output folder {folder} is not writable by this user (uid {os.getuid()})",
            "Write the file to a folder this user may write, or change the folder's owner.",
        )
    return path


def write_output(path: Path, text: str, name: str = "--output") -> None:
    """TEXT into PATH whole (through a temporary sibling): a reader never sees half. A
    folder that went away or refuses the write is said as such (a full disk stays one)."""
    try:
        atomic_write(path, text, prefix=f".{path.name}.partial-", shared=True)
    except OSError as error:
        if error.errno == errno.ENOSPC:
            raise
        raise ConfigError(name, f"cannot write {path}: {error.strerror or error}") from None
