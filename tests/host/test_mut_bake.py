"""bake (hassette_tasks/bake.py) with real uv: what its log says it does, and that it never
starts uv's cache prune, whatever HASSETTE__PRUNE_UV_CACHE says (tests found by nox -s
mutate -- --host=test_bake.py,test_mut_bake.py bake)."""

from __future__ import annotations

from tests.host.conftest import ON, write_requirements
from tests.host.test_hassette_settings import CHECKED


def test_bake_says_what_it_does_and_never_prunes_the_cache_it_throws_away(layout, installed):
    write_requirements(layout.config_dir, "applibc==1.0")

    baked = layout.run("bake", env=ON | {"HASSETTE__PRUNE_UV_CACHE": "1"})

    assert baked.exit_code == 0, baked.describe()
    lines = [line.split("] ", 1)[-1] for line in baked.phase_lines()]
    assert lines[0] == (
        "bake: installing as a start would, at image build time (hassette is not started)"
    ), baked.describe()
    assert lines[-1] == (
        "bake: complete: a container of this image starts warm (no uv, no network)"
    ), baked.describe()
    # a prune alongside hassette makes no sense without hassette, and its cache is gone
    assert "uv cache prune: disabled" in lines, baked.describe()
    assert installed()["applibc"] == "1.0"


def test_bake_with_the_images_settings_list_checks_the_settings_and_succeeds(layout, installed):
    """An image build has hassette's list of its settings: bake checks them as a start
    would, with no arguments for hassette (there is no `--` at build time)."""
    write_requirements(layout.config_dir, "applibc==1.0")
    (layout.config_dir / ".env").write_text("HASSETTE__LOGGING__LOG_LEVEL=INFO\n")

    baked = layout.run("bake", env=ON | CHECKED)

    assert baked.exit_code == 0, baked.describe()
    assert "hassette settings: not checked" not in baked.stdout, baked.describe()
    assert "Traceback" not in baked.output, baked.describe()
    assert installed()["applibc"] == "1.0"
