"""state: warm-restart fingerprint behaviours that surviving mutants showed no test pinned
down (tests/unit/test_state.py holds the first ones). A fingerprint that does not change is
a warm restart that skips an install it needed; one that changes for nothing reinstalls."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from hassette_tasks import state
from hassette_tasks.state import common_inputs, project_fingerprint, requirements_fingerprint

PYTHON = "3.12.4"


def same_time(path: Path, info: os.stat_result) -> None:
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))


@pytest.fixture
def constraints(tmp_path) -> Path:
    path = tmp_path / "constraints.txt"
    path.write_text("hassette==1.0\n")
    return path


def project(constraints: Path, folder: Path) -> str:
    return project_fingerprint(common_inputs(constraints, PYTHON), folder)


def plain_project(tmp_path: Path, names: list[str]) -> Path:
    folder = tmp_path / "apps"
    folder.mkdir()
    (folder / "uv.lock").write_text("version = 1\n")
    (folder / "pyproject.toml").write_text('[project]\nname = "myapp"\n')
    for name in names:
        (folder / name).write_text(f"{name} = 1\n")
    return folder


def bump(path: Path) -> None:
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 5_000_000_000))


def test_a_file_after_a_skipped_one_still_counts(tmp_path, constraints):
    # bytecode, the lock and pyproject (read whole) are passed over, not the end of the scan
    folder = plain_project(tmp_path, ["a.py", "a.pyc", "b.py", "z_after_uv_lock.py"])
    before = project(constraints, folder)
    bump(folder / "b.py")
    after_pyc = project(constraints, folder)
    bump(folder / "z_after_uv_lock.py")

    assert len({before, after_pyc, project(constraints, folder)}) == 3


def test_a_renamed_project_file_changes_the_project(tmp_path, constraints):
    folder = plain_project(tmp_path, ["apps.py"])
    before = project(constraints, folder)
    info = (folder / "apps.py").stat()
    os.rename(folder / "apps.py", folder / "other.py")  # same size, same time
    same_time(folder / "other.py", info)

    assert project(constraints, folder) != before


def test_the_fingerprint_does_not_depend_on_the_working_directory(
    tmp_path, constraints, monkeypatch
):
    folder = plain_project(tmp_path, ["apps.py"])
    (folder / "sub").mkdir()
    (folder / "sub" / "mod.py").write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)
    before = project(constraints, folder)
    monkeypatch.chdir(folder / "sub")

    assert project(constraints, folder) == before


def test_the_same_project_in_another_folder_is_another_project(tmp_path, constraints):
    # HASSETTE__PROJECT_DIR moved to a copy: the venv's install points at the old folder
    folder = plain_project(tmp_path, ["apps.py"])
    copy = tmp_path / "elsewhere"
    shutil.copytree(folder, copy)  # contents and times copied

    assert project(constraints, copy) != project(constraints, folder)


def test_only_the_first_files_of_a_huge_project_count(tmp_path, constraints, monkeypatch):
    monkeypatch.setattr(state, "MAX_PROJECT_FILES", 3)
    folder = plain_project(tmp_path, ["a.py", "b.py", "c.py", "d.py"])
    before = project(constraints, folder)
    bump(folder / "d.py")  # the fourth file: past the limit
    assert project(constraints, folder) == before
    bump(folder / "c.py")  # the third: still counted
    assert project(constraints, folder) != before


def test_a_file_that_vanishes_while_scanned_does_not_end_the_scan(
    tmp_path, constraints, monkeypatch
):
    # an editor's temporary file removed between the listing and its stat
    folder = plain_project(tmp_path, ["a.py", "b.py"])
    lstat = os.lstat

    def vanishing(path, *args, **kwargs):
        if str(path).endswith("a.py"):
            raise FileNotFoundError(2, "No such file or directory", str(path))
        return lstat(path, *args, **kwargs)

    monkeypatch.setattr(state.os, "lstat", vanishing)
    before = project(constraints, folder)
    bump(folder / "b.py")

    assert project(constraints, folder) != before


def test_the_uv_binary_by_size_and_by_time(uv_on_path, constraints):
    uv = uv_on_path
    first = common_inputs(constraints, PYTHON).hexdigest()
    info = uv.stat()

    uv.write_text("#!/bin/sh\necho 'uv 0.9.10'\n")  # another size, the same time
    same_time(uv, info)
    resized = common_inputs(constraints, PYTHON).hexdigest()
    uv.write_text("#!/bin/sh\necho 'uv 0.9.1'\n")  # the same size, another time
    os.utime(uv, ns=(info.st_atime_ns, info.st_mtime_ns + 5_000_000_000))
    retimed = common_inputs(constraints, PYTHON).hexdigest()

    assert len({first, resized, retimed}) == 3


def requirements(tmp_path: Path, constraints: Path, files: list[Path]) -> str:
    return requirements_fingerprint(common_inputs(constraints, PYTHON), [tmp_path], files)


def test_a_build_file_renamed_in_a_local_folder_changes_requirements(tmp_path, constraints):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "setup.py").write_text("from setuptools import setup\nsetup()\n")
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("./lib\n")
    before = requirements(tmp_path, constraints, [reqs])
    info = (lib / "setup.py").stat()
    os.rename(lib / "setup.py", lib / "setup.cfg")  # same bytes, another build file
    same_time(lib / "setup.cfg", info)

    assert requirements(tmp_path, constraints, [reqs]) != before


def test_a_touched_build_file_of_a_local_folder_changes_nothing(tmp_path, constraints):
    lib = tmp_path / "lib"
    (lib / "src").mkdir(parents=True)
    (lib / "pyproject.toml").write_text('[project]\nname = "lib"\nversion = "1"\n')
    (lib / "setup.cfg").write_text("[metadata]\nname = lib\n")
    (lib / "src" / "lib.py").write_text("X = 1\n")
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("./lib\n")
    before = requirements(tmp_path, constraints, [reqs])
    bump(lib / "pyproject.toml")
    bump(lib / "setup.cfg")

    assert requirements(tmp_path, constraints, [reqs]) == before


def test_an_unreadable_input_is_fingerprinted_by_where_and_why(tmp_path):
    # absent, or a folder where a file belongs: each a different reason the install sees
    missing = state.Fingerprint().add_file(tmp_path / "pylock.toml").hexdigest()
    (tmp_path / "pylock.toml").mkdir()
    folder = state.Fingerprint().add_file(tmp_path / "pylock.toml").hexdigest()
    elsewhere = state.Fingerprint().add_file(tmp_path / "other" / "pylock.toml").hexdigest()
    nul = state.Fingerprint().add_file(tmp_path / "a\0b").hexdigest()  # not a crash

    assert len({missing, folder, elsewhere, nul}) == 4


def test_a_requirements_file_moved_to_another_root_is_another_input(tmp_path, constraints):
    config, apps = tmp_path / "config", tmp_path / "apps"
    config.mkdir()
    apps.mkdir()
    (config / "requirements.txt").write_text("requests\n")
    common = common_inputs(constraints, PYTHON)
    before = requirements_fingerprint(common, [config, apps], [config / "requirements.txt"])
    os.rename(config / "requirements.txt", apps / "requirements.txt")

    moved = requirements_fingerprint(common, [config, apps], [apps / "requirements.txt"])
    assert moved != before
