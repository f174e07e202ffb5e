"""The project's build is reused while its files are unchanged, and redone after an edit.

uv says `Building myapps @ file://...` when it builds the project; boot streams that line.
A second app venv with the same uv cache and TMPDIR stands for a new container that
shares the cache volume.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.conftest import make_app_venv
from tests.host.conftest import assert_ok, locked_project, snapshot
from tests.support import packages

BUILDING = "Building myapps @ file://"


def site_packages(venv):
    return next((venv / "lib").glob("python3.*/site-packages"))


@pytest.fixture
def setuptools_project(layout, fixture_uv_env, build_backends):
    """A project built by setuptools (no [build-system]): slow to build, writes into its tree."""
    layout.extra_find_links.append(build_backends)
    return locked_project(layout, fixture_uv_env, build_system=False)


def test_unchanged_project_is_not_built_again_and_an_edit_is(
    layout, setuptools_project, fixture_uv_env, wheels
):
    project = setuptools_project
    before = snapshot(project)

    first = layout.run("boot")
    assert_ok(first)
    assert BUILDING in first.stdout, first.describe()

    # the same container, every step forced: uv finds the project installed as it is
    forced = layout.run("boot", env={"HASSETTE__FORCE_INSTALL": "1"})
    assert_ok(forced)
    assert "project install: complete" in forced.stdout
    assert BUILDING not in forced.stdout, forced.describe()

    # a new container on the same cache volume: a fresh venv, the build comes from the cache
    fresh = make_app_venv(layout.root / "venv of a new container", wheels, fixture_uv_env)
    new_container = layout.run("boot", env={"HASSETTE__VENV": str(fresh)})
    assert_ok(new_container)
    assert BUILDING not in new_container.stdout, new_container.describe()
    assert "+ myapps==0.1.0" in new_container.stdout, new_container.describe()
    assert (site_packages(fresh) / "myapps.py").read_text() == "VALUE = 1\n"

    # an edit reaches both venvs, built once more
    packages.project_module(project).write_text("VALUE = 'edited'\n")
    edited = layout.run("boot")
    assert_ok(edited)
    assert BUILDING in edited.stdout, edited.describe()
    assert (site_packages(layout.venv) / "myapps.py").read_text() == "VALUE = 'edited'\n"
    again = layout.run("boot", env={"HASSETTE__VENV": str(fresh)})
    assert_ok(again)
    assert BUILDING not in again.stdout, again.describe()
    assert (site_packages(fresh) / "myapps.py").read_text() == "VALUE = 'edited'\n"

    # nothing was written into the user's tree, and no folder is left in TMPDIR
    before.pop("myapps.py")
    now = snapshot(project)
    now.pop("myapps.py")
    assert now == before, "boot wrote into the project folder"
    assert layout.leftover_temp_dirs() == []


def test_project_with_its_own_cache_keys_is_built_every_time(layout, fixture_uv_env):
    # the project says what its build depends on: boot leaves that alone (uv rebuilds a
    # fresh copy whose key files all have new ctimes)
    locked_project(
        layout, fixture_uv_env, extra='[tool.uv]\ncache-keys = [{ file = "pyproject.toml" }]'
    )
    assert BUILDING in layout.run("boot").stdout
    forced = layout.run("boot", env={"HASSETTE__FORCE_INSTALL": "1"})
    assert_ok(forced)
    assert BUILDING in forced.stdout, forced.describe()


# --- the stable private folder: never someone else's, never through a symlink


def stable_folder(layout):
    return layout.tmpdir / f"hassette-tasks-{os.getuid()}"


def test_symlink_planted_at_the_stable_path_is_never_followed(layout, fixture_uv_env):
    locked_project(layout, fixture_uv_env)
    target = layout.root / "somebody else's folder"
    target.mkdir()
    (target / "keep.txt").write_text("mine\n")
    stable_folder(layout).symlink_to(target)

    result = layout.run("boot")

    assert_ok(result)
    assert "project install: complete" in result.stdout
    assert sorted(p.name for p in target.iterdir()) == ["keep.txt"]
    assert stable_folder(layout).is_symlink()
    assert [p for p in layout.leftover_temp_dirs() if p != stable_folder(layout)] == []


def test_folder_open_to_others_at_the_stable_path_is_not_used(layout, fixture_uv_env):
    locked_project(layout, fixture_uv_env)
    folder = stable_folder(layout)
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    planted = folder / "project"
    planted.mkdir()

    result = layout.run("boot")

    assert_ok(result)
    assert planted.is_dir() and not any(planted.iterdir())
    assert [p for p in layout.leftover_temp_dirs() if p != folder] == []


def test_what_a_killed_start_left_in_the_stable_folder_is_cleared(layout, fixture_uv_env):
    locked_project(layout, fixture_uv_env)
    folder = stable_folder(layout)
    (folder / "project" / "src").mkdir(parents=True, mode=0o700)
    folder.chmod(0o700)
    (folder / ".hassette-tasks-workdir").write_text("")  # boot marks the folders it makes
    (folder / "project" / "src" / "stale.txt").write_text("from a start killed by OOM\n")
    (folder / "project" / "src").chmod(0o500)  # as copied from a read-only project

    result = layout.run("boot")

    assert_ok(result)
    assert layout.leftover_temp_dirs() == []


def test_stable_folder_is_private_while_in_use(layout, fixture_uv_env):
    locked_project(layout, fixture_uv_env)
    wrapper = layout.root / "uv-probe"
    wrapper.mkdir()
    report = layout.root / "probe.txt"
    real = shutil.which("uv")
    (wrapper / "uv").write_text(
        "#!/bin/sh\n"
        f'stat -c "%a %u %F" "$TMPDIR/hassette-tasks-$(id -u)" >> \'{report}\'\n'
        f"exec '{real}' \"$@\"\n"
    )
    (wrapper / "uv").chmod(0o755)

    result = layout.run("boot", env={"PATH": f"{wrapper}{os.pathsep}{os.environ['PATH']}"})

    assert_ok(result)
    seen = set(report.read_text().splitlines())
    assert seen == {f"700 {os.getuid()} directory"}, seen
    assert not stable_folder(layout).exists()
