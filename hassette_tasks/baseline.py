"""The baseline: the app venv's own packages before any user install (never removed).

Recorded when the image is built (`hassette-tasks baseline`, into IMAGE_BASELINE) or, for
a venv no image recorded, at its first start before anything installs (BASELINE_NAME,
beside the warm-restart record).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from hassette_tasks.console import Console
from hassette_tasks.environment import AppEnvironment
from hassette_tasks.installed import Dist, canonicalize_name, installed
from hassette_tasks.util import atomic_write

BASELINE_NAME = ".hassette-tasks-baseline.json"
# written by the image build (docker/Dockerfile); a setting only for tests and custom images
IMAGE_BASELINE = Path("/opt/hassette-tasks/image-packages.json")
IMAGE_BASELINE_VARIABLE = "HASSETTE_TASKS_IMAGE_PACKAGES"
BASELINE_VERSION = 1


@dataclass(frozen=True)
class Baseline:
    packages: dict[str, Dist]
    source: Path


def image_baseline_path() -> Path:
    return Path(os.environ.get(IMAGE_BASELINE_VARIABLE) or IMAGE_BASELINE)


def venv_baseline_path(venv: Path) -> Path:
    return venv / BASELINE_NAME


def snapshot_text(app: AppEnvironment) -> str:
    packages = {
        name: {"version": dist.version, "requires": list(dist.requires)}
        for name, dist in sorted(installed(app.site_packages).items())
    }
    record = {
        "version": BASELINE_VERSION,
        "venv": str(app.venv),
        "python": app.python_version,
        "packages": packages,
    }
    return json.dumps(record, indent=1, sort_keys=True) + "\n"


def _read_baseline(path: Path, app: AppEnvironment) -> Baseline | None:
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if (
        not isinstance(record, dict)
        or record.get("version") != BASELINE_VERSION
        or record.get("venv") != str(app.venv)
        or record.get("python") != app.python_version
        or not isinstance(record.get("packages"), dict)
    ):
        return None  # another venv's, or another Python's: not this one's baseline
    packages = {
        canonicalize_name(name): Dist(
            canonicalize_name(name), str(info["version"]), tuple(info.get("requires", ()))
        )
        for name, info in record["packages"].items()
    }
    return Baseline(packages, path)


def load_baseline(app: AppEnvironment) -> Baseline | None:
    """The image's record for this venv, else the one its first start took, else None."""
    for path in (image_baseline_path(), venv_baseline_path(app.venv)):
        found = _read_baseline(path, app)
        if found:
            return found
    return None


def ensure_baseline(app: AppEnvironment, console: Console) -> Baseline | None:
    """Record the venv's own packages before anything installs, unless already recorded."""
    found = load_baseline(app)
    if found:
        return found
    target = venv_baseline_path(app.venv)
    try:
        atomic_write(target, snapshot_text(app), prefix=".baseline-")
    except OSError as error:
        console.warn(
            f"could not record the venv's own packages ({error.strerror}): packages an "
            "earlier start installed cannot be told apart, nothing will be removed"
        )
        return None
    found = _read_baseline(target, app)
    if found:
        console.line(
            f"exact environment: recorded the {len(found.packages)} package(s) {app.venv} "
            "holds before any install as its own (they are never removed)"
        )
    return found
