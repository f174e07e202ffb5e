"""The private folder an install works in, at the same path on every start.

uv keys the build of a local project on the path it is built from; a new random folder
for every start means a new build every time. So the folder is `TMPDIR/PREFIX<uid>`,
claimed only when it is a real folder (never a symlink) of this user with mode 0700,
locked while in use, emptied of what a killed start left, and removed afterwards. When
it cannot be claimed (someone else's, or another start of this user working in it) a
new random private folder serves, as it always did: slower, never less safe.

Every folder made here holds a marker file: the repair after a failed start removes
only folders with it, never a user's own `hassette-tasks-*` folder (a checkout in /tmp),
and every one is locked while in use: the repair never removes a running start's folder
(another venv's start on the same host).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

# inside each work folder boot made; nothing else in TMPDIR is ever removed by a repair
MARK_NAME = ".hassette-tasks-workdir"
# a folder removed or replaced under a claim this many times in a row is contested: a new
# random folder serves instead
CLAIM_ATTEMPTS = 3


@contextlib.contextmanager
def private_workdir(prefix: str) -> Iterator[Path]:
    """A private (0700) folder, removed on every way out, SIGTERM included."""
    claimed = claim(Path(tempfile.gettempdir()) / f"{prefix}{os.getuid()}")
    if claimed is None:
        with tempfile.TemporaryDirectory(prefix=prefix) as temporary:
            mark(Path(temporary))
            with locked(Path(temporary)):  # a repair run meanwhile leaves it alone
                yield Path(temporary)
        return
    folder, handle = claimed
    try:
        yield folder
    finally:
        try:
            _empty(folder)
            with contextlib.suppress(OSError):
                folder.rmdir()
        finally:
            os.close(handle)  # releases the lock


def claim(folder: Path) -> tuple[Path, int] | None:
    """FOLDER, emptied and locked (the descriptor holds the lock), or None if not ours."""
    for _ in range(CLAIM_ATTEMPTS):
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            pass
        except OSError:
            return None
        try:
            # O_NOFOLLOW: a symlink planted at the path is refused, never followed
            handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError:
            return None
        held = os.fstat(handle)
        if held.st_uid != os.getuid() or stat.S_IMODE(held.st_mode) & 0o077:
            os.close(handle)
            return None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # another start of this user works in it
            os.close(handle)
            return None
        try:
            now = os.lstat(folder)
        except OSError:
            now = None
        if now is None or (now.st_dev, now.st_ino) != (held.st_dev, held.st_ino):
            os.close(handle)  # removed or replaced since we opened it: try again
            continue
        try:
            # no mutate: os.scandir(None) lists the working folder, and _empty would then
            # empty the mutation tool's own copy of the package (nox -s mutate)
            if not is_marked(folder) and any(os.scandir(folder)):  # pragma: no mutate
                os.close(handle)  # a folder of the same name that boot did not make
                return None
            # what a start killed mid-install left behind, the marker too: made again at once
            _empty(folder)
            mark(folder)
        except OSError:
            os.close(handle)
            return None
        return folder, handle
    return None


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[bool]:
    """FOLDER's lock held for the block: True, or False when a running start holds it
    (a folder that cannot be opened is no running start's: True)."""
    try:
        handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        yield True
        return
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(handle)


def mark(folder: Path) -> None:
    """Label FOLDER as a work folder boot made (kept if already there)."""
    path = folder / MARK_NAME
    if not is_marked(folder):
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        os.close(handle)


def is_marked(folder: Path) -> bool:
    """True when FOLDER holds boot's marker (a regular file, never a symlink)."""
    try:
        return stat.S_ISREG(os.lstat(folder / MARK_NAME).st_mode)
    except OSError:
        return False


def _empty(folder: Path) -> None:
    # os.fspath refuses None, which scandir would take as the working folder: a caller's
    # mutant `_empty(None)` (nox -s mutate) then fails instead of emptying mutmut's copy
    for entry in os.scandir(os.fspath(folder)):  # pragma: no mutate (see claim)
        if entry.is_dir(follow_symlinks=False):
            _remove_tree(entry.path)
        else:
            os.unlink(entry.path)


def _remove_tree(path: str) -> None:
    # the copy of a read-only project has read-only folders: open each one that refuses
    def writable_and_again(function: Callable[..., object], failed: str, _error: object) -> None:
        # a folder that cannot be opened (rmtree's open takes flags, so it is not called
        # again here): opened up, then removed
        if function is os.open:
            os.chmod(failed, stat.S_IRWXU)
            _remove_tree(failed)
            return
        os.chmod(os.path.dirname(failed), stat.S_IRWXU)
        function(failed)

    # no mutate: one of the two branches never runs under the mutate session's one Python
    if sys.version_info >= (3, 12):  # pragma: no mutate
        shutil.rmtree(path, onexc=writable_and_again)  # pragma: no mutate
    else:
        shutil.rmtree(path, onerror=writable_and_again)
