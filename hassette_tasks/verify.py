"""Verified installs: a file whose hash differs from the one recorded for it is refused.

uv checks every `--hash` it is given (the locked export carries the lock's hashes, a
converted pylock.toml carries its own, a requirements file may have its own lines) before
it installs anything, so a refused file leaves the venv as it was.
"""

from __future__ import annotations

import re

from hassette_tasks.errors import Failure, StartupError

_HASH_MISMATCH = re.compile(r"Hash mismatch for `([^`]+)`", re.I)

TODO = (
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
        TODO,
    )
