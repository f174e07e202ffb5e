"""Loaded (through PYTHONPATH) by every Python a host test starts while `nox -s mutate`
collects which tests reach which functions: mutmut records a mutated function's call only
in its own process, so here each call a task makes in a child process is appended to the
file MUTMUT_HITS_FILE names, for tests/support/mutmut_plugin.py to hand to mutmut."""

from __future__ import annotations

import os


def _record_hits(path: str) -> None:
    try:
        from mutmut.mutation import trampoline
    except ImportError:  # a Python without mutmut (the stand-in hassette's venv)
        return
    seen: set[str] = set()
    # opened now: a forked test child may drop to another uid before it reaches anything
    hits = open(path, "a", encoding="utf-8")  # noqa: SIM115 - open for the process's life

    def record(name: str, caller: str | None = None) -> None:
        if name not in seen:  # written at once: boot ends in exec, which runs no atexit
            seen.add(name)
            hits.write(name + "\n")
            hits.flush()

    trampoline.record_trampoline_hit = record  # type: ignore[assignment]


if os.environ.get("MUTANT_UNDER_TEST") == "stats" and os.environ.get("MUTMUT_HITS_FILE"):
    _record_hits(os.environ["MUTMUT_HITS_FILE"])
