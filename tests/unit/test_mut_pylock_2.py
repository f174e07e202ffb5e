"""project.pylock.convert: markers read as a lock file's, `environments` against the app
venv's Python, an archive outside the project, a lock that cannot be read (tests found by
nox -s mutate -- project.pylock; test_mut_pylock.py holds the first ones)."""

from __future__ import annotations

import pytest

from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.project import pylock
from tests.unit.conftest import write
from tests.unit.test_mut_pylock import ENV, HEAD, _convert, _lines


def test_a_package_marker_naming_extra_is_refused_not_silently_dropped(tmp_path):
    # PEP 751: a lock's markers know `extras`, never the metadata variable `extra`; read as
    # package metadata, `extra == "socks"` would quietly leave the package out
    body = "[[packages]]\nname = 'pysocks'\nversion = '1'\nmarker = \"extra == 'socks'\"\n"

    with pytest.raises(StartupError) as raised:
        _convert(tmp_path, HEAD + body)

    lock = tmp_path / "project" / "pylock.toml"
    assert raised.value.failure is Failure.EXPORT
    assert raised.value.what.startswith(
        f"cannot read the lock file {lock}: package pysocks: marker \"extra == 'socks'\": "
    )


def test_environments_are_matched_against_the_app_venv_not_the_tasks_python(tmp_path):
    # a Python no test runner has: only the venv's marker values can match it
    venv = ENV | {"python_full_version": "3.99.1", "python_version": "3.99"}
    project = tmp_path / "project"
    write(
        project / "pylock.toml",
        HEAD + "environments = [\"python_full_version == '3.99.1'\"]\n"
        "[[packages]]\nname = 'a'\nversion = '1'\n",
    )

    assert pylock.convert(project, project, venv).text.splitlines()[1:] == ["a==1"]


def test_an_archive_outside_the_project_names_its_package(tmp_path):
    with pytest.raises(StartupError) as raised:
        _lines(tmp_path, "[[packages]]\nname = 'out'\narchive = { path = '../dist/out.whl' }\n")

    lock = tmp_path / "project" / "pylock.toml"
    assert raised.value.failure is Failure.PATH_DEPENDENCY
    assert raised.value.what.startswith(f"{lock} takes out from ../dist/out.whl (")


def test_a_lock_that_cannot_be_read_names_the_users_file_and_the_error(tmp_path):
    project, copy = tmp_path / "project", tmp_path / "private copy"
    (copy / "pylock.toml").mkdir(parents=True)  # read from the copy: EISDIR

    with pytest.raises(StartupError) as raised:
        pylock.convert(project, copy, ENV)

    assert raised.value.failure is Failure.EXPORT
    assert raised.value.what == (
        f"cannot read the lock file {project / 'pylock.toml'}: [Errno 21] Is a directory: "
        f"'{copy / 'pylock.toml'}'."
    )


def test_an_environments_marker_naming_a_lock_only_variable_is_refused(tmp_path):
    # `environments` describe the machine; `extras` and `dependency_groups` are not its
    with pytest.raises(StartupError) as raised:
        _convert(tmp_path, HEAD + "environments = [\"'x' in extras\"]\npackages = []\n")

    lock = tmp_path / "project" / "pylock.toml"
    assert raised.value.failure is Failure.EXPORT
    assert raised.value.what.startswith(f"cannot read the lock file {lock}: environments: ")
