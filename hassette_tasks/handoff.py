"""The end of a start: uv's cache pruned alongside hassette, and the hand-off to it."""

from __future__ import annotations

import os
import sys
import time
from typing import NoReturn

from hassette_tasks import health, uv
from hassette_tasks.console import Console, hassette_run_line
from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.settings import Settings, hassette_environment
from hassette_tasks.util import elapsed, venv_program


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


def prune_alongside(console: Console) -> None:
    """Start `uv cache prune` in a detached process, so hassette starts without waiting.

    Pruning touches only uv's local cache, never the app venv, so it can overlap
    hassette's own start; a failure is still only a warning in the log. The prune runs
    in a fresh interpreter (see uv.start_detached).
    """
    console.line("uv cache prune: started alongside hassette")
    code = "from hassette_tasks import handoff; handoff.prune_detached()"
    env = dict(os.environ, **{CLOCK_ORIGIN: repr(console.started)})
    uv.start_detached([sys.executable, "-c", code], env)


def prune_detached() -> None:
    """The detached prune's body: log lines keep the booting process's clock."""
    started = float(os.environ.get(CLOCK_ORIGIN, "nan"))
    prune(Console(started=started if started == started else None))


def hand_off(settings: Settings, console: Console, args: list[str], note: str = "") -> NoReturn:
    """Replace this process with `hassette run ARGS` (same PID; its exit code is ours)."""
    program = venv_program(settings.venv, "hassette")
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
    health.close()  # hassette binds the same port
    os.execve(program, [str(program), "run", *args], env)
