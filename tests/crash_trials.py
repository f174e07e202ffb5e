"""Randomized crash trials (`nox -s crash -- --trials 30`): containers SIGKILLed at random.

Each trial starts a new container of the image on a locked project (six small packages,
one with many files) and two requirements files (one with a 3 MB wheel), served by a
local index container; `docker kill` lands at a random moment of the start (uniform from
the container's start to a little after a clean start's hand-off). The container is then
started normally twice. A trial is consistent when both starts succeed, the second one
says "up to date" without a repair, every package in the venv matches its RECORD, `uv pip
freeze` and the venv's files equal a fresh container's, and no `hassette-tasks-*` folder
is left in /tmp. Prints each trial and how many were consistent; exits non-zero when any
was not.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.container.crashing import venv_state
from tests.container.dockerrun import docker, run_docker
from tests.support import packages
from tests.support.crash import crash_dists
from tests.support.packages import Dist

INDEX_URL = "http://index:8000/simple"
HANDOFF = re.compile(r"\[\s*(\d+)ms\] handing off to hassette")
PHASE_WORDS = (
    ("handing off", "after the hand-off"),
    ("environment check", "during the environment check"),
    ("Installing requirements", "during a requirements install"),
    ("installing the project", "during the project build and install"),
    ("installing", "during the locked packages' install"),
    ("exporting", "during the export"),
    ("project install: starting", "before uv"),
    ("boot: starting", "before uv"),
)
REMOVED = re.compile(r"repair: complete \(\d+ package\(s\) checked, (\d+) removed")


def make_inputs(work: Path) -> tuple[Path, Path, Path]:
    """The served index, the project folder (/apps) and the config folder (/config)."""
    wheels = work / "wheels"
    data = "".join(f"{index:08x}{'x' * 56}\n" for index in range(3 * 1024 * 1024 // 65))
    dists = [
        Dist("appliba", "1.0", dependencies=("applibb>=1,<2",)),
        Dist("applibb", "1.0"),
        Dist("applibc", "1.0"),
        Dist("smalla", "1.0"),
        Dist("smallb", "1.0"),
        Dist("bigdata", "1.0", files={"__init__.py": "", "data.txt": data}),
        *crash_dists(),
    ]
    packages.build_dists(dists, wheels, work / "sources")
    served = work / "index"
    packages.write_simple_index(wheels, served)
    project = packages.write_project(
        work / "apps", dependencies=("appliba>=1", "applibc", "smalla", "smallb", "bigpkg")
    )
    packages.lock_project(project, [wheels])
    (project / "requirements.txt").write_text("bigdata\n")
    config = work / "config"
    config.mkdir()
    (config / "requirements.txt").write_text("bigreq\n")
    for folder, dirs, files in os.walk(work):
        for name in dirs + files:
            os.chmod(os.path.join(folder, name), 0o755 if name in dirs else 0o644)
    os.chmod(work, 0o755)
    return served, project, config


def landed(log: str) -> str:
    """The last phase the killed start reached (PHASE_WORDS runs from the last one back)."""
    return next((phase for words, phase in PHASE_WORDS if words in log), "before boot started")


def judge(name: str, fresh: dict) -> tuple[bool, str, int | None]:
    """Start NAME twice after its kill: (consistent, why not, packages the repair removed
    or None when the start did not repair)."""
    first = run_docker("start", "-a", name, timeout=300)
    second = run_docker("start", "-a", name, timeout=300)
    removed = REMOVED.search(first.output)
    repaired = int(removed.group(1)) if removed else None
    for line in first.output.splitlines():
        if "] repair: " in line:
            print(f"[crash]     {line}", flush=True)
    if first.exit_code != 0:
        return False, f"the start after the kill exited {first.exit_code}", repaired
    if second.exit_code != 0 or "up to date" not in second.output or "repair:" in second.output:
        return False, "the second start after the kill was not a clean warm restart", repaired
    state = venv_state(name)
    if state["record_problems"]:
        return False, f"RECORD mismatch: {state['record_problems']}", repaired
    if state["freeze"] != fresh["freeze"]:
        return False, f"uv pip freeze differs: {state['freeze']}", repaired
    if state["files"] != fresh["files"]:
        extra = sorted(set(state["files"]) - set(fresh["files"]))[:5]
        missing = sorted(set(fresh["files"]) - set(state["files"]))[:5]
        return False, f"files differ: extra {extra}, missing {missing}", repaired
    tmp = run_docker("cp", f"{name}:/tmp", "-", timeout=60).output
    if "hassette-tasks-" in tmp:
        return False, "a hassette-tasks-* folder is left in /tmp", repaired
    return True, "", repaired


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", required=True)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--seed", type=int, default=None)
    options = parser.parse_args()
    seed = options.seed if options.seed is not None else random.randrange(1 << 30)
    chooser = random.Random(seed)

    work = Path(tempfile.mkdtemp(prefix="hassette-crash-"))
    tag = f"hassette-crash-{os.getpid()}"
    network, index = tag, f"{tag}-index"
    created: list[str] = []
    results = []
    try:
        print(f"[crash] seed {seed}; building test packages in {work}", flush=True)
        served, project, config = make_inputs(work)
        docker("network", "create", network)
        docker(
            "run", "-d", "--name", index, "--network", network, "--network-alias", "index",
            "-v", f"{served}:/srv:ro", "--entrypoint", "python3", options.image,
            "-m", "http.server", "8000", "--directory", "/srv",
        )  # fmt: skip
        probe = "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/simple/')"
        deadline = time.monotonic() + 30
        while docker("exec", index, "python3", "-c", probe, check=False).exit_code != 0:
            if time.monotonic() > deadline:
                sys.exit("the local index container did not answer")
            time.sleep(0.2)
        run_args = [
            "--network", network, "-e", f"UV_INDEX_URL={INDEX_URL}",
            "-e", "HASSETTE__INSTALL_DEPS=1", "-e", "NO_COLOR=1",
            "-v", f"{project}:/apps:ro", "-v", f"{config}:/config:ro",
            options.image, "--version",
        ]  # fmt: skip

        reference = f"{tag}-fresh"
        docker("create", "--name", reference, *run_args)
        created.append(reference)
        started = time.monotonic()
        clean = run_docker("start", "-a", reference, timeout=300)
        clean_seconds = time.monotonic() - started
        if clean.exit_code != 0:
            sys.exit(f"a clean start failed:\n{clean.output}")
        fresh = venv_state(reference)
        # kills land up to a little after the hand-off (hassette's own start is not ours)
        handoff = HANDOFF.search(clean.output)
        window = clean_seconds
        if handoff:
            window = min(clean_seconds, int(handoff.group(1)) / 1000 + 0.6)
        print(
            f"[crash] a clean start takes {clean_seconds:.1f}s, hands off at "
            f"{handoff.group(1) if handoff else '?'}ms; kills land in [0, {window:.2f}s)"
        )

        for trial in range(1, options.trials + 1):
            name = f"{tag}-{trial}"
            docker("create", "--name", name, *run_args)
            created.append(name)
            delay = chooser.uniform(0, window)
            docker("start", name)
            time.sleep(delay)  # the randomized moment of the kill, not a synchronisation
            docker("kill", name, check=False)
            where = landed(docker("logs", name, check=False).output)
            consistent, why, repaired = judge(name, fresh)
            results.append((trial, delay, where, consistent, why, repaired))
            verdict = "consistent" if consistent else f"INCONSISTENT: {why}"
            repair = "" if repaired is None else f"repaired ({repaired} package(s) removed); "
            print(
                f"[crash] trial {trial:3}: killed after {delay:5.2f}s ({where}); {repair}{verdict}",
                flush=True,
            )
            docker("rm", "-f", "-v", name, check=False)
            created.remove(name)
    finally:
        for name in [*created, index]:
            docker("rm", "-f", "-v", name, check=False)
        with contextlib.suppress(Exception):
            docker("network", "rm", network, check=False)
        shutil.rmtree(work, ignore_errors=True)

    good = sum(1 for result in results if result[3])
    repaired = [result[5] for result in results if result[5] is not None]
    broken = sum(1 for count in repaired if count)
    print(
        f"\n[crash] {good}/{len(results)} trials consistent ({len(repaired)} started with a "
        f"repair, {broken} of which found broken packages; seed {seed}, image {options.image})"
    )
    by_phase: dict[str, list[int]] = {}
    for _, _, where, consistent, _, _ in results:
        by_phase.setdefault(where, [0, 0])
        by_phase[where][0] += 1
        by_phase[where][1] += consistent
    for where, (count, ok) in sorted(by_phase.items()):
        print(f"[crash]   killed {where}: {ok}/{count} consistent")
    return 0 if good == len(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
