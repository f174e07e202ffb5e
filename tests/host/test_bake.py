"""`bake` (hassette_tasks/bake.py) on the host with real uv: boot's installs, the record, no
hassette, nothing of uv's left behind; the next boot is warm and runs no uv."""

from __future__ import annotations

from hassette_tasks import state
from tests.host.conftest import ON, assert_ok, locked_project, write_requirements


def test_bake_installs_records_and_leaves_nothing_then_boot_is_warm(
    layout, installed, fixture_uv_env, uv_calls
):
    locked_project(layout, fixture_uv_env)
    write_requirements(layout.config_dir, "applibc==1.0")

    baked = layout.run("bake", env=ON)

    assert baked.exit_code == 0, baked.describe()
    assert baked.hassette() is None, "bake started hassette"
    assert "bake: complete" in baked.stdout
    assert installed()["appliba"] == "1.0"
    assert installed()["applibc"] == "1.0"
    assert state.record_path(layout.venv).is_file()
    assert list(layout.tmpdir.iterdir()) == [], "bake left temporary files"
    assert list(layout.uv_cache.iterdir()) == [], "bake used the image's uv cache"
    assert any(call for call in uv_calls()), "bake ran no uv"

    warm = layout.run("boot", env=ON | {"HASSETTE__PRUNE_UV_CACHE": "0"})  # the image's default

    assert_ok(warm)
    assert uv_calls() == [], "the baked venv's first start ran uv"
    assert "project install: up to date" in warm.stdout
    assert "requirements install: up to date" in warm.stdout


def test_bake_failure_is_a_banner_and_an_exit_code(layout):
    write_requirements(layout.config_dir, "no-such-package-anywhere")

    baked = layout.run("bake", env=ON)

    assert baked.exit_code == 4, baked.describe()
    assert "DEPENDENCY CONFLICT" in baked.stdout
    assert "Traceback" not in baked.output
    assert not state.record_path(layout.venv).exists()
