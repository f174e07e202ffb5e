#!/usr/bin/env python3
"""Boot a hassette-tasks image on the bundled examples and keep a real hassette running.

    python docker/demo.py --image hassette-tasks:3.13

A stand-in Home Assistant (tests/support/fake_ha.py, run in the same image) and the
hassette container share a private network. docker/examples/project (a src-layout project
with uv.lock) is mounted read-only as the project dir, docker/examples/apps (an app and its
requirements.txt) as the apps dir and docker/examples/config as hassette's config dir, with
HASSETTE__INSTALL_DEPS=1. The container is started twice (cold, then warm): each start must
reach live (`GET /api/health/live` answers 200, asked with the image's curl as the
documented healthcheck does) and start both example apps, then `docker stop` must end it
with exit 0. The host's CA bundle ($SSL_CERT_FILE) is mounted read-only for a
TLS-inspecting proxy. Everything is removed at the end, on Ctrl-C too. Exit status 0 when
both starts did all that. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docker" / "examples"
FAKE_HA = ROOT / "tests" / "support" / "fake_ha.py"
CA_PATH = "/etc/hassette-tasks/ca-bundle.crt"
HEALTH = "http://127.0.0.1:8126/api/health/live"
# what each start must log before the demo stops it: both example apps ran
APP_LINES = ("lights:", "porch light goes on at sunset")
HASSETTE_EVENTS = ("Hassette is running", "Apps directory", "lights:", "porch light", "Hassette")


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    command = [os.environ.get("DOCKER") or "docker", *args]
    return subprocess.run(command, capture_output=True, text=True, check=check)


def say(message: str = "") -> None:
    print(f"[demo] {message}" if message else "", flush=True)


def show(line: str, seen: list[str]) -> None:
    """Echo boot's lines as they are; hassette's JSON lines as their event text."""
    seen.append(line)
    try:
        event = json.loads(line)["event"]
    except (ValueError, KeyError, TypeError):
        print(f"  {line}", flush=True)
        return
    if any(word in event for word in HASSETTE_EVENTS):
        print(f"  hassette: {event}", flush=True)


def create(image: str, name: str, network: str, token: str) -> None:
    ha = f"{name}-ha"
    docker(
        *("run", "-d", "--name", ha, "--network", network, "--entrypoint", "/app/.venv/bin/python"),
        *("-v", f"{FAKE_HA}:/support/fake_ha.py:ro", image),
        *("/support/fake_ha.py", "--host", "0.0.0.0", "--port", "8123", "--token", token),
    )
    env = {
        "HASSETTE__PROJECT_DIR": "/project",
        "HASSETTE__APPS__DIRECTORY": "/apps",
        "HASSETTE__CONFIG_DIR": "/config",
        "HASSETTE__INSTALL_DEPS": "1",
        "HASSETTE__BASE_URL": f"http://{ha}:8123",
        "HASSETTE__TOKEN": token,
    }
    mounts = {"project": "/project", "apps": "/apps", "config": "/config"}
    options = [f"--volume={EXAMPLES / source}:{target}:ro" for source, target in mounts.items()]
    bundle = os.environ.get("SSL_CERT_FILE")
    if bundle and Path(bundle).is_file():
        options += [f"--volume={Path(bundle).resolve()}:{CA_PATH}:ro"]
        env["SSL_CERT_FILE"] = CA_PATH
    options += [f"--env={key}={value}" for key, value in env.items()]
    docker("create", "--name", name, "--network", network, *options, image)


def live(name: str) -> bool:
    probe = docker("exec", name, "curl", "-sf", "--max-time", "2", HEALTH, check=False)
    # while boot installs it answers too, naming its phase: live means hassette's answer
    return probe.returncode == 0 and '"phase"' not in probe.stdout


def start(name: str, label: str, timeout: float) -> dict[str, object]:
    """Start NAME attached, wait for live and both apps, stop it; what happened."""
    say(f"--- {label}: docker start {name}")
    started = time.monotonic()
    attached = subprocess.Popen(
        [os.environ.get("DOCKER") or "docker", "start", "-a", name],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    seen: list[str] = []
    assert attached.stdout is not None
    reader = threading.Thread(
        target=lambda: [show(line.rstrip("\n"), seen) for line in attached.stdout or ()]
    )
    reader.start()
    result: dict[str, object] = {"label": label, "live": None, "apps": False}
    while time.monotonic() - started < timeout and attached.poll() is None:
        if result["live"] is None and live(name):
            result["live"] = time.monotonic() - started
        text = "\n".join(seen)
        if result["live"] is not None and all(line in text for line in APP_LINES):
            result["apps"] = True
            break
        time.sleep(0.2)  # poll interval; the deadline above bounds the wait
    stopping = time.monotonic()
    docker("stop", "-t", "20", name, check=False)
    result["stop"] = time.monotonic() - stopping
    attached.wait()
    reader.join()
    code = docker("inspect", "-f", "{{.State.ExitCode}}", name).stdout.strip()
    result["exit"] = int(code or -1)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--image", default="hassette-tasks:3.13", help="the image to boot")
    parser.add_argument(
        "--timeout", type=float, default=300, help="seconds each start may take (default 300)"
    )
    args = parser.parse_args(argv)

    # SIGTERM (nox, CI cancelling) cleans up like Ctrl-C does
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    name = f"hassette-tasks-demo-{os.getpid()}"
    say(f"image {args.image}, examples in {EXAMPLES}")
    results = []
    try:
        docker("network", "create", name)
        create(args.image, name, name, f"demo-{secrets.token_hex(8)}")
        for label in ("first start (cold)", "second start (warm restart)"):
            results.append(start(name, label, args.timeout))
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    except subprocess.CalledProcessError as error:
        say(f"docker {' '.join(error.cmd[1:3])} failed: {error.stderr.strip()}")
        return 1
    finally:
        docker("rm", "-f", "-v", name, f"{name}-ha", check=False)
        docker("network", "rm", name, check=False)

    say()
    say(f"summary ({args.image}):")
    ok = len(results) == 2
    for result in results:
        passed = result["live"] is not None and result["apps"] and result["exit"] == 0
        ok = ok and bool(passed)
        took = "never" if result["live"] is None else f"{result['live']:.1f}s"
        say(
            f"{result['label']}: live after {took}, apps started: {result['apps']}, "
            f"docker stop took {result['stop']:.1f}s, exit {result['exit']}"
        )
    say("both starts ran hassette and its apps" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
