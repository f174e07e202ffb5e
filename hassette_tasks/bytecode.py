"""Bytecode for what a start installed, and only for that.

The image sets UV_COMPILE_BYTECODE=1 so that hassette's first imports do not compile.
uv honours it with a pass over the whole site-packages after every install: each call
checks every .py of the image's ~2,000 files again (40-70 ms a call here, two or three
calls a start), although only the user's few packages changed. So boot's installs run
uv with UV_COMPILE_BYTECODE=0 (`deferred`), and after the installs the environment check
compiles the .py files that the RECORDs of the distributions this start changed list
(`compile_changed`): the same pyc files, in the same places, with the same up-to-date
rule (compileall's: a current pyc is left as it is).

Only where the app venv runs the interpreter boot runs on (the image: one Python for
both) is the pass taken from uv; anywhere else uv compiles as it always did. When the
user turned compilation off (UV_COMPILE_BYTECODE unset, 0 or false), nothing is compiled,
as uv would not have. A package a failed start installed is compiled by Python at its
first import, as any uncompiled module is.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

from hassette_tasks.environment import AppEnvironment
from hassette_tasks.records import inside, read_record

VARIABLE = "UV_COMPILE_BYTECODE"
# uv's spellings of a true boolean in the environment
_TRUE = frozenset({"1", "true", "yes", "on", "y", "t"})


def wanted(env: dict[str, str] | None = None) -> bool:
    """Does the environment ask uv to compile bytecode after installs?"""
    value = (os.environ if env is None else env).get(VARIABLE, "")
    return value.strip().lower() in _TRUE


def taken_over(app: AppEnvironment, env: dict[str, str] | None = None) -> bool:
    """Does boot compile instead of uv: compilation wanted, and APP runs this Python?"""
    return wanted(env) and same_interpreter(app)


def deferred(env: dict[str, str], app: AppEnvironment) -> dict[str, str]:
    """ENV (uv's environment) with uv's own compile pass turned off when boot takes it over:
    the environment check compiles what changed instead (compile_changed)."""
    return {**env, VARIABLE: "0"} if taken_over(app, env) else env


def _sources(app: AppEnvironment, dist_infos: Iterable[Path]) -> list[str]:
    """The .py files the RECORDs of DIST_INFOS list, inside the venv."""
    found = []
    for dist_info in dist_infos:
        try:
            entries = read_record(dist_info)
        except (OSError, ValueError):
            continue  # the RECORD check says what is wrong with it
        for entry in entries:
            if entry.path.endswith(".py"):
                path = inside(app.venv, app.site_packages, entry.path)
                if path is not None:
                    found.append(str(path))
    return found


def same_interpreter(app: AppEnvironment) -> bool:
    """Does the app venv run this Python's version (the same bytecode format)?"""
    ours = f"{sys.version_info.major}.{sys.version_info.minor}"
    minor = ".".join(app.python_version.split(".")[:2])
    return sys.implementation.name == "cpython" and minor == ours


def compile_changed(app: AppEnvironment, dist_infos: Iterable[Path]) -> int:
    """Compile the .py files of DIST_INFOS where `deferred` took the pass from uv (a pyc
    that is current is left as it is; a file that does not compile is left to Python, as uv
    and pip leave test data and Python 2 leftovers); the number of files looked at."""
    if not taken_over(app):
        return 0
    import compileall  # only a start that installed pays for it

    sources = _sources(app, dist_infos)
    for source in sources:
        compileall.compile_file(source, quiet=2)
    return len(sources)
