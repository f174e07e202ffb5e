"""Bytecode for what a start installed (bytecode.py): uv's whole-venv pass taken over only
where boot can compile for the app's Python, and then only the installed files compiled."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from hassette_tasks import bytecode
from hassette_tasks.environment import inspect
from tests.unit.conftest import write

THIS_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
OTHER_PYTHON = "3.10" if THIS_PYTHON != "3.10" else "3.9"


def installed(site: Path, name: str, files: dict[str, str], record_extra: str = "") -> Path:
    """A distribution NAME with FILES (relative to SITE) and a RECORD listing them."""
    for relative, text in files.items():
        write(site / relative, text)
    dist_info = site / f"{name}-1.0.dist-info"
    rows = [f"{relative},," for relative in files] + [f"{name}-1.0.dist-info/RECORD,,"]
    write(dist_info / "METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    write(dist_info / "RECORD", "\n".join(rows) + "\n" + record_extra)
    return dist_info


def pyc(source: Path) -> Path:
    return Path(importlib.util.cache_from_source(str(source)))


@pytest.fixture
def app(fake_venv):
    venv = fake_venv(python_minor=THIS_PYTHON, python_version=f"{THIS_PYTHON}.1")
    return inspect(venv)


@pytest.mark.parametrize("value", ["1", "true", "TRUE", " yes ", "on"])
def test_compilation_is_wanted_for_uvs_true_words(value):
    assert bytecode.wanted({"UV_COMPILE_BYTECODE": value})


@pytest.mark.parametrize("value", ["", "0", "false", "no", "off", "2"])
def test_compilation_is_not_wanted_otherwise(value):
    assert not bytecode.wanted({"UV_COMPILE_BYTECODE": value})
    assert not bytecode.wanted({})


def test_uvs_pass_is_taken_over_only_when_wanted_and_the_python_is_ours(app, fake_venv):
    env = {"UV_COMPILE_BYTECODE": "1", "OTHER": "x"}
    assert bytecode.deferred(env, app) == {"UV_COMPILE_BYTECODE": "0", "OTHER": "x"}
    assert env["UV_COMPILE_BYTECODE"] == "1"  # the caller's dict is left as it was
    other = inspect(fake_venv(python_minor=OTHER_PYTHON, python_version=f"{OTHER_PYTHON}.2"))
    assert bytecode.deferred(env, other) == env  # uv compiles for a Python not ours
    assert bytecode.deferred({"UV_COMPILE_BYTECODE": "0"}, app) == {"UV_COMPILE_BYTECODE": "0"}


def test_the_installed_files_are_compiled_and_nothing_else(app, monkeypatch):
    monkeypatch.setenv("UV_COMPILE_BYTECODE", "1")
    site = app.site_packages
    new = installed(site, "applib", {"applib/__init__.py": "X = 1\n", "applib/data.txt": "x"})
    untouched = write(site / "imagepkg" / "__init__.py", "Y = 2\n")
    assert bytecode.compile_changed(app, [new]) == 1
    assert pyc(site / "applib" / "__init__.py").is_file()
    assert not pyc(untouched).exists()  # the image's own files are not looked at
    assert not (site / "applib" / "__pycache__" / "data.txt").exists()


def test_a_current_pyc_is_left_as_it_is(app, monkeypatch):
    monkeypatch.setenv("UV_COMPILE_BYTECODE", "1")
    site = app.site_packages
    new = installed(site, "applib", {"applib/__init__.py": "X = 1\n"})
    bytecode.compile_changed(app, [new])
    compiled = pyc(site / "applib" / "__init__.py")
    os.utime(compiled, ns=(10**18, 10**18))  # a rewrite would give it the time of now
    bytecode.compile_changed(app, [new])
    assert compiled.stat().st_mtime_ns == 10**18
    source = site / "applib" / "__init__.py"
    source.write_text("X = 22\n")  # changed (compileall's rule: the source's mtime): again
    os.utime(source, (source.stat().st_mtime + 5, source.stat().st_mtime + 5))
    bytecode.compile_changed(app, [new])
    assert compiled.stat().st_mtime_ns != 10**18


def test_a_file_that_does_not_compile_is_left_to_python(app, monkeypatch, capsys):
    monkeypatch.setenv("UV_COMPILE_BYTECODE", "1")
    site = app.site_packages
    new = installed(
        site, "applib", {"applib/py2.py": "print 'old'\n", "applib/ok.py": "OK = True\n"}
    )
    assert bytecode.compile_changed(app, [new]) == 2
    assert not pyc(site / "applib" / "py2.py").exists()
    assert pyc(site / "applib" / "ok.py").is_file()
    assert capsys.readouterr().out == ""  # nothing on the data stream


def test_record_paths_leaving_the_venv_and_unreadable_records_are_skipped(
    app, monkeypatch, tmp_path
):
    monkeypatch.setenv("UV_COMPILE_BYTECODE", "1")
    outside = write(tmp_path / "outside.py", "Z = 3\n")
    escape = "../" * 6 + str(outside).lstrip("/")
    new = installed(app.site_packages, "applib", {"applib/__init__.py": ""}, f"{escape},,\n")
    broken = app.site_packages / "broken-1.0.dist-info"
    broken.mkdir()  # no RECORD at all
    assert bytecode.compile_changed(app, [broken, new]) == 1  # the next one still counts
    assert not pyc(outside).exists()


def test_nothing_is_compiled_when_the_user_turned_it_off(app, monkeypatch):
    monkeypatch.setenv("UV_COMPILE_BYTECODE", "0")
    new = installed(app.site_packages, "applib", {"applib/__init__.py": "X = 1\n"})
    assert bytecode.compile_changed(app, [new]) == 0
    assert not pyc(app.site_packages / "applib" / "__init__.py").exists()


def test_nothing_is_compiled_for_another_python(fake_venv, monkeypatch):
    monkeypatch.setenv("UV_COMPILE_BYTECODE", "1")
    other = inspect(fake_venv(python_minor=OTHER_PYTHON, python_version=f"{OTHER_PYTHON}.2"))
    new = installed(other.site_packages, "applib", {"applib/__init__.py": "X = 1\n"})
    assert bytecode.compile_changed(other, [new]) == 0  # uv compiled those itself
    assert not pyc(other.site_packages / "applib" / "__init__.py").exists()
