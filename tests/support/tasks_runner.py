"""Run the task collection as a user would: `invoke TASK ...` in a subprocess.

`uv run invoke` costs a resolve each time; the project's own venv (the interpreter running
the tests) has `invoke` next to it, and `--search-root` points it at this repository's
tasks.py. Every setting comes from the environment a `Layout` describes.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

# every task of the collection, as `invoke --list` names them
TASKS = (
    "bake",
    "baseline",
    "boot",
    "constraints",
    "export",
    "install-locked",
    "install-reqs",
    "prune",
    "settings-names",
    "start",
)

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMP_PREFIX = "hassette-tasks-"
# `[    412ms] message`: how every phase line starts
PHASE_LINE = re.compile(r"^\[ *\d+ms\] ")
# variables from the outer environment that must not steer a test run
_DROPPED_PREFIXES = ("HASSETTE__", "HASSETTE_TASKS_", "UV_", "PIP_", "FAKE_HASSETTE_")


def invoke_executable() -> Path:
    """The `invoke` script of the interpreter running the tests (the project's venv)."""
    found = Path(sys.executable).parent / "invoke"
    if not found.exists():
        raise RuntimeError(
            f"no invoke next to {sys.executable}: install the project first (uv sync --group dev)"
        )
    return found


def base_environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(_DROPPED_PREFIXES)}
    env.pop("VIRTUAL_ENV", None)
    env.update(UV_PYTHON_DOWNLOADS="never", NO_COLOR="1", PYTHONUNBUFFERED="1")
    env["HASSETTE_TASKS_HEALTH"] = "0"  # no health answer on the host's port 8126 (tests opt in)
    return env


@dataclass
class Result:
    """What a user sees: the exit code, stdout, stderr, and how long it took."""

    args: list[str]
    exit_code: int
    stdout: str
    stderr: str
    seconds: float
    pid: int

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def lines(self) -> list[str]:
        return self.output.splitlines()

    def phase_lines(self) -> list[str]:
        return [line for line in self.stdout.splitlines() if PHASE_LINE.match(line)]

    def hassette(self) -> dict | None:
        """What the stand-in hassette printed (`{"pid": ..., "argv": [...]}`), if it ran."""
        for line in reversed(self.stdout.splitlines()):
            if line.startswith('{"pid"'):
                return json.loads(line)
        return None

    def describe(self) -> str:
        return (
            f"$ invoke {' '.join(self.args)}\nexit code {self.exit_code} after "
            f"{self.seconds:.1f}s\n--- stdout\n{self.stdout}--- stderr\n{self.stderr}"
        )


@dataclass
class Layout:
    """The folders a boot sees, and the environment that names them.

    `root` should contain a space: the real image's paths do not, users' paths do.
    """

    root: Path
    venv: Path
    constraints: Path
    wheels: Path  # the find-links folder (UV_FIND_LINKS)
    project_dir: Path = field(init=False)
    apps_dir: Path = field(init=False)
    config_dir: Path = field(init=False)
    tmpdir: Path = field(init=False)
    uv_cache: Path = field(init=False)
    extra_find_links: list[Path] = field(default_factory=list)
    env_overrides: dict[str, str] = field(default_factory=dict)
    # put before `invoke` (e.g. setpriv, to run the task with fewer privileges)
    command_prefix: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.project_dir = self.root / "apps"  # project and apps share a folder, as in /apps
        self.apps_dir = self.project_dir
        self.config_dir = self.root / "config"
        self.tmpdir = self.root / "tmp"
        self.uv_cache = self.root / "uv cache"
        for folder in (self.project_dir, self.config_dir, self.tmpdir, self.uv_cache):
            folder.mkdir(parents=True, exist_ok=True)

    def env(self, extra: Mapping[str, str | None] | None = None) -> dict[str, str]:
        env = base_environment()
        env.update(
            HASSETTE__VENV=str(self.venv),
            HASSETTE__CONSTRAINTS=str(self.constraints),
            HASSETTE__PROJECT_DIR=str(self.project_dir),
            HASSETTE__APPS__DIRECTORY=str(self.apps_dir),
            HASSETTE__CONFIG_DIR=str(self.config_dir),
            UV_FIND_LINKS=",".join(str(p) for p in [self.wheels, *self.extra_find_links]),
            UV_NO_INDEX="1",
            UV_CACHE_DIR=str(self.uv_cache),
            UV_HTTP_RETRIES="0",
            TMPDIR=str(self.tmpdir),
        )
        for source in (self.env_overrides, extra or {}):
            for key, value in source.items():
                if value is None:
                    env.pop(key, None)
                else:
                    env[key] = value
        return env

    def command(self, args: Iterable[str]) -> list[str]:
        return [
            *self.command_prefix,
            str(invoke_executable()),
            "--search-root",
            str(REPO_ROOT),
            *args,
        ]

    def run(
        self,
        *args: str,
        env: Mapping[str, str | None] | None = None,
        timeout: float = 90,
        cwd: Path | None = None,
    ) -> Result:
        """Run `invoke ARGS` to the end and return what it printed."""
        started = time.monotonic()
        process = subprocess.Popen(
            self.command(args),
            env=self.env(env),
            cwd=cwd or self.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
            raise AssertionError(
                f"invoke {' '.join(args)} still running after {timeout}s:\n{stdout}{stderr}"
            ) from None
        return Result(
            list(args), process.returncode, stdout, stderr, time.monotonic() - started, process.pid
        )

    def spawn(self, *args: str, env: Mapping[str, str | None] | None = None) -> Running:
        """Start `invoke ARGS` in the background (for signal tests)."""
        process = subprocess.Popen(
            self.command(args),
            env=self.env(env),
            cwd=self.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        return Running(list(args), process)

    def leftover_temp_dirs(self) -> list[Path]:
        return sorted(self.tmpdir.glob(f"{TEMP_PREFIX}*"))


class Running:
    """A task running in the background; its output is read on a thread, line by line."""

    def __init__(self, args: list[str], process: subprocess.Popen):
        self.args = args
        self.process = process
        self.started = time.monotonic()
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def wait_for(self, pattern: str, timeout: float = 30) -> str:
        """Block until a line containing PATTERN appears; fail with everything seen if not."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                break
            if line is None:
                self._lines.put(None)
                break
            self.seen.append(line)
            if pattern in line:
                return line
        self.kill()
        raise AssertionError(f"{pattern!r} never appeared; output:\n{''.join(self.seen)}")

    def signal(self, signum: int = signal.SIGTERM) -> None:
        self.process.send_signal(signum)

    def finish(self, timeout: float = 15) -> Result:
        """Wait for the exit (killing the group after TIMEOUT) and collect the output."""
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(
                f"invoke {' '.join(self.args)} did not exit within {timeout}s "
                f"after being told to; output:\n{''.join(self.seen)}"
            ) from None
        self._reader.join(timeout=5)
        while True:
            try:
                line = self._lines.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.seen.append(line)
        return Result(
            self.args,
            self.process.returncode,
            "".join(self.seen),
            "",
            time.monotonic() - self.started,
            self.process.pid,
        )

    def kill(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def write_uv_wrapper(folder: Path, log: Path) -> Path:
    """A `uv` for the front of PATH that logs each call's arguments (one line) to LOG."""
    real = shutil.which("uv")
    if not real:
        raise RuntimeError("uv is not on PATH")
    folder.mkdir(parents=True, exist_ok=True)
    wrapper = folder / "uv"
    wrapper.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{log}'\nexec '{real}' \"$@\"\n")
    wrapper.chmod(0o755)
    return wrapper
