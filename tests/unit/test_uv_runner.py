"""uv.run with a stand-in `uv` on PATH: no idle wait after uv ends, no thread left behind,
and a timeout that stops uv's whole process group."""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import threading
import time

import pytest

from hassette_tasks import uv
from hassette_tasks.console import Console
from hassette_tasks.settings import Timeout


def stand_in(tmp_path, monkeypatch, body: str):
    script = tmp_path / "bin" / "uv"
    script.parent.mkdir(exist_ok=True)
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{script.parent}:{os.environ['PATH']}")
    return script


def alive(pid: int) -> bool:
    """Running (a zombie, killed and waiting for its parent to reap it, is not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def console() -> Console:
    return Console(env={}, stream=io.StringIO())


def test_lines_are_echoed_as_they_come_and_kept(tmp_path, monkeypatch):
    stand_in(tmp_path, monkeypatch, 'echo "Resolved 1 package"\necho "+ appliba==1.0" >&2\n')
    stream = io.StringIO()

    output = uv.run(["pip", "install", "x"], Console(env={}, stream=stream))

    assert output == "Resolved 1 package\n+ appliba==1.0\n"
    assert "    Resolved 1 package\n    + appliba==1.0\n" in stream.getvalue()


def test_no_idle_wait_after_uv_ends(tmp_path, monkeypatch):
    # sh's callback and _timeout modes idle 0.1 s after the process ends; compare with a
    # plain subprocess running the same stand-in (medians: the machine may be busy)
    script = stand_in(tmp_path, monkeypatch, 'echo "line"\necho "warning" >&2\n')
    timeout = Timeout("HASSETTE__INSTALL_TIMEOUT", "300")
    ours, plain, exported = [], [], []
    for _ in range(7):
        started = time.monotonic()
        subprocess.run([str(script)], capture_output=True, check=True)
        plain.append(time.monotonic() - started)
        started = time.monotonic()
        uv.run(["pip", "check"], console(), timeout=timeout)
        ours.append(time.monotonic() - started)
        started = time.monotonic()
        uv.run(["export"], console(), timeout=timeout, capture=True)
        exported.append(time.monotonic() - started)
    overhead = statistics.median(ours) - statistics.median(plain)
    assert overhead < 0.05, f"uv.run took {overhead * 1000:.0f} ms longer than uv itself"
    overhead = statistics.median(exported) - statistics.median(plain)
    assert overhead < 0.05, f"a capture took {overhead * 1000:.0f} ms longer than uv itself"


@pytest.mark.parametrize("code", [0, 3])
def test_no_thread_is_left_running(tmp_path, monkeypatch, code):
    stand_in(tmp_path, monkeypatch, f'echo "line"\nexit {code}\n')
    before = threading.active_count()
    kernel_before = uv._os_threads()
    timeout = Timeout("HASSETTE__INSTALL_TIMEOUT", "300")

    for capture in (False, True):
        try:
            uv.run(["pip", "check"], console(), timeout=timeout, capture=capture)
        except uv.UvFailed as error:
            assert error.exit_code == code
        # the kernel's count too: Python 3.12 warns on a fork by that count
        assert uv._os_threads() == kernel_before

    assert threading.active_count() == before, threading.enumerate()


def test_timeout_stops_uv_and_its_children(tmp_path, monkeypatch):
    child_pid = tmp_path / "child.pid"
    stand_in(
        tmp_path,
        monkeypatch,
        f"sleep 300 &\necho $! > '{child_pid}'\necho 'waiting for the index'\nwait\n",
    )
    before = threading.active_count()
    started = time.monotonic()

    with pytest.raises(uv.UvFailed) as failed:
        uv.run(["pip", "install", "x"], console(), timeout=Timeout("X", "1"))

    assert time.monotonic() - started < 10
    assert failed.value.timed_out and failed.value.exit_code is None
    assert "waiting for the index" in failed.value.output
    child = int(child_pid.read_text())
    deadline = time.monotonic() + 5
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.01)  # SIGKILL is delivered asynchronously
    assert not alive(child), "uv's child outlived the timeout"
    assert threading.active_count() == before, threading.enumerate()


class _ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_log_that_cannot_be_written_is_raised_here_after_uv_ends(tmp_path, monkeypatch, capfd):
    done = tmp_path / "done"
    stand_in(tmp_path, monkeypatch, f"echo one\necho two\ntouch '{done}'\n")

    with pytest.raises(BrokenPipeError):
        uv.run(["x"], Console(env={}, stream=_ClosedPipe()))

    assert done.exists()  # uv ran to its end
    assert "Traceback" not in capfd.readouterr().err  # nothing died in sh's reader thread
