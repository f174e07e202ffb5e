"""Hassette's container start-up, one task per step; `boot` runs them in order."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from invoke.context import Context
from invoke.tasks import Task

from hassette_tasks import options
from hassette_tasks import settings as settings_module
from hassette_tasks.console import Console
from hassette_tasks.failure import guarded
from hassette_tasks.settings import Settings

# One letter means one flag in every task. invoke's own short flags take each flag's
# first free letter per task, so the same letter came to mean different flags in
# different tasks; here they come from this table instead. A flag not listed has none
# (--config-dir: -c is --constraints).
SHORT_FLAGS = {
    "apps_dir": "a",
    "constraints": "c",
    "dry_run": "d",
    "force": "f",
    "list": "l",
    "output": "o",
    "project_dir": "p",
    "root": "r",
    "timeout": "t",
    "venv": "v",
}


class _Task(Task[Any]):
    """An invoke task whose short flags come from SHORT_FLAGS."""

    def arg_opts(self, name: str, default: str, taken_names: set[str]) -> dict[str, Any]:
        opts = super().arg_opts(name, default, taken_names)
        if name in SHORT_FLAGS:
            opts["names"] = [*opts["names"], SHORT_FLAGS[name]]
        return opts


def task(**options: Any) -> Callable[[Callable[..., None]], _Task]:
    """invoke's `@task(...)`, with short flags from SHORT_FLAGS only."""

    def decorate(body: Callable[..., None]) -> _Task:
        return _Task(body, auto_shortflags=False, **options)

    return decorate


PATH_HELP = {
    "venv": "the app's virtual environment (HASSETTE__VENV, default /app/.venv)",
    "constraints": "the constraints file (HASSETTE__CONSTRAINTS, default /app/constraints.txt)",
    "project_dir": "where pyproject.toml and uv.lock live (HASSETTE__PROJECT_DIR, default /apps)",
    "apps_dir": "apps folder, searched for requirements (HASSETTE__APPS__DIRECTORY, default /apps)",
    "config_dir": "config dir, searched for requirements (HASSETTE__CONFIG_DIR, default: /config)",
    "timeout": "seconds for each uv step (HASSETTE__INSTALL_TIMEOUT, or "
    "HASSETTE__REQUIREMENTS_TIMEOUT for requirements files)",
    "dry_run": "print what would run and why; change nothing",
}


def _help(*names: str, **extra: str) -> dict[str, str]:
    return {name: PATH_HELP[name] for name in names} | extra


def hassette_args() -> list[str]:
    """The arguments after the first standalone `--`, exactly as the process received them."""
    argv = sys.argv
    return argv[argv.index("--") + 1 :] if "--" in argv else []


def _settings(**overrides: Any) -> Settings:
    return settings_module.load(**overrides)


def _emit(console: Console, task_name: str, text: str, output: str | None) -> None:
    """TEXT to stdout, or to OUTPUT through a temporary file, so a reader never sees half."""
    if not output:
        sys.stdout.write(text)
        return
    options.write_output(Path(output), text)
    console.line(f"{task_name}: wrote {output}")


def _run(
    body: Callable[[Console], object], halt_on_failure: bool = False, data_on_stdout: bool = False
) -> None:
    """BODY with a console; DATA_ON_STDOUT: the task prints data (a requirements list, file
    names) on stdout, so its log lines, banners included, go to stderr, where `> FILE` or
    `$(...)` leaves them (once: docker logs and a terminal show both streams)."""

    def console() -> Console:
        return Console(stream=sys.stderr) if data_on_stdout else Console()

    guarded(console, body, halt_on_failure)


@task(
    help=_help(
        "project_dir",
        "venv",
        "timeout",
        output="write the requirements list to this file (stdout without it)",
    )
)
def export(
    c: Context,
    project_dir: str | None = None,
    output: str | None = None,
    venv: str | None = None,
    timeout: str | None = None,
) -> None:
    """Print the locked project's dependencies as a flat requirements list (uv export)."""
    from hassette_tasks import environment, installs, project
    from hassette_tasks.project.copy import private_copy

    def body(console: Console) -> None:
        cfg = _settings(project_dir=project_dir, venv=venv, install_timeout=timeout)
        _require_project_dir(cfg, project_dir)
        if output:
            options.require_output(Path(output))
        if project.kind(cfg.project_dir) is project.ProjectKind.PYLOCK:
            # what install-locked would install: pylock.toml as requirements with hashes
            app = environment.inspect(cfg.venv)
            with installs.private_workdir() as work:
                copy = private_copy(cfg.project_dir, work)
                text = installs.locked_requirements(cfg, console, app, copy)
            _emit(console, "export", text, output)
            return
        python = cfg.python if cfg.python.exists() else None
        text = installs.export_locked(cfg.project_dir, console, cfg.install_timeout, python)
        _emit(console, "export", text, output)

    _run(body, data_on_stdout=not output)


def _require_project_dir(cfg: Settings, flag: str | None) -> None:
    name = options.source("--project-dir", "HASSETTE__PROJECT_DIR", flag)
    options.require_folder(cfg.project_dir, name, "project folder")


@task(help=_help("project_dir", "venv", "constraints", "timeout", "dry_run"))
def install_locked(
    c: Context,
    project_dir: str | None = None,
    venv: str | None = None,
    constraints: str | None = None,
    timeout: str | None = None,
    dry_run: bool = False,
) -> None:
    """Install the locked project (uv.lock, or pylock.toml) into the app venv."""
    from hassette_tasks import environment, installs, project
    from hassette_tasks.sequence import installing

    def body(console: Console) -> None:
        cfg = _settings(
            project_dir=project_dir, venv=venv, constraints=constraints, install_timeout=timeout
        )
        _require_project_dir(cfg, project_dir)
        app = environment.inspect(cfg.venv)
        found = project.kind(cfg.project_dir)
        if not found.locked:
            console.line(
                f"project install: skipped (no uv.lock or pylock.toml in {cfg.project_dir}; "
                "run `uv lock` there first)"
            )
            return
        if dry_run:
            console.line(
                f"plan: would install the locked project in {cfg.project_dir} into "
                f"{cfg.venv} with -c {cfg.constraints}"
            )
            return
        with installing(cfg, console, app, mark=True) as done:
            done.locked = installs.install_locked(cfg, console, app)
            done.installed = True

    _run(body)


@task(
    iterable=["root"],
    help=_help(
        "venv",
        "constraints",
        "dry_run",
        root="a folder to search (repeatable; default: config dir and apps dir)",
        list="list the files that would be installed, install nothing",
        timeout="seconds for each file (HASSETTE__REQUIREMENTS_TIMEOUT, default 120)",
    ),
)
def install_reqs(
    c: Context,
    root: list[str] | None = None,
    list: bool = False,
    venv: str | None = None,
    constraints: str | None = None,
    timeout: str | None = None,
    dry_run: bool = False,
) -> None:
    """Find requirements.txt files (5 levels deep) and install each with constraints."""
    from hassette_tasks import environment, installs
    from hassette_tasks.discovery import find_requirements
    from hassette_tasks.sequence import installing

    def body(console: Console) -> None:
        cfg = _settings(venv=venv, constraints=constraints, requirements_timeout=timeout)
        roots = [Path(r) for r in root] if root else cfg.requirements_roots
        discovery = find_requirements(roots)
        installs.describe_discovery(console, discovery, roots)
        if list or dry_run:
            for path in discovery.files:
                print(path, flush=True)
            return
        app = environment.inspect(cfg.venv)
        if discovery.files:
            with installing(cfg, console, app, mark=True) as done:
                installs.install_requirements(cfg, console, app, discovery)
                done.installed = True

    _run(body, data_on_stdout=list or dry_run)  # they print the files' paths


@task()
def prune(c: Context) -> None:
    """Prune uv's cache (uv cache prune); a failure is only a warning."""
    from hassette_tasks import handoff

    _run(handoff.prune)


@task(help=_help("venv"))
def start(c: Context, venv: str | None = None) -> None:
    """Replace this process with `hassette run ARGS` (ARGS after `--`)."""
    from hassette_tasks import handoff

    _run(lambda console: handoff.hand_off(_settings(venv=venv), console, hassette_args()))


@task(
    help=_help(
        "project_dir",
        "apps_dir",
        "config_dir",
        "venv",
        "constraints",
        "dry_run",
        force="ignore the warm-restart record and install everything (HASSETTE__FORCE_INSTALL=1)",
    )
)
def boot(
    c: Context,
    dry_run: bool = False,
    force: bool = False,
    project_dir: str | None = None,
    apps_dir: str | None = None,
    config_dir: str | None = None,
    venv: str | None = None,
    constraints: str | None = None,
) -> None:
    """Install the user's project and requirements, prune, then become `hassette run ARGS`."""
    from hassette_tasks import boot as flow

    def body(console: Console) -> None:
        cfg = _settings(
            project_dir=project_dir,
            apps_dir=apps_dir,
            config_dir=config_dir,
            venv=venv,
            constraints=constraints,
            force_install=True if force else None,
        )
        flow.run(cfg, console, hassette_args(), dry_run=dry_run)

    _run(body, halt_on_failure=not dry_run)


@task()
def bake(c: Context) -> None:
    """(image builds) Install as boot would and write the warm-restart record; no hassette.

    Settings come from the environment (HASSETTE__*, as a container's would), so the baked
    record matches what a container of the image sees.
    """
    from hassette_tasks import bake as baking

    _run(lambda console: baking.run(_settings(), console))


@task(help=_help("venv", output="write the constraints to this file (stdout without it)"))
def constraints(c: Context, venv: str | None = None, output: str | None = None) -> None:
    """Write constraints from the installed hassette's declared dependency ranges."""
    from hassette_tasks.constraints import generate

    def body(console: Console) -> None:
        if output:
            options.require_output(Path(output))
        _emit(console, "constraints", generate(_settings(venv=venv).venv), output)

    _run(body, data_on_stdout=not output)


@task(help=_help("venv", output="write the record to this file (stdout without it)"))
def baseline(c: Context, venv: str | None = None, output: str | None = None) -> None:
    """(image builds) Record the venv's own packages: boot never removes them."""
    from hassette_tasks import baseline as image_baseline
    from hassette_tasks import environment

    def body(console: Console) -> None:
        if output:
            options.require_output(Path(output))
        app = environment.inspect(_settings(venv=venv).venv)
        _emit(console, "baseline", image_baseline.snapshot_text(app), output)

    _run(body, data_on_stdout=not output)


@task(help=_help("venv"))
def settings_names(c: Context, venv: str | None = None) -> None:
    """(image builds) Print the HASSETTE__ names the installed hassette accepts (JSON)."""
    from hassette_tasks import hassette_settings

    def body(console: Console) -> None:
        text, why_not = hassette_settings.probe(_settings(venv=venv).python)
        if text is None:  # an older hassette: no list, and boot skips the check, saying so
            console.warn(f"settings-names: no list ({why_not})")
            return
        sys.stdout.write(text)

    _run(body, data_on_stdout=True)
