"""Container crash helpers: the uv wrapper mounted into a container, and a stopped container's
venv judged from outside (every package against its RECORD, `uv pip freeze`, its files).
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from tests.container.dockerrun import Mount, docker
from tests.support import crash

SUPPORT = Path(__file__).resolve().parents[1] / "support"
IMAGE_UV = "/usr/local/bin/uv"
IMAGE_PYTHON = "/app/.venv/bin/python"
IMAGE_PATH = "/app/.venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def wrapper_mounts(folder: Path, log_folder: Path) -> tuple[list[Mount], dict[str, str]]:
    """The crash wrapper as /crash/uv (first on PATH) and a writable /crashlog; the env."""
    crash.write_crash_wrapper(folder, IMAGE_UV, python=IMAGE_PYTHON)
    mounts = [Mount(folder, "/crash", read_only=True), Mount(log_folder, "/crashlog")]
    env = {"PATH": f"/crash:{IMAGE_PATH}", "CRASH_LOG": "/crashlog/fired"}
    return mounts, env


def venv_state(name: str) -> dict:
    """records.state of the venv of container NAME (stopped), read in a copy of it."""
    image = f"hassette-tasks-crash-state-{secrets.token_hex(4)}"
    docker("commit", name, image, timeout=120)
    try:
        run = docker(
            "run",
            "--rm",
            "--network",
            "none",
            "-v",
            f"{SUPPORT / 'records.py'}:/support/records.py:ro",
            "--entrypoint",
            IMAGE_PYTHON,
            image,
            "/support/records.py",
            "/app/.venv",
            IMAGE_UV,
            timeout=120,
        )
        return json.loads(run.output.strip().splitlines()[-1])
    finally:
        docker("rmi", "-f", image, check=False)


def tmp_leftovers(containers, name: str) -> list[str]:
    """`hassette-tasks-*` folders in the container's /tmp."""
    return sorted(
        {path.split("/")[1] for path in containers.files(name, "/tmp") if "hassette-tasks-" in path}
    )
