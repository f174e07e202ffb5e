"""Start-up benchmark for the hassette-tasks image (`nox -s bench`).

One container per scenario, started repeatedly; medians of the boot's own hand-off
time (the `[ NNNms] handing off to hassette` line) and of the whole start (wall time of
`docker start -a`, which includes hassette's own `run --version`). Packages come from a
local index container built from wheels this script makes; after the first starts the
index is stopped, so the warm restarts prove they need no network.

Also times requirements discovery over a tree of 10,000 files and 50 levels.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import sh

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import contextlib

from hassette_tasks.discovery import find_requirements
from tests.support import packages

HANDOFF = re.compile(r"\[\s*(\d+)ms\] handing off to hassette")
BOOT_START = re.compile(r"\[\s*(\d+)ms\] boot: starting")
DOCKER = sh.Command(os.environ.get("DOCKER", "docker"))
INDEX_URL = "http://index:8000/simple"


@dataclass
class Scenario:
    name: str
    description: str
    env: dict[str, str] = field(default_factory=dict)
    mounts: list[str] = field(default_factory=list)
    fresh: bool = False  # a new container for every start (cold start)
    needs_index: bool = False
    handoff_ms: list[int] = field(default_factory=list)
    own_ms: list[int] = field(default_factory=list)  # boot's own work: start line to hand-off
    whole_ms: list[int] = field(default_factory=list)
    first_start: dict[str, int] = field(default_factory=dict)

    def add(self, start: dict[str, int]) -> None:
        self.handoff_ms.append(start["handoff_ms"])
        self.own_ms.append(start["own_ms"])
        self.whole_ms.append(start["whole_ms"])

    def summary(self) -> dict:
        data = asdict(self)
        data["median_handoff_ms"] = median(self.handoff_ms)
        data["median_own_ms"] = median(self.own_ms)
        data["median_whole_ms"] = median(self.whole_ms)
        return data


def median(values: list[int]) -> int | None:
    return int(statistics.median(values)) if values else None


def docker(*args: str, timeout: int = 600) -> str:
    return str(DOCKER(*args, _err_to_out=True, _timeout=timeout, _tty_out=False))


def timed_start(command: list[str]) -> dict[str, int]:
    """Run a docker command that starts a container: hand-off ms and boot's own ms from the
    log, and the wall time of the whole start."""
    started = time.monotonic()
    try:
        output = docker(*command)
    except sh.ErrorReturnCode as error:
        sys.exit(f"start failed: docker {' '.join(command)}\n{error.stdout.decode()}")
    wall = int((time.monotonic() - started) * 1000)
    handoff, boot = HANDOFF.search(output), BOOT_START.search(output)
    if not (handoff and boot):
        sys.exit(f"no boot/hand-off lines in the log of docker {' '.join(command)}:\n{output}")
    return {
        "handoff_ms": int(handoff.group(1)),
        "own_ms": int(handoff.group(1)) - int(boot.group(1)),
        "whole_ms": wall,
    }


def make_inputs(work: Path, backends: Path | None) -> tuple[Path, Path, Path]:
    """Wheels and their simple index, a locked project, and an apps folder with requirements."""
    wheels = work / "wheels"
    dists = [
        dist
        for dist in packages.CATALOG
        if dist.name in ("appliba", "applibb", "applibc") and dist.version == "1.0"
    ]
    packages.build_dists(dists, wheels, work / "sources")
    for wheel in backends.glob("*.whl") if backends else []:
        shutil.copy2(wheel, wheels)
    served = work / "index"
    packages.write_simple_index(wheels, served)
    project = packages.write_project(work / "project", dependencies=("appliba>=1",))
    packages.lock_project(project, [wheels])
    apps = work / "apps"
    apps.mkdir()
    (apps / "requirements.txt").write_text("applibc>=1\n")
    for folder, dirs, files in os.walk(work):
        for name in dirs + files:
            os.chmod(os.path.join(folder, name), 0o755 if name in dirs else 0o644)
    os.chmod(work, 0o755)
    return served, project, apps


def wait_for_index(name: str) -> None:
    probe = "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/simple/')"
    for _ in range(100):
        try:
            docker("exec", name, "python3", "-c", probe)
            return
        except sh.ErrorReturnCode:
            time.sleep(0.2)
    sys.exit("the local index container did not answer")


def discovery_figure(work: Path, runs: int) -> dict:
    """Median time of requirements discovery over 10,000 files in 50 levels."""
    root = work / "deep tree"
    folder = root
    for level in range(50):
        folder = folder / f"level{level}"
        folder.mkdir(parents=True)
        for index in range(200):
            (folder / f"app_{index}.py").write_text("")
    (root / "level0" / "requirements.txt").write_text("x\n")
    times = []
    for _ in range(runs):
        started = time.monotonic()
        found = find_requirements([root])
        times.append(int((time.monotonic() - started) * 1000))
    assert len(found.files) == 1
    return {"files": 10_000, "levels": 50, "median_ms": median(times), "runs": times}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", default="hassette-tasks:3.13")
    parser.add_argument("--runs", type=int, default=5, help="warm starts per scenario")
    parser.add_argument("--build-backends", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=Path("bench-results.json"))
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="hassette-bench-"))
    tag = f"hassette-bench-{os.getpid()}"
    network, index = tag, f"{tag}-index"
    project_mount = f"{work / 'project'}:/apps:ro"
    scenarios = [
        Scenario("none", "no install configured"),
        Scenario(
            "requirements-warm",
            "requirements warm restart",
            {"HASSETTE__INSTALL_DEPS": "1"},
            [f"{work / 'apps'}:/apps:ro"],
        ),
        Scenario("locked-warm", "locked project warm restart", mounts=[project_mount]),
        Scenario(
            "locked-forced",
            "locked project, HASSETTE__FORCE_INSTALL=1",
            {"HASSETTE__FORCE_INSTALL": "1"},
            [project_mount],
            needs_index=True,
        ),
        Scenario(
            "cold",
            "cold start, locked project (new container)",
            mounts=[project_mount],
            fresh=True,
            needs_index=True,
        ),
    ]
    containers: dict[str, str] = {}
    try:
        print(f"[bench] building test packages in {work}", flush=True)
        served, _, _ = make_inputs(work, options.build_backends)
        docker("network", "create", network)
        docker(
            "run",
            "-d",
            "--name",
            index,
            "--network",
            network,
            "--network-alias",
            "index",
            "-v",
            f"{served}:/srv:ro",
            "--entrypoint",
            "python3",
            options.image,
            "-m",
            "http.server",
            "8000",
            "--directory",
            "/srv",
        )
        wait_for_index(index)

        def run_args(scenario: Scenario) -> list[str]:
            args = ["--network", network, "-e", f"UV_INDEX_URL={INDEX_URL}"]
            for key, value in scenario.env.items():
                args += ["-e", f"{key}={value}"]
            for mount in scenario.mounts:
                args += ["-v", mount]
            return [*args, options.image, "--version"]

        # first starts (and every start that needs the index) while the index is up
        for scenario in scenarios:
            if scenario.fresh:
                for _ in range(options.runs):
                    scenario.add(timed_start(["run", "--rm", *run_args(scenario)]))
                continue
            name = f"{tag}-{scenario.name}"
            docker("create", "--name", name, *run_args(scenario))
            containers[scenario.name] = name
            scenario.first_start = timed_start(["start", "-a", name])
            if scenario.needs_index:
                for _ in range(options.runs):
                    scenario.add(timed_start(["start", "-a", name]))
        print("[bench] stopping the index: warm restarts must not need it", flush=True)
        docker("rm", "-f", index)
        for scenario in scenarios:
            if scenario.fresh or scenario.needs_index:
                continue
            for _ in range(options.runs):
                scenario.add(timed_start(["start", "-a", containers[scenario.name]]))
        discovery = discovery_figure(work, options.runs)
    finally:
        for name in [*containers.values(), index]:
            with contextlib.suppress(sh.ErrorReturnCode):
                docker("rm", "-f", name)
        with contextlib.suppress(sh.ErrorReturnCode):
            docker("network", "rm", network)
        shutil.rmtree(work, ignore_errors=True)

    by_name = {scenario.name: scenario for scenario in scenarios}

    def ratio(field_name: str) -> float | None:
        warm = median(getattr(by_name["locked-warm"], field_name))
        forced = median(getattr(by_name["locked-forced"], field_name))
        return round(forced / warm, 1) if warm and forced else None

    speedup, own_speedup = ratio("handoff_ms"), ratio("own_ms")
    print()
    print(f"hassette-tasks start-up, image {options.image}, medians of {options.runs} starts")
    print("hand-off: ms from process start; boot's own: from `boot: starting` to hand-off")
    print(f"{'scenario':<46} {'hand-off':>10} {'boot own':>10} {'whole start':>12}")
    for scenario in scenarios:
        print(
            f"{scenario.description:<46} {median(scenario.handoff_ms):>7} ms "
            f"{median(scenario.own_ms):>7} ms {median(scenario.whole_ms):>9} ms"
        )
    print(
        f"locked warm restart vs forced install: {speedup}x sooner hand-off "
        f"(target: at least 5x); boot's own work {own_speedup}x"
    )
    print(
        f"no install configured: {median(by_name['none'].handoff_ms)} ms to hand-off "
        "(target: under 250 ms)"
    )
    print(f"requirements discovery, 10,000 files in 50 levels: {discovery['median_ms']} ms")
    results = {
        "image": options.image,
        "runs": options.runs,
        "scenarios": [scenario.summary() for scenario in scenarios],
        "locked_warm_speedup": speedup,
        "locked_warm_speedup_own_work": own_speedup,
        "discovery": discovery,
    }
    options.json.write_text(json.dumps(results, indent=2) + "\n")
    print(f"[bench] wrote {options.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
