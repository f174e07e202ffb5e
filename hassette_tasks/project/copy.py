"""The project's private copy (built there, never in the user's tree) and its build key."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import stat
import tomllib
from collections.abc import Callable
from copy import deepcopy
from pathlib import Path
from typing import Any

from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.project import PYPROJECT, SKIPPED_NAMES


def _skip(names: list[str]) -> set[str]:
    return {name for name in names if name in SKIPPED_NAMES or name.endswith(".pyc")}


def _unreadable_folders(folder: str, names: list[str]) -> list[str]:
    """The NAMES in FOLDER that are folders this user cannot list (another uid's 0700
    folder): the copy passes them over, as the requirements search does, rather than fail
    the start on a folder the build cannot have meant (it could not read it either)."""
    found = []
    for name in names:
        path = os.path.join(folder, name)
        if os.path.islink(path) or not os.path.isdir(path):
            continue
        try:
            os.scandir(path).close()
        except OSError:
            found.append(name)
    return found


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


def private_copy(
    project_dir: Path, workdir: Path, warn: Callable[[str], None] | None = None
) -> Path:
    """Copy the project into WORKDIR (a private temporary folder) to build it there.

    Read-only mounts work and nothing is written into the user's tree. Symlinks are
    copied as symlinks, never followed. A folder this user cannot read is left out, and
    WARN told so.
    """
    destination = workdir / "project"

    def skip(folder: str, names: list[str]) -> set[str]:
        skipped = _skip(names)
        unreadable = _unreadable_folders(folder, [name for name in names if name not in skipped])
        for name in unreadable:
            if warn is not None:
                where = os.path.join(folder, name)
                warn(f"cannot read the folder {where}: not part of the project build")
        return skipped | set(unreadable)

    try:
        shutil.copytree(project_dir, destination, symlinks=True, ignore=skip)
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
