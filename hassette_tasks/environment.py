"""The app's virtual environment: is hassette there, which Python, where packages live."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from hassette_tasks.errors import Failure, StartupError

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
        return self.venv / "bin" / "python"


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
    """The venv's Python version from pyvenv.cfg (no interpreter started)."""
    try:
        for line in (venv / "pyvenv.cfg").read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() in ("version_info", "version"):
                return value.strip()
    except OSError:
        pass
    return "unknown"


def hassette_distribution(site: Path) -> metadata.Distribution | None:
    return next(iter(metadata.distributions(name="hassette", path=[str(site)])), None)


def inspect(venv: Path) -> AppEnvironment:
    """Check that hassette is installed in VENV, by its metadata and its package files.

    Reads files only: `import hassette` costs seconds.
    """
    if not (venv / "bin" / "python").exists():
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
    if not (venv / "bin" / "hassette").exists():
        raise StartupError(Failure.IMAGE, f"{venv}/bin/hassette is missing.", CORRUPT_TODO)
    return AppEnvironment(venv, site, python_version(venv), dist.version)
