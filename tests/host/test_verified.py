"""Verified installs: the lock's hashes (and a requirements file's --hash lines) are checked."""

from __future__ import annotations

import pytest

from tests.host.conftest import ON, assert_failed, assert_ok, from_index, write_requirements
from tests.support import packages
from tests.support.index_server import IndexServer
from tests.support.packages import Dist

HASH_BANNER, HASH_EXIT = "HASH MISMATCH", 13


@pytest.fixture
def index(layout, tmp_path):
    """The test wheels as an index over HTTP that announces each file's sha256, as real
    indexes do (a lock made against it records the hashes)."""
    folder = tmp_path / "index"
    packages.write_simple_index(layout.wheels, folder)
    with IndexServer("serve", root=folder, lifetime=120) as server:
        server.simple = folder / "simple"
        yield server


@pytest.fixture
def tampered_applibb(tmp_path, fixture_uv_env):
    """applibb 1.0 again, built from other code: same name and version, other content."""
    dist = Dist("applibb", "1.0", files={"__init__.py": "TAMPERED = True\n"})
    out = packages.build_dists([dist], tmp_path / "tampered", tmp_path / "tampered-src")
    return out / dist.wheel_name


def locked_against(layout, index, fixture_uv_env, *dependencies):
    project = packages.write_project(layout.project_dir, dependencies=dependencies)
    env = {key: value for key, value in fixture_uv_env.items() if key != "UV_NO_INDEX"}
    env["UV_DEFAULT_INDEX"] = f"{index.url}/simple"
    packages.run_uv(["lock", "--quiet"], env=env, cwd=project)
    return project


def test_locked_packages_install_with_the_locks_hashes(layout, index, fixture_uv_env, installed):
    locked_against(layout, index, fixture_uv_env, "appliba")

    exported = layout.run("export", env=from_index(f"{index.url}/simple"))
    result = layout.run("boot", env=from_index(f"{index.url}/simple"))

    assert exported.exit_code == 0, exported.describe()
    applibb = packages.sha256(index.simple / "applibb" / "applibb-1.0-py3-none-any.whl")
    assert f"--hash=sha256:{applibb}" in exported.stdout
    assert_ok(result)
    assert installed()["applibb"] == "1.0"


def test_a_file_whose_hash_differs_is_refused_and_nothing_installs(
    layout, index, fixture_uv_env, installed, tampered_applibb
):
    locked_against(layout, index, fixture_uv_env, "appliba")
    packages.replace_in_index(index.simple, tampered_applibb)  # a re-upload after locking
    before = installed()

    result = layout.run("boot", env=from_index(f"{index.url}/simple"))

    assert_failed(result, HASH_BANNER, HASH_EXIT)
    assert "applibb==1.0" in result.stdout
    assert "What to do:" in result.stdout and "uv lock" in result.stdout
    assert installed() == before  # not even appliba, whose file was fine
    assert layout.leftover_temp_dirs() == []

    # the right file is back: the next start installs (the failure recorded nothing)
    packages.replace_in_index(index.simple, layout.wheels / "applibb-1.0-py3-none-any.whl")
    again = layout.run("boot", env=from_index(f"{index.url}/simple"))
    assert_ok(again)
    assert (
        "TAMPERED"
        not in next(layout.venv.glob("lib/python3.*/site-packages/applibb/__init__.py")).read_text()
    )


def test_hash_lines_in_a_requirements_file_are_checked(layout, installed, tampered_applibb):
    good = packages.sha256(layout.wheels / "applibb-1.0-py3-none-any.whl")
    wrong = packages.sha256(tampered_applibb)
    requirements = write_requirements(layout.config_dir, f"applibb==1.0 --hash=sha256:{wrong}")
    before = installed()

    refused = layout.run("boot", env=ON)

    assert_failed(refused, HASH_BANNER, HASH_EXIT)
    assert installed() == before
    requirements.write_text(f"applibb==1.0 \\\n    --hash=sha256:{good}\n")
    accepted = layout.run("boot", env=ON)
    assert_ok(accepted)
    assert installed()["applibb"] == "1.0"
