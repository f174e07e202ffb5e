"""Exact environments: after an install the app venv holds the image's own packages plus
what the current inputs ask for, and nothing else.

After the install steps, boot walks the installed packages' own dependency metadata from
the roots (every baseline package, the lock's packages and the project, each requirements
file's requirements) and then:
- puts back the image's version of a baseline package that an earlier start upgraded,
  when nothing the inputs ask for still needs another version;
- uninstalls every package outside that closure (a requirement that is gone).
Image packages are never removed. Only boot does this; the single-step tasks do not.

The parts: installed.py (what a venv holds), baseline.py (the venv's own packages),
wanted.py (what the inputs ask for), closure.py (the decision); this module applies the
decision and previews it. It is imported only when the venv may change: a warm restart
never pays for it.
"""

from __future__ import annotations

import time
import tomllib
from collections.abc import Iterable
from pathlib import Path

from hassette_tasks import uv_failures
from hassette_tasks.baseline import Baseline, ensure_baseline, load_baseline, snapshot_text
from hassette_tasks.closure import Decision, decide, marker_environment
from hassette_tasks.console import Console
from hassette_tasks.environment import AppEnvironment
from hassette_tasks.errors import StartupError
from hassette_tasks.installed import Dist, installed
from hassette_tasks.project import LOCK, ProjectKind, project_name, uv_lock_names
from hassette_tasks.settings import Settings
from hassette_tasks.util import elapsed
from hassette_tasks.wanted import Roots, roots_from_files, roots_from_text

__all__ = [
    "Baseline",
    "Decision",
    "Dist",
    "Roots",
    "decide",
    "dry_run",
    "ensure_baseline",
    "make_exact",
    "marker_environment",
    "preview",
    "roots_from_text",
    "snapshot_text",
]


def _listed(packages: dict[str, str]) -> str:
    return ", ".join(f"{name} {version}" for name, version in packages.items())


def _restore_text(decision: Decision) -> str:
    return ", ".join(
        f"{name} {image} (now {now or 'missing'})"
        for name, (now, image) in decision.restore.items()
    )


def _only_own(now: dict[str, Dist], baseline: Baseline) -> bool:
    own = {name: dist.version for name, dist in baseline.packages.items()}
    return {name: dist.version for name, dist in now.items()} == own


def make_exact(
    settings: Settings,
    console: Console,
    app: AppEnvironment,
    locked: Roots | None,
    files: Iterable[Path],
) -> bool:
    """Put back image versions no input overrides any more, then remove what no input asks
    for (LOCKED: what the lock asked for; FILES: the requirements files installed).
    Returns True when the venv changed."""
    baseline = load_baseline(app)
    if baseline is None:
        console.line("exact environment: skipped (the venv's own packages were never recorded)")
        return False
    started = time.monotonic()
    now = installed(app.site_packages)
    if _only_own(now, baseline):
        took = elapsed(started)
        console.line(f"exact environment: only the venv's own packages are installed ({took})")
        return False
    roots = Roots().add(locked or Roots()).add(roots_from_files(files))
    env = marker_environment(app)
    decision = decide(now, baseline, roots, env)
    if decision.unknown:
        console.warn(
            f"cannot tell which package {', '.join(decision.unknown)} installs: "
            "nothing is removed from the venv this time"
        )
        return False
    restored = bool(decision.restore)
    if restored:
        _put_back_image_versions(settings, console, app, decision)
        decision = decide(installed(app.site_packages), baseline, roots, env)
    if decision.remove:
        uv_failures.run_step(
            ["pip", "uninstall", "--python", app.python, *decision.remove],
            console,
            "removing packages no input asks for",
            settings.install_timeout,
        )
        console.line(
            f"exact environment: removed {_listed(decision.remove)} (no current input asks "
            "for them)"
        )
    changed = restored or bool(decision.remove)
    verdict = "complete" if changed else "nothing to remove"
    console.line(f"exact environment: {verdict} ({elapsed(started)})")
    return changed


def _put_back_image_versions(
    settings: Settings, console: Console, app: AppEnvironment, decision: Decision
) -> None:
    back = {name: image for name, (_now, image) in decision.restore.items()}
    console.line(f"exact environment: putting back the image's {_restore_text(decision)}")
    pins = [f"{name}=={version}" for name, version in back.items()]
    uv_failures.run_step(
        ["pip", "install", "--python", app.python, "-c", settings.require_constraints(), *pins],
        console,
        "putting back the image's own package versions",
        settings.install_timeout,
    )


def preview(app: AppEnvironment, roots: Roots) -> list[str]:
    """What make_exact would do in the venv as it is now (for the dry run)."""
    baseline = load_baseline(app)
    if baseline is None:
        return ["the venv's packages would be recorded as its own first: nothing to remove"]
    decision = decide(installed(app.site_packages), baseline, roots, marker_environment(app))
    if decision.unknown:
        unknown = ", ".join(decision.unknown)
        return [f"cannot tell which package {unknown} installs: would remove nothing"]
    lines = []
    if decision.restore:
        lines.append(f"would put back the image's {_restore_text(decision)}")
    if decision.remove:
        lines.append(f"would remove {_listed(decision.remove)} (no current input asks for them)")
    return lines or ["nothing to remove"]


def dry_run(
    project_dir: Path, app: AppEnvironment, project: ProjectKind, files: list[Path] | None
) -> list[str]:
    """The dry run's account of this step: what the inputs ask for, nothing installed and
    no uv run (what is installed of the project may be older than its lock). FILES: the
    requirements files found (None: requirements installs disabled)."""
    from hassette_tasks.project import pylock

    roots = Roots()
    env = marker_environment(app)
    try:
        if project is ProjectKind.PYLOCK:
            text = pylock.convert(project_dir, project_dir, env).text
            roots.keep |= {
                requirement.name for requirement in roots_from_text(text, project_dir).requirements
            }
        elif project is ProjectKind.LOCKED:
            roots.keep |= uv_lock_names(project_dir / LOCK, env)
        name = project_name(project_dir) if project.locked else None
        if name:
            roots.keep.add(name)
        if files is not None:
            roots.add(roots_from_files(files))
    except (StartupError, OSError, tomllib.TOMLDecodeError) as error:
        return [f"cannot tell before installing ({getattr(error, 'what', error)})"]
    return preview(app, roots)
