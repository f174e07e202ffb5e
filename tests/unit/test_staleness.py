"""project/staleness.py: a uv.lock that lacks a dependency pyproject.toml asks for, told
without running uv; and its readers never end in a traceback."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.project.staleness import check_lock_is_current, missing_from_lock

LOCK = """version = 1
revision = 5
requires-python = ">=3.11"

[[package]]
name = "appliba"
version = "1.0"
source = { registry = "../wheels" }

[[package]]
name = "My_Apps"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "appliba" }]

[package.metadata]
requires-dist = [
    { name = "appliba", specifier = ">=1" },
    { name = "Lib.Two", marker = "extra == 'x'" },
]
"""


def pyproject(dependencies: str, extra: str = "") -> str:
    return f'[project]\nname = "my-apps"\nversion = "0.1.0"\ndependencies = {dependencies}\n{extra}'


def write(folder: Path, pyproject_text: str, lock_text: str = LOCK) -> Path:
    (folder / "pyproject.toml").write_text(pyproject_text)
    (folder / "uv.lock").write_text(lock_text)
    return folder


@pytest.mark.parametrize(
    "dependencies",
    [
        '["appliba>=1"]',
        "[\"APPLIBA >= 1 ; python_version >= '3.8'\"]",  # spelled otherwise: the same name
        '["appliba>=2"]',  # a changed specifier: not judged here (uv pip check still is)
        '["lib-two[socks]", "appliba"]',
        "[]",  # a removed dependency installs what it did; not a stale lock by this test
    ],
)
def test_lock_that_has_every_declared_name_is_current(tmp_path, dependencies):
    write(tmp_path, pyproject(dependencies))
    assert missing_from_lock(tmp_path) == []
    check_lock_is_current(tmp_path)


def test_an_added_dependency_is_a_stale_lock_naming_both_files(tmp_path):
    write(tmp_path, pyproject('["appliba>=1", "applibc", "Zeta_Pkg==1"]'))
    assert missing_from_lock(tmp_path) == ["applibc", "zeta-pkg"]
    with pytest.raises(StartupError) as raised:
        check_lock_is_current(tmp_path)
    error = raised.value
    assert error.failure is Failure.EXPORT
    assert (
        str(tmp_path / "uv.lock") in error.what and str(tmp_path / "pyproject.toml") in error.what
    )
    assert "applibc, zeta-pkg" in error.what and "run `uv lock`" in error.todo


@pytest.mark.parametrize(
    "case",
    [
        pyproject('["applibc"]', 'dynamic = ["dependencies"]\n'),  # not static: uv decides
        '[project]\nname = "my-apps"\ndependencies = "applibc"\n',
        '[project]\ndependencies = ["applibc"]\n',  # no name: no project package to find
        "[tool.uv.workspace]\nmembers = []\n",  # a virtual workspace root
        '[project\nname = "my-apps"\n',  # malformed: uv's export words say what is wrong
        pyproject('["applibc"]', "dynamic = 5\n"),
        pyproject('["applibc", 5]'),
    ],
)
def test_what_cannot_be_compared_is_left_to_uv(tmp_path, case):
    write(tmp_path, case)
    assert missing_from_lock(tmp_path) == []


@pytest.mark.parametrize(
    "lock",
    [
        LOCK.replace("[package.metadata]\n", "[package.something]\n"),  # an older uv's lock
        LOCK.replace('source = { editable = "." }', 'source = { registry = "x" }'),
        LOCK.replace("requires-dist = [", "requires-dist = 5\nx = ["),
        "not toml = = \n",
        "",
    ],
)
def test_a_lock_that_recorded_nothing_comparable_is_left_to_uv(tmp_path, lock):
    write(tmp_path, pyproject('["applibc"]'), lock)
    assert missing_from_lock(tmp_path) == []


def test_missing_files_are_left_to_uv(tmp_path):
    assert missing_from_lock(tmp_path) == []
    (tmp_path / "pyproject.toml").write_text(pyproject('["applibc"]'))
    assert missing_from_lock(tmp_path) == []


GOOD_PYPROJECT = pyproject('["appliba>=1", "applibc"]')


def cut_and_garbled(text: str) -> st.SearchStrategy[bytes]:
    data = text.encode()
    truncated = st.integers(0, len(data)).map(lambda n: data[:n])
    flipped = st.tuples(st.integers(0, len(data) - 1), st.binary(min_size=1, max_size=4)).map(
        lambda cut: data[: cut[0]] + cut[1] + data[cut[0] + len(cut[1]) :]
    )
    return st.one_of(truncated, flipped, st.binary(max_size=300))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lock=cut_and_garbled(LOCK), project=cut_and_garbled(GOOD_PYPROJECT))
def test_random_and_truncated_files_never_end_in_a_traceback(lock, project):
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "uv.lock").write_bytes(lock)
        (Path(folder) / "pyproject.toml").write_bytes(project)
        try:
            check_lock_is_current(Path(folder))
        except StartupError as error:
            assert error.failure is Failure.EXPORT
