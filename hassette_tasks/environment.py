"""The app's virtual environment: is hassette there, which Python, where packages live."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.installed import hassette_distribution
from hassette_tasks.util import venv_program, venv_python

CORRUPT_TODO = (
    "The image may be corrupt, or HASSETTE__VENV names the wrong folder "
    "(default /app/.venv). Pull or rebuild the image; do not mount over /app."
)


@dataclass(frozen=True)
class AppEnvironment:
    venv: Path
    site_packages: Path
    python_version: str
    hassette_version: str

    @property
    def python(self) -> Path:
        return venv_python(self.venv)


def site_packages(venv: Path) -> Path | None:
    def minor(path: Path) -> int:
        return int(path.parent.name.removeprefix("python3.") or 0)

    candidates = [
        p
        for p in (venv / "lib").glob("python3.*/site-packages")
        if p.parent.name.removeprefix("python3.").isdigit()
    ]
    return max(candidates, key=minor, default=None)


def python_version(venv: Path) -> str:
    """The venv's Python version from pyvenv.cfg (no interpreter started). A venv mounted
    over HASSETTE__VENV may hold any bytes there: an undecodable line is not a version."""
    try:
        for line in (venv / "pyvenv.cfg").read_text(errors="replace").splitlines():
            key, _, value = line.partition("=")
            if key.strip() in ("version_info", "version"):
                return value.strip()
    except OSError:
        pass
    return "unknown"


def inspect(venv: Path) -> AppEnvironment:
    """Check that hassette is installed in VENV, by its metadata and its package files.

    Reads files only: `import hassette` costs seconds.
    """
    if not venv_python(venv).exists():
        raise StartupError(Failure.IMAGE, f"no Python environment at {venv}.", CORRUPT_TODO)
    site = site_packages(venv)
    dist = hassette_distribution(site) if site else None
    if site is None or dist is None:
        raise StartupError(Failure.IMAGE, f"hassette is not installed in {venv}.", CORRUPT_TODO)
    if not ((site / "hassette" / "__init__.py").exists() or (site / "hassette.py").exists()):
        raise StartupError(
            Failure.IMAGE,
            f"hassette {dist.version} is recorded in {venv} but its package files are missing.",
            CORRUPT_TODO,
        )
    if not venv_program(venv, "hassette").exists():
        raise StartupError(Failure.IMAGE, f"{venv}/bin/hassette is missing.", CORRUPT_TODO)
    return AppEnvironment(venv, site, python_version(venv), dist.version)


DERIVED_IMAGE = (
    "or install the packages when you build an image of your own (FROM this image, COPY "
    "your project to /apps and requirements.txt to /config, set HASSETTE__* settings in ENV "
    "lines, then RUN hassette-tasks bake: the README's Baked images) and start that one."
)


def _read_only(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def require_writable(app: AppEnvironment) -> None:
    """Before uv runs: can this user write the app venv? A banner that says why not.

    A read-only root file system (docker run --read-only) and a foreign uid (docker run
    --user, OpenShift's arbitrary uids) both end in uv's `failed to create directory`
    otherwise, with the cause buried in its output.
    """
    for folder in (app.site_packages, app.venv / "bin"):
        if os.access(folder, os.W_OK | os.X_OK):
            continue
        if _read_only(folder):
            raise StartupError(
                Failure.NOT_WRITABLE,
                f"the app environment {app.venv} is on a read-only file system, so boot "
                "cannot install your packages into it.",
                "The container runs with a read-only root file system (docker run "
                "--read-only, or read_only: true in compose). Drop that (a --tmpfs /tmp "
                f"may stay), {DERIVED_IMAGE}",
            )
        owner = folder.stat().st_uid
        raise StartupError(
            Failure.NOT_WRITABLE,
            f"the app environment {app.venv} cannot be written by this container's user "
            f"(uid {os.getuid()}): {folder} belongs to uid {owner}.",
            f"Run the container as uid {owner} (drop --user, or docker run --user {owner}); "
            "for platforms that pick a uid of their own (OpenShift), make /app/.venv "
            "group-writable for gid 0 in an image of your own (chgrp -R 0 /app/.venv && "
            f"chmod -R g=u /app/.venv); {DERIVED_IMAGE}",
        )
