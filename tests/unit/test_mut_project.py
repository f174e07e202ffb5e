"""project (project/__init__.py): which branch a project folder takes, the uv.lock reader's
message for each malformed shape, and the packages the dry run reads from a lock (tests
found by nox -s mutate on hassette_tasks.project.x*)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hassette_tasks.errors import Failure, StartupError
from hassette_tasks.project import (
    LockError,
    ProjectKind,
    check_path_dependencies,
    kind,
    path_dependencies,
    project_name,
    table,
    uv_lock_names,
    uv_lock_packages,
)
from tests.unit.conftest import write

ENV = {
    "python_version": "3.13",
    "python_full_version": "3.13.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "os_name": "posix",
    "platform_machine": "x86_64",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "platform_release": "6",
    "platform_version": "1",
    "implementation_version": "3.13.0",
}
HEAD = 'version = 1\nrevision = 2\nrequires-python = ">=3.11"\n'


def test_uv_lock_wins_and_a_folder_is_no_file(tmp_path):
    (tmp_path / "uv.lock").mkdir()
    (tmp_path / "pylock.toml").mkdir()
    (tmp_path / "pyproject.toml").mkdir()
    assert kind(tmp_path) is ProjectKind.NONE
    write(tmp_path / "p" / "pyproject.toml", "")
    assert kind(tmp_path / "p") is ProjectKind.UNLOCKED
    write(tmp_path / "p" / "pylock.toml", "")
    assert kind(tmp_path / "p") is ProjectKind.PYLOCK
    write(tmp_path / "p" / "uv.lock", "")
    assert kind(tmp_path / "p") is ProjectKind.LOCKED


def test_only_the_two_lock_files_are_locked():
    assert [k for k in ProjectKind if k.locked] == [ProjectKind.LOCKED, ProjectKind.PYLOCK]


def test_a_table_is_read_only_from_tables():
    assert table({"a": {"b": 1}}, "a") == {"b": 1}
    assert table({"a": 5}, "a") == {}
    assert table({}, "a") == {}
    assert table(None, "a") == {}
    assert table([("a", {})], "a") == {}


@pytest.mark.parametrize(
    "text", ["[project]\nname = 5\n", "project = 'x'\n", "", "[project\n", "\udcff"]
)
def test_a_project_without_a_readable_name_has_none(tmp_path, text):
    (tmp_path / "pyproject.toml").write_bytes(text.encode(errors="surrogateescape"))
    assert project_name(tmp_path) is None


def _problem(tmp_path: Path, body: str | bytes) -> LockError:
    path = tmp_path / "uv.lock"
    path.write_bytes(body if isinstance(body, bytes) else (HEAD + body).encode())
    with pytest.raises(LockError) as caught:
        uv_lock_packages(path)
    return caught.value


P = '[[package]]\nname = "a"\nversion = "1"\n'


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"version = 1\n# caf\xe9\n", "it is not UTF-8 text (byte 17)"),
        ("package = 5\n", "`package` is not a list of tables"),
        ("package = [5]\n", "`package` is not a list of tables"),
        ('[[package]]\nversion = "1"\n', "package number 1 has no name"),
        (P + "[[package]]\nname = 5\n", "package number 2 has no name"),
        (P + 'source = "registry"\n', "package a: `source` is not a table"),
        (P + "dependencies = 5\n", "package a: `dependencies` is not a list of tables"),
        (P + "dependencies = ['b']\n", "package a: `dependencies` is not a list of tables"),
        (P + "optional-dependencies = 5\n", "package a: `optional-dependencies` is not a table"),
        (
            P + "[package.optional-dependencies]\nsocks = 5\n",
            "package a: `optional-dependencies.socks` is not a list of tables",
        ),
        (
            P + "dependencies = [{ marker = 'x' }]\n",
            "package a: a dependency without a name or marker text",
        ),
        (
            P + "dependencies = [{ name = 'b', marker = 5 }]\n",
            "package a: a dependency without a name or marker text",
        ),
        (
            P + "[package.optional-dependencies]\nsocks = [{ name = 5 }]\n",
            "package a: a dependency without a name or marker text",
        ),
        (
            P + "dependencies = [{ name = 'b', extra = 'socks' }]\n",
            "package a: a dependency's `extra` is not a list of names",
        ),
        (
            P + "dependencies = [{ name = 'b', extra = [5] }]\n",
            "package a: a dependency's `extra` is not a list of names",
        ),
    ],
)
def test_each_malformed_shape_is_named(tmp_path, body, problem):
    error = _problem(tmp_path, body)

    assert error.failure is Failure.EXPORT
    assert error.what == f"cannot read the lock file {tmp_path / 'uv.lock'}: {problem}."
    assert error.todo == (
        "Run `uv lock` where the project lives, keep uv.lock with pyproject.toml, and restart."
    )


def test_a_lock_that_is_not_toml_says_where(tmp_path):
    error = _problem(tmp_path, "[[package]\n")

    assert error.what.startswith(f"cannot read the lock file {tmp_path / 'uv.lock'}: it is not ")
    assert "valid TOML (" in error.what and "line 4" in error.what


def test_a_missing_lock_is_named_with_the_systems_words(tmp_path):
    with pytest.raises(LockError) as caught:
        uv_lock_packages(tmp_path / "uv.lock")

    assert caught.value.what == (
        f"cannot read the lock file {tmp_path / 'uv.lock'}: No such file or directory."
    )


def test_a_well_formed_lock_gives_its_packages(tmp_path):
    write(
        tmp_path / "uv.lock",
        HEAD + P + "dependencies = [{ name = 'b', extra = ['x'], marker = 'os_name == \"nt\"' }]\n"
        "[package.optional-dependencies]\nx = [{ name = 'c' }]\n"
        '[[package]]\nname = "b"\nversion = "2"\n',
    )

    assert [p["name"] for p in uv_lock_packages(tmp_path / "uv.lock")] == ["a", "b"]


def test_path_dependencies_are_named_and_resolved(tmp_path):
    project = tmp_path / "apps"
    write(
        project / "uv.lock",
        HEAD
        + '[[package]]\nname = "root"\nversion = "1"\nsource = { virtual = "." }\n'
        + '[[package]]\nname = "Lib-A"\nversion = "1"\nsource = { path = "wheels/a.whl" }\n'
        + '[[package]]\nname = "nosource"\nversion = "1"\n'
        + '[[package]]\nname = "libb"\nversion = "1"\nsource = { editable = "libs/b" }\n',
    )

    found = path_dependencies(project)

    assert [(dep.name, dep.written, dep.inside) for dep in found] == [
        ("Lib-A", "wheels/a.whl", True),
        ("libb", "libs/b", True),
    ]
    assert found[1].resolved == (project / "libs" / "b").resolve()


def _names(tmp_path, body: str, env: dict[str, str] = ENV) -> set[str]:
    write(tmp_path / "uv.lock", HEAD + body)
    return uv_lock_names(tmp_path / "uv.lock", env)


ROOT = '[[package]]\nname = "root"\nversion = "1"\nsource = { editable = "." }\n'


def _pkg(name: str, extra: str = "") -> str:
    return f'[[package]]\nname = "{name}"\nversion = "1"\nsource = {{ registry = "r" }}\n{extra}'


def test_the_dry_run_reads_what_the_root_needs_on_this_platform(tmp_path):
    body = (
        ROOT + "dependencies = [{ name = 'Lib_A' }, { name = 'winonly', marker = "
        "\"sys_platform == 'win32'\" }, { name = 'old', marker = \"python_version < '3.12'\" }, "
        "{ name = 'odd', marker = 'not a marker' }]\n"
        + _pkg("lib-a", "dependencies = [{ name = 'b', extra = ['socks'] }]\n")
        + _pkg("b", "dependencies = [{ name = 'c' }]\n")
        + "[package.optional-dependencies]\nsocks = [{ name = 'pysocks' }]\n"
        + "other = [{ name = 'x' }]\n"
        + _pkg("c", "dependencies = [{ name = 'lib-a' }]\n")
        + _pkg("pysocks")
        + _pkg("x")
        + _pkg("winonly")
        + _pkg("old")
        + _pkg("odd")
        + _pkg("unreached")
    )

    assert _names(tmp_path, body) == {"lib-a", "b", "c", "pysocks", "odd"}


def test_an_extra_reached_later_is_still_followed(tmp_path):
    body = (
        ROOT
        + "dependencies = [{ name = 'b' }, { name = 'a' }]\n"
        + _pkg("a", "dependencies = [{ name = 'b', extra = ['socks'] }]\n")
        + _pkg("b")
        + "[package.optional-dependencies]\nsocks = [{ name = 'pysocks' }]\n"
        + _pkg("pysocks")
    )

    assert _names(tmp_path, body) == {"a", "b", "pysocks"}


def test_a_dependency_only_for_an_extra_is_left_out(tmp_path):
    body = (
        ROOT
        + "dependencies = [{ name = 'a', marker = \"extra == 'dev'\" }, { name = 'b' }]\n"
        + _pkg("a")
        + _pkg("b")
    )

    assert _names(tmp_path, body) == {"b"}


def test_only_packages_of_the_project_itself_are_roots(tmp_path):
    body = (
        _pkg("notroot", "dependencies = [{ name = 'a' }]\n")
        + '[[package]]\nname = "lib"\nversion = "1"\nsource = { directory = "libs/lib" }\n'
        + "dependencies = [{ name = 'b' }]\n"
        + _pkg("a")
        + _pkg("b")
    )

    assert _names(tmp_path, body) == set()


def test_an_extra_nobody_asked_for_is_not_read_as_a_dependency(tmp_path):
    # the shape check once added every extra's entries to the package's own dependencies
    extras = "[package.optional-dependencies]\nsocks = [{ name = 'pysocks' }]\n"
    body = (
        ROOT
        + "dependencies = [{ name = 'b' }]\n"
        + _pkg("b", "dependencies = [{ name = 'c' }]\n")
        + extras
        + _pkg("c")
        + _pkg("pysocks")
    )

    assert _names(tmp_path, body) == {"b", "c"}
    packages = uv_lock_packages(tmp_path / "uv.lock")
    assert packages[1]["dependencies"] == [{"name": "c"}]


def test_a_lock_without_packages_has_none(tmp_path):
    write(tmp_path / "uv.lock", HEAD)

    assert uv_lock_packages(tmp_path / "uv.lock") == []


def test_the_own_dependencies_are_checked_beside_the_extras(tmp_path):
    body = P + "dependencies = [{ marker = 'x' }]\n[package.optional-dependencies]\nsocks = []\n"

    assert "a dependency without a name or marker text" in _problem(tmp_path, body).what


def test_folders_outside_the_project_are_all_named_with_what_to_do(tmp_path):
    project = tmp_path / "apps"
    write(
        project / "uv.lock",
        HEAD
        + '[[package]]\nname = "one"\nversion = "1"\nsource = { directory = "../one" }\n'
        + '[[package]]\nname = "two"\nversion = "1"\nsource = { path = "/srv/two.whl" }\n',
    )

    with pytest.raises(StartupError) as caught:
        check_path_dependencies(project)

    assert caught.value.what == (
        f"uv.lock in {project} takes one (../one -> {tmp_path / 'one'}), two (/srv/two.whl -> "
        "/srv/two.whl) from a folder outside the project, which the container cannot see."
    )
    assert caught.value.todo == (
        "Move the dependency inside the project folder (e.g. libs/NAME) and run `uv lock`, "
        "publish it to an index, or build a custom image FROM this one that installs it "
        "(RUN uv pip install --python /app/.venv/bin/python /src/NAME)."
    )


def test_every_dependency_of_a_package_is_read_past_ones_already_seen(tmp_path):
    body = (
        ROOT
        + "dependencies = [{ name = 'c' }, { name = 'x' }]\n"
        + _pkg("x", "dependencies = [{ name = 'c' }, { name = 'd' }]\n")
        + _pkg("c")
        + _pkg("d")
    )

    assert _names(tmp_path, body) == {"c", "x", "d"}


def test_an_extra_the_package_does_not_define_and_a_missing_package_are_no_error(tmp_path):
    body = (
        ROOT + "dependencies = [{ name = 'b', extra = ['nope'] }, { name = 'gone' }]\n" + _pkg("b")
    )

    assert _names(tmp_path, body) == {"b", "gone"}


def test_extras_that_ask_for_each_other_end(tmp_path):
    body = (
        ROOT
        + "dependencies = [{ name = 'a', extra = ['x'] }]\n"
        + _pkg("a")
        + "[package.optional-dependencies]\nx = [{ name = 'b', extra = ['y'] }]\n"
        + _pkg("b")
        + "[package.optional-dependencies]\ny = [{ name = 'a', extra = ['x'] }]\n"
    )

    assert _names(tmp_path, body) == {"a", "b"}
