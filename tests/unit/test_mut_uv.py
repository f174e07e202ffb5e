"""uv: behaviours of the runner and of uv's environment that surviving mutants showed no test
pinned down (tests/unit/test_uv.py and test_uv_runner.py hold the first ones). A stand-in
`uv` on PATH is the program run, so what it sees (its folder, environment, output stream,
process group) is what a real uv would see."""

from __future__ import annotations

import errno
import io
import os
import sys
import threading
import time
from pathlib import Path

import pytest

from hassette_tasks import uv
from hassette_tasks.console import Console
from hassette_tasks.errors import Failure
from hassette_tasks.settings import Timeout


def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> Path:
    script = tmp_path / "bin" / "uv"
    script.parent.mkdir(exist_ok=True)
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{script.parent}:{os.environ['PATH']}")
    return script


def console() -> tuple[Console, io.StringIO]:
    stream = io.StringIO()
    return Console(env={}, stream=stream), stream


# --- what uv's failure says


def test_a_failure_names_uvs_exit_code_in_its_message():
    assert str(uv.UvFailed("", 2)) == "uv failed (exit 2)"
    assert str(uv.UvFailed("", None, Timeout("X", "1"))) == "uv failed (exit None)"


def test_a_resolution_failure_caused_by_an_unreachable_index_is_unreachable():
    # uv reports the package as not found when it could not ask the index at all
    output = (
        "error: No solution found when resolving dependencies\n"
        "  cause: Because applibc was not found in the package registry ...\n"
        "  cause: error sending request for url (http://127.0.0.1:9/simple/applibc/)\n"
    )
    assert uv.UvFailed(output, 1).classify() is Failure.UNREACHABLE


def test_no_timeout_is_not_a_timed_out_failure():
    failed = uv.UvFailed("error: some other problem", 1)
    assert failed.timed_out is False and failed.timeout is None
    assert failed.classify() is Failure.INSTALL


# --- uv's environment


def test_environment_drops_virtual_env_and_turns_colour_off(monkeypatch):
    monkeypatch.setenv("VIRTUAL_ENV", "/opt/tasks-venv")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("UV_INDEX_URL", "http://127.0.0.1:9/simple")

    env = uv.environment()

    assert "VIRTUAL_ENV" not in env
    assert env["NO_COLOR"] == "1"
    assert env["UV_INDEX_URL"] == "http://127.0.0.1:9/simple"  # UV_* untouched


def test_environment_keeps_the_users_no_color_and_adds_extra(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "yes")

    env = uv.environment({"UV_OFFLINE": "1", "NO_COLOR": "0"})

    assert env["UV_OFFLINE"] == "1"
    assert env["NO_COLOR"] == "0"  # EXTRA wins over everything
    assert uv.environment()["NO_COLOR"] == "yes"
    assert "UV_OFFLINE" not in os.environ  # the process's own environment is not changed


# --- a uv cache this user cannot write


@pytest.fixture
def not_a_folder(tmp_path) -> Path:
    """A plain file (no execute bit): nobody, root included, can make a folder in it."""
    path = tmp_path / "cache volume"
    path.write_text("")
    path.chmod(0o644)
    return path


def test_an_unwritable_cache_is_named(not_a_folder):
    assert uv.unwritable_cache({"UV_CACHE_DIR": str(not_a_folder)}) == str(not_a_folder)
    inside = str(not_a_folder / "uv" / "cache")  # missing: its nearest existing parent counts
    assert uv.unwritable_cache({"UV_CACHE_DIR": inside}) == inside


def test_a_writable_or_unused_cache_is_not_named(tmp_path, not_a_folder, monkeypatch):
    assert uv.unwritable_cache({"UV_CACHE_DIR": str(tmp_path)}) is None
    assert uv.unwritable_cache({"UV_CACHE_DIR": str(tmp_path / "not yet" / "made")}) is None
    assert uv.unwritable_cache({}) is None
    assert uv.unwritable_cache({"UV_CACHE_DIR": ""}) is None
    unused = {"UV_CACHE_DIR": str(not_a_folder), "UV_NO_CACHE": "1"}
    assert uv.unwritable_cache(unused) is None


def test_unwritable_cache_reads_the_process_environment_by_default(not_a_folder, monkeypatch):
    monkeypatch.setenv("UV_CACHE_DIR", str(not_a_folder))
    monkeypatch.delenv("UV_NO_CACHE", raising=False)
    assert uv.unwritable_cache() == str(not_a_folder)
    assert uv.unwritable_cache({}) is None  # the environment given, not the process's
    monkeypatch.setenv("UV_NO_CACHE", "1")
    assert uv.unwritable_cache() is None
    assert uv.unwritable_cache({"UV_CACHE_DIR": str(not_a_folder)}) == str(not_a_folder)


def test_an_unwritable_cache_means_installing_without_one(not_a_folder, monkeypatch):
    monkeypatch.setenv("UV_CACHE_DIR", str(not_a_folder))
    # set (empty: unset to uv), not deleted: monkeypatch then also undoes the fall-back's own
    # UV_NO_CACHE=1, which otherwise leaks into every later test's uv (a prune without a cache)
    monkeypatch.setenv("UV_NO_CACHE", "")
    shown, stream = console()

    assert uv.use_cache_or_fall_back(shown) is False

    assert os.environ["UV_NO_CACHE"] == "1"  # every uv call of this start goes without it
    assert (
        f"warning: the uv cache {not_a_folder} is not writable by uid {os.getuid()}: "
        "installing without a cache this time (make the volume writable by that user to "
        "speed up installs)\n"
    ) in stream.getvalue()


def test_a_writable_cache_is_used_without_a_word(tmp_path, monkeypatch):
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("UV_NO_CACHE", raising=False)
    shown, stream = console()

    assert uv.use_cache_or_fall_back(shown) is True

    assert "UV_NO_CACHE" not in os.environ
    assert stream.getvalue() == ""


# --- running uv


def test_uv_not_on_path_is_the_image_failure(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(uv.UvNotFound) as missing:
        uv.run(["--version"], console()[0])

    assert missing.value.failure is Failure.IMAGE
    assert missing.value.what == "uv was not found on PATH."
    assert missing.value.todo == "The image may be corrupt: rebuild or pull it again."


def test_without_echo_nothing_is_shown_but_everything_is_kept(tmp_path, monkeypatch):
    stand_in(tmp_path, monkeypatch, 'echo "Resolved 1 package"\necho "+ appliba==1.0" >&2\n')
    shown, stream = console()

    output = uv.run(["pip", "install", "x"], shown, echo=False)

    assert output == "Resolved 1 package\n+ appliba==1.0\n"
    assert stream.getvalue() == ""


def test_a_failure_without_echo_still_keeps_uvs_words(tmp_path, monkeypatch):
    stand_in(tmp_path, monkeypatch, 'echo "error: nope" >&2\nexit 1\n')
    shown, stream = console()

    with pytest.raises(uv.UvFailed) as failed:
        uv.run(["pip", "install", "x"], shown, echo=False)

    assert failed.value.output == "error: nope\n" and failed.value.exit_code == 1
    assert failed.value.timed_out is False
    assert stream.getvalue() == ""


def test_captured_failure_keeps_standard_error_for_the_banner(tmp_path, monkeypatch):
    stand_in(tmp_path, monkeypatch, 'echo "appliba==1.0"\necho "error: lock" >&2\nexit 2\n')

    with pytest.raises(uv.UvFailed) as failed:
        uv.run(["export"], console()[0], capture=True)

    assert failed.value.output == "error: lock\n"  # the export's list is not uv's words


def test_uv_runs_in_the_folder_given_with_its_arguments_as_given(tmp_path, monkeypatch):
    stand_in(tmp_path, monkeypatch, 'pwd\nfor arg in "$@"; do echo "[$arg]"; done\n')
    folder = tmp_path / "private copy"
    folder.mkdir()

    output = uv.run(["pip", Path("a b"), "--x"], console()[0], cwd=folder)

    assert output.splitlines() == [str(folder), "[pip]", "[a b]", "[--x]"]
    assert uv.run([], console()[0]).splitlines() == [os.getcwd()]


def test_a_cwd_that_is_not_a_folder_is_an_os_error(tmp_path, monkeypatch):
    stand_in(tmp_path, monkeypatch, "echo ran\n")
    a_file = tmp_path / "pyproject.toml"
    a_file.write_text("")

    with pytest.raises(NotADirectoryError) as error:
        uv.run(["pip"], console()[0], cwd=a_file)

    assert error.value.filename == str(a_file)
    assert error.value.errno == errno.ENOTDIR
    assert error.value.strerror == os.strerror(errno.ENOTDIR)
    with pytest.raises(FileNotFoundError):
        uv.run(["pip"], console()[0], cwd=tmp_path / "gone")


def test_uv_gets_the_environment_given_or_uvs_own(tmp_path, monkeypatch):
    stand_in(tmp_path, monkeypatch, 'echo "${MARK-unset} ${VIRTUAL_ENV-unset} ${NO_COLOR-unset}"\n')
    monkeypatch.setenv("VIRTUAL_ENV", "/opt/tasks-venv")
    monkeypatch.setenv("MARK", "from us")
    monkeypatch.delenv("NO_COLOR", raising=False)
    env = {"PATH": os.environ["PATH"], "MARK": "given"}

    assert uv.run(["x"], console()[0], env=env) == "given unset unset\n"
    assert uv.run(["x"], console()[0]) == "from us unset 1\n"


def test_uvs_output_is_not_a_terminal_and_bad_bytes_do_not_stop_it(tmp_path, monkeypatch):
    stand_in(
        tmp_path,
        monkeypatch,
        "if [ -t 1 ]; then echo tty; else echo pipe; fi\nprintf 'caf\\351\\n'\necho after\n",
    )

    output = uv.run(["x"], console()[0])

    assert output == "pipe\ncaf\ufffd\nafter\n"


def test_uv_runs_in_a_process_group_of_its_own(tmp_path, monkeypatch):
    group_of_uv = f"exec '{sys.executable}' -c 'import os; print(os.getpgid(0))'\n"
    stand_in(tmp_path, monkeypatch, group_of_uv)

    group = int(uv.run(["x"], console()[0]).strip())

    assert group != os.getpgrp()


def test_a_failure_leaves_no_traceback_on_standard_error(tmp_path, monkeypatch, capfd):
    stand_in(tmp_path, monkeypatch, 'echo "error: nope"\nexit 3\n')

    with pytest.raises(uv.UvFailed):
        uv.run(["x"], console()[0])
    time.sleep(0.2)  # a background thread's exception would print by now

    captured = capfd.readouterr()
    assert "Traceback" not in captured.err + captured.out


def test_work_alongside_runs_while_uv_runs(tmp_path, monkeypatch):
    gate = tmp_path / "gate"
    stand_in(tmp_path, monkeypatch, f"while [ ! -e '{gate}' ]; do sleep 0.01; done\necho done\n")
    seen = []

    def alongside() -> None:
        seen.append("ran")
        gate.write_text("")  # uv waits for this: it ran while uv was running

    assert uv.run(["x"], console()[0], alongside=alongside) == "done\n"
    assert seen == ["ran"]


def test_a_failing_alongside_stops_uv_and_goes_on(tmp_path, monkeypatch):
    pid_file = tmp_path / "uv.pid"
    # written whole, then renamed: the file is never seen empty
    script = f"echo $$ > '{pid_file}.tmp'\nmv '{pid_file}.tmp' '{pid_file}'\nsleep 300\n"
    stand_in(tmp_path, monkeypatch, script)
    before = threading.active_count()

    def alongside() -> None:
        deadline = time.monotonic() + 10
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        raise OSError("the work of ours failed")

    started = time.monotonic()
    with pytest.raises(OSError, match="the work of ours failed"):
        uv.run(["x"], console()[0], alongside=alongside)

    assert time.monotonic() - started < 10
    pid = int(pid_file.read_text())
    assert not Path(f"/proc/{pid}").exists(), "uv was left running (or unreaped)"
    assert threading.active_count() == before


def test_a_failing_alongside_after_uv_ended_is_the_error_that_goes_on(tmp_path, monkeypatch):
    stand_in(tmp_path, monkeypatch, "echo done\n")  # ends (and is reaped) at once

    def alongside() -> None:
        time.sleep(0.5)  # uv's process group is gone: stopping it finds no process
        raise OSError("the work of ours failed")

    with pytest.raises(OSError, match="the work of ours failed"):
        uv.run(["x"], console()[0], alongside=alongside)


# sh forks while that thread lives: Python 3.12+ warns of it (boot keeps to one thread)
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_thread_of_ours_does_not_hold_uv_up(tmp_path, monkeypatch):
    # uv.run waits for the threads it started (sh's), never for a caller's own
    stand_in(tmp_path, monkeypatch, "echo done\n")
    stop = threading.Event()
    health = threading.Thread(target=stop.wait, daemon=True)
    health.start()
    try:
        started = time.monotonic()
        assert uv.run(["x"], console()[0], timeout=Timeout("X", "300")) == "done\n"
        assert time.monotonic() - started < uv.THREAD_JOIN_SECONDS - 1
        assert health.is_alive()
    finally:
        stop.set()
        health.join()


def test_a_quick_uv_call_returns_quickly(tmp_path, monkeypatch):
    stand_in(tmp_path, monkeypatch, "echo done\n")

    started = time.monotonic()
    uv.run(["x"], console()[0])

    assert time.monotonic() - started < uv.THREAD_JOIN_SECONDS - 1


def test_a_timeout_that_does_not_pass_stops_nothing(tmp_path, monkeypatch):
    stand_in(tmp_path, monkeypatch, "sleep 0.3\necho finished\n")

    output = uv.run(["x"], console()[0], timeout=Timeout("X", "5"))

    assert output == "finished\n"


def test_a_timed_out_uv_is_reported_as_a_timeout(tmp_path, monkeypatch):
    stand_in(tmp_path, monkeypatch, "echo started\nexec sleep 300\n")
    timeout = Timeout("HASSETTE__REQUIREMENTS_TIMEOUT", "1")

    with pytest.raises(uv.UvFailed) as failed:
        uv.run(["x"], console()[0], timeout=timeout)

    assert failed.value.timeout is timeout
    assert failed.value.classify() is Failure.TIMEOUT
    assert failed.value.output == "started\n"


# --- the kernel's thread count


def test_os_threads_is_the_kernels_count():
    with open("/proc/self/status") as status:
        threads = next(int(line.split()[1]) for line in status if line.startswith("Threads:"))
    assert uv._os_threads() == threads


# --- the detached prune


def test_start_detached_returns_at_once_and_the_command_runs(tmp_path):
    done = tmp_path / "out put"
    sid = f"'{sys.executable}' -c 'import os; print(os.getsid(0))'"
    script = f"sleep 0.5; {sid} > '{done}.tmp'; echo \"$MARK\" >> '{done}.tmp'; "
    script += f"mv '{done}.tmp' '{done}'"
    started = time.monotonic()

    uv.start_detached(["/bin/sh", "-c", script], {"MARK": "given", "PATH": os.environ["PATH"]})

    assert time.monotonic() - started < 0.5
    deadline = time.monotonic() + 10
    while not done.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    session, mark = done.read_text().split()
    assert mark == "given"
    assert int(session) != os.getsid(0)  # a session of its own: our signals do not reach it
