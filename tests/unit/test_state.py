"""state: fingerprints of install inputs, and the record kept in the app venv."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hassette_tasks import state
from hassette_tasks.state import (
    common_inputs,
    project_fingerprint,
    record_path,
    requirements_fingerprint,
)

PYTHON = "3.12.4"


@pytest.fixture
def inputs(tmp_path):
    """A project, two requirements roots and a constraints file."""
    project = tmp_path / "apps"
    (project / "src" / "myapp").mkdir(parents=True)
    (project / "uv.lock").write_text('version = 1\n[[package]]\nname = "myapp"\n')
    (project / "pyproject.toml").write_text('[project]\nname = "myapp"\nversion = "0.1"\n')
    (project / "src" / "myapp" / "__init__.py").write_text("print('hi')\n")
    (project / "apps.py").write_text("x = 1\n")
    config = tmp_path / "config"
    config.mkdir()
    (config / "requirements.txt").write_text("requests>=2\n")
    (project / "requirements.txt").write_text("rich\n")
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("aiohttp>=3.9\nhassette==1.0\n")
    return project, config, constraints


def prints(inputs, python=PYTHON):
    project, config, constraints = inputs
    common = common_inputs(constraints, python)
    files = [config / "requirements.txt", project / "requirements.txt"]
    return (
        project_fingerprint(common, project),
        requirements_fingerprint(common, [config, project], files),
    )


def bump_mtime(path: Path) -> None:
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 5_000_000_000))


def test_fingerprints_are_stable(inputs):
    assert prints(inputs) == prints(inputs)


def test_python_version_changes_both(inputs):
    before = prints(inputs)
    after = prints(inputs, python="3.13.0")
    assert before[0] != after[0] and before[1] != after[1]


def test_constraints_change_both(inputs):
    before = prints(inputs)
    inputs[2].write_text("aiohttp>=3.10\nhassette==1.0\n")
    after = prints(inputs)
    assert before[0] != after[0] and before[1] != after[1]


@pytest.mark.parametrize("name", ["uv.lock", "pyproject.toml"])
def test_lock_or_pyproject_content_changes_project(inputs, name):
    path = inputs[0] / name
    info = path.stat()
    before = prints(inputs)
    text = path.read_text()
    path.write_text(text.replace("myapp", "myapq"))  # same size
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))  # same time
    assert prints(inputs)[0] != before[0]


def test_project_file_content_and_size_change_project(inputs):
    before = prints(inputs)
    (inputs[0] / "src" / "myapp" / "__init__.py").write_text("print('hello world')\n")
    assert prints(inputs)[0] != before[0]


def test_project_file_mtime_changes_project(inputs):
    before = prints(inputs)
    bump_mtime(inputs[0] / "apps.py")
    assert prints(inputs)[0] != before[0]


def test_new_and_removed_project_files_change_project(inputs):
    before = prints(inputs)
    (inputs[0] / "src" / "myapp" / "extra.py").write_text("")
    added = prints(inputs)[0]
    assert added != before[0]
    (inputs[0] / "src" / "myapp" / "extra.py").unlink()
    (inputs[0] / "apps.py").unlink()
    assert prints(inputs)[0] not in (before[0], added)


def test_requirements_file_change_changes_requirements_only(inputs):
    before = prints(inputs)
    (inputs[1] / "requirements.txt").write_text("requests>=2.31\n")
    after = prints(inputs)
    assert after[1] != before[1]
    assert after[0] == before[0]  # not a project file


def test_requirements_file_list_changes_requirements(inputs):
    project, config, constraints = inputs
    common = common_inputs(constraints, PYTHON)
    both = requirements_fingerprint(
        common, [config, project], [config / "requirements.txt", project / "requirements.txt"]
    )
    one = requirements_fingerprint(common, [config, project], [config / "requirements.txt"])
    assert both != one


@pytest.mark.parametrize(
    "folder", [".venv", ".git", ".hidden", "__pycache__", "src/myapp/__pycache__", "node_modules"]
)
def test_skipped_folders_do_not_count(inputs, folder):
    before = prints(inputs)
    target = inputs[0] / folder
    target.mkdir(parents=True, exist_ok=True)
    (target / "thing.py").write_text("changed all the time\n")
    assert prints(inputs) == before


def test_pyc_and_hidden_files_do_not_count(inputs):
    before = prints(inputs)
    (inputs[0] / "src" / "myapp" / "mod.cpython-312.pyc").write_bytes(b"\0\0")
    (inputs[0] / ".env").write_text("A=1\n")
    assert prints(inputs) == before


def test_unrelated_files_outside_do_not_count(inputs, tmp_path):
    before = prints(inputs)
    (tmp_path / "notes.txt").write_text("unrelated\n")
    assert prints(inputs) == before


def test_save_load_round_trip(tmp_path):
    steps = {"project": "a" * 64, "requirements": "b" * 64}
    state.save(tmp_path, steps)
    assert state.load(tmp_path) == steps
    state.save(tmp_path, {"project": "c" * 64})
    assert state.load(tmp_path).get("requirements") is None
    assert state.load(tmp_path)["project"] == "c" * 64


def test_missing_record_loads_as_empty(tmp_path):
    assert state.load(tmp_path) == {}
    assert state.load(tmp_path / "no-venv") == {}


@pytest.mark.parametrize(
    "text",
    ["{not json", "", "[1, 2]", '"text"', '{"version": 99, "project": "x"}', '{"project": "x"}'],
)
def test_corrupt_record_loads_as_empty(tmp_path, text):
    record_path(tmp_path).write_text(text)
    assert state.load(tmp_path) == {}


def test_binary_garbage_record_loads_as_empty(tmp_path):
    record_path(tmp_path).write_bytes(b"\xff\xfe\x00garbage")
    assert state.load(tmp_path) == {}


def test_save_is_atomic_and_leaves_no_temporary_file(tmp_path):
    state.save(tmp_path, {"project": "x"})
    state.save(tmp_path, {"project": "y"})
    assert sorted(p.name for p in tmp_path.iterdir()) == [state.RECORD_NAME]
    assert json.loads(record_path(tmp_path).read_text())["project"] == "y"


def test_failed_save_keeps_the_old_record_and_no_temporary_file(tmp_path):
    state.save(tmp_path, {"project": "old"})
    with pytest.raises(TypeError):
        state.save(tmp_path, {"project": object()})  # not JSON: fails mid-write
    assert sorted(p.name for p in tmp_path.iterdir()) == [state.RECORD_NAME]
    assert state.load(tmp_path)["project"] == "old"


def test_forget_removes_the_record(tmp_path):
    state.save(tmp_path, {"project": "x"})
    state.forget(tmp_path)
    state.forget(tmp_path)  # twice is fine
    assert state.load(tmp_path) == {}


def test_another_uv_on_path_changes_both(inputs, tmp_path, monkeypatch, uv_on_path):
    # the uv this start would run, found as the start finds it (PATH): another binary at
    # the same path (an upgrade in place), or another path, is another uv version
    uv = uv_on_path
    first = prints(inputs)
    assert prints(inputs) == first

    uv.write_text("#!/bin/sh\necho 'uv 0.10.0 (upgraded)'\n")
    upgraded = prints(inputs)
    other = tmp_path / "other"
    other.mkdir()
    os.replace(uv, other / "uv")
    monkeypatch.setenv("PATH", str(other))
    moved = prints(inputs)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    without = prints(inputs)

    for changed in (upgraded, moved, without):
        assert changed[0] != first[0] and changed[1] != first[1]
    assert len({upgraded, moved, without}) == 3


def test_pylock_content_changes_project_and_its_time_alone_does_not(inputs):
    path = inputs[0] / "pylock.toml"
    path.write_text('lock-version = "1.0"\n[[packages]]\nname = "appliba"\nversion = "1.0"\n')
    before = prints(inputs)
    info = path.stat()

    bump_mtime(path)  # a touch: read by content, so nothing changed
    touched = prints(inputs)
    path.write_text(path.read_text().replace('"1.0"\n', '"2.0"\n'))  # same size
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))  # same time
    edited = prints(inputs)

    assert touched == before
    assert edited[0] != before[0]
    assert edited[1] == before[1]  # the requirements install does not read it


def test_a_local_folder_a_requirements_file_installs_is_part_of_its_fingerprint(inputs):
    config = inputs[1]
    lib = config / "libs" / "my lib"
    (lib / "src").mkdir(parents=True)
    (lib / "pyproject.toml").write_text('[project]\nname = "mylib"\nversion = "1.0"\n')
    (lib / "src" / "mylib.py").write_text("X = 1\n")
    wheel = config / "dist" / "other-1.0-py3-none-any.whl"
    wheel.parent.mkdir()
    wheel.write_bytes(b"PK wheel bytes")
    (config / "requirements.txt").write_text("./libs/my lib\n./dist/other-1.0-py3-none-any.whl\n")
    before = prints(inputs)

    (lib / "src" / "mylib.pyc").write_bytes(b"compiled")  # bytecode: not an input
    assert prints(inputs) == before

    pyproject = lib / "pyproject.toml"
    info = pyproject.stat()
    pyproject.write_text(pyproject.read_text().replace("1.0", "2.0"))  # same size and time
    os.utime(pyproject, ns=(info.st_atime_ns, info.st_mtime_ns))
    build_file = prints(inputs)
    bump_mtime(lib / "src" / "mylib.py")
    source = prints(inputs)
    wheel.write_bytes(b"PK other bytes")
    wheel_changed = prints(inputs)

    for changed in (build_file, source, wheel_changed):
        assert changed[1] != before[1]
        assert changed[0] == before[0]  # the project's fingerprint does not read them
    assert len({build_file, source, wheel_changed}) == 3
