"""What the repair after a start killed mid-install removes (crash safety, see
integrity.py): a broken distribution's files, uv's stray temporary files, earlier starts'
work folders."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from hassette_tasks import workdir
from hassette_tasks.records import inside, read_record
from hassette_tasks.util import TEMP_PREFIX

# uv writes files through temporary siblings named like this, then renames them
UV_TEMP_PREFIX = ".tmp"


def remove_file(path: Path) -> bool:
    try:
        info = path.lstat()
    except FileNotFoundError:
        return False
    if stat.S_ISDIR(info.st_mode):
        shutil.rmtree(path)
    else:
        path.unlink()
    return True


def _prune_empty_parents(paths: Iterable[Path], stop: Iterable[Path]) -> None:
    keep = {str(p) for p in stop}
    for folder in sorted({str(p.parent) for p in paths}, key=len, reverse=True):
        current = Path(folder)
        while str(current) not in keep and current.name:
            try:
                current.rmdir()
            except OSError:
                break
            current = current.parent


def _through_symlink(path: Path, root: Path) -> bool:
    """True when a folder between ROOT and PATH is a symlink (removing would reach outside)."""
    for parent in path.parents:
        if parent == root or root not in parent.parents:
            return False
        if parent.is_symlink():
            return True
    return False


def uninstall(dist_info: Path, site: Path, venv: Path) -> int:
    """Remove what RECORD lists (inside the venv, symlinks not followed) and the dist-info.

    Returns how many listed files were removed. Works on half-copied packages: files
    never copied are skipped, and a RECORD that cannot be read removes the dist-info only.
    """
    removed: list[Path] = []
    try:
        entries = read_record(dist_info)
    except (OSError, ValueError):
        entries = []
    for entry in entries:
        path = inside(venv, site, entry.path)
        if path is None or dist_info in path.parents:
            continue
        if _through_symlink(path, venv):
            continue
        try:
            if stat.S_ISDIR(path.lstat().st_mode):
                continue  # RECORD lists files; a folder is never removed whole from here
            path.unlink()
        except (FileNotFoundError, NotADirectoryError):
            continue
        removed.append(path)
    shutil.rmtree(dist_info)
    _prune_empty_parents(removed, (site, venv, venv / "bin", site.parent, venv / "lib"))
    return len(removed)


def owned_paths(site: Path, venv: Path, dists: Iterable[Path]) -> set[str]:
    owned = set()
    for dist_info in dists:
        with contextlib.suppress(OSError, ValueError):
            for entry in read_record(dist_info):
                path = inside(venv, site, entry.path)
                if path is not None:
                    owned.add(str(path))
    return owned


def _is_temporary(folder: str, name: str) -> bool:
    if name.startswith(UV_TEMP_PREFIX):
        return True
    # bytecode being written (importlib writes NAME.pyc.<number>, then renames it)
    stem, dot, number = name.rpartition(".")
    return (
        os.path.basename(folder) == "__pycache__"
        and stem.endswith(".pyc")
        and bool(dot)
        and number.isdigit()
    )


def stray_temp_files(venv: Path, site: Path, owned: set[str]) -> list[Path]:
    """uv's `.tmpXXXX` files and folders, and bytecode half written, in site-packages and
    bin, that no RECORD lists."""
    found = []
    for top in (site, venv / "bin"):
        for folder, dirs, files in os.walk(top):
            for name in [*dirs, *files]:
                path = os.path.join(folder, name)
                if _is_temporary(folder, name) and path not in owned:
                    found.append(Path(path))
            dirs[:] = [d for d in dirs if not d.startswith(UV_TEMP_PREFIX)]
    return found


def leftover_workdirs(tmpdir: Path | None = None, uid: int | None = None) -> list[Path]:
    """Private work folders of earlier starts: `hassette-tasks-*` folders (never symlinks)
    in the temporary folder, owned by this uid, holding the marker boot puts in each, and
    not in use by a running start."""
    folder = Path(tmpdir or tempfile.gettempdir())
    owner = os.getuid() if uid is None else uid
    found = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        if not entry.name.startswith(TEMP_PREFIX):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        ours = stat.S_ISDIR(info.st_mode) and info.st_uid == owner
        if ours and workdir.is_marked(Path(entry.path)) and not _in_use(Path(entry.path)):
            found.append(Path(entry.path))
    return sorted(found)


def _in_use(folder: Path) -> bool:
    """A running start works in FOLDER (it holds its lock)."""
    with workdir.locked(folder) as free:
        return not free


def remove_leftover_workdirs(tmpdir: Path | None = None) -> list[Path]:
    """Remove them; shutil.rmtree never follows a symlink inside them."""
    removed = []
    for path in leftover_workdirs(tmpdir):
        # held while removing: a start that tries to claim it meanwhile takes another
        with workdir.locked(path) as free, contextlib.suppress(FileNotFoundError):
            if free:
                shutil.rmtree(path)
                removed.append(path)
    return removed
