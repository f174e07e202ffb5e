"""Start-up benchmark for the hassette-tasks image (`nox -s bench`).

Medians over repeated starts, per scenario:
- hand-off: the `[ NNNms] handing off to hassette` line (ms since the process started);
- boot's own: from `boot: starting` to that line (what boot does after Python and invoke
  have loaded);
- whole start: wall time of the docker command, hassette's own `run --version` included.

Scenarios: nothing to install; warm restarts of one container (requirements, a locked
project); a forced install in the same container; a new container on a warm uv cache
volume (an image update or a compose recreate); the same with `--network none` (a
recreate while the internet is down: an image that cannot start so is reported as
failed, not timed); a new container on an empty cache.

For the starts that install, a second series runs uv through a timing wrapper (bash,
`$EPOCHREALTIME` around the real uv, no fork of its own) and splits each step of the log
into uv's own run time and boot's time around it. The wrapper's own start (about 1-2 ms
per call) counts as boot's time there, so those figures are upper bounds.

Time to live: a real `hassette run` (a dummy token; nothing answers at the Home Assistant
URL, hassette keeps retrying and still becomes live), from `docker start` to
`GET http://127.0.0.1:8126/api/health/live` answering 200 through a port published on
127.0.0.1, polled every 10 ms.

Packages come from a local index container built from wheels this script makes; after
the starts that need it the index is stopped, so the warm restarts prove they need no
network. Also times requirements discovery over a tree of 10,000 files and 50 levels.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hassette_tasks.discovery import find_requirements
from tests.bench_old_script import build_old_image
from tests.container import dockerrun
from tests.support import packages

PHASE = re.compile(r"^\[\s*(\d+)ms\] (.*)$", re.M)
INDEX_URL = "http://index:8000/simple"
REAL_UV = "/usr/local/bin/uv"
INDEX_SERVER = Path(__file__).resolve().parent / "support" / "index_server.py"
TIMED_UV = "/opt/bench-uv"
UV_TIMES = "/bench-times"
IMAGE_PATH = "/app/.venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
HEALTH = "/api/health/live"
LIVE_TIMEOUT = 60
# a step of the install path: (name, the line that starts it, the line that starts the next)
STEPS = (
    ("copy", "project install: starting", "project install: exporting"),
    ("uv export", "project install: exporting", "project install: installing "),
    ("locked deps", "project install: installing ", "project install: installing the project"),
    ("project", "project install: installing the project", "project install: complete"),
    ("pip check", "project install: complete", "environment check: ok"),
    ("to hand-off", "environment check: ok", "handing off to hassette"),
)
# which wrapper record belongs to which step (in the order boot runs uv)
UV_STEPS = ("uv export", "locked deps", "project", "pip check")


@dataclass
class Scenario:
    name: str
    description: str
    env: dict[str, str] = field(default_factory=dict)
    mounts: list[str] = field(default_factory=list)
    fresh: bool = False  # a new container for every start
    shared_cache: bool = False  # with fresh: one uv cache volume for all of them
    needs_index: bool = False
    offline: bool = False  # with fresh: `--network none` (the index exists, unreachable)
    failed: int = 0  # starts that did not hand off (an offline start of an older image)
    breakdown: bool = False  # also run through the uv timing wrapper
    image: str | None = None  # another image than --image (the old script's variant)
    handoff_ms: list[int] = field(default_factory=list)
    own_ms: list[int] = field(default_factory=list)  # boot's own work: start line to hand-off
    whole_ms: list[int] = field(default_factory=list)
    first_start: dict[str, int] = field(default_factory=dict)
    steps: list[dict[str, dict[str, float]]] = field(default_factory=list)

    def add(self, start: dict) -> None:
        self.handoff_ms.append(start["handoff_ms"])
        self.own_ms.append(start["own_ms"])
        self.whole_ms.append(start["whole_ms"])

    def step_medians(self) -> dict[str, dict[str, float]]:
        """Per step: the median of its time in the log, of uv's own time, and the difference."""
        found: dict[str, dict[str, float]] = {}
        for name, _, _ in STEPS:
            runs = [run[name] for run in self.steps if name in run]
            if not runs:
                continue
            found[name] = {
                key: round(statistics.median(run[key] for run in runs), 1) for key in runs[0]
            }
        return found

    def around_uv_ms(self) -> float | None:
        """Median over runs of boot's time around its uv calls, summed over the calls."""
        totals = [sum(run[name]["boot"] for name in UV_STEPS if name in run) for run in self.steps]
        return round(statistics.median(totals), 1) if totals else None

    def summary(self) -> dict:
        data = asdict(self)
        data["median_handoff_ms"] = median(self.handoff_ms)
        data["median_own_ms"] = median(self.own_ms)
        data["median_whole_ms"] = median(self.whole_ms)
        data["step_medians_ms"] = self.step_medians()
        data["median_boot_around_uv_ms"] = self.around_uv_ms()
        return data


@dataclass
class Live:
    name: str
    description: str
    ms: list[int] = field(default_factory=list)


def median(values: list[int]) -> int | None:
    return int(statistics.median(values)) if values else None


def docker(*args: str, timeout: int = 600, check: bool = True) -> str:
    """The tests' docker helper; its output (stdout and stderr); raises when CHECK and it fails."""
    return dockerrun.docker(*args, timeout=timeout, check=check).output


def phases(output: str) -> list[tuple[int, str]]:
    return [(int(ms), text) for ms, text in PHASE.findall(output)]


def first(found: list[tuple[int, str]], prefix: str) -> int | None:
    return next((ms for ms, text in found if text.startswith(prefix)), None)


def timed_start(command: list[str], may_fail: bool = False) -> tuple[dict, str]:
    """Run a docker command that starts a container: hand-off ms and boot's own ms from the
    log, and the wall time of the whole start; and the log. With MAY_FAIL a failed start
    gives an empty dict instead of ending the benchmark."""
    started = time.monotonic()
    run = dockerrun.run_docker(*command, timeout=600)
    if run.exit_code != 0 and may_fail:
        return {}, run.output
    if run.exit_code != 0:
        sys.exit(f"start failed:\n{run.describe()}")
    output = run.output
    wall = int((time.monotonic() - started) * 1000)
    found = phases(output)
    handoff, boot = first(found, "handing off to hassette"), first(found, "boot: starting")
    if handoff is None or boot is None:
        sys.exit(f"no boot/hand-off lines in the log of docker {' '.join(command)}:\n{output}")
    return {"handoff_ms": handoff, "own_ms": handoff - boot, "whole_ms": wall}, output


def step_breakdown(output: str, uv_times: Path) -> dict[str, dict[str, float]]:
    """Each step's time in the log, and for the uv steps uv's own time (from the wrapper's
    records) and boot's time around it (the difference)."""
    found = phases(output)
    own: dict[str, float] = {}
    for line in uv_times.read_text().splitlines() if uv_times.exists() else []:
        start, end, command = line.split(" ", 2)
        step = uv_step(command)
        if step is None:  # the prune runs after the hand-off
            continue
        # a locked step may run uv twice: from the cache first, then from the index
        own[step] = own.get(step, 0.0) + (float(end) - float(start)) * 1000
    if set(own) != set(UV_STEPS):
        sys.exit(f"expected uv calls for {UV_STEPS}, the wrapper saw {sorted(own)}:\n{output}")
    steps = {}
    for name, begins, ends in STEPS:
        start, end = first(found, begins), first(found, ends)
        if start is None or end is None:
            continue
        step = {"log": float(end - start)}
        if name in own:
            step["uv"] = round(own[name], 1)
            step["boot"] = round(end - start - own[name], 1)
        steps[name] = step
    return steps


def uv_step(command: str) -> str | None:
    """Which step of UV_STEPS a uv command line (as the wrapper logged it) belongs to."""
    if command.startswith("export"):
        return "uv export"
    if command.startswith("pip check"):
        return "pip check"
    if command.startswith("pip install"):
        return "project" if "--no-deps" in command.split() else "locked deps"
    return None


def old_scenarios(scenarios: list[Scenario], image: str) -> list[Scenario]:
    """The same scenarios with the old script's image: all while the index is up (the old
    script may ask it on every start), no uv breakdown, no time to live."""
    return [
        Scenario(
            f"old-{scenario.name}",
            f"old script: {scenario.description}",
            dict(scenario.env),
            list(scenario.mounts),
            fresh=scenario.fresh,
            shared_cache=scenario.shared_cache,
            offline=scenario.offline,
            image=image,
        )
        for scenario in scenarios
    ]


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
    timed = work / "bench-uv"
    timed.mkdir()
    (timed / "uv").write_text(
        "#!/bin/bash\n"
        "# uv's own run time, with no fork around it: $EPOCHREALTIME is bash's clock\n"
        "start=$EPOCHREALTIME\n"
        f'{REAL_UV} "$@"\n'
        "code=$?\n"
        "end=$EPOCHREALTIME\n"
        'printf \'%s %s %s\\n\' "$start" "$end" "$*" >> "$BENCH_UV_TIMES"\n'
        'exit "$code"\n'
    )
    (work / "times").mkdir()
    for folder, dirs, files in os.walk(work):
        for name in dirs + files:
            path = os.path.join(folder, name)
            os.chmod(path, 0o755 if name in dirs or name == "uv" else 0o644)
    os.chmod(work / "times", 0o777)
    os.chmod(work, 0o755)
    return served, project, apps


def wait_for_index(name: str) -> None:
    probe = "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/simple/')"
    for _ in range(100):
        if dockerrun.run_docker("exec", name, "python3", "-c", probe).exit_code == 0:
            return
        time.sleep(0.2)
    sys.exit("the local index container did not answer")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def time_to_live(name: str, port: int) -> int:
    """ms from `docker start NAME` to the health endpoint answering 200; then stop it."""
    url = f"http://127.0.0.1:{port}{HEALTH}"
    started = time.monotonic()
    docker("start", name)
    while time.monotonic() - started < LIVE_TIMEOUT:
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                # boot's own answer while it installs names its phase: wait for hassette's
                if answer.status == 200 and b'"phase"' not in answer.read():
                    live = int((time.monotonic() - started) * 1000)
                    docker("stop", name)
                    return live
        except (OSError, http.client.HTTPException):  # not listening yet
            pass
        time.sleep(0.01)
    log = docker("logs", name)
    docker("stop", name)
    sys.exit(f"{name} was not live after {LIVE_TIMEOUT}s:\n{log}")


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
    parser.add_argument("--runs", type=int, default=5, help="starts per scenario")
    parser.add_argument("--build-backends", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=Path("bench-results.json"))
    parser.add_argument("--no-live", action="store_true", help="skip the time-to-live figures")
    parser.add_argument(
        "--index-delay",
        type=int,
        default=0,
        metavar="MS",
        help="the index waits MS ms before each answer (a round trip across the internet)",
    )
    parser.add_argument(
        "--old-script",
        type=Path,
        default=None,
        help="also run every scenario with this bash script (hassette's old docker_start.sh: "
        "installs from /apps with uv, ends in `exec hassette run`) as the container's command "
        "in a variant of the image, and report both side by side (tests/bench_old_script.py)",
    )
    parser.add_argument(
        "--only",
        default="",
        metavar="NAME,...",
        help="run only these scenarios (none, requirements-warm, locked-warm, locked-forced, "
        "new-container, offline-recreate, cold) and their time-to-live figures",
    )
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="hassette-bench-"))
    tag = f"hassette-bench-{os.getpid()}"
    network, index = tag, f"{tag}-index"
    shared_volume = f"{tag}-uv-cache"
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
            breakdown=True,
        ),
        Scenario(
            "new-container",
            "new container, same cache volume",
            mounts=[project_mount],
            fresh=True,
            shared_cache=True,
            needs_index=True,
            breakdown=True,
        ),
        Scenario(
            "offline-recreate",
            "new container, same cache volume, --network none",
            mounts=[project_mount],
            fresh=True,
            shared_cache=True,
            offline=True,
        ),
        Scenario(
            "cold",
            "new container, empty cache",
            mounts=[project_mount],
            fresh=True,
            needs_index=True,
            breakdown=True,
        ),
    ]
    lives = [
        Live("locked-warm", "locked project warm restart"),
        Live("new-container", "new container, same cache volume"),
    ]
    if options.only:
        chosen = set(options.only.split(","))
        unknown = chosen - {scenario.name for scenario in scenarios}
        if unknown:
            parser.error(f"--only: no scenario named {', '.join(sorted(unknown))}")
        scenarios = [scenario for scenario in scenarios if scenario.name in chosen]
        lives = [live for live in lives if live.name in chosen]
    containers: list[str] = []
    images: list[str] = []
    volumes = [shared_volume]
    serial = iter(range(10_000))
    try:
        print(f"[bench] building test packages in {work}", flush=True)
        served, _, _ = make_inputs(work, options.build_backends)
        docker("network", "create", network)
        docker("volume", "create", shared_volume)
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
            "-v",
            f"{INDEX_SERVER}:/support/index_server.py:ro",
            "--entrypoint",
            "python3",
            options.image,
            "/support/index_server.py",
            "serve",
            *("--root", "/srv", "--host", "0.0.0.0", "--port", "8000", "--lifetime", "86400"),
            # as PyPI's pages expire: a start asks the index again (no fresh page in uv's
            # HTTP cache), and a start without network meets an unreachable index
            *("--cache-control", "no-cache"),
            *("--delay", str(options.index_delay / 1000)),
        )
        wait_for_index(index)

        def run_args(
            scenario: Scenario, timed: str | None = None, hassette: list[str] | None = None
        ) -> list[str]:
            chosen = "none" if scenario.offline else network
            args = ["--network", chosen, "-e", f"UV_INDEX_URL={INDEX_URL}"]
            for key, value in scenario.env.items():
                args += ["-e", f"{key}={value}"]
            for mount in scenario.mounts:
                args += ["-v", mount]
            if scenario.fresh and scenario.shared_cache:
                args += ["-v", f"{shared_volume}:/uv_cache"]
            elif scenario.fresh:  # an empty volume of its own, removed with it
                volume = f"{tag}-cache-{next(serial)}"
                volumes.append(volume)
                args += ["-v", f"{volume}:/uv_cache"]
            if timed:
                args += [
                    "-v",
                    f"{work / 'bench-uv'}:{TIMED_UV}:ro",
                    "-v",
                    f"{work / 'times'}:{UV_TIMES}",
                    "-e",
                    f"PATH={TIMED_UV}:{IMAGE_PATH}",
                    "-e",
                    f"BENCH_UV_TIMES={UV_TIMES}/{timed}",
                ]
            image = scenario.image or options.image
            return [*args, image, *(["--version"] if hassette is None else hassette)]

        def start(scenario: Scenario, timed: bool = False) -> tuple[dict, str, Path]:
            """One start; with TIMED through the uv timing wrapper, whose records (of this
            start only) are in the returned file."""
            record = f"{scenario.name}-{next(serial)}" if scenario.fresh else scenario.name
            times = work / "times" / record
            times.unlink(missing_ok=True)
            may_fail = scenario.offline or scenario.image is not None
            if scenario.fresh:
                args = run_args(scenario, record if timed else None)
                return (*timed_start(["run", "--rm", *args], may_fail=may_fail), times)
            name = f"{tag}-{scenario.name}{'-timed' if timed else ''}"
            if name not in containers:
                docker("create", "--name", name, *run_args(scenario, record if timed else None))
                containers.append(name)
            return (*timed_start(["start", "-a", name], may_fail=may_fail), times)

        for scenario in scenarios:  # warm the shared volume: one start that fills it
            if scenario.shared_cache:
                timed_start(["run", "--rm", *run_args(scenario)])
                break
        # first starts (and every start that needs the index) while the index is up
        for scenario in scenarios:
            print(f"[bench] {scenario.description}", flush=True)
            if not scenario.fresh:
                scenario.first_start = start(scenario)[0]
            if scenario.needs_index or scenario.offline:
                for _ in range(options.runs):
                    result = start(scenario)[0]
                    if result:
                        scenario.add(result)
                    else:
                        scenario.failed += 1
            if scenario.breakdown:
                if not scenario.fresh:
                    start(scenario, timed=True)  # its own container's first start
                for _ in range(options.runs):
                    _, output, times = start(scenario, timed=True)
                    scenario.steps.append(step_breakdown(output, times))
        if options.old_script:  # the same scenarios, the old script as the command
            old_image = build_old_image(options.image, options.old_script, work, tag)
            images.append(old_image)
            for scenario in old_scenarios(scenarios, old_image):
                print(f"[bench] {scenario.description}", flush=True)
                scenarios.append(scenario)
                for run in range(options.runs + (0 if scenario.fresh else 1)):
                    result = start(scenario)[0]
                    if not result:
                        scenario.failed += 1
                    elif run or scenario.fresh:
                        scenario.add(result)
                    else:
                        scenario.first_start = result
        live_ports = {}
        if not options.no_live:
            print("[bench] time to live: new containers on the shared cache", flush=True)
            by_name = {scenario.name: scenario for scenario in scenarios}
            real_run = [
                "-e",
                "HASSETTE__TOKEN=dummy",
                "-e",
                "HASSETTE__BASE_URL=http://127.0.0.1:8123",
            ]
            for live in lives:
                port = free_port()
                live_ports[live.name] = port
                scenario = by_name[live.name]
                for run in range(options.runs if scenario.fresh else 1):
                    name = f"{tag}-live-{live.name}-{run}"
                    args = run_args(scenario, hassette=[])
                    published = ["-p", f"127.0.0.1:{port}:8126"]
                    docker("create", "--name", name, *published, *real_run, *args)
                    containers.append(name)
                    if scenario.fresh:
                        live.ms.append(time_to_live(name, port))
                    else:
                        time_to_live(name, port)  # the first start installs
        print("[bench] stopping the index: warm restarts must not need it", flush=True)
        docker("rm", "-f", index)
        for scenario in scenarios:
            if scenario.fresh or scenario.needs_index or scenario.offline:
                continue
            for _ in range(options.runs):
                scenario.add(start(scenario)[0])
        if not options.no_live:
            print("[bench] time to live: warm restarts", flush=True)
            for live in lives:
                if live.ms:
                    continue
                name = f"{tag}-live-{live.name}-0"
                for _ in range(options.runs):
                    live.ms.append(time_to_live(name, live_ports[live.name]))
        discovery = discovery_figure(work, options.runs)
    finally:
        for name in [*containers, index]:
            docker("rm", "-f", name, check=False)
        for volume in volumes:
            docker("volume", "rm", "-f", volume, check=False)
        docker("network", "rm", network, check=False)
        for built in images:
            docker("rmi", "-f", built, check=False)
        shutil.rmtree(work, ignore_errors=True)

    report(options, scenarios, lives, discovery)
    return 0


def side_by_side(scenarios: list[Scenario]) -> None:
    """With --old-script: each scenario's hand-off against the old script's."""
    by_name = {scenario.name: scenario for scenario in scenarios}
    old = [scenario for scenario in scenarios if scenario.image]
    if not old:
        return
    print()
    print("hand-off, ours vs the old script (medians; the old script's restarts had the index up)")
    for theirs in old:
        ours = by_name[theirs.name.removeprefix("old-")]
        mine, its = median(ours.handoff_ms), median(theirs.handoff_ms)
        if its is None:
            text = f"{mine} ms; the old script did not start ({theirs.failed} failed)"
        elif mine is None:
            text = f"ours did not start; the old script {its} ms"
        else:
            text = f"{mine} ms vs {its} ms: {mine / its:.2f}x of the old script's time"
        print(f"  {ours.description:<50} {text}")


def report(options, scenarios: list[Scenario], lives: list[Live], discovery: dict) -> None:
    by_name = {scenario.name: scenario for scenario in scenarios}

    def ratio(field_name: str) -> float | None:
        if "locked-warm" not in by_name or "locked-forced" not in by_name:
            return None  # --only left one out
        warm = median(getattr(by_name["locked-warm"], field_name))
        forced = median(getattr(by_name["locked-forced"], field_name))
        return round(forced / warm, 1) if warm and forced else None

    speedup, own_speedup = ratio("handoff_ms"), ratio("own_ms")
    print()
    print(f"hassette-tasks start-up, image {options.image}, medians of {options.runs} starts")
    print("hand-off: ms from process start; boot's own: from `boot: starting` to hand-off")
    print(f"{'scenario':<46} {'hand-off':>10} {'boot own':>10} {'whole start':>12}")
    for scenario in scenarios:
        if not scenario.handoff_ms:
            print(f"{scenario.description:<46} did not start ({scenario.failed} failed)")
            continue
        print(
            f"{scenario.description:<46} {median(scenario.handoff_ms):>7} ms "
            f"{median(scenario.own_ms):>7} ms {median(scenario.whole_ms):>9} ms"
            + (f"  ({scenario.failed} failed)" if scenario.failed else "")
        )
    side_by_side(scenarios)
    print()
    print("install steps through the uv timing wrapper (ms, medians): log / uv's own / boot's")
    for scenario in scenarios:
        if not scenario.steps:
            continue
        print(f"  {scenario.description}")
        for name, step in scenario.step_medians().items():
            if "uv" in step:
                print(f"    {name:<14} {step['log']:>7.0f} {step['uv']:>9.1f} {step['boot']:>9.1f}")
            else:
                print(f"    {name:<14} {step['log']:>7.0f}         -         -")
        print(f"    boot's time around its uv calls, in all: {scenario.around_uv_ms()} ms")
    if any(live.ms for live in lives):
        print()
        print("time to live (docker start to health 200, real `hassette run`, medians)")
        for live in lives:
            print(f"  {live.description:<44} {median(live.ms):>7} ms  {live.ms}")
    print()
    if speedup is not None:
        print(
            f"locked warm restart vs forced install: {speedup}x sooner hand-off; "
            f"boot's own work {own_speedup}x"
        )
    if "none" in by_name:
        print(
            f"no install configured: {median(by_name['none'].handoff_ms)} ms to hand-off "
            "(target: under 250 ms)"
        )
    print(f"requirements discovery, 10,000 files in 50 levels: {discovery['median_ms']} ms")
    results = {
        "image": options.image,
        "runs": options.runs,
        "scenarios": [scenario.summary() for scenario in scenarios],
        "time_to_live": [asdict(live) | {"median_ms": median(live.ms)} for live in lives],
        "locked_warm_speedup": speedup,
        "locked_warm_speedup_own_work": own_speedup,
        "discovery": discovery,
    }
    options.json.write_text(json.dumps(results, indent=2) + "\n")
    print(f"[bench] wrote {options.json}")


if __name__ == "__main__":
    raise SystemExit(main())
