"""Bytecode after a real install (bytecode.py): what the start installed is compiled, as
with uv's UV_COMPILE_BYTECODE=1, but the venv's other files are not looked at again."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from tests.host.conftest import ON, assert_ok, locked_project, write_requirements
from tests.support.records import site_packages

COMPILE = {**ON, "UV_COMPILE_BYTECODE": "1"}


def pyc(source: Path) -> Path:
    return Path(importlib.util.cache_from_source(str(source)))


def plant_uncompiled(layout) -> Path:
    """A module of the venv's own that has no bytecode: uv's pass over the whole
    site-packages would compile it; boot's compiles only what it installed."""
    planted = site_packages(layout.venv) / "imageonly" / "__init__.py"
    planted.parent.mkdir()
    planted.write_text("IMAGE = True\n")
    return planted


def test_requirements_are_compiled_and_the_rest_is_left(layout):
    write_requirements(layout.apps_dir, "appliba")  # pulls applibb
    planted = plant_uncompiled(layout)

    result = layout.run("boot", env=COMPILE)

    assert_ok(result)
    site = site_packages(layout.venv)
    for module in ("appliba", "applibb"):
        assert pyc(site / module / "__init__.py").is_file(), result.stdout
    assert not pyc(planted).exists()
    check = next(line for line in result.lines if "environment check: ok" in line)
    assert "bytecode of 2 file(s)" in check


def test_a_locked_project_and_itself_are_compiled(layout, fixture_uv_env):
    locked_project(layout, fixture_uv_env)
    planted = plant_uncompiled(layout)

    result = layout.run("boot", env={"UV_COMPILE_BYTECODE": "1"})

    assert_ok(result)
    site = site_packages(layout.venv)
    assert pyc(site / "appliba" / "__init__.py").is_file(), result.stdout
    assert pyc(site / "myapps" / "__init__.py").is_file(), result.stdout  # the project
    assert not pyc(planted).exists()


def test_nothing_is_compiled_when_the_user_turns_it_off(layout):
    write_requirements(layout.apps_dir, "appliba")

    result = layout.run("boot", env={**ON, "UV_COMPILE_BYTECODE": "0"})

    assert_ok(result)
    assert not pyc(site_packages(layout.venv) / "appliba" / "__init__.py").exists()
    assert "bytecode of" not in result.stdout
