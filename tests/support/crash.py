"""Killing a start at a chosen point, the way SIGKILL (an OOM kill, `docker kill`) does.

`write_crash_wrapper` puts a `uv` first on PATH that passes every call to the real uv until
one matches CRASH_AT (a substring of its arguments); then, by CRASH_MODE:
  before   SIGKILL the start before uv runs;
  during   start the real uv, then SIGKILL the start and uv while it works;
  half     let uv install, then leave CRASH_PACKAGE the way a kill during uv's copy
           into the venv leaves it (see `half_copy`), and SIGKILL the start;
  nometa   the same, with the dist-info's METADATA gone too (RECORD kept);
  corrupt  the same as half, but uv's exit code is returned and nobody is killed (a copy
           that went wrong without a kill: the environment check must catch it).
For containers, where `docker kill` is the killer, the wrapper prints CRASH_POINT_LINE at
the chosen point and waits to be killed: `hold` (before uv runs), `running` (while uv works),
`pause` and `pause-nometa` (after a half copy, as `half` and `nometa`).
With CRASH_LOG set, the wrapper fires once: a call after the log exists passes through.
A real kill lands between two files of uv's copy at a moment no test can choose; the
`half`/`nometa` states are what such kills were seen to leave (files missing, no
INSTALLER, uv's final RECORD not yet written, a stray `.tmpXXXX` file). The randomized
`nox -s crash` session kills real uv at random moments instead.

Standard library only: the same file is the wrapper inside a container.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

CRASH_POINT_LINE = "crash wrapper: at the chosen point"
# packages with many files, so that a half copy is a real half
MANY_FILES = {"__init__.py": "", **{f"part{i:02}.py": f"VALUE = {i}\n" for i in range(24)}}
# what uv writes into a dist-info after copying the wheel's files
WRITTEN_LAST = ("INSTALLER", "REQUESTED", "direct_url.json", "uv_cache.json")


def _site_packages(args: list[str]) -> Path | None:
    if "--python" not in args:
        return None
    python = Path(args[args.index("--python") + 1])
    return next((python.parent.parent / "lib").glob("python3.*/site-packages"), None)


def half_copy(site: Path, package: str, drop_metadata: bool = False) -> Path:
    """Leave PACKAGE as a kill during uv's copy does: every other file of the package gone,
    the dist-info as the wheel has it (RECORD without uv's own lines, no INSTALLER), and a
    temporary file of uv's next to the package's files."""
    module = package.replace("-", "_")
    dist = next(site.glob(f"{module}-*.dist-info"))
    record = dist / "RECORD"
    rows = record.read_text().splitlines()
    own = [row.split(",")[0] for row in rows if not row.startswith(f"{dist.name}/")]
    for index, relative in enumerate(sorted(own)):
        if index % 2:
            (site / relative).unlink(missing_ok=True)
    last = tuple(f"{dist.name}/{name}," for name in WRITTEN_LAST)
    kept = [row for row in rows if not row.startswith(last)]
    record.write_text("\n".join(kept) + "\n")
    for name in WRITTEN_LAST:
        (dist / name).unlink(missing_ok=True)
    if drop_metadata:
        (dist / "METADATA").unlink()
    (site / module / ".tmpK1lL3d").write_bytes(b"half of a file uv was writing")
    return dist


def crash_dists():
    """The test distributions with many files (tests.support.packages.Dist; imported here
    because this file must also run alone, as the wrapper)."""
    from tests.support.packages import Dist

    return (Dist("bigpkg", "1.0", files=MANY_FILES), Dist("bigreq", "1.0", files=MANY_FILES))


def _kill_start() -> None:
    os.kill(os.getppid(), signal.SIGKILL)


def _fired(mode: str, args: list[str]) -> None:
    """Note in CRASH_LOG that the wrapper fired (later calls pass through)."""
    log = os.environ.get("CRASH_LOG")
    if log:
        with open(log, "a") as stream:
            stream.write(f"{mode}: {' '.join(args)}\n")


def _wait_to_be_killed() -> None:
    # boot echoes the stderr of most calls, but not of an offline attempt (its cache-first
    # try), so the point is also written to CRASH_LOG, which a test can read from outside
    print(CRASH_POINT_LINE, file=sys.stderr, flush=True)
    log = os.environ.get("CRASH_LOG")
    if log:
        with open(log, "a") as stream:
            stream.write(CRASH_POINT_LINE + "\n")
    while True:
        signal.pause()


def main(real_uv: str) -> int:
    args = sys.argv[1:]
    at = os.environ.get("CRASH_AT")
    log = os.environ.get("CRASH_LOG")
    if not at or at not in " ".join(args) or (log and os.path.exists(log)):
        os.execv(real_uv, [real_uv, *args])
    mode = os.environ.get("CRASH_MODE", "before")
    if mode in ("hold", "before", "during", "running"):
        _fired(mode, args)
    if mode == "hold":
        _wait_to_be_killed()
    if mode == "before":
        _kill_start()
        return 137
    if mode in ("during", "running"):
        uv = subprocess.Popen([real_uv, *args])
        if mode == "running":
            _wait_to_be_killed()
        _kill_start()
        uv.kill()
        uv.wait()
        return 137
    finished = subprocess.run([real_uv, *args], check=False)
    site = _site_packages(args)
    if finished.returncode != 0 or site is None:
        # not fired: a later call may (a cache-first attempt fails offline, then the same
        # install runs online)
        return finished.returncode or 1
    _fired(mode, args)
    half_copy(site, os.environ["CRASH_PACKAGE"], drop_metadata=mode.endswith("nometa"))
    if mode == "corrupt":
        return 0
    if mode.startswith("pause"):
        _wait_to_be_killed()
    _kill_start()
    return 137


def write_crash_wrapper(folder: Path, real_uv: str, python: str = sys.executable) -> Path:
    """FOLDER/uv: the wrapper above, run by PYTHON, passing calls on to REAL_UV."""
    folder.mkdir(parents=True, exist_ok=True)
    wrapper = folder / "uv"
    source = Path(__file__).read_text()
    wrapper.write_text(
        f"#!{python}\n{source}\n\nif __name__ == '__main__':\n    sys.exit(main({real_uv!r}))\n"
    )
    wrapper.chmod(0o755)
    return wrapper
