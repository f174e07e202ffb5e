"""project: local path dependencies in a hand-written uv.lock."""

from __future__ import annotations

import pytest

from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.project import (
    ProjectKind,
    check_path_dependencies,
    kind,
    path_dependencies,
    project_name,
)

LOCK_HEAD = 'version = 1\nrevision = 2\nrequires-python = ">=3.11"\n'
ROOT_PACKAGE = """
[[package]]
name = "my-automations"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "mylib" }, { name = "requests" }]
"""
REGISTRY_PACKAGE = """
[[package]]
name = "requests"
version = "2.32.3"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.pythonhosted.org/requests-2.32.3.tar.gz", size = 1 }
"""


def package(name: str, source: str) -> str:
    return f'\n[[package]]\nname = "{name}"\nversion = "0.1.0"\nsource = {source}\n'


def write_lock(project, *packages: str):
    project.mkdir(parents=True, exist_ok=True)
    (project / "uv.lock").write_text(
        LOCK_HEAD + ROOT_PACKAGE + REGISTRY_PACKAGE + "".join(packages)
    )
    return project


def test_directory_inside_the_project_is_ok(tmp_path):
    project = write_lock(tmp_path / "apps", package("mylib", '{ directory = "libs/mylib" }'))
    (project / "libs" / "mylib").mkdir(parents=True)
    dependencies = check_path_dependencies(project)
    assert len(dependencies) == 1
    dependency = dependencies[0]
    assert dependency.name == "mylib"
    assert dependency.written == "libs/mylib"
    assert dependency.resolved == (project / "libs" / "mylib").resolve()
    assert dependency.inside


def test_editable_and_wheel_path_inside_are_ok(tmp_path):
    project = write_lock(
        tmp_path / "apps",
        package("mylib", '{ editable = "libs/mylib" }'),
        package("vendored", '{ path = "wheels/vendored-0.1.0-py3-none-any.whl" }'),
    )
    assert [dep.name for dep in check_path_dependencies(project)] == ["mylib", "vendored"]


def test_directory_outside_the_project_names_the_path(tmp_path):
    project = write_lock(tmp_path / "apps", package("shared", '{ directory = "../shared" }'))
    with pytest.raises(StartupError) as caught:
        check_path_dependencies(project)
    error = caught.value
    assert error.failure is Failure.PATH_DEPENDENCY
    assert "../shared" in error.what
    assert str((tmp_path / "shared").resolve()) in error.what
    assert "shared" in error.what and error.todo


def test_absolute_path_outside_the_project_is_an_error(tmp_path):
    project = write_lock(tmp_path / "apps", package("other", '{ directory = "/srv/other" }'))
    with pytest.raises(StartupError, match="/srv/other"):
        check_path_dependencies(project)


def test_only_outside_ones_are_named(tmp_path):
    project = write_lock(
        tmp_path / "apps",
        package("mylib", '{ directory = "libs/mylib" }'),
        package("shared", '{ directory = "../shared" }'),
    )
    with pytest.raises(StartupError) as caught:
        check_path_dependencies(project)
    assert "../shared" in caught.value.what
    assert "libs/mylib" not in caught.value.what


def test_sibling_with_a_common_prefix_is_outside(tmp_path):
    project = write_lock(tmp_path / "apps", package("evil", '{ directory = "../apps-extra" }'))
    assert not path_dependencies(project)[0].inside


def test_root_project_is_ignored(tmp_path):
    project = write_lock(tmp_path / "apps")
    assert path_dependencies(project) == []
    assert check_path_dependencies(project) == []


def test_virtual_root_and_dot_slash_root_ignored(tmp_path):
    project = tmp_path / "apps"
    project.mkdir()
    (project / "uv.lock").write_text(
        LOCK_HEAD + package("root", '{ virtual = "." }') + package("again", '{ editable = "./" }')
    )
    assert path_dependencies(project) == []


@pytest.mark.parametrize("text", ["this is [not toml", "[[package]\nname =", "\0\0\0"])
def test_malformed_lock_returns_nothing(tmp_path, text):
    (tmp_path / "uv.lock").write_text(text)
    assert path_dependencies(tmp_path) == []
    assert check_path_dependencies(tmp_path) == []


def test_missing_lock_returns_nothing(tmp_path):
    assert path_dependencies(tmp_path) == []


def test_project_kind_and_name(tmp_path):
    assert kind(tmp_path) is ProjectKind.NONE
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "my-automations"\n')
    assert kind(tmp_path) is ProjectKind.UNLOCKED
    assert project_name(tmp_path) == "my-automations"
    (tmp_path / "uv.lock").write_text(LOCK_HEAD)
    assert kind(tmp_path) is ProjectKind.LOCKED
    (tmp_path / "pyproject.toml").write_text("not = [toml")
    assert project_name(tmp_path) is None
