"""integrity: what a repair says and keeps, the install guard's marker on each kind of start,
and putting back what a repair removed (real uv, offline, from a local wheel). Each test pins
a behaviour a surviving mutant showed no test noticed."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest

from hassette_tasks import integrity, workdir
from hassette_tasks.console import Console
from hassette_tasks.environment import AppEnvironment
from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.installed import installed
from tests.unit import test_mut_exact as real
from tests.unit.conftest import write
from tests.unit.test_integrity import app, install, site, venv  # noqa: F401 (fixtures)


def messages(stream: io.StringIO) -> list[str]:
    """The log lines without their elapsed-time prefix nor a trailing (took) part."""
    return [re.sub(r"^\[ *\d+ms\] ", "", line) for line in stream.getvalue().splitlines()]


def console() -> tuple[Console, io.StringIO]:
    stream = io.StringIO()
    return Console(env={}, stream=stream), stream


def test_a_repair_says_what_it_checks_removes_and_leaves(app, site, venv, tmp_path):  # noqa: F811
    install(site, "half", {"half/__init__.py": "", "half/a.py": "a\n"})
    (site / "half" / "a.py").unlink()
    write(site / ".tmpStray" / "inner.py", "")  # a folder uv left
    write(venv / "bin" / ".tmpScript", "")
    tmp = tmp_path / "tmp"
    for name in ("hassette-tasks-1", "hassette-tasks-2"):
        write(tmp / name / "locked-requirements.txt", "")
        workdir.mark(tmp / name)
    out, stream = console()

    done = integrity.repair(app, out, tmpdir=tmp)

    assert (done.strays, done.workdirs) == (2, 2)
    assert not (site / ".tmpStray").exists() and not (venv / "bin" / ".tmpScript").exists()
    said = messages(stream)
    assert said[0] == (
        "repair: the previous start was interrupted during an install: checking every "
        "package in the venv against its RECORD"
    )
    assert said[1] == (
        "repair: half 1.0 is broken (half/a.py is missing): removed, the install puts it back"
    )
    assert said[2] == "repair: removed 2 stray temporary file(s) uv left"
    assert said[3] == "repair: removed 2 temporary folder(s) of earlier starts"
    assert said[4].startswith("repair: complete (1 package(s) checked, 1 removed, ")
    assert len(said) == 5


def test_a_repair_with_nothing_left_behind_says_only_what_it_checked(app, site, tmp_path):  # noqa: F811
    install(site, "good", {"good/__init__.py": ""})
    out, stream = console()

    integrity.repair(app, out, tmpdir=tmp_path / "empty tmp")

    said = messages(stream)
    assert len(said) == 2 and said[1].startswith("repair: complete (1 package(s) checked, 0 ")


def test_a_temporary_file_a_record_lists_survives_the_repair(app, site, venv, tmp_path):  # noqa: F811
    install(site, "pkg", {"pkg/__init__.py": "", "pkg/.tmpdata": "owned\n"})
    write(site / "pkg" / ".tmpStray", "")

    done = integrity.repair(app, console()[0], tmpdir=tmp_path / "empty tmp")

    assert done.strays == 1
    assert (site / "pkg" / ".tmpdata").read_text() == "owned\n"
    assert not (site / "pkg" / ".tmpStray").exists()


def test_a_repair_that_cannot_change_the_venv_names_the_venv_and_the_reason(
    app,  # noqa: F811
    site,  # noqa: F811
    venv,  # noqa: F811
    monkeypatch,
):
    install(site, "half", {"half/__init__.py": "", "half/a.py": "a\n"})
    (site / "half" / "a.py").unlink()
    where = str(site / "half-1.0.dist-info")

    def refuse(*_args: object) -> int:
        raise PermissionError(13, "Permission denied", where)

    monkeypatch.setattr(integrity, "uninstall", refuse)

    with pytest.raises(StartupError) as caught:
        integrity.repair(app, console()[0])

    assert caught.value.what == (
        f"the previous start was interrupted during an install, and the venv {venv} "
        f"cannot be repaired: Permission denied ({where})."
    )


def test_a_warm_start_neither_marks_nor_snapshots(app, site, venv):  # noqa: F811
    install(site, "pkg", {"pkg/__init__.py": ""})

    guard = integrity.InstallGuard(app, console()[0], installing=False)

    assert not integrity.interrupted(venv)  # no marker, even before finish()
    assert guard.before == {} and not guard.marked


def test_an_interrupted_venv_is_repaired_and_trusted_again_without_installing(
    app,  # noqa: F811
    venv,  # noqa: F811
):
    integrity.mark_installing(venv)  # an earlier start was killed mid-install

    guard = integrity.InstallGuard(app, console()[0], installing=False)

    assert guard.repaired is not None
    assert guard.marked is True
    guard.finish(console()[0])
    assert not integrity.interrupted(venv)


def test_an_interrupted_venv_that_fails_again_cleanly_is_trusted_again(app, venv):  # noqa: F811
    integrity.mark_installing(venv)
    integrity.InstallGuard(app, console()[0], installing=False)

    integrity.settle_after_failure(console()[0], Failure.CONFLICT)

    assert not integrity.interrupted(venv)


def test_a_marker_that_cannot_be_written_is_a_warning(tmp_path, site):  # noqa: F811
    # a venv folder that takes no file (here: gone); its packages are readable
    gone = AppEnvironment(tmp_path / "missing venv", site, "3.12.4", "1.0")
    install(site, "pkg", {"pkg/__init__.py": ""})
    out, stream = console()

    guard = integrity.InstallGuard(gone, out, installing=True)

    assert not guard.marked
    # what the installs change is still checked afterwards: against the packages before
    assert list(guard.before) == ["pkg-1.0.dist-info"]
    assert messages(stream) == [
        "warning: could not write the install marker (No such file or directory): a start "
        "killed during this install would not be repaired"
    ]


def test_a_marker_that_cannot_be_removed_is_a_warning(app, venv):  # noqa: F811
    guard = integrity.InstallGuard(app, console()[0], installing=True)
    marker = integrity.marker_path(venv)
    marker.unlink()
    marker.mkdir()  # unlink() refuses a folder
    out, stream = console()

    guard.finish(out)

    assert messages(stream) == [
        "warning: could not remove the install marker (Is a directory): the next start "
        "checks the venv again"
    ]


def test_a_failure_after_the_start_finished_settles_nothing(app, venv):  # noqa: F811
    guard = integrity.InstallGuard(app, console()[0], installing=True)
    guard.finish(console()[0])
    integrity.mark_installing(venv)  # (as if another start had begun since)

    integrity.settle_after_failure(console()[0], Failure.CONFLICT)

    assert integrity.interrupted(venv)


# --- putting back what a repair removed (real uv, offline)


@pytest.fixture
def real_app(tmp_path, monkeypatch) -> AppEnvironment:
    return real.real_app(tmp_path, monkeypatch)


@pytest.fixture
def wheels(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "wheels"
    folder.mkdir()
    monkeypatch.setenv("UV_FIND_LINKS", str(folder))
    monkeypatch.setenv("UV_NO_INDEX", "1")
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    return folder


def constraints_in(folder: Path, text: str = ""):
    asked = []

    def constraints() -> Path:
        asked.append(True)
        return write(folder / "constraints.txt", text)

    return constraints, asked


def remove(folder: Path, name: str) -> None:
    for path in folder.glob(f"{name}[-_]*"):
        shutil.rmtree(path) if path.is_dir() else path.unlink()


def test_a_package_the_installs_did_not_bring_back_is_reinstalled_at_its_version(
    real_app, wheels, tmp_path
):
    real.wheel(wheels, "tinydep", "1.0")
    real.wheel(wheels, "tinydep", "2.0")  # a newer one: the version removed is the one put back
    remove(real_app.site_packages, "tinydep")
    constraints, asked = constraints_in(tmp_path)
    out, stream = console()

    done = integrity.put_back(real_app, out, [("tinydep", "1.0"), ("Hassette", "1.0")], constraints)

    assert done == ["tinydep==1.0"]
    assert installed(real_app.site_packages)["tinydep"].version == "1.0"
    assert messages(stream)[0] == "repair: reinstalling tinydep==1.0 (removed by the repair)"
    assert asked


def test_a_package_back_already_is_not_reinstalled(real_app, wheels, tmp_path):
    constraints, asked = constraints_in(tmp_path)
    out, stream = console()

    done = integrity.put_back(real_app, out, [("TinyDep", "1.0")], constraints)

    assert done == []
    assert stream.getvalue() == "" and not asked


def test_the_constraints_apply_to_what_is_put_back(real_app, wheels, tmp_path):
    real.wheel(wheels, "tinydep", "1.0")
    remove(real_app.site_packages, "tinydep")
    constraints, _ = constraints_in(tmp_path, "tinydep==9.9\n")

    with pytest.raises(StartupError):
        integrity.put_back(real_app, console()[0], [("tinydep", "1.0")], constraints)

    assert "tinydep" not in installed(real_app.site_packages)


def test_a_package_uv_cannot_put_back_is_a_repair_failure_naming_it(real_app, wheels, tmp_path):
    remove(real_app.site_packages, "tinydep")  # and no wheel of it anywhere
    remove(real_app.site_packages, "hassette")
    constraints, _ = constraints_in(tmp_path)
    out, stream = console()
    removed = [("tinydep", "1.0"), ("hassette", "1.0")]

    with pytest.raises(StartupError) as caught:
        integrity.put_back(real_app, out, removed, constraints)

    assert messages(stream)[0] == (
        "repair: reinstalling tinydep==1.0, hassette==1.0 (removed by the repair)"
    )
    error = caught.value
    assert error.failure is Failure.REPAIR
    assert error.what == (
        "the previous start was interrupted while installing, which broke tinydep==1.0, "
        "hassette==1.0, and uv could not install it again."
    )
    assert error.todo == (
        "If the package index is unreachable, fix the network and restart. " + integrity.RECREATE
    )
    assert "tinydep" in error.output


def test_the_guard_puts_back_only_what_its_repair_removed(real_app, wheels, tmp_path):
    real.wheel(wheels, "tinydep", "1.0")
    constraints, asked = constraints_in(tmp_path)
    fresh = integrity.InstallGuard(real_app, console()[0], installing=True)

    assert fresh.put_back(console()[0], constraints) is False  # no repair: nothing to do
    assert not asked

    broken = real_app.site_packages / "tinydep-1.0.dist-info" / "INSTALLER"
    broken.unlink()  # killed before uv wrote it: the repair removes tinydep
    repaired = integrity.InstallGuard(real_app, console()[0], installing=True)
    assert repaired.repaired is not None and repaired.repaired.removed == [("tinydep", "1.0")]

    assert repaired.put_back(console()[0], constraints) is True
    assert installed(real_app.site_packages)["tinydep"].version == "1.0"
    assert repaired.put_back(console()[0], constraints) is False  # back now
