"""The plan of a start, as data: `make_plan` decides once what the start will do, as a list
of steps; boot runs them in order and `boot --dry-run` prints what the same steps say
about themselves, so the dry run can never disagree with the real start.

To add a step: a class with `describe()` (the dry run's lines, without the `plan: `
prefix) and `run(ctx)` (steps.py), placed in the list `make_plan` returns. An install source (a lock
format, say) is one more step inside `GuardedInstalls`, plus the module that reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

from hassette_tasks import environment, handoff, integrity, offline, state, uv
from hassette_tasks.discovery import Discovery, find_requirements
from hassette_tasks.project import ProjectKind, kind
from hassette_tasks.sequence import installing
from hassette_tasks.settings import Settings
from hassette_tasks.steps import (
    Context,
    HandOff,
    ProjectInstall,
    Prune,
    RequirementsInstall,
    Step,
)


@dataclass
class Inputs:
    """What the start found and decided before doing anything: the decision every step
    reads (the warm-restart record compared with this start's inputs)."""

    app: environment.AppEnvironment
    project: ProjectKind
    discovery: Discovery | None  # None: requirements installs are disabled
    fingerprints: dict[str, str] = field(default_factory=dict)
    up_to_date: dict[str, bool] = field(default_factory=dict)
    record_reason: str = ""
    # make the venv exact after the installs: inputs changed or went away, or no record
    exact: bool = False

    @property
    def installs(self) -> list[str]:
        return [step for step in self.fingerprints if not self.up_to_date.get(step)]


def inspect(settings: Settings) -> Inputs:
    """The inputs of this start, compared with the warm-restart record."""
    app = environment.inspect(settings.venv)
    discovery = find_requirements(settings.requirements_roots) if settings.install_deps else None
    inputs = Inputs(app, kind(settings.project_dir), discovery)
    if inputs.project.locked or (discovery and discovery.files):
        common = state.common_inputs(settings.constraints, app.python_version)
        if inputs.project.locked:
            inputs.fingerprints["project"] = state.project_fingerprint(
                common, settings.project_dir, discovery.files if discovery else ()
            )
        if discovery and discovery.files:
            inputs.fingerprints["requirements"] = state.requirements_fingerprint(
                common, settings.requirements_roots, discovery.files
            )
    if settings.force_install:
        inputs.record_reason = "HASSETTE__FORCE_INSTALL=1 ignores the warm-restart record"
        inputs.exact = True
        return inputs
    _compare_with_record(settings, inputs)
    return inputs


def _compare_with_record(settings: Settings, inputs: Inputs) -> None:
    record = state.load(settings.venv)
    if integrity.interrupted(settings.venv):
        record = {}  # killed mid-install (or between record and marker): trust nothing
        inputs.record_reason = (
            "the previous start was interrupted during an install: the venv is checked "
            "and repaired, then every install step runs again"
        )
    elif not record and inputs.fingerprints:
        inputs.record_reason = "no record of an earlier successful install in this container"
    # all or nothing: a change in any input means the full path, so the venv always ends
    # as a fresh start would leave it (project first, then requirements on top); a step
    # whose input is gone counts as changed: what it installed has to go
    fingerprints = inputs.fingerprints
    changed = [
        step for step in {**record, **fingerprints} if record.get(step) != fingerprints.get(step)
    ]
    inputs.up_to_date = dict.fromkeys(fingerprints, not changed)
    inputs.exact = bool(changed) or not state.record_path(settings.venv).is_file()
    if record and changed:
        inputs.record_reason = (
            f"inputs changed since the last successful install ({', '.join(changed)}): "
            "every install step runs again"
        )


class GuardedInstalls:
    """The installs, inside the guarded install sequence (sequence.installing): the record,
    the project, requirements files, the exact environment and the environment check."""

    def __init__(self, settings: Settings, inputs: Inputs, steps: list[Step], hands_off: bool):
        self.settings = settings
        self.inputs = inputs
        self.steps = steps
        self.hands_off = hands_off  # False for a bake: no last good environment to start on

    def describe(self) -> list[str]:
        inputs = self.inputs
        lines = []
        if inputs.record_reason:
            lines.append(f"warm-restart record: {inputs.record_reason}")
        elif inputs.fingerprints:
            lines.append("warm-restart record: matches, installs are skipped")
        for step in self.steps:
            lines += step.describe()
        lines += [f"exact environment: {line}" for line in self._exact_lines()]
        check = "would run uv pip check" if inputs.installs else "skipped (nothing to install)"
        lines.append(f"environment check: {check}")
        venv = self.settings.venv
        last = state.record_path(venv).is_file() and not integrity.interrupted(venv)
        cache, empty = offline.cache_possible(), offline.empty_at_start()
        network = offline.plan_lines(inputs.installs, cache, last, empty)
        return lines + [f"network: {line}" for line in network]

    def _exact_lines(self) -> list[str]:
        inputs = self.inputs
        if not inputs.exact:
            return ["up to date (the last install left the venv exact)"]
        from hassette_tasks import exact

        files = inputs.discovery.files if inputs.discovery else None
        return exact.dry_run(self.settings.project_dir, inputs.app, inputs.project, files)

    def run(self, ctx: Context) -> None:
        inputs = self.inputs
        if inputs.installs:
            environment.require_writable(ctx.app)
        ctx.cache_usable = uv.use_cache_or_fall_back(ctx.console)
        offline.empty_at_start()  # looked at once, before uv writes its first entries
        record = inputs.fingerprints if inputs.exact else None
        # exact: always when anything installs; never on a warm restart
        mark = inputs.exact
        start = partial(handoff.hand_off, ctx.settings, ctx.console, ctx.args)
        with installing(
            ctx.settings,
            ctx.console,
            ctx.app,
            mark=mark,
            exact=mark,
            record=record,
            start_on_last_good=start if self.hands_off else None,
        ) as ctx.installs:
            for step in self.steps:
                step.run(ctx)


def make_plan(
    settings: Settings,
    args: Sequence[str] = (),
    inputs: Inputs | None = None,
    hand_off: bool = True,
) -> list[Step]:
    """The steps this start takes, in order. ARGS: hassette's (after `--`); INPUTS: from
    `inspect`, when already known; HAND_OFF: False for a bake (installs, no hassette)."""
    inputs = inputs or inspect(settings)
    installs: list[Step] = [
        ProjectInstall(settings, inputs.project, inputs.up_to_date.get("project", False)),
        RequirementsInstall(
            settings, inputs.discovery, inputs.up_to_date.get("requirements", False)
        ),
    ]
    steps: list[Step] = [GuardedInstalls(settings, inputs, installs, hand_off), Prune(settings)]
    return [*steps, HandOff(settings, list(args))] if hand_off else steps
