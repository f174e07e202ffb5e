"""The old start-up script in the bench (`nox -s bench -- --old-script PATH`).

PATH is any bash script that installs from /apps with uv and ends in `exec hassette run`
(hassette's old docker_start.sh, supplied by whoever runs the bench: it is not part of
this repository). It runs as the command of a variant of the image under test, with the
same mounts, environment and network as each scenario, so the two are compared in the
same image. Two shims make its starts measurable the way boot's are:
- bench-entry.sh starts the clock (bash's $EPOCHREALTIME) and execs the script, as
  boot's `[ NNNms]` counts from its own process start;
- `hassette` (first on PATH and at /app/.venv/bin/hassette) prints
  `[ NNNms] handing off to hassette` when the script execs it, then runs the real hassette
  with `--version` added, so the whole start includes hassette's start as boot's does.
The image needs bash (for $EPOCHREALTIME), mv and chmod: the image under test has them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.container import dockerrun

BENCH_DIR = "/opt/bench"
VENV_BIN = "/app/.venv/bin"

ENTRY = f"""#!/bin/bash
# the bench's clock starts here, as boot's counts from its own process start
export BENCH_STARTED=$EPOCHREALTIME
printf '[%7dms] boot: starting (the old script)\\n' 0
exec bash {BENCH_DIR}/old-start.sh "$@"
"""

SHIM = f"""#!/bin/bash
now=$EPOCHREALTIME
printf '[%7dms] handing off to hassette (the old script): hassette %s\\n' \\
  $(( (${{now/./}} - ${{BENCH_STARTED/./}}) / 1000 )) "$*"
for arg in "$@"; do [ "$arg" = --version ] && exec {VENV_BIN}/hassette.real "$@"; done
exec {VENV_BIN}/hassette.real "$@" --version
"""


def dockerfile(image: str) -> str:
    return (
        f"FROM {image}\n"
        "USER root\n"
        f"COPY old-start.sh bench-entry.sh {BENCH_DIR}/\n"
        f"RUN mv {VENV_BIN}/hassette {VENV_BIN}/hassette.real\n"
        f"COPY hassette {VENV_BIN}/hassette\n"
        f"RUN chmod 0755 {BENCH_DIR}/old-start.sh {BENCH_DIR}/bench-entry.sh "
        f"{VENV_BIN}/hassette\n"
        "USER 1000\n"
        f'ENTRYPOINT ["tini", "--", "{BENCH_DIR}/bench-entry.sh"]\n'
        "CMD []\n"
    )


def build_old_image(image: str, script: Path, work: Path, tag: str) -> str:
    """A variant of IMAGE whose command is SCRIPT (with the two shims); returns its tag."""
    if not script.is_file():
        raise SystemExit(f"--old-script {script}: no such file")
    context = work / "old-script-image"
    context.mkdir(parents=True, exist_ok=True)
    shutil.copy2(script, context / "old-start.sh")
    (context / "bench-entry.sh").write_text(ENTRY)
    (context / "hassette").write_text(SHIM)
    (context / "Dockerfile").write_text(dockerfile(image))
    old = f"{tag}-old-script"
    build = dockerrun.docker("build", "-t", old, str(context), timeout=600, check=False)
    if build.exit_code != 0:
        raise SystemExit(f"could not build the old script's image:\n{build.describe()}")
    return old
