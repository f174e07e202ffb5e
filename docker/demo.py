#!/usr/bin/env python3
"""Boot a hassette-tasks image on the bundled examples, twice: a cold start, then a warm one.

    python docker/demo.py --image hassette-tasks:3.13

docker/examples/project (a src-layout project with uv.lock) is mounted read-only as the
project dir and docker/examples/apps (a flat apps folder with a requirements.txt) as the
apps dir, with HASSETTE__INSTALL_DEPS=1; hassette gets `--version`, so it prints its
version and exits. One container is created and started twice, so the second start finds
the first one's installs and the warm-restart record. The host's CA bundle
($SSL_CERT_FILE) is mounted read-only for a TLS-inspecting proxy. The container is removed
at the end, on Ctrl-C too. Exit status: 0 when both starts exit 0. Standard library only.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent / "examples"
PROJECT_DIR = "/project"
APPS_DIR = "/apps"
CA_PATH = "/etc/hassette-tasks/ca-bundle.crt"
# the phase lines the summary repeats
SUMMARY = re.compile(
    r"\] (environment:|project install: (complete|up to date|skipped)"
    r"|requirements install: (complete|up to date|disabled)"
    r"|environment check|handing off)"
)
VERSION = re.compile(r"^\d+\.\d+\.\d+\S*$")


def docker_binary() -> str:
    return os.environ.get("DOCKER") or "docker"


def say(message: str = "") -> None:
    print(f"[demo] {message}" if message else "", flush=True)


def create_command(image: str, name: str) -> list[str]:
    command = [
        docker_binary(),
        "create",
        "--name",
        name,
        "--volume",
        f"{EXAMPLES / 'project'}:{PROJECT_DIR}:ro",
        "--volume",
        f"{EXAMPLES / 'apps'}:{APPS_DIR}:ro",
        "--env",
        f"HASSETTE__PROJECT_DIR={PROJECT_DIR}",
        "--env",
        f"HASSETTE__APPS__DIRECTORY={APPS_DIR}",
        "--env",
        "HASSETTE__INSTALL_DEPS=1",
    ]
    bundle = os.environ.get("SSL_CERT_FILE")
    if bundle and Path(bundle).is_file():
        command += [
            "--volume",
            f"{Path(bundle).resolve()}:{CA_PATH}:ro",
            "--env",
            f"SSL_CERT_FILE={CA_PATH}",
        ]
    return [*command, image, "--version"]


def start(name: str, label: str) -> tuple[int, float, list[str]]:
    """`docker start -a NAME`, echoing its output; (exit code, seconds, output lines)."""
    say(f"--- {label}: docker start -a {name}")
    started = time.monotonic()
    process = subprocess.Popen(
        [docker_binary(), "start", "-a", name],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    lines = []
    for line in process.stdout:
        print(f"  {line}", end="", flush=True)
        lines.append(line.rstrip("\n"))
    code = process.wait()
    return code, time.monotonic() - started, lines


def summarize(label: str, code: int, took: float, lines: list[str]) -> None:
    say(f"{label}: exit {code} in {took:.1f}s")
    for line in lines:
        if SUMMARY.search(line):
            say(f"    {line.strip()}")
    versions = [line.strip() for line in lines if VERSION.match(line.strip())]
    if versions:
        say(f"    hassette --version printed {versions[-1]}")


def remove(name: str) -> None:
    subprocess.run([docker_binary(), "rm", "--force", name], capture_output=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--image",
        default="hassette-tasks:3.13",
        help="the image to boot (default hassette-tasks:3.13)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the container afterwards (docker logs / docker start -a)",
    )
    args = parser.parse_args(argv)

    # SIGTERM (nox, CI cancelling) cleans up like Ctrl-C does
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    name = f"hassette-tasks-demo-{os.getpid()}"
    command = create_command(args.image, name)
    say(f"examples: {EXAMPLES}")
    say("create: " + " ".join(command[1:]))
    results = []
    try:
        created = subprocess.run(command, capture_output=True, text=True)
        if created.returncode:
            say(f"docker create failed: {created.stderr.strip()}")
            return 1
        for label in ("first start (cold)", "second start (warm restart)"):
            code, took, lines = start(name, label)
            results.append((label, code, took, lines))
            if code:
                break  # a failed first start tells everything; the summary says so
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    finally:
        if args.keep:
            say(f"kept the container: docker rm -f {name}")
        else:
            remove(name)

    say()
    say(f"summary ({args.image}):")
    for label, code, took, lines in results:
        summarize(label, code, took, lines)
    failed = [label for label, code, *_ in results if code]
    if failed or len(results) < 2:
        say(f"FAILED: {', '.join(failed) or 'not every start ran'}")
        return 1
    say("both starts succeeded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
