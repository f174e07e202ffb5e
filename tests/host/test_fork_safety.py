"""Boot never forks while other threads of its process run (a fork with threads can
deadlock the child; Python 3.12+ warns about it), the prune started alongside hassette
included.

A probe on PYTHONPATH (tests/support/fork_probe) logs every os.fork() of every Python
process with the number of threads at that moment; Python's own DeprecationWarning is
switched on for every process too, and must not appear.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.host.conftest import ON, assert_ok, locked_project, write_requirements

PROBE = Path(__file__).resolve().parents[1] / "support" / "fork_probe"


def probed(layout) -> tuple[dict[str, str], Path]:
    log = layout.root / "forks.log"
    return {
        "PYTHONPATH": str(PROBE),
        "HASSETTE_TASKS_FORK_PROBE": str(log),
        "PYTHONWARNINGS": "always::DeprecationWarning",
    }, log


def forks(log: Path) -> list[tuple[int, int, int, str]]:
    found = []
    for line in log.read_text().splitlines() if log.exists() else []:
        pid, python_threads, os_threads, argv = line.split(" ", 3)
        found.append((int(pid), int(python_threads), int(os_threads), argv))
    return found


def test_every_fork_of_boot_and_of_its_prune_happens_with_one_thread(layout, fixture_uv_env):
    locked_project(layout, fixture_uv_env)
    write_requirements(layout.apps_dir / "more", "applibc")
    env, log = probed(layout)

    result = layout.run("boot", env=ON | env)

    assert_ok(result)
    # the prune runs detached; its output ends before the pipes close, so it is in here
    assert "uv cache prune: complete" in result.stdout, result.describe()
    seen = forks(log)
    boot = [fork for fork in seen if fork[0] == result.pid]
    prune = [fork for fork in seen if "prune_detached" in fork[3]]
    # export, locked deps, project, requirements, pip check: each a fork of boot
    assert len(boot) >= 5, seen
    assert prune, f"the probe saw no fork of the prune: {seen}"
    crowded = [fork for fork in boot + prune if fork[1] != 1 or fork[2] != 1]
    assert crowded == [], f"forks with other threads alive: {crowded}"
    assert "multi-threaded" not in result.stderr, result.describe()
    assert "fork()" not in result.stderr, result.describe()


def test_probe_sees_a_fork_with_threads(layout, tmp_path):
    # the probe itself can fail: a fork while a thread sleeps is reported with 2 threads
    import subprocess

    env, log = probed(layout)
    code = (
        "import os, threading, time\n"
        "t = threading.Thread(target=time.sleep, args=(1,)); t.start()\n"
        "pid = os.fork()\n"
        "os._exit(0) if pid == 0 else os.waitpid(pid, 0)\n"
        "t.join()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=layout.env(env), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert [fork[1:3] for fork in forks(log)] == [(2, 2)]
    if sys.version_info >= (3, 12):
        assert "multi-threaded" in done.stderr
