"""The install steps as plain functions: the locked project, requirements files, and the
environment check after them. boot runs them through the plan (plan.py) inside the guarded
install sequence (sequence.py); install-locked, install-reqs and export call them directly."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from hassette_tasks import bytecode, offline, pins, uv, uv_failures, workdir
from hassette_tasks.console import Console
from hassette_tasks.discovery import Discovery
from hassette_tasks.environment import AppEnvironment, require_writable
from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.project import (
    EXPORT_ARGS,
    LOCK,
    PYLOCK,
    PYPROJECT,
    ProjectKind,
    build,
    check_path_dependencies,
    kind,
    project_name,
)
from hassette_tasks.project.copy import pin_build_key, private_copy, requirement_line
from hassette_tasks.records import Snapshot, check_installed
from hassette_tasks.settings import Settings, Timeout
from hassette_tasks.util import TEMP_PREFIX, elapsed

if TYPE_CHECKING:
    from hassette_tasks.wanted import Roots


def private_workdir() -> contextlib.AbstractContextManager[Path]:
    """A private (0700) folder at a stable path, removed on every way out, SIGTERM included."""
    return workdir.private_workdir(TEMP_PREFIX)


def export_locked(
    project_dir: Path,
    console: Console,
    timeout: Timeout,
    python: Path | None,
    cwd: Path | None = None,
) -> str:
    """The locked dependencies as a flat requirements list (uv export)."""
    from hassette_tasks.project.staleness import check_lock_is_current

    args: list[str | os.PathLike[str]] = [*EXPORT_ARGS, "--quiet"]
    if python:
        args += ["--python", python]
    return uv_failures.run_step(
        args,
        console,
        f"uv export of {project_dir}",
        timeout,
        cwd=cwd or project_dir,
        export=True,
        # a stale lock said as such, before anything installs: checked while uv exports
        alongside=lambda: check_lock_is_current(project_dir),
    )


def locked_requirements(
    settings: Settings, console: Console, app: AppEnvironment, copy: Path
) -> str:
    """The lock's packages as a requirements list with hashes: uv.lock through `uv export`,
    pylock.toml converted here (see pylock.py); read from the private COPY."""
    project_dir = settings.project_dir
    if kind(project_dir) is ProjectKind.PYLOCK:
        # imported here: they load packaging (~45 ms), which a uv.lock project's export
        # does not need
        from hassette_tasks.closure import marker_environment
        from hassette_tasks.project import pylock

        console.line(f"project install: reading the standard lock {project_dir / PYLOCK}")
        return pylock.convert(project_dir, copy, marker_environment(app)).text
    timeout = settings.install_timeout
    exported = export_locked(project_dir, console, timeout, app.python, cwd=copy)
    # packages from the project's own indexes: from the lock's files only (project/indexes.py)
    from hassette_tasks.project import indexes  # only where a lock is exported

    return indexes.pin_locked(copy, exported, app.python_version, console.line)


def install_locked(settings: Settings, console: Console, app: AppEnvironment) -> Roots:
    """Install the locked project; returns what it asked for (for the exact environment)."""
    project_dir = settings.project_dir
    started = time.monotonic()
    found = kind(project_dir)
    lock = project_dir / (PYLOCK if found is ProjectKind.PYLOCK else LOCK)
    console.line(f"project install: starting ({lock})")
    if found is ProjectKind.LOCKED and (project_dir / PYLOCK).is_file():
        console.line(f"project install: {LOCK} wins over {PYLOCK} (both are in {project_dir})")
    constraints = settings.require_constraints()
    require_writable(app)
    if found is ProjectKind.LOCKED:
        check_path_dependencies(project_dir)
    timeout = settings.install_timeout
    with private_workdir() as work:
        copy = private_copy(project_dir, work, console.warn)
        if found is ProjectKind.LOCKED:
            console.line("project install: exporting the locked dependencies")
        exported = locked_requirements(settings, console, app, copy)
        requirements = work / "locked-requirements.txt"
        requirements.write_text(exported)
        count = sum(
            1
            for line in exported.splitlines()
            if line.strip() and not line.lstrip().startswith(("#", "-"))
        )
        console.line(f"project install: installing {count} locked package(s) with constraints")
        roots = _install_dependencies(
            app, console, copy, requirements, exported, constraints, timeout
        )
        built = True
        if (copy / PYPROJECT).is_file():
            itself = _install_project_itself(settings, console, app, copy, work, constraints)
            built = itself is not None
            if itself is not None:
                roots.add(itself)
        else:
            console.line(f"project install: no {PYPROJECT} next to {PYLOCK}: packages only")
    only = "" if built else "dependencies only, "
    console.line(f"project install: complete ({only}{elapsed(started)})")
    return roots


def _install_dependencies(
    app: AppEnvironment,
    console: Console,
    copy: Path,
    requirements: Path,
    exported: str,
    constraints: Path,
    timeout: Timeout,
) -> Roots:
    """uv pip install REQUIREMENTS (the EXPORTED lock) in the project's COPY; returns what
    the lock asks for, read while uv installs."""
    from hassette_tasks.wanted import roots_from_text

    asked: list[Roots] = []
    try:
        offline.cache_first(  # the lock pins everything: the cache first, the index if need be
            uv_failures.run_step,
            ["pip", "install", "--python", app.python, "-r", requirements, "-c", constraints],
            console,
            "installing the locked dependencies",
            timeout,
            cwd=copy,
            env=bytecode.deferred(uv.environment(), app),
            alongside=lambda: asked.append(roots_from_text(exported, copy)),
        )
    except StartupError as error:  # an index refused us: name the project's, and its variables
        if error.failure is not Failure.INDEX_AUTH:
            raise
        from hassette_tasks import index_auth  # only once an index refused
        from hassette_tasks.project import indexes

        if isinstance(error, index_auth.Refused):
            raise error.naming(indexes.project_indexes(copy)) from None
        raise
    return asked[0] if asked else roots_from_text(exported, copy)


def install_requirements(
    settings: Settings, console: Console, app: AppEnvironment, discovery: Discovery
) -> None:
    started = time.monotonic()
    report_unreadable(discovery)
    if not discovery.files:  # and then a missing constraints file stops nothing
        console.line("requirements install: complete (0 file(s))")
        return
    constraints = settings.require_constraints()
    require_writable(app)
    console.line(f"requirements install: starting ({len(discovery.files)} file(s))")
    for warning in pins.overridden(discovery.files):  # the order stays: say what it changes
        console.warn(warning)
    for path in discovery.files:
        console.line(f"Installing requirements from {path} (with constraints)...")
        offline.index_first(  # the index's newest versions; the cache when it is unreachable
            uv_failures.run_step,
            ["pip", "install", "--python", app.python, "-r", path.name, "-c", constraints],
            console,
            f"installing {path}",
            settings.requirements_timeout,
            cwd=path.parent,
            env=bytecode.deferred(uv.environment(), app),
        )
    console.line(
        f"requirements install: complete ({len(discovery.files)} file(s), {elapsed(started)})"
    )


def report_unreadable(discovery: Discovery) -> None:
    if discovery.unreadable:
        names = ", ".join(str(path) for path in discovery.unreadable)
        raise StartupError(
            Failure.INSTALL,
            f"cannot read {names}.",
            f"Make the file readable by the container's user (uid {os.getuid()}), "
            "e.g. chmod a+r FILE.",
        )


def describe_discovery(console: Console, discovery: Discovery, roots: list[Path]) -> None:
    shown = ", ".join(str(root) for root in roots)
    for root in discovery.missing_roots:
        if root in discovery.not_folders:
            console.warn(f"{root} is not a folder: not searched for requirements.txt")
        else:
            console.line(f"requirements install: {root} does not exist, not searched")
    for link, target, why in discovery.skipped_links:
        console.warn(f"skipped {link}: it is a symlink to {target}, {why}")
    for folder in discovery.unreadable_folders:
        console.warn(f"cannot read the folder {folder}: not searched for requirements.txt")
    for path in discovery.empty:
        console.line(f"requirements install: skipping {path} (empty)")
    if not discovery.files:
        console.line(f"requirements install: no requirements.txt found under {shown}")


def _install_project_itself(
    settings: Settings,
    console: Console,
    app: AppEnvironment,
    copy: Path,
    work: Path,
    constraints: Path,
) -> Roots | None:
    """The project from its private COPY, without its dependencies (installed before); None
    when it is not installed: virtual (`[tool.uv] package = false`), or a project without
    `[build-system]` its build backend refuses (a warning, not a stop: see project/build.py)."""
    from hassette_tasks.wanted import Roots

    name = project_name(copy)
    mode = build.packaging(copy)  # uv's rule: [tool.uv] package, [build-system]
    if mode is build.Packaging.VIRTUAL:
        build.say_virtual(console, name)
        return None
    console.line(
        f"project install: installing the project {name or settings.project_dir} (no deps)"
    )
    args: list[str | os.PathLike[str]] = ["pip", "install", "--python", app.python]
    args += ["--no-deps", "-c", constraints]
    build_key = pin_build_key(copy) if name else {}
    # with a build key uv reuses its build of the same files, reinstalls only on a change
    if name and build_key:
        wanted = work / "project-requirement.txt"
        wanted.write_text(requirement_line(copy, name))
        args += ["-r", wanted]
    else:  # named on the command line: built and reinstalled every time
        args += [copy]
    try:
        offline.cache_first(
            uv_failures.run_step,
            args,
            console,
            "installing the project",
            settings.install_timeout,
            cwd=copy,
            env=bytecode.deferred(uv.environment(build_key), app),
        )
    except StartupError as error:  # without [build-system]: a warning, not a stop
        if not build.soft_failure(error, mode, console, name):
            raise
        return None
    return Roots.named(name) if name else Roots()


def check_environment(
    app: AppEnvironment, console: Console, before: Snapshot | None = None
) -> None:
    """`uv pip check` (metadata only); while it runs, the files of each package installed
    since BEFORE (an integrity.snapshot) against its RECORD, and their bytecode (bytecode.py)."""
    started = time.monotonic()
    compiled: list[int] = []

    def check_files() -> None:
        if before is not None:
            compiled.append(bytecode.compile_changed(app, check_installed(app, before)))

    try:
        uv.run(["pip", "check", "--python", app.python], console, echo=False, alongside=check_files)
    except uv.UvFailed as error:
        raise StartupError(
            Failure.BROKEN_ENV,
            "after the install, some installed packages need versions that are not installed.",
            "A requirement replaced a package another one depends on. Read uv's words below, "
            "then pin a version that fits both (or remove the package) and restart.",
            error.tail,
        ) from None
    count = sum(compiled)
    note = f", bytecode of {count} file(s)" if count else ""
    console.line(f"environment check: ok ({elapsed(started)}{note})")
