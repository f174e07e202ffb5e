"""The private copy's build key: uv reuses a build of the same files, never of edited ones."""

from __future__ import annotations

import os
import shutil
import tomllib

import pytest

from hassette_tasks.project.copy import (
    BUILD_KEY_VARIABLE,
    digest,
    pin_build_key,
    requirement_line,
)

PYPROJECT = '[project]\nname = "myapps"\nversion = "0.1.0"\n'


def project(folder, pyproject=PYPROJECT):
    folder.mkdir(parents=True)
    (folder / "pyproject.toml").write_text(pyproject)
    (folder / "src" / "myapps").mkdir(parents=True)
    (folder / "src" / "myapps" / "__init__.py").write_text("VALUE = 1\n")
    return folder


def cache_keys(folder):
    document = tomllib.loads((folder / "pyproject.toml").read_text())
    return document.get("tool", {}).get("uv", {}).get("cache-keys")


def test_same_files_same_digest_whatever_their_times(tmp_path):
    first = project(tmp_path / "a")
    second = tmp_path / "b"
    shutil.copytree(first, second, copy_function=shutil.copy)  # new mtimes
    assert digest(first) == digest(second)


@pytest.mark.parametrize(
    "change",
    [
        lambda f: (f / "src" / "myapps" / "__init__.py").write_text("VALUE = 2\n"),
        lambda f: (f / "src" / "myapps" / "extra.py").write_text(""),
        lambda f: (f / "src" / "myapps" / "__init__.py").unlink(),
        lambda f: (f / "src" / "myapps" / "__init__.py").chmod(0o755),
        lambda f: (f / "link").symlink_to("src"),
        lambda f: (f / "src" / "myapps" / "__init__.py").rename(f / "src" / "moved.py"),
    ],
    ids=["edit", "new file", "removed file", "executable", "symlink", "renamed"],
)
def test_any_change_changes_the_digest(tmp_path, change):
    folder = project(tmp_path / "p")
    before = digest(folder)
    change(folder)
    assert digest(folder) != before


@pytest.mark.parametrize(
    "pyproject",
    [
        PYPROJECT,
        PYPROJECT + "[tool.uv]\npackage = true\n[tool.ruff]\nline-length = 99\n",
        PYPROJECT + '[tool.uv.sources]\nlocallib = { path = "libs/locallib" }\n',
        PYPROJECT + "[tool]\nuv.package = true\n",
        PYPROJECT + "[tool.uv] # settings\r\npackage = true\r\n",
        "tool.uv.package = true\n" + PYPROJECT,
    ],
    ids=["no tool.uv", "tool.uv table", "only a sub-table", "tool table", "crlf", "dotted"],
)
def test_cache_keys_are_added_and_nothing_else_changes(tmp_path, pyproject):
    folder = project(tmp_path / "p", pyproject)
    original = tomllib.loads(pyproject)
    expected_key = digest(folder)

    env = pin_build_key(folder)

    assert env == {BUILD_KEY_VARIABLE: expected_key}
    assert cache_keys(folder) == [{"env": BUILD_KEY_VARIABLE}]
    now = tomllib.loads((folder / "pyproject.toml").read_text())
    del now["tool"]["uv"]["cache-keys"]
    if not now["tool"]["uv"]:
        del now["tool"]["uv"]
    if not now["tool"]:
        del now["tool"]
    assert now == original


def test_project_with_its_own_cache_keys_is_left_alone(tmp_path):
    text = PYPROJECT + "[tool.uv]\ncache-keys = [{ git = { commit = true } }]\n"
    folder = project(tmp_path / "p", text)
    assert pin_build_key(folder) == {}
    assert (folder / "pyproject.toml").read_text() == text


@pytest.mark.parametrize("text", ["[project\nname = ", None])
def test_unreadable_pyproject_gets_no_key(tmp_path, text):
    folder = project(tmp_path / "p")
    if text is None:
        (folder / "pyproject.toml").unlink()
    else:
        (folder / "pyproject.toml").write_text(text)
    assert pin_build_key(folder) == {}


def test_requirement_line_is_a_file_url_even_with_spaces(tmp_path):
    folder = project(tmp_path / "with space" / "project")
    line = requirement_line(folder, "myapps")
    assert line == f"myapps @ file://{os.fspath(folder.resolve()).replace(' ', '%20')}\n"
