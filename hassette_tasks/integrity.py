"""Crash-safe installs: an in-progress marker, RECORD verification, and the repair after a kill.

A start that is killed (SIGKILL, OOM, power loss) while uv copies wheels into the app venv
can leave a package half-copied: its METADATA present, most of its files missing. uv then
takes it as installed and `uv pip check` (metadata only) passes. So boot writes a marker
into the venv before its first uv call and removes it only after the warm-restart record
is written. A start that finds the marker repairs before it trusts anything: every
installed distribution is checked against its RECORD (sha256 and size), a broken one is
removed so the install puts it back, and what a killed uv or an earlier start left behind
is removed. On a start without the marker none of this runs: one stat() is its cost.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from hassette_tasks import uv, workdir
from hassette_tasks.console import Console
from hassette_tasks.environment import AppEnvironment
from hassette_tasks.errors import Failure, StartupError

MARKER_NAME = ".hassette-tasks-installing"
# the private work folders of steps.private_workdir
WORKDIR_PREFIX = "hassette-tasks-"
# uv writes files through temporary siblings named like this, then renames them
UV_TEMP_PREFIX = ".tmp"
# files a distribution's RECORD lists that may legitimately be absent
OPTIONAL_SUFFIXES = (".pyc",)
# what uv writes last into a dist-info it installed: without it, uv was stopped mid-way
FINISHED_FILES = ("METADATA", "RECORD", "INSTALLER")

RECREATE = (
    "Recreate the container (docker compose up -d --force-recreate, or docker rm and "
    "docker run again): a new container starts from the image's own, intact packages."
)


# --- the marker


def marker_path(venv: Path) -> Path:
    return venv / MARKER_NAME


def interrupted(venv: Path) -> bool:
    """True when an earlier start began installing and never finished."""
    return os.path.lexists(marker_path(venv))


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def mark_installing(venv: Path) -> None:
    """Write the marker atomically and durably, before the first uv call of an install."""
    handle, temporary = tempfile.mkstemp(prefix=".marker-", dir=venv)
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(f"install started by pid {os.getpid()} at {time.time():.0f}\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, marker_path(venv))
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_folder(venv)


def clear_marker(venv: Path) -> None:
    """The install finished (and was recorded): the marker goes, durably."""
    path = marker_path(venv)
    if os.path.lexists(path):
        path.unlink()
        _fsync_folder(venv)


# --- distributions and their RECORD


class RecordEntry:
    """One row of a RECORD. (Plain classes here: this module is imported on every start,
    and a dataclass costs a few hundred microseconds to create.)"""

    __slots__ = ("digest", "path", "size")

    def __init__(self, path: str, digest: str, size: int | None):
        self.path = path  # as RECORD writes it, relative to site-packages
        self.digest = digest  # urlsafe base64 sha256 without padding, or "" when not hashed
        self.size = size


def dist_infos(site: Path) -> list[Path]:
    with os.scandir(site) as entries:
        return sorted(
            Path(entry.path)
            for entry in entries
            if entry.name.endswith(".dist-info") and entry.is_dir(follow_symlinks=False)
        )


def name_version(dist_info: Path) -> tuple[str, str]:
    name, _, version = dist_info.name.removesuffix(".dist-info").rpartition("-")
    return name, version


def read_record(dist_info: Path) -> list[RecordEntry]:
    """The RECORD's rows; raises OSError when it cannot be read."""
    import csv  # only a repair or a check after an install reads RECORDs

    entries = []
    with open(dist_info / "RECORD", newline="", encoding="utf-8", errors="replace") as handle:
        for row in csv.reader(handle):
            if not row or not row[0]:
                continue
            path = row[0]
            digest = ""
            if len(row) > 1 and row[1].startswith("sha256="):
                digest = row[1].removeprefix("sha256=")
            size = int(row[2]) if len(row) > 2 and row[2].isdigit() else None
            entries.append(RecordEntry(path, digest, size))
    return entries


def _inside(root: Path, site: Path, relative: str) -> Path | None:
    """SITE/RELATIVE without following symlinks, or None when it leaves ROOT (the venv)."""
    joined = os.path.normpath(os.path.join(site, relative))
    if os.path.commonpath([joined, str(root)]) != str(root):
        return None
    return Path(joined)


def _sha256(path: Path) -> str:
    import base64

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def verify(dist_info: Path, site: Path, venv: Path) -> list[str]:
    """What is wrong with one installed distribution; an empty list when it matches its RECORD.

    Files RECORD lists with a hash must exist with that size and sha256; files listed
    without one must exist (bytecode excepted). METADATA, RECORD and INSTALLER must be
    there: uv writes INSTALLER and the final RECORD last.
    """
    missing_own = [name for name in FINISHED_FILES if not (dist_info / name).is_file()]
    if missing_own:
        return [f"{dist_info.name}/{name} is missing" for name in missing_own]
    try:
        entries = read_record(dist_info)
    except (OSError, ValueError) as error:
        return [f"{dist_info.name}/RECORD cannot be read ({error})"]
    problems = []
    for entry in entries:
        path = _inside(venv, site, entry.path)
        if path is None:
            continue
        try:
            info = path.lstat()
        except OSError:
            if not entry.path.endswith(OPTIONAL_SUFFIXES):
                problems.append(f"{entry.path} is missing")
            continue
        if not entry.digest:
            continue
        if entry.size is not None and info.st_size != entry.size:
            problems.append(f"{entry.path} has {info.st_size} bytes, RECORD says {entry.size}")
            continue
        try:
            actual = _sha256(path)
        except OSError as error:
            problems.append(f"{entry.path} cannot be read ({error.strerror})")
            continue
        if actual != entry.digest:
            problems.append(f"{entry.path} does not match its sha256 in RECORD")
    return problems


# --- which distributions an install changed


Snapshot = dict[str, tuple[int, int, int]]


def snapshot(site: Path) -> Snapshot:
    """Each dist-info's RECORD identity (inode, size, mtime): cheap, one stat per package."""
    found: Snapshot = {}
    for dist_info in dist_infos(site):
        with contextlib.suppress(OSError):
            info = (dist_info / "RECORD").stat()
            found[dist_info.name] = (info.st_ino, info.st_size, info.st_mtime_ns)
    return found


def changed_since(site: Path, before: Snapshot) -> list[Path]:
    """The dist-info folders that are new or whose RECORD was rewritten since BEFORE."""
    after = snapshot(site)
    changed = {name for name, identity in after.items() if before.get(name) != identity}
    # a dist-info without a RECORD is changed too (uv was stopped, or wrote none)
    changed |= {path.name for path in dist_infos(site)} - set(after)
    return [site / name for name in sorted(changed)]


def verify_changed(app: AppEnvironment, before: Snapshot) -> dict[str, list[str]]:
    """RECORD problems of the distributions installed since BEFORE, by dist-info name."""
    problems = {}
    for dist_info in changed_since(app.site_packages, before):
        found = verify(dist_info, app.site_packages, app.venv)
        if found:
            problems[dist_info.name] = found
    return problems


def check_installed(app: AppEnvironment, before: Snapshot) -> None:
    """Raise BROKEN ENVIRONMENT when a package installed since BEFORE does not match its RECORD."""
    problems = verify_changed(app, before)
    if problems:
        raise StartupError(
            Failure.BROKEN_ENV,
            "after the install, the files of "
            f"{', '.join(name_version(Path(name))[0] for name in problems)} do not match "
            "what the package's RECORD lists (an install was cut short, or the disk is failing).",
            "Restart the container: the next start checks every package and reinstalls the "
            "broken ones. If this banner comes back, check the disk (and free space).",
            describe_problems(problems),
        )


def summary(problems: list[str], limit: int = 3) -> str:
    more = f"; {len(problems) - limit} more" if len(problems) > limit else ""
    return "; ".join(problems[:limit]) + more


def describe_problems(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"{name}: {summary(found)}" for name, found in problems.items())


# --- the repair


def _remove_file(path: Path) -> bool:
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
        path = _inside(venv, site, entry.path)
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
                path = _inside(venv, site, entry.path)
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
    in the temporary folder, owned by this uid, holding the marker boot puts in each."""
    folder = Path(tmpdir or tempfile.gettempdir())
    owner = os.getuid() if uid is None else uid
    found = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        if not entry.name.startswith(WORKDIR_PREFIX):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        ours = stat.S_ISDIR(info.st_mode) and info.st_uid == owner
        if ours and workdir.is_marked(Path(entry.path)):
            found.append(Path(entry.path))
    return sorted(found)


def remove_leftover_workdirs(tmpdir: Path | None = None) -> list[Path]:
    """Remove them; shutil.rmtree never follows a symlink inside them."""
    removed = []
    for path in leftover_workdirs(tmpdir):
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(path)
            removed.append(path)
    return removed


class Repair:
    """What a repair found and did."""

    def __init__(self) -> None:
        self.verified = 0
        # (name, version) of broken distributions, removed for the install to put back
        self.removed: list[tuple[str, str]] = []
        self.strays = 0
        self.workdirs = 0


def repair(app: AppEnvironment, console: Console, tmpdir: Path | None = None) -> Repair:
    """After an interrupted install: remove every distribution that does not match its
    RECORD (or lacks METADATA/RECORD), uv's stray temporary files, and earlier starts'
    work folders. Raises StartupError when the venv cannot be changed."""
    started = time.monotonic()
    site, venv = app.site_packages, app.venv
    console.line(
        "repair: the previous start was interrupted during an install: checking every "
        "package in the venv against its RECORD"
    )
    done = Repair()
    try:
        dists = dist_infos(site)
        for dist_info in dists:
            problems = verify(dist_info, site, venv)
            done.verified += 1
            if not problems:
                continue
            name, version = name_version(dist_info)
            console.line(
                f"repair: {name} {version} is broken ({summary(problems)}): "
                "removed, the install puts it back"
            )
            uninstall(dist_info, site, venv)
            done.removed.append((name, version))
        owned = owned_paths(site, venv, dist_infos(site))
        strays = stray_temp_files(venv, site, owned)
        for path in strays:
            _remove_file(path)
        done.strays = len(strays)
        done.workdirs = len(remove_leftover_workdirs(tmpdir))
    except OSError as error:
        raise StartupError(
            Failure.REPAIR,
            f"the previous start was interrupted during an install, and the venv {venv} "
            f"cannot be repaired: {error.strerror or error} ({error.filename}).",
            RECREATE,
        ) from error
    if done.strays:
        console.line(f"repair: removed {done.strays} stray temporary file(s) uv left")
    if done.workdirs:
        console.line(f"repair: removed {done.workdirs} temporary folder(s) of earlier starts")
    console.line(
        f"repair: complete ({done.verified} package(s) checked, {len(done.removed)} "
        f"removed, {time.monotonic() - started:.2f}s)"
    )
    return done


def put_back(
    app: AppEnvironment,
    console: Console,
    removed: list[tuple[str, str]],
    constraints: Callable[[], Path],
) -> list[str]:
    """Reinstall removed distributions that the installs did not bring back (the image's own
    packages, e.g. a dependency of hassette an interrupted upgrade broke), at their version."""
    present = {name_version(path)[0].lower() for path in dist_infos(app.site_packages)}
    missing = [f"{name}=={version}" for name, version in removed if name.lower() not in present]
    if not missing:
        return []
    console.line(f"repair: reinstalling {', '.join(missing)} (removed by the repair)")
    try:
        uv.run(
            ["pip", "install", "--python", app.python, "--no-deps", "-c", constraints(), *missing],
            console,
        )
    except uv.UvFailed as error:
        raise StartupError(
            Failure.REPAIR,
            f"the previous start was interrupted while installing, which broke "
            f"{', '.join(missing)}, and uv could not install it again.",
            "If the package index is unreachable, fix the network and restart. " + RECREATE,
            error.tail,
        ) from None
    return missing


# failures after which uv may have left half-written files: it was killed (the timeout), or
# a write failed part-way (a full disk); the marker stays and the next start repairs
_MAY_LEAVE_HALF_WRITTEN = (Failure.TIMEOUT, Failure.DISK_FULL)


class InstallGuard:
    """Boot's side of all this: repair if the marker is there, set it before installing,
    know what the installs changed, put back what the repair removed, clear the marker."""

    # the guard of this process's start, for settle_after_failure (one start per process)
    active: InstallGuard | None = None

    def __init__(self, app: AppEnvironment, console: Console, installing: bool):
        InstallGuard.active = self
        self.app = app
        self.marked = False
        self.repaired: Repair | None = None
        if interrupted(app.venv):
            self.marked = True
            self.repaired = repair(app, console)
        if installing and not self.marked:
            try:
                mark_installing(app.venv)
                self.marked = True
            except OSError as error:
                console.warn(
                    f"could not write the install marker ({error.strerror}): a start killed "
                    "during this install would not be repaired"
                )
        self.before = snapshot(app.site_packages) if (installing or self.marked) else {}

    def put_back(self, console: Console, constraints: Callable[[], Path]) -> bool:
        """True when something was reinstalled; CONSTRAINTS is asked for only then."""
        if not self.repaired or not self.repaired.removed:
            return False
        return bool(put_back(self.app, console, self.repaired.removed, constraints))

    def settle_failure(self, console: Console, failure: Failure) -> None:
        """A start that failed and cleaned up was not interrupted: the marker goes, so the
        next start neither claims a crash nor repairs, unless this failure may have left
        something behind (uv killed, a full disk, a package whose files do not match its
        RECORD, or packages a repair removed and nothing put back)."""
        if not self.marked or failure in _MAY_LEAVE_HALF_WRITTEN:
            return
        if self.repaired is not None and self.repaired.removed:
            return
        try:
            if verify_changed(self.app, self.before):
                return
        except OSError:
            return
        self.finish(console)

    def finish(self, console: Console) -> None:
        """Installs (if any) are done and recorded: the next start trusts the venv again."""
        InstallGuard.active = None
        if not self.marked:
            return
        try:
            clear_marker(self.app.venv)
        except OSError as error:
            console.warn(
                f"could not remove the install marker ({error.strerror}): the next start "
                "checks the venv again"
            )


def settle_after_failure(console: Console, failure: Failure) -> None:
    """After a fatal error has been shown: settle this process's install marker."""
    guard = InstallGuard.active
    if guard is not None:
        guard.settle_failure(console, failure)
