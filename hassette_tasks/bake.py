"""`bake`: boot's install path at image build time (a Dockerfile `RUN hassette-tasks bake`).

Same settings and steps as a start (project, requirements, exact environment, checks, the
warm-restart record), but hassette is not started and nothing of uv's is left in the
layer: uv runs with a private cache in a temporary folder that is removed afterwards, and
boot's own work folders are private temporary folders too. A container of the baked image
then finds a matching record and starts warm: no uv call, no network, nothing written (so
`--read-only` with `--tmpfs /tmp` works).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from hassette_tasks.console import Console
from hassette_tasks.settings import Settings

CACHE_PREFIX = "hassette-tasks-bake-cache-"


@contextlib.contextmanager
def private_cache() -> Iterator[Path]:
    """UV_CACHE_DIR pointed at a fresh private folder for the duration; removed on every way
    out, so the image layer keeps none of uv's cache (whatever the image's UV_CACHE_DIR)."""
    folder = Path(tempfile.mkdtemp(prefix=CACHE_PREFIX))
    saved = {key: os.environ.get(key) for key in ("UV_CACHE_DIR", "UV_NO_CACHE", "UV_OFFLINE")}
    os.environ["UV_CACHE_DIR"] = str(folder)
    os.environ.pop("UV_NO_CACHE", None)
    os.environ.pop("UV_OFFLINE", None)
    try:
        yield folder
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(folder, ignore_errors=True)


def run(settings: Settings, console: Console) -> None:
    """Install as boot would, write the record, and return instead of starting hassette."""
    from hassette_tasks import boot

    console.line("bake: installing as a start would, at image build time (hassette is not started)")
    settings = dataclasses.replace(settings, prune_cache=False)

    with private_cache():
        boot.run(settings, console, [], hand_off=False)
    console.line("bake: complete: a container of this image starts warm (no uv, no network)")
