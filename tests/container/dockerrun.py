"""Run the image under test with the docker CLI: one-shot runs, detached containers, cleanup.

Every container gets a label naming the test session, so whatever a failed or interrupted
test leaves behind is removed at the end of the session. Output is stdout and stderr
combined, as `docker logs` shows it to a user. The CLI is called through `sh` (as
hassette_tasks calls uv): no tty, a timeout, and every exit code returned for the caller
to judge.
"""

from __future__ import annotations

import io
import itertools
import os
import shutil
import stat
import tarfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sh

DOCKER = os.environ.get("DOCKER") or "docker"
LABEL = "hassette-tasks-tests"
# a non-zero exit is an answer the caller judges; only a timeout raises
ANY_EXIT = tuple(range(256))
_serial = itertools.count(1)


@dataclass
class Run:
    """What a user sees from a docker command: the exit code and everything printed."""

    command: list[str]
    exit_code: int
    output: str
    seconds: float

    def describe(self) -> str:
        return (
            f"$ {' '.join(self.command)}\nexit code {self.exit_code} after "
            f"{self.seconds:.1f}s\n--- output\n{self.output}"
        )


class StillRunning(AssertionError):
    """The docker client outlived its timeout and was killed; `run` holds what it printed."""

    def __init__(self, run: Run, timeout: float):
        super().__init__(f"still running after {timeout}s:\n{run.describe()}")
        self.run = run


def _docker_command(args: Sequence[str], timeout: float, out, **options):
    """`docker ARGS` through sh, output to OUT (a callback, file object or path)."""
    return sh.Command(DOCKER)(
        *args,
        _out=out,
        _tty_out=False,
        _timeout=timeout,
        _ok_code=ANY_EXIT,
        _return_cmd=True,
        **options,
    )


def run_docker(*args: str, timeout: float = 60) -> Run:
    """`docker ARGS` to the end: its exit code and its output (stdout and stderr combined).

    Raises StillRunning, with the output so far, when it outlives TIMEOUT.
    """
    lines: list[str] = []
    started = time.monotonic()

    def result(code: int) -> Run:
        return Run([DOCKER, *args], code, "".join(lines), time.monotonic() - started)

    try:
        finished = _docker_command(
            args, timeout, lines.append, _err_to_out=True, _decode_errors="replace"
        )
    except sh.TimeoutException as late:
        raise StillRunning(result(late.exit_code), timeout) from None
    return result(finished.exit_code)


def docker(*args: str, timeout: float = 60, check: bool = True) -> Run:
    """The docker CLI; raises with its output when CHECK and it fails."""
    result = run_docker(*args, timeout=timeout)
    if check and result.exit_code != 0:
        raise RuntimeError(f"docker {' '.join(args)} failed ({result.exit_code}):\n{result.output}")
    return result


@dataclass(frozen=True)
class Mount:
    """A host folder or file seen by the container at TARGET."""

    source: Path
    target: str
    read_only: bool = False

    def option(self) -> list[str]:
        return ["-v", f"{self.source}:{self.target}{':ro' if self.read_only else ''}"]


def open_for_container(mounts: Iterable[Mount]) -> None:
    """Let the container's user (uid 1000) read every mounted tree and write writable ones.

    pytest's temporary folders are private (0700) and owned by whoever runs the tests.
    """
    for mount in mounts:
        paths = [mount.source]
        if mount.source.is_dir():
            paths += list(mount.source.rglob("*"))
        for path in paths:
            if path.is_symlink():
                continue
            mode = path.stat().st_mode
            extra = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
            if path.is_dir() or mode & stat.S_IXUSR:
                extra |= stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH
            if not mount.read_only and path == mount.source and path.is_dir():
                extra |= stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
            path.chmod(mode | extra)


@dataclass
class Docker:
    """The image under test, on the compose network, labelled for cleanup."""

    image: str
    network: str | None
    session: str
    containers: list[str] = field(default_factory=list)

    def _name(self) -> str:
        return f"htt-{self.session}-{next(_serial)}"

    def _options(
        self,
        name: str,
        *,
        env: Mapping[str, str] | None = None,
        mounts: Sequence[Mount] = (),
        user: str | None = None,
        entrypoint: str | None = None,
        network: str | None = None,
        options: Sequence[str] = (),
    ) -> list[str]:
        """`docker run`/`create` options: the name, the session label, the network (the
        index's unless NETWORK), ENV, MOUNTS (opened for uid 1000), USER, ENTRYPOINT, and
        OPTIONS verbatim."""
        open_for_container(mounts)
        args = ["--name", name, "--label", f"{LABEL}={self.session}"]
        chosen = network if network is not None else self.network
        if chosen:
            args += ["--network", chosen]
        for key, value in (env or {}).items():
            args += ["-e", f"{key}={value}"]
        for mount in mounts:
            args += mount.option()
        if user:
            args += ["--user", user]
        if entrypoint:
            args += ["--entrypoint", entrypoint]
        return [*args, *options]

    def run(self, *args: str, timeout: float = 120, **spec) -> Run:
        """`docker run --rm IMAGE ARGS` to the end; the container is removed on a timeout.

        SPEC: the keywords of `_options` (env, mounts, user, entrypoint, network, options).
        """
        name = self._name()
        chosen = self._options(name, **spec)
        try:
            return run_docker("run", "--rm", *chosen, self.image, *args, timeout=timeout)
        except StillRunning as late:
            self.remove(name)  # killing the client leaves the container running
            raise AssertionError(f"removed {name}, {late}") from None

    def create(self, *args: str, **spec) -> str:
        """`docker create` (kept until the end of the test, or the session); SPEC as for run."""
        name = self._name()
        docker("create", *self._options(name, **spec), self.image, *args)
        self.containers.append(name)
        return name

    def start_attached(self, name: str, timeout: float = 120) -> Run:
        """`docker start -a NAME`: runs the container's command again, to the end."""
        try:
            run = run_docker("start", "-a", name, timeout=timeout)
        except StillRunning:
            docker("kill", name, check=False)
            raise AssertionError(
                f"{name} still running after {timeout}s: {self.logs(name)}"
            ) from None
        run.exit_code = self.exit_code(name)  # `start -a` passes it on; inspect is the authority
        return run

    def start_detached(self, *args: str, **kwargs) -> str:
        """`docker run -d`: for signal and halt tests; removed at the end of the test."""
        name = self.create(*args, **kwargs)
        docker("start", name)
        return name

    def logs(self, name: str) -> str:
        return docker("logs", name, check=False).output

    def wait_for_log(self, name: str, text: str, timeout: float = 60) -> str:
        """Poll `docker logs` until TEXT appears; fail with the log if it does not."""
        deadline = time.monotonic() + timeout
        while True:
            logs = self.logs(name)
            if text in logs:
                return logs
            if time.monotonic() > deadline or not self.running(name):
                raise AssertionError(
                    f"{text!r} never appeared in the log of {name} "
                    f"(running: {self.running(name)}):\n{logs}"
                )
            time.sleep(0.25)

    def _copy_out(self, name: str, path: str, out) -> int:
        """`docker cp NAME:PATH -` (a tar archive) into OUT; docker's exit code."""
        copy = _docker_command(["cp", f"{name}:{path}", "-"], 120, out, _err=os.devnull)
        return copy.exit_code

    def files(self, name: str, path: str) -> list[str]:
        """The paths under PATH in container NAME (running or stopped), from `docker cp`."""
        archive = io.BytesIO()  # no `encoding`: sh writes the tar's bytes as they come
        code = self._copy_out(name, path, archive)
        if code != 0:
            raise RuntimeError(f"docker cp {name}:{path} failed ({code})")
        archive.seek(0)
        with tarfile.open(fileobj=archive) as tar:
            return tar.getnames()

    def read_text(self, name: str, path: str) -> str:
        """The text of the file PATH in container NAME (running or stopped)."""
        archive = io.BytesIO()
        code = self._copy_out(name, path, archive)
        if code != 0:
            raise RuntimeError(f"docker cp {name}:{path} failed ({code})")
        archive.seek(0)
        with tarfile.open(fileobj=archive) as tar:
            member = tar.extractfile(tar.getmembers()[0])
            return member.read().decode() if member else ""

    def exists(self, name: str, path: str) -> bool:
        return self._copy_out(name, path, os.devnull) == 0

    def inspect(self, name: str, template: str) -> str:
        return docker("inspect", "--format", template, name).output.strip()

    def running(self, name: str) -> bool:
        return self.inspect(name, "{{.State.Running}}") == "true"

    def exit_code(self, name: str) -> int:
        return int(self.inspect(name, "{{.State.ExitCode}}"))

    def stop(self, name: str, grace: int = 10) -> float:
        """`docker stop -t GRACE`; returns how long it took."""
        started = time.monotonic()
        docker("stop", "-t", str(grace), name, timeout=grace + 30)
        return time.monotonic() - started

    def remove(self, name: str) -> None:
        docker("rm", "-f", "-v", name, check=False)

    def remove_all(self) -> None:
        """Every container this session labelled (including ones a failed test left)."""
        listed = docker("ps", "-aq", "--filter", f"label={LABEL}={self.session}", check=False)
        ids = listed.output.split()
        if ids:
            docker("rm", "-f", "-v", *ids, check=False, timeout=120)
        self.containers.clear()


def remove_tree(path: Path, image: str) -> None:
    """Remove PATH even if the container (uid 1000) left files the host user cannot delete."""
    if not path.exists():
        return
    try:
        shutil.rmtree(path)
        return
    except PermissionError:
        pass
    # a root container gives everything back to us, then we delete as usual
    docker(
        "run",
        "--rm",
        "--user",
        "0",
        "-v",
        f"{path}:/cleanup",
        "--entrypoint",
        "chown",
        image,
        "-R",
        f"{os.getuid()}:{os.getgid()}",
        "/cleanup",
        check=False,
        timeout=120,
    )
    for folder, dirs, _files in os.walk(path):
        for name in dirs:
            os.chmod(os.path.join(folder, name), 0o700)
    os.chmod(path, 0o700)
    shutil.rmtree(path)


def write(path: Path, text: str) -> Path:
    """A file for a mounted folder (parents made)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
