"""`boot`: the start-up flowchart (docs/contract.md), from environment check to hand-off.

It runs the plan (plan.py) step by step, or prints what the same steps say about
themselves for `--dry-run`.
"""

from __future__ import annotations

from hassette_tasks import hassette_settings, health, startlock
from hassette_tasks.console import Console
from hassette_tasks.errors import StartupError
from hassette_tasks.plan import Inputs, inspect, make_plan
from hassette_tasks.settings import Settings
from hassette_tasks.steps import Context, Step


def announce_settings(settings: Settings, console: Console) -> None:
    for warning in settings.warnings:
        console.warn(warning)


def run(
    settings: Settings,
    console: Console,
    args: list[str],
    dry_run: bool = False,
    hand_off: bool = True,
) -> Inputs:
    """Follow the flowchart; returns only for a dry run or without HAND_OFF (a bake),
    otherwise exec or raise."""
    # the time on this line is what starting Python and importing invoke cost
    console.line("boot: starting")
    announce_settings(settings, console)
    if not dry_run:  # one start at a time per venv: a second one waits, then sees the work done
        startlock.hold(settings.venv, console)
    inputs = inspect(settings)
    app = inputs.app
    console.line(
        f"environment: hassette {app.hassette_version} in {app.venv} (Python {app.python_version})"
    )
    if inputs.installs:
        settings.require_constraints()  # a bad setting stops us before anything installs
    # names hassette would refuse after the hand-off: found now, where halt mode applies
    hassette_settings.check(settings, console, args=args)
    plan = make_plan(settings, args, inputs, hand_off=hand_off)
    if dry_run:
        print_plan(console, plan)
        return inputs
    # a start that installs answers health checks meanwhile (a bake has no one to answer)
    if hand_off and (inputs.installs or inputs.exact):
        health.from_settings(settings.config_dir, console, args=args)
    ctx = Context(settings, console, app, args)
    for step in plan:
        step.run(ctx)
    return inputs  # only without a hand-off: the last step execs hassette


def print_plan(console: Console, plan: list[Step]) -> None:
    console.line("dry run: the plan below changes nothing and does not start hassette")
    for step in plan:
        for line in step.describe():
            console.line(f"plan: {line}")


__all__ = ["StartupError", "make_plan", "run"]
