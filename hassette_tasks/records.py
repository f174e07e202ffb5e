"""RECORD checks: does each installed distribution's files match what its RECORD lists,
and which distributions did an install just write (crash safety, see integrity.py)."""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

from hassette_tasks.environment import AppEnvironment
from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.installed import dist_infos, name_version

# files a distribution's RECORD lists that may legitimately be absent
OPTIONAL_SUFFIXES = (".pyc",)
# what uv writes last into a dist-info it installed: without it, uv was stopped mid-way
FINISHED_FILES = ("METADATA", "RECORD", "INSTALLER")


class RecordEntry:
    """One row of a RECORD. (Plain classes here: this module is imported on every start,
    and a dataclass costs a few hundred microseconds to create.)"""

    __slots__ = ("digest", "path", "size")

    def __init__(self, path: str, digest: str, size: int | None):
        self.path = path  # as RECORD writes it, relative to site-packages
        self.digest = digest  # urlsafe base64 sha256 without padding, or "" when not hashed
        self.size = size


def read_record(dist_info: Path) -> list[RecordEntry]:
    """The RECORD's rows; raises OSError when it cannot be read, ValueError when it is no CSV."""
    import csv  # only a repair or a check after an install reads RECORDs

    entries = []
    with open(dist_info / "RECORD", newline="", encoding="utf-8", errors="replace") as handle:
        try:
            rows = list(csv.reader(handle))
        except csv.Error as error:  # not a ValueError: a damaged RECORD ended in a traceback
            raise ValueError(f"not CSV: {error}") from error
        for row in rows:
            if not row or not row[0]:
                continue
            path = row[0]
            digest = ""
            if len(row) > 1 and row[1].startswith("sha256="):
                digest = row[1].removeprefix("sha256=")
            size = int(row[2]) if len(row) > 2 and row[2].isdigit() else None
            entries.append(RecordEntry(path, digest, size))
    return entries


def inside(root: Path, site: Path, relative: str) -> Path | None:
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
        path = inside(venv, site, entry.path)
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
    return _verify_all(app, changed_since(app.site_packages, before))


def _verify_all(app: AppEnvironment, dist_infos: list[Path]) -> dict[str, list[str]]:
    problems = {}
    for dist_info in dist_infos:
        found = verify(dist_info, app.site_packages, app.venv)
        if found:
            problems[dist_info.name] = found
    return problems


def check_installed(app: AppEnvironment, before: Snapshot) -> list[Path]:
    """Raise BROKEN ENVIRONMENT when a package installed since BEFORE does not match its RECORD;
    else the dist-info folders it checked (the packages installed since BEFORE)."""
    changed = changed_since(app.site_packages, before)
    problems = _verify_all(app, changed)
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
    return changed


def summary(problems: list[str], limit: int = 3) -> str:
    more = f"; {len(problems) - limit} more" if len(problems) > limit else ""
    return "; ".join(problems[:limit]) + more


def describe_problems(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"{name}: {summary(found)}" for name, found in problems.items())
