"""The steps of a start as objects: each says what it would do (`describe`, for the dry
run) and does it (`run`). plan.py decides which steps a start takes; the work itself is in
plain functions (installs.py, handoff.py) that the single-step tasks call too.

installs and handoff are imported here, before boot's first log line, as the old steps
module was: they are light (no packaging, no sh), and boot's own time stays comparable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from hassette_tasks import handoff, health, installs
from hassette_tasks.console import Console, hassette_run_line
from hassette_tasks.discovery import Discovery
from hassette_tasks.environment import AppEnvironment
from hassette_tasks.project import LOCK, PYLOCK, PYPROJECT, ProjectKind, build
from hassette_tasks.sequence import Installs
from hassette_tasks.settings import Settings
from hassette_tasks.util import venv_program


@dataclass
class Context:
    """What the steps of a running start share."""

    settings: Settings
    console: Console
    app: AppEnvironment
    args: list[str]
    cache_usable: bool = True  # False: UV_CACHE_DIR is not writable (no prune then)
    installs: Installs = field(default_factory=Installs)


class Step(Protocol):
    def describe(self) -> list[str]:
        """What this step would do: the dry run's lines (without the `plan: ` prefix)."""
        ...

    def run(self, ctx: Context) -> None:
        """Do it (raises StartupError on a fatal failure)."""
        ...


class ProjectInstall:
    """The locked project (uv.lock, or pylock.toml), when the project folder has one."""

    def __init__(self, settings: Settings, project: ProjectKind, up_to_date: bool):
        self.settings = settings
        self.project = project
        self.up_to_date = up_to_date

    def describe(self) -> list[str]:
        project, project_dir = self.project, self.settings.project_dir
        if project.locked:
            lock = project_dir / (PYLOCK if project is ProjectKind.PYLOCK else LOCK)
            if self.up_to_date:
                return [f"project install: up to date ({lock} and the project files are unchanged)"]
            how = "uv export" if project is ProjectKind.LOCKED else f"{PYLOCK} converted"
            lines = [
                f"project install: would install the locked project in {project_dir}: "
                f"{how}, then uv pip install -r <export> -c {self.settings.constraints}, then "
                "the project itself with --no-deps from a private copy"
            ]
            if project is ProjectKind.LOCKED:  # names and URLs, never credentials
                from hassette_tasks.project import indexes  # a dry run only

                lines += indexes.plan_lines(project_dir)
            note = build.plan_line(project_dir)
            if note and (project_dir / PYPROJECT).is_file():
                lines.append(f"project install: {note}")
            return lines
        if project is ProjectKind.UNLOCKED:
            return [
                f"project install: would skip ({project_dir / PYPROJECT} without uv.lock: "
                "run `uv lock`)"
            ]
        return [f"project install: would skip (no {PYPROJECT} in {project_dir})"]

    def run(self, ctx: Context) -> None:
        project_dir = self.settings.project_dir
        if self.project.locked and self.up_to_date:
            ctx.console.line("project install: up to date (nothing changed since the last install)")
        elif self.project.locked:
            health.phase("installing the locked project")
            ctx.installs.locked = ctx.installs.attempt(
                "the project", installs.install_locked, self.settings, ctx.console, ctx.app
            )
            ctx.installs.installed = True
        elif self.project is ProjectKind.UNLOCKED:
            ctx.console.line(
                f"project install: skipped ({project_dir / PYPROJECT} has no "
                f"uv.lock next to it: run `uv lock` there, keep uv.lock with the project, "
                f"and restart)"
            )
        else:
            ctx.console.line(
                f"project install: skipped (no project: no {PYPROJECT} in {project_dir})"
            )


class RequirementsInstall:
    """The requirements.txt files found under the config and apps folders (when enabled)."""

    def __init__(self, settings: Settings, discovery: Discovery | None, up_to_date: bool):
        self.settings = settings
        self.discovery = discovery  # None: disabled
        self.up_to_date = up_to_date

    def describe(self) -> list[str]:
        discovery, settings = self.discovery, self.settings
        if discovery is None:
            return ["requirements install: disabled (set HASSETTE__INSTALL_DEPS=1 to enable)"]
        if not discovery.files:
            roots = ", ".join(str(root) for root in settings.requirements_roots)
            lines = [
                f"requirements install: nothing to install (no requirements.txt under {roots})"
            ]
        else:
            verb = "up to date" if self.up_to_date else "would install"
            lines = [
                f"requirements install: {verb}: {len(discovery.files)} file(s) "
                f"with -c {settings.constraints}",
                *(f"  {path}" for path in discovery.files),
            ]
        return lines + [f"  skip {path} (empty)" for path in discovery.empty]

    def run(self, ctx: Context) -> None:
        discovery, console = self.discovery, ctx.console
        if discovery is None:
            console.line("requirements install: disabled (set HASSETTE__INSTALL_DEPS=1 to enable)")
            return
        installs.describe_discovery(console, discovery, self.settings.requirements_roots)
        if self.up_to_date:
            console.line(
                f"requirements install: up to date ({len(discovery.files)} file(s) "
                "unchanged since the last install)"
            )
        else:
            health.phase("installing requirements")
            ctx.installs.attempt(
                "the requirements",
                installs.install_requirements,
                self.settings,
                console,
                ctx.app,
                discovery,
            )
            ctx.installs.installed = ctx.installs.installed or bool(discovery.files)
        ctx.installs.files = discovery.files


class Prune:
    """`uv cache prune`, started alongside hassette (HASSETTE__PRUNE_UV_CACHE)."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def describe(self) -> list[str]:
        prune = "would run alongside hassette" if self.settings.prune_cache else "disabled"
        return [f"uv cache prune: {prune}"]

    def run(self, ctx: Context) -> None:
        if self.settings.prune_cache and not ctx.cache_usable:
            ctx.console.line("uv cache prune: skipped (the cache is not writable)")
        elif self.settings.prune_cache:
            handoff.prune_alongside(ctx.console)
        else:
            ctx.console.line("uv cache prune: disabled")


class HandOff:
    """`exec hassette run ARGS`: the start-up ends, hassette takes its PID."""

    def __init__(self, settings: Settings, args: list[str]):
        self.settings = settings
        self.args = args

    def describe(self) -> list[str]:
        program = venv_program(self.settings.venv, "hassette")
        return [f"hand-off: would exec {hassette_run_line(str(program), self.args)}"]

    def run(self, ctx: Context) -> None:
        handoff.hand_off(self.settings, ctx.console, self.args)
