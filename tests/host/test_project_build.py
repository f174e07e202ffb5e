"""Projects without [build-system], as hassette's Docker docs show them, with real uv.

The docs' pyproject.toml has no [build-system] and sits next to a flat folder of app
files. uv builds such a project with setuptools (offline here: HASSETTE_TASKS_BUILD_BACKENDS),
which refuses several top-level modules. uv's own rule decides: `[tool.uv] package = false`
is dependencies only; `package = true` or a [build-system] must build.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.host.conftest import assert_failed, assert_ok, locked_project
from tests.support import packages

SETUPTOOLS = """
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"
"""


def flat_project(layout, fixture_uv_env, build_backends, extra=""):
    """The docs' layout: pyproject.toml, uv.lock and two app modules side by side."""
    layout.extra_find_links.append(build_backends)
    folder = locked_project(layout, fixture_uv_env, build_system=False, extra=extra)
    (folder / "second_app.py").write_text("VALUE = 2\n")
    return folder


def test_a_flat_project_that_cannot_build_keeps_its_dependencies_and_warns(
    layout, installed, fixture_uv_env, build_backends
):
    flat_project(layout, fixture_uv_env, build_backends)

    result = layout.run("boot")

    assert_ok(result)
    warnings = [line for line in result.stdout.splitlines() if "could not be built" in line]
    assert len(warnings) == 1, result.describe()
    assert "warning: project install: the project myapps could not be built" in warnings[0]
    assert "Multiple top-level modules discovered" in warnings[0]
    assert "[build-system]" in warnings[0] and "[tool.uv] package = false" in warnings[0]
    assert "project install: complete (dependencies only, " in result.stdout
    now = installed()
    assert now["appliba"] == "1.0" and now["applibb"] == "1.0"
    assert "myapps" not in now
    assert "INSTALL FAILED" not in result.stdout


def test_the_warm_restart_after_it_installs_nothing(layout, fixture_uv_env, build_backends):
    flat_project(layout, fixture_uv_env, build_backends)
    assert_ok(layout.run("boot"))

    again = layout.run("boot")

    assert_ok(again)
    assert "project install: up to date" in again.stdout


def test_package_false_installs_the_dependencies_only_and_builds_nothing(
    layout, installed, fixture_uv_env
):
    # no build backend offered: a build attempt would fail offline
    folder = locked_project(
        layout, fixture_uv_env, build_system=False, extra="[tool.uv]\npackage = false\n"
    )
    (folder / "second_app.py").write_text("VALUE = 2\n")

    result = layout.run("boot")

    assert_ok(result)
    assert "project install: dependencies only ([tool.uv] package = false" in result.stdout
    assert "Building" not in result.stdout and "warning:" not in result.stdout
    now = installed()
    assert now["appliba"] == "1.0" and "myapps" not in now


@pytest.mark.parametrize(
    "extra", ["[tool.uv]\npackage = true\n", SETUPTOOLS], ids=["package-true", "build-system"]
)
def test_a_project_that_says_it_is_a_package_still_fails_fast(
    layout, installed, fixture_uv_env, build_backends, extra
):
    flat_project(layout, fixture_uv_env, build_backends, extra=extra)

    result = layout.run("boot")

    assert_failed(result, "INSTALL FAILED", 8)
    assert "Multiple top-level modules" in result.stdout


def test_a_flat_project_with_one_module_still_builds(
    layout, installed, fixture_uv_env, build_backends
):
    layout.extra_find_links.append(build_backends)
    locked_project(layout, fixture_uv_env, build_system=False)

    result = layout.run("boot")

    assert_ok(result)
    assert "project install: complete (" in result.stdout
    assert "dependencies only" not in result.stdout
    assert installed()["myapps"] == "0.1.0"


def test_packaging_reads_uv_s_rule(tmp_path):
    from hassette_tasks.project.build import Packaging, packaging

    cases = {
        "": Packaging.TRY,
        "[tool.uv]\npackage = false\n": Packaging.VIRTUAL,
        "[tool.uv]\npackage = true\n": Packaging.PACKAGE,
        SETUPTOOLS: Packaging.PACKAGE,
        SETUPTOOLS + "[tool.uv]\npackage = false\n": Packaging.VIRTUAL,
        "not toml [": Packaging.PACKAGE,
        "tool = 3\n": Packaging.TRY,
        "[tool]\nuv = 3\n": Packaging.TRY,
    }
    for text, expected in cases.items():
        (tmp_path / "pyproject.toml").write_text(
            packages.pyproject_text("p", "1", build_system=False) + text
        )
        if text.startswith(("not toml", "tool = ")):
            (tmp_path / "pyproject.toml").write_text(text)
        assert packaging(tmp_path) == expected, text


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.integers(min_value=0, max_value=300))
def test_random_and_truncated_pyproject_never_raises(tmp_path_factory, data, cut):
    from hassette_tasks.project.build import Packaging, packaging

    folder = tmp_path_factory.mktemp("p")
    text = (packages.pyproject_text("p", "1", build_system=False) + "[tool.uv]\n").encode()
    (folder / "pyproject.toml").write_bytes((text + data)[: cut + len(text) // 2])
    assert isinstance(packaging(folder), Packaging)


def test_the_dry_run_says_what_happens_to_the_project_itself(layout, installed, fixture_uv_env):
    locked_project(layout, fixture_uv_env, build_system=False, extra="[tool.uv]\npackage = false\n")
    before = installed()

    result = layout.run("boot", "--dry-run")

    assert result.exit_code == 0, result.describe()
    assert "plan: project install: dependencies only: [tool.uv] package = false" in result.stdout
    assert installed() == before
