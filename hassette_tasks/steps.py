"""The start-up steps as plain functions; tasks.py maps flags onto them."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from hassette_tasks import integrity, offline, uv, verify, workdir
from hassette_tasks.console import Console, hassette_run_line
from hassette_tasks.discovery import Discovery, find_requirements
from hassette_tasks.environment import AppEnvironment
from hassette_tasks.errors import Failure, StartupError

if TYPE_CHECKING:
    from hassette_tasks import exact
from hassette_tasks.project import (
    EXPORT_ARGS,
    LOCK,
    PYLOCK,
    PYPROJECT,
    ProjectKind,
    check_path_dependencies,
    kind,
    pin_build_key,
    private_copy,
    project_name,
    requirement_line,
)
from hassette_tasks.settings import Settings, Timeout, hassette_environment

TEMP_PREFIX = "hassette-tasks-"

# what to do, per failure kind, when uv's output is the only clue
TODO = {
    Failure.EXPORT: "uv could not read the project's pyproject.toml or uv.lock (its words "
    "below name the file and line). Fix that file, run `uv lock` where the project lives, "
    "commit pyproject.toml and uv.lock together, and restart.",
    Failure.CONFLICT: "A package you asked for cannot be installed together with hassette's "
    "own dependencies (the image's constraints), or does not exist. Read uv's words below: "
    "relax or change that requirement, or use a hassette image whose versions fit.",
    Failure.UNREACHABLE: "The package index could not be reached or answered with an error. "
    "Check the network, UV_INDEX_URL / UV_EXTRA_INDEX_URL, and behind a TLS-inspecting proxy "
    "mount its CA bundle and set SSL_CERT_FILE to it.",
    Failure.INSTALL: "uv could not install the packages; its words are below.",
    Failure.DISK_FULL: "The disk or the temporary folder is full. Free space (docker system "
    "prune, a larger volume) and restart.",
}


# sharper advice for an INSTALL failure whose cause uv's words make plain (first match wins)
INSTALL_HINTS = (
    (
        re.compile(
            r"Read-only file system.*(egg-info|editable)|(egg-info|editable).*Read-only"
            r" file system",
            re.I | re.S,
        ),
        "uv had to write into a read-only folder: an editable (-e) install of a setuptools "
        "project writes NAME.egg-info into its source. Drop the -e (a plain path installs a "
        "copy), or mount that folder writable.",
    ),
    (
        re.compile(r"Read-only file system", re.I),
        "uv had to write into a read-only file system (its words below name the path). "
        "Mount that folder writable, or drop --read-only / read_only: true from the "
        "container (a --tmpfs /tmp is fine).",
    ),
    (
        re.compile(r"Permission denied", re.I),
        f"uv was refused writing a file (its words below name it): the container runs as "
        f"uid {os.getuid()}, which may not own it. Run it as the image's user (uid 1000).",
    ),
    (
        re.compile(r"No such file or directory|Distribution not found at|File not found", re.I),
        "A path named in the requirements does not exist inside the container. Relative "
        "paths count from the requirements file's folder, and only mounted folders are "
        "visible: mount what it points to, or install it from an index.",
    ),
)

DERIVED_IMAGE = (
    "or install the packages when you build an image of your own (FROM this image, COPY "
    "your project or requirements, RUN hassette-tasks boot --dry-run to see the plan, then "
    "RUN hassette-tasks install-locked / install-reqs) and start that one."
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


def install_todo(output: str) -> str:
    return next(
        (todo for pattern, todo in INSTALL_HINTS if pattern.search(output)), TODO[Failure.INSTALL]
    )


def elapsed(started: float) -> str:
    return f"{time.monotonic() - started:.2f}s"


def private_workdir() -> contextlib.AbstractContextManager[Path]:
    """A private (0700) folder at a stable path, removed on every way out, SIGTERM included."""
    return workdir.private_workdir(TEMP_PREFIX)


def failure_from_uv(
    error: uv.UvFailed, step: str, timeout: Timeout | None, export: bool = False
) -> StartupError:
    refused = verify.hash_mismatch(error.output, step)
    if refused:
        refused.output = error.tail
        return refused
    kind = error.classify()
    if export and kind not in (Failure.TIMEOUT, Failure.DISK_FULL):
        kind = Failure.EXPORT
    if kind is Failure.TIMEOUT:
        assert timeout is not None
        return StartupError(
            Failure.TIMEOUT,
            f"{step} timed out after {timeout.text}s and was stopped.",
            f"A slow or silent package index is the usual cause. Check the network, or give "
            f"it more time with {timeout.variable} (seconds).",
            error.tail,
        )
    todo = install_todo(error.output) if kind is Failure.INSTALL else TODO[kind]
    return StartupError(kind, f"{step} failed (uv exit code {error.exit_code}).", todo, error.tail)


def run_uv_step(
    args: Sequence[str | os.PathLike[str]],
    console: Console,
    step: str,
    timeout: Timeout | None,
    cwd: Path | None = None,
    export: bool = False,
    env: dict[str, str] | None = None,
) -> str:
    try:
        return uv.run(args, console, timeout=timeout, cwd=cwd, env=env, capture=export)
    except uv.UvFailed as error:
        raise failure_from_uv(error, step, timeout, export) from None


def export_locked(
    project_dir: Path,
    console: Console,
    timeout: Timeout,
    python: Path | None,
    cwd: Path | None = None,
) -> str:
    """The locked dependencies as a flat requirements list (uv export)."""
    args: list[str | os.PathLike[str]] = [*EXPORT_ARGS, "--quiet"]
    if python:
        args += ["--python", python]
    return run_uv_step(
        args,
        console,
        f"uv export of {project_dir}",
        timeout,
        cwd=cwd or project_dir,
        export=True,
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
        from hassette_tasks import exact, pylock

        console.line(f"project install: reading the standard lock {project_dir / PYLOCK}")
        return pylock.convert(project_dir, copy, exact.marker_environment(app)).text
    timeout = settings.install_timeout
    return export_locked(project_dir, console, timeout, app.python, cwd=copy)


def install_locked(settings: Settings, console: Console, app: AppEnvironment) -> exact.Roots:
    """Install the locked project; returns what it asked for (for the exact environment)."""
    from hassette_tasks import exact

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
        copy = private_copy(project_dir, work)
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
        offline.cache_first(  # the lock pins everything: the cache first, the index if need be
            run_uv_step,
            ["pip", "install", "--python", app.python, "-r", requirements, "-c", constraints],
            console,
            "installing the locked dependencies",
            timeout,
            cwd=copy,
        )
        roots = exact.roots_from_text(exported, copy)
        name = project_name(copy)
        if (copy / PYPROJECT).is_file():
            console.line(f"project install: installing the project {name or project_dir} (no deps)")
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
            if name:
                roots.add(exact.Roots.named(name))
            offline.cache_first(
                run_uv_step,
                args,
                console,
                "installing the project",
                timeout,
                cwd=copy,
                env=uv.environment(build_key),
            )
        else:
            console.line(f"project install: no {PYPROJECT} next to {PYLOCK}: packages only")
    console.line(f"project install: complete ({elapsed(started)})")
    return roots


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
    for path in discovery.files:
        console.line(f"Installing requirements from {path} (with constraints)...")
        offline.index_first(  # the index's newest versions; the cache when it is unreachable
            run_uv_step,
            ["pip", "install", "--python", app.python, "-r", path.name, "-c", constraints],
            console,
            f"installing {path}",
            settings.requirements_timeout,
            cwd=path.parent,
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
        console.line(f"requirements install: {root} does not exist, not searched")
    for folder in discovery.unreadable_folders:
        console.warn(f"cannot read the folder {folder}: not searched for requirements.txt")
    for path in discovery.empty:
        console.line(f"requirements install: skipping {path} (empty)")
    if not discovery.files:
        console.line(f"requirements install: no requirements.txt found under {shown}")


def check_environment(
    app: AppEnvironment, console: Console, before: integrity.Snapshot | None = None
) -> None:
    """`uv pip check` (metadata only), then the files of each package installed since
    BEFORE (an integrity.snapshot) against its RECORD."""
    started = time.monotonic()
    try:
        uv.run(["pip", "check", "--python", app.python], console, echo=False)
    except uv.UvFailed as error:
        raise StartupError(
            Failure.BROKEN_ENV,
            "after the install, some installed packages need versions that are not installed.",
            "A requirement replaced a package another one depends on. Read uv's words below, "
            "then pin a version that fits both (or remove the package) and restart.",
            error.tail,
        ) from None
    if before is not None:
        integrity.check_installed(app, before)
    console.line(f"environment check: ok ({elapsed(started)})")


def prune(console: Console) -> None:
    started = time.monotonic()
    try:
        uv.run(["cache", "prune"], console, echo=False)
    except (uv.UvFailed, uv.UvNotFound) as error:
        detail = getattr(error, "tail", str(error)).strip().splitlines()
        console.warn(f"uv cache prune failed, continuing: {detail[-1] if detail else error}")
        return
    console.line(f"uv cache prune: complete ({elapsed(started)})")


CLOCK_ORIGIN = "HASSETTE_TASKS_CLOCK_ORIGIN"
# `sh -c 'CMD &'` returns at once: the backgrounded prune is re-parented to init (tini in
# the image), which reaps it, so hassette never inherits a child it did not start
_DETACH = 'exec "$0" -c "$1" </dev/null &'


def prune_alongside(console: Console) -> None:
    """Start `uv cache prune` in a detached process, so hassette starts without waiting.

    Pruning touches only uv's local cache, never the app venv, so it can overlap
    hassette's own start; a failure is still only a warning in the log. The prune runs
    in a fresh interpreter (subprocess forks in C): forking this process, which has sh's
    threads, and running Python in the child could deadlock. Its own session keeps a
    Ctrl-C or a signal meant for hassette from cutting it.
    """
    import subprocess  # invoke has already imported it

    console.line("uv cache prune: started alongside hassette")
    code = "from hassette_tasks import steps; steps.prune_detached()"
    env = dict(os.environ, **{CLOCK_ORIGIN: repr(console.started)})
    subprocess.run(
        ["/bin/sh", "-c", _DETACH, sys.executable, code],
        env=env,
        start_new_session=True,
        check=False,
    )


def prune_detached() -> None:
    """The detached prune's body: log lines keep the booting process's clock."""
    started = float(os.environ.get(CLOCK_ORIGIN, "nan"))
    prune(Console(started=started if started == started else None))


def hand_off(settings: Settings, console: Console, args: list[str], note: str = "") -> NoReturn:
    """Replace this process with `hassette run ARGS` (same PID; its exit code is ours)."""
    program = settings.venv / "bin" / "hassette"
    if not os.access(program, os.X_OK):
        raise StartupError(
            Failure.IMAGE,
            f"{program} is missing or not executable.",
            "The image may be corrupt: rebuild or pull it again.",
        )
    env, withheld = hassette_environment(os.environ, settings.apps_dir)
    if withheld:
        console.line(f"hand-off: start-up settings not passed to hassette: {', '.join(withheld)}")
    console.line(f"handing off to hassette{note}: {hassette_run_line(str(program), args)}")
    os.execve(program, [str(program), "run", *args], env)


def find(settings: Settings) -> Discovery:
    return find_requirements(settings.requirements_roots)
