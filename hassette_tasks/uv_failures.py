"""uv's failures in a user's words: the failure kind, the banner's what and what-to-do.

Beside the runner (uv.py): every module that runs an install step calls `run_step` here,
so no lower module reaches up to the start-up's steps to turn uv's words into a banner.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from hassette_tasks import uv
from hassette_tasks.console import Console
from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.settings import Timeout

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

_HASH_MISMATCH = re.compile(r"Hash mismatch for `([^`]+)`", re.I)

HASH_TODO = (
    "The file changed since its hash was recorded: a re-uploaded or tampered file, or a "
    "mirror serving a different build. Check where packages come from (UV_INDEX_URL, "
    "UV_EXTRA_INDEX_URL, UV_FIND_LINKS). Only if you trust the new file: record its hash "
    "again (`uv lock --refresh-package NAME` for uv.lock, regenerate pylock.toml, or update "
    "the --hash line) and restart."
)


def hash_mismatch(output: str, step: str) -> StartupError | None:
    """The HASH MISMATCH failure when uv's OUTPUT says a file's hash differed, else None."""
    found = _HASH_MISMATCH.search(output)
    if not found:
        return None
    return StartupError(
        Failure.HASH_MISMATCH,
        f"{step}: the file served for {found.group(1)} does not have the hash recorded for "
        "it, so uv refused it. Nothing from this step was installed.",
        HASH_TODO,
    )


def install_todo(output: str) -> str:
    return next(
        (todo for pattern, todo in INSTALL_HINTS if pattern.search(output)), TODO[Failure.INSTALL]
    )


def failure_from_uv(
    error: uv.UvFailed, step: str, timeout: Timeout | None, export: bool = False
) -> StartupError:
    refused = hash_mismatch(error.output, step)
    if refused:
        refused.output = error.tail
        return refused
    from hassette_tasks import index_auth  # only on a failure

    unauthorized = index_auth.failure(error.output, step, error.tail)  # before a "not found"
    if unauthorized is not None:
        return unauthorized
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


def run_step(
    args: Sequence[str | os.PathLike[str]],
    console: Console,
    step: str,
    timeout: Timeout | None,
    cwd: Path | None = None,
    export: bool = False,
    env: dict[str, str] | None = None,
    alongside: Callable[[], None] | None = None,
) -> str:
    try:
        return uv.run(
            args, console, timeout=timeout, cwd=cwd, env=env, capture=export, alongside=alongside
        )
    except uv.UvFailed as error:
        raise failure_from_uv(error, step, timeout, export) from None
