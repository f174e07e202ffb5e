"""`boot`: the start-up flowchart (docs/contract.md), from environment check to hand-off."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from hassette_tasks import environment, integrity, last_good, offline, state, steps, uv
from hassette_tasks.console import Console, hassette_run_line
from hassette_tasks.discovery import Discovery
from hassette_tasks.errors import StartupError
from hassette_tasks.project import LOCK, PYLOCK, PYPROJECT, ProjectKind, kind
from hassette_tasks.settings import Settings


@dataclass
class Plan:
    """What boot will do and why; also what `--dry-run` prints."""

    app: environment.AppEnvironment
    project: ProjectKind
    discovery: Discovery | None
    fingerprints: dict[str, str] = field(default_factory=dict)
    up_to_date: dict[str, bool] = field(default_factory=dict)
    record_reason: str = ""
    # make the venv exact after the installs: inputs changed or went away, or no record
    exact: bool = False

    @property
    def installs(self) -> list[str]:
        return [step for step in self.fingerprints if not self.up_to_date.get(step)]


def make_plan(settings: Settings) -> Plan:
    app = environment.inspect(settings.venv)
    project = kind(settings.project_dir)
    discovery = steps.find(settings) if settings.install_deps else None
    plan = Plan(app, project, discovery)
    if project.locked or (discovery and discovery.files):
        common = state.common_inputs(settings.constraints, app.python_version)
        if project.locked:
            plan.fingerprints["project"] = state.project_fingerprint(common, settings.project_dir)
        if discovery and discovery.files:
            plan.fingerprints["requirements"] = state.requirements_fingerprint(
                common, settings.requirements_roots, discovery.files
            )
    if settings.force_install:
        plan.record_reason = "HASSETTE__FORCE_INSTALL=1 ignores the warm-restart record"
        plan.exact = True
        return plan
    record = state.load(settings.venv)
    if integrity.interrupted(settings.venv):
        record = {}  # killed mid-install (or between record and marker): trust nothing
        plan.record_reason = (
            "the previous start was interrupted during an install: the venv is checked "
            "and repaired, then every install step runs again"
        )
    elif not record and plan.fingerprints:
        plan.record_reason = "no record of an earlier successful install in this container"
    # all or nothing: a change in any input means the full path, so the venv always ends
    # as a fresh start would leave it (project first, then requirements on top); a step
    # whose input is gone counts as changed: what it installed has to go
    changed = [
        step
        for step in {**record, **plan.fingerprints}
        if record.get(step) != plan.fingerprints.get(step)
    ]
    plan.up_to_date = dict.fromkeys(plan.fingerprints, not changed)
    plan.exact = bool(changed) or not state.record_path(settings.venv).is_file()
    if record and changed:
        plan.record_reason = (
            f"inputs changed since the last successful install ({', '.join(changed)}): "
            "every install step runs again"
        )
    return plan


def announce_settings(settings: Settings, console: Console) -> None:
    for warning in settings.warnings:
        console.warn(warning)


def run(
    settings: Settings,
    console: Console,
    args: list[str],
    dry_run: bool = False,
    hand_off: Callable[..., None] = steps.hand_off,
) -> Plan:
    """Follow the flowchart; returns only for a dry run or when HAND_OFF returns (bake),
    otherwise exec or raise."""
    # the time on this line is what starting Python and importing invoke cost
    console.line("boot: starting")
    announce_settings(settings, console)
    plan = make_plan(settings)
    app = plan.app
    console.line(
        f"environment: hassette {app.hassette_version} in {app.venv} (Python {app.python_version})"
    )
    if plan.installs:
        settings.require_constraints()  # a bad setting stops us before anything installs
    if dry_run:
        print_plan(settings, console, plan, args)
        return plan
    if plan.installs:
        steps.require_writable(app)

    installed = False
    cache_usable = uv.use_cache_or_fall_back(console)
    locked = None  # what the lock asked for (for the exact environment)
    # repairs first if the previous start was killed mid-install; marks this install (the
    # exact step may uninstall even when nothing installs: it is marked too)
    guard = integrity.InstallGuard(app, console, installing=plan.exact)
    # a network failure while installing a change may start on the venv as it is (read
    # before the record is forgotten); not for a bake (its HAND_OFF does not start hassette)
    fallback = last_good.LastGood(
        settings.venv,
        guard,
        console,
        partial(steps.hand_off, settings, console, args) if hand_off is steps.hand_off else None,
    )
    if plan.exact:  # always when anything installs; never on a warm restart
        from hassette_tasks import exact  # imported only here: warm restarts never pay for it

        exact.ensure_baseline(app, console)  # the venv's own packages, before any install
        try:
            state.forget(settings.venv)  # an interrupted install must never look finished
        except OSError as error:
            console.warn(
                f"could not remove the warm-restart record ({error.strerror}): installing anyway"
            )
    # --- project
    if plan.project.locked:
        if plan.up_to_date.get("project"):
            console.line("project install: up to date (nothing changed since the last install)")
        else:
            locked = fallback.run("the project", steps.install_locked, settings, console, app)
            installed = True
    elif plan.project is ProjectKind.UNLOCKED:
        console.line(
            f"project install: skipped ({settings.project_dir / PYPROJECT} has no "
            f"uv.lock next to it: run `uv lock` there, keep uv.lock with the project, "
            f"and restart)"
        )
    else:
        console.line(
            f"project install: skipped (no project: no {PYPROJECT} in {settings.project_dir})"
        )
    # --- requirements
    discovery = plan.discovery
    if discovery is None:
        console.line("requirements install: disabled (set HASSETTE__INSTALL_DEPS=1 to enable)")
    else:
        steps.describe_discovery(console, discovery, settings.requirements_roots)
        if plan.up_to_date.get("requirements"):
            console.line(
                f"requirements install: up to date ({len(discovery.files)} file(s) "
                "unchanged since the last install)"
            )
        else:
            fallback.run(
                "the requirements", steps.install_requirements, settings, console, app, discovery
            )
            installed = installed or bool(discovery.files)
    # --- exact, repair's put-back, check and record
    if plan.exact:
        from hassette_tasks import exact

        files = discovery.files if discovery else []
        installed = exact.make_exact(settings, console, app, locked, files) or installed
    installed = guard.put_back(console, settings.require_constraints) or installed
    if installed:
        steps.check_environment(app, console, guard.before)
    if plan.exact:
        try:
            state.save(settings.venv, plan.fingerprints)
        except OSError as error:
            console.warn(
                f"could not write the warm-restart record ({error.strerror}): "
                "the next start installs again"
            )
    guard.finish(console)  # after the record: a kill in between repairs again
    # --- prune
    if settings.prune_cache and not cache_usable:
        console.line("uv cache prune: skipped (the cache is not writable)")
    elif settings.prune_cache:
        steps.prune_alongside(console)
    else:
        console.line("uv cache prune: disabled")
    hand_off(settings, console, args)
    return plan


def print_plan(settings: Settings, console: Console, plan: Plan, args: list[str]) -> None:
    say = console.line
    say("dry run: the plan below changes nothing and does not start hassette")
    if plan.record_reason:
        say(f"plan: warm-restart record: {plan.record_reason}")
    elif plan.fingerprints:
        say("plan: warm-restart record: matches, installs are skipped")
    project_dir = settings.project_dir
    lock = project_dir / (PYLOCK if plan.project is ProjectKind.PYLOCK else LOCK)
    if plan.project.locked:
        if plan.up_to_date.get("project"):
            say(f"plan: project install: up to date ({lock} and the project files are unchanged)")
        else:
            how = "uv export" if plan.project is ProjectKind.LOCKED else f"{PYLOCK} converted"
            say(
                f"plan: project install: would install the locked project in {project_dir}: "
                f"{how}, then uv pip install -r <export> -c {settings.constraints}, then "
                "the project itself with --no-deps from a private copy"
            )
    elif plan.project is ProjectKind.UNLOCKED:
        say(
            f"plan: project install: would skip ({project_dir / PYPROJECT} without uv.lock: "
            "run `uv lock`)"
        )
    else:
        say(f"plan: project install: would skip (no {PYPROJECT} in {project_dir})")
    discovery = plan.discovery
    if discovery is None:
        say("plan: requirements install: disabled (set HASSETTE__INSTALL_DEPS=1 to enable)")
    elif not discovery.files:
        roots = ", ".join(str(root) for root in settings.requirements_roots)
        say(f"plan: requirements install: nothing to install (no requirements.txt under {roots})")
    else:
        verb = "up to date" if plan.up_to_date.get("requirements") else "would install"
        say(
            f"plan: requirements install: {verb}: {len(discovery.files)} file(s) "
            f"with -c {settings.constraints}"
        )
        for path in discovery.files:
            say(f"plan:   {path}")
    for path in discovery.empty if discovery else []:
        say(f"plan:   skip {path} (empty)")
    from hassette_tasks import exact

    for line in exact.dry_run(settings, console, plan):
        say(f"plan: exact environment: {line}")
    say(
        "plan: environment check: "
        + ("would run uv pip check" if plan.installs else "skipped (nothing to install)")
    )
    last = state.record_path(settings.venv).is_file() and not integrity.interrupted(settings.venv)
    for line in offline.plan_lines(plan.installs, offline.cache_possible(), last):
        say(f"plan: network: {line}")
    prune = "would run alongside hassette" if settings.prune_cache else "disabled"
    say(f"plan: uv cache prune: {prune}")
    command = hassette_run_line(str(settings.venv / "bin" / "hassette"), args)
    say(f"plan: hand-off: would exec {command}")


__all__ = ["Plan", "StartupError", "make_plan", "run"]
