"""project.pylock.convert: the requirements a pylock.toml becomes, and the message for
each way the file can be malformed (tests found by nox -s mutate -- project.pylock)."""

from __future__ import annotations

import pytest

from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.project import pylock
from tests.unit.conftest import write

ENV = {"python_version": "3.13", "python_full_version": "3.13.0", "sys_platform": "linux"}
HEAD = 'lock-version = "1.0"\ncreated-by = "test"\n'
X = '[[packages]]\nname = "x"\nversion = "1.0"\n'


def _convert(tmp_path, text: str) -> pylock.Converted:
    project = tmp_path / "project"
    write(project / "pylock.toml", text)
    return pylock.convert(project, project, ENV)


def _lines(tmp_path, body: str) -> list[str]:
    converted = _convert(tmp_path, HEAD + body)
    lines = converted.text.splitlines()
    assert lines[0] == "# converted from pylock.toml (PEP 751) by hassette-tasks"
    assert converted.count == len(lines) - 1
    return lines[1:]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('lock-version = "2.0"\n', "lock-version '2.0' is not one this reader knows (1.x)"),
        ("created-by = 'x'\n", "lock-version None is not one this reader knows (1.x)"),
        (HEAD + "packages = 5\n", "it has no [[packages]] list"),
        (HEAD + "packages = [5]\n", "it has no [[packages]] list"),
        (HEAD + "[[packages]]\nversion = '1'\n", "a [[packages]] entry has no name"),
        (HEAD + "[[packages]]\nname = ''\n", "a [[packages]] entry has no name"),
        (HEAD + X + "wheels = 5\n", "package x: `wheels` is not a list"),
        (HEAD + X + "wheels = [5]\n", "package x: a file entry is not a table"),
        (HEAD + X + "sdist = 5\n", "package x: a file entry is not a table"),
        (HEAD + X + "wheels = [{ hashes = 5 }]\n", "package x: `hashes` is not a table"),
        (
            HEAD + "[[packages]]\nname = 'x'\n",
            "package x has no version (and no directory, vcs or archive)",
        ),
        (HEAD + X + "directory = {}\n", "package x: `directory` has no path"),
        (HEAD + X + "directory = 5\n", "package x: `directory` has no path"),
        (HEAD + X + "vcs = 5\n", "package x: `vcs` is not a table"),
        (
            HEAD + X + "vcs = { url = 'https://h/r' }\n",
            "package x: `vcs` needs a url and a commit-id",
        ),
        (
            HEAD + X + "vcs = { commit-id = 'abc' }\n",
            "package x: `vcs` needs a url and a commit-id",
        ),
        (
            HEAD + X + "vcs = { url = 'https://h/r', commit-id = 'a', subdirectory = 5 }\n",
            "package x: `vcs.subdirectory` is not a string",
        ),
        (
            HEAD + X + "vcs = { url = 'https://h/r', commit-id = 'a', type = 5 }\n",
            "package x: `vcs.type` is not a string",
        ),
        (HEAD + X + "archive = 5\n", "package x: `archive` is not a table"),
        (HEAD + X + "archive = { path = 5 }\n", "package x: `archive` has no url or path"),
        (
            HEAD + X + "archive = { url = 'https://h/x.whl', hashes = [1] }\n",
            "package x: `hashes` is not a table",
        ),
        (HEAD + X + "marker = 'not a marker'\n", "package x: marker 'not a marker': "),
        (
            HEAD + "requires-python = '>=3.14'\npackages = []\n",
            "it requires Python >=3.14, this venv has 3.13.0",
        ),
        (
            HEAD + "requires-python = 'three'\npackages = []\n",
            "requires-python 'three' is not a version range",
        ),
        (HEAD + "environments = 5\npackages = []\n", "`environments` is not a list of strings"),
        (HEAD + "environments = [5]\npackages = []\n", "`environments` is not a list of strings"),
        (
            HEAD + "default-groups = [5]\npackages = []\n",
            "`default-groups` is not a list of strings",
        ),
        (
            HEAD + "environments = [\"sys_platform == 'win32'\"]\npackages = []\n",
            "none of its `environments` is this container's",
        ),
        (HEAD + "environments = ['nonsense']\npackages = []\n", "environments: "),
        (HEAD + X + 'directory = { path = "a\\u0000b" }\n', "x: the path 'a\\x00b' ("),
    ],
)
def test_each_malformed_lock_is_named_with_what_is_wrong(tmp_path, text, problem):
    with pytest.raises(StartupError) as raised:
        _convert(tmp_path, text)

    lock = tmp_path / "project" / "pylock.toml"
    assert raised.value.failure is Failure.EXPORT
    assert raised.value.what.startswith(f"cannot read the lock file {lock}: {problem}")
    assert raised.value.what.endswith(".")
    assert raised.value.todo == pylock.TODO


def test_a_lock_that_is_not_toml_is_named(tmp_path):
    with pytest.raises(StartupError) as raised:
        _convert(tmp_path, "[[packages]\n")

    assert "pylock.toml: it is not valid TOML (" in raised.value.what


def test_a_folder_outside_the_project_says_why_and_what_to_do(tmp_path):
    with pytest.raises(StartupError) as raised:
        _lines(tmp_path, '[[packages]]\nname = "out"\ndirectory = { path = "../elsewhere" }\n')

    lock = tmp_path / "project" / "pylock.toml"
    assert raised.value.failure is Failure.PATH_DEPENDENCY
    assert raised.value.what == (
        f"{lock} takes out from ../elsewhere ({tmp_path / 'elsewhere'}), outside the project, "
        "which the container cannot see."
    )
    assert raised.value.todo == (
        "Move it inside the project folder (e.g. libs/NAME) and lock again, publish it to an "
        "index, or build a custom image FROM this one that installs it."
    )


def test_vcs_archive_and_pinned_packages_become_requirement_lines(tmp_path):
    lines = _lines(
        tmp_path,
        "[[packages]]\nname = 'g'\n"
        "vcs = { url = 'https://h/r.git', commit-id = 'abc', subdirectory = 'sub dir' }\n"
        "[[packages]]\nname = 'h'\nvcs = { type = 'hg', path = '/srv/repo', commit-id = 'def' }\n"
        "[[packages]]\nname = 'r'\n"
        "archive = { url = 'https://h/r.tar.gz', hashes = { sha512 = 'bb', sha256 = 'aa' } }\n"
        "[[packages]]\nname = 'l'\narchive = { path = 'dist/l.whl' }\n"
        "[[packages]]\nname = 'p'\nversion = '2'\n"
        "wheels = [{ hashes = { sha256 = 'cc' } }, { hashes = { sha256 = 'cc' } }]\n"
        "[[packages]]\nname = 'n'\nversion = '3'\n",
    )

    local = (tmp_path / "project" / "dist" / "l.whl").as_uri()
    assert lines == [
        "g @ git+https://h/r.git@abc#subdirectory=sub%20dir",
        "h @ hg+/srv/repo@def",
        "r @ https://h/r.tar.gz --hash=sha256:aa --hash=sha512:bb",
        f"l @ {local}",
        "p==2 --hash=sha256:cc",
        "n==3",
    ]


def test_dependency_groups_and_markers_choose_the_packages(tmp_path):
    lines = _lines(
        tmp_path,
        "default-groups = ['dev']\n"
        "[[packages]]\nname = 'devtool'\nversion = '1'\nmarker = \"'dev' in dependency_groups\"\n"
        "[[packages]]\nname = 'doc'\nversion = '1'\nmarker = \"'doc' in dependency_groups\"\n"
        "[[packages]]\nname = 'linux'\nversion = '1'\nmarker = \"sys_platform == 'linux'\"\n"
        "[[packages]]\nname = 'extra'\nversion = '1'\nmarker = \"'x' in extras\"\n",
    )

    assert lines == ["devtool==1", "linux==1"]


def test_a_lock_for_this_python_and_platform_converts(tmp_path):
    lines = _lines(
        tmp_path,
        "requires-python = '>=3.12'\n"
        "environments = [\"sys_platform == 'win32'\", \"sys_platform == 'linux'\"]\n"
        "[[packages]]\nname = 'a'\nversion = '1'\n",
    )

    assert lines == ["a==1"]
