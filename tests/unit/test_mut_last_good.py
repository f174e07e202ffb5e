"""last_good: when the last good environment takes over a network failure and what it leaves
(the record put back, the marker cleared, the banner, the hand-off note), on a real venv with
the real install guard; the host tests (tests/host/test_last_good.py) run it through boot.
Each test pins a behaviour a surviving mutant showed no unit test noticed."""

from __future__ import annotations

import io
import os
import shutil
import time

import pytest

from hassette_tasks import integrity, last_good, state
from hassette_tasks.console import Console
from hassette_tasks.environment import AppEnvironment
from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.settings import Timeout
from tests.unit.test_mut_exact import install, real_app, wheel

RECORD = b"the last successful start's record\n"


class Started(Exception):
    """What the hand-off would do: never return (the note it got is kept)."""


def hand_off(note: str):
    raise Started(note)


def failing(error: StartupError):
    def install() -> None:
        raise error

    return install


def network_down(**attributes: object) -> StartupError:
    error = StartupError(
        Failure.UNREACHABLE, "the package index cannot be reached.", "", "tcp connect error"
    )
    for name, value in attributes.items():
        setattr(error, name, value)
    return error


@pytest.fixture
def app(tmp_path, monkeypatch) -> AppEnvironment:
    return real_app(tmp_path, monkeypatch)


def guard_of_a_change(app: AppEnvironment) -> integrity.InstallGuard:
    """The guard of a start that installs a change, after a successful start left a record."""
    state.record_path(app.venv).write_bytes(RECORD)
    return integrity.InstallGuard(app, Console(env={}, stream=io.StringIO()), installing=True)


def last_good_of(app, guard, start=hand_off) -> tuple[last_good.LastGood, io.StringIO]:
    stream = io.StringIO()
    return last_good.LastGood(app.venv, guard, Console(env={}, stream=stream), start), stream


def test_a_step_that_installs_returns_what_it_returned(app):
    chosen, stream = last_good_of(app, guard_of_a_change(app))

    assert chosen.run("the requirements", lambda a, b: (a, b), 1, "two") == (1, "two")
    assert stream.getvalue() == ""


def test_a_network_failure_starts_on_the_last_good_venv_with_the_record_back(app):
    guard = guard_of_a_change(app)
    chosen, stream = last_good_of(app, guard)
    state.record_path(app.venv).write_bytes(b"")  # what forgetting the record before installs does

    with pytest.raises(Started) as started:
        chosen.run("the requirements", failing(network_down(missing=["appliba", "applibb"])))

    assert str(started.value) == last_good.HAND_OFF_NOTE
    assert state.record_path(app.venv).read_bytes() == RECORD
    assert not integrity.interrupted(app.venv)  # the venv is trusted again
    assert [p.name for p in app.venv.iterdir() if p.name.startswith(".record-")] == []
    text = stream.getvalue()
    assert f"  {last_good.TITLE}\n" in text
    assert "  Not installed: the requirements (appliba, applibb not in the local cache).\n" in text
    assert "  Why: the package index cannot be reached.\n" in text
    assert "Put back" not in text
    assert "    tcp connect error\n" in text  # uv's answer, under the banner
    assert (
        "  Hassette starts on the packages the last successful start installed. The "
        "warm-restart record is kept as it was: the next start with the package index "
        "reachable installs the change.\n"
    ) in text


def test_a_failure_naming_no_missing_package_names_the_step_alone(app):
    chosen, stream = last_good_of(app, guard_of_a_change(app))

    with pytest.raises(Started):
        chosen.use(chosen.console, "the locked project", StartupError(Failure.TIMEOUT, "slow."))

    assert "  Not installed: the locked project.\n" in stream.getvalue()


def test_what_an_earlier_step_added_is_put_back_and_said(app, tmp_path, monkeypatch):
    monkeypatch.setenv("UV_NO_INDEX", "1")
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    chosen, stream = last_good_of(app, guard_of_a_change(app))
    install(app.site_packages, "added", "3.0")  # the earlier step of this start

    with pytest.raises(Started):
        chosen.use(chosen.console, "the requirements", network_down())

    assert not (app.site_packages / "added-3.0.dist-info").exists()
    assert "  Put back (an earlier step had changed the venv): added 3.0 removed.\n" in (
        stream.getvalue()
    )


def test_an_earlier_step_that_cannot_be_put_back_fails_the_start_as_before(
    app, tmp_path, monkeypatch
):
    monkeypatch.setenv("UV_FIND_LINKS", str(tmp_path / "wheels"))
    wheel(tmp_path / "wheels", "other", "1.0")  # not tinydep 1.0: the cache cannot give it
    monkeypatch.setenv("UV_NO_INDEX", "1")
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    guard = guard_of_a_change(app)
    chosen, _ = last_good_of(app, guard)
    for path in app.site_packages.glob("tinydep*"):
        path.unlink() if path.is_file() else shutil.rmtree(path)
    install(app.site_packages, "tinydep", "1.5")
    state.record_path(app.venv).write_bytes(b"")

    with pytest.raises(StartupError) as failed:
        chosen.run("the requirements", failing(network_down(missing=["x"])))

    error = failed.value
    assert error.failure is Failure.UNREACHABLE and error.missing == ["x"]
    assert error.what.startswith("the package index cannot be reached. An earlier step")
    assert "(the local uv cache cannot give back tinydep==1.0 (tinydep))" in error.what
    assert state.record_path(app.venv).read_bytes() == b""  # the record was not put back
    assert integrity.interrupted(app.venv)  # the marker stays: the next start installs again


@pytest.mark.parametrize(
    "error",
    [
        StartupError(Failure.CONFLICT, "a conflict."),
        StartupError(Failure.UNREACHABLE, "refused by the index.", "", "403 Forbidden"),
    ],
)
def test_a_failure_that_is_not_the_network_fails_the_start(app, error):
    chosen, stream = last_good_of(app, guard_of_a_change(app))

    with pytest.raises(StartupError) as failed:
        chosen.run("the requirements", failing(error))

    assert failed.value is error
    assert last_good.TITLE not in stream.getvalue()
    assert integrity.interrupted(app.venv)


def test_no_hand_off_bound_means_no_last_good_environment(app):
    chosen, _ = last_good_of(app, guard_of_a_change(app), start=None)

    assert chosen.record == RECORD
    assert not chosen.applies(network_down())


def test_a_start_that_installs_nothing_never_reads_the_record(app):
    state.record_path(app.venv).write_bytes(RECORD)
    guard = integrity.InstallGuard(app, Console(env={}, stream=io.StringIO()), installing=False)

    chosen, _ = last_good_of(app, guard)

    assert chosen.record is None
    assert not chosen.applies(network_down())


def test_a_repaired_venv_has_no_last_good_environment(app):
    state.record_path(app.venv).write_bytes(RECORD)
    integrity.mark_installing(app.venv)  # a start killed mid-install left it
    guard = integrity.InstallGuard(app, Console(env={}, stream=io.StringIO()), installing=True)
    assert guard.repaired is not None

    chosen, _ = last_good_of(app, guard)

    assert chosen.record is None
    assert not chosen.applies(network_down())


def test_no_record_means_no_last_good_environment(app):
    guard = integrity.InstallGuard(app, Console(env={}, stream=io.StringIO()), installing=True)

    chosen, _ = last_good_of(app, guard)

    assert chosen.record is None
    assert not chosen.applies(network_down())


def test_a_record_that_cannot_be_written_back_leaves_no_temporary_file(tmp_path):
    venv = tmp_path / "venv"
    state.record_path(venv).mkdir(parents=True)  # a folder where the record goes: refused

    with pytest.raises(OSError):
        last_good.restore_record(venv, RECORD)

    assert sorted(path.name for path in venv.iterdir()) == [state.record_path(venv).name]


def test_the_record_is_written_back_whole(tmp_path):
    venv = tmp_path / "venv"
    venv.mkdir()
    state.record_path(venv).write_bytes(b"a newer record, longer than the one put back\n")

    last_good.restore_record(venv, RECORD)

    assert state.record_path(venv).read_bytes() == RECORD
    assert os.listdir(venv) == [state.record_path(venv).name]


def test_cannot_put_back_keeps_the_error_and_says_why():
    error = network_down(missing=["a"])

    same = last_good.cannot_put_back(error, "uv could not uninstall a")

    assert same is error and same.failure is Failure.UNREACHABLE
    assert same.what == (
        "the package index cannot be reached. An earlier step of this start had already "
        "changed the venv, and it could not be put back as the last successful start left "
        "it (uv could not uninstall a): hassette cannot start on the last good environment "
        "either."
    )


def test_a_marker_that_cannot_be_removed_is_a_warning_and_the_start_goes_on(app):
    chosen, stream = last_good_of(app, guard_of_a_change(app))
    marker = integrity.marker_path(app.venv)
    marker.unlink()
    marker.mkdir()  # unlink() refuses a folder

    with pytest.raises(Started):
        chosen.use(chosen.console, "the requirements", network_down())

    assert "warning: could not remove the install marker (Is a directory)" in stream.getvalue()


def test_the_record_is_put_back_without_the_temporary_folder(tmp_path, monkeypatch):
    venv = tmp_path / "venv"
    venv.mkdir()
    # TMPDIR gone (or full, or another file system): the record is written beside itself
    monkeypatch.setattr(last_good.tempfile, "tempdir", str(tmp_path / "no tmp"))

    last_good.restore_record(venv, RECORD)

    assert state.record_path(venv).read_bytes() == RECORD


def test_putting_back_is_bounded_by_the_install_timeout(app, tmp_path, monkeypatch):
    hanging = tmp_path / "hanging uv"
    hanging.mkdir()
    (hanging / "uv").write_text("#!/bin/sh\nexec /bin/sleep 15\n")
    (hanging / "uv").chmod(0o755)
    guard = guard_of_a_change(app)
    install(app.site_packages, "added", "3.0")  # the earlier step: to uninstall
    monkeypatch.setenv("PATH", str(hanging))
    chosen = last_good.LastGood(
        app.venv, guard, Console(env={}, stream=io.StringIO()), hand_off, Timeout("T", "1")
    )
    started = time.monotonic()

    with pytest.raises(StartupError) as failed:
        chosen.use(chosen.console, "the requirements", network_down())

    assert time.monotonic() - started < 10
    assert "(uv could not uninstall added)" in failed.value.what
