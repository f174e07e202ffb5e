"""bake: the private uv cache of an image build, and the environment it leaves as it found
it on every way out (tests found by nox -s mutate -- bake)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from hassette_tasks import bake

UV_NAMES = ("UV_CACHE_DIR", "UV_NO_CACHE", "UV_OFFLINE")


@pytest.fixture
def tmpdir_here(tmp_path, monkeypatch):
    """TMPDIR for this test only, so what the cache leaves there can be seen."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_inside_uv_uses_a_fresh_private_cache_with_no_cache_or_offline_switch(
    tmpdir_here, monkeypatch
):
    monkeypatch.setenv("UV_CACHE_DIR", "/image/uv-cache")
    monkeypatch.setenv("UV_NO_CACHE", "1")
    monkeypatch.setenv("UV_OFFLINE", "1")
    with bake.private_cache() as folder:
        assert os.environ["UV_CACHE_DIR"] == str(folder)
        assert "UV_NO_CACHE" not in os.environ and "UV_OFFLINE" not in os.environ
        assert folder.parent == tmpdir_here and folder.name.startswith(bake.CACHE_PREFIX)
        assert folder.is_dir() and list(folder.iterdir()) == []
        assert folder.stat().st_mode & 0o777 == 0o700
        (folder / "wheels").mkdir()
        (folder / "wheels" / "a.whl").write_text("")
    assert {name: os.environ.get(name) for name in UV_NAMES} == {
        "UV_CACHE_DIR": "/image/uv-cache",
        "UV_NO_CACHE": "1",
        "UV_OFFLINE": "1",
    }
    assert list(tmpdir_here.iterdir()) == []


def test_settings_that_were_unset_are_unset_again_after_a_failure(tmpdir_here, monkeypatch):
    for name in UV_NAMES:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError), bake.private_cache() as folder:
        (folder / "partial").write_text("")
        raise RuntimeError("the install failed")
    assert [name for name in UV_NAMES if name in os.environ] == []
    assert list(tmpdir_here.iterdir()) == []


def test_an_empty_setting_comes_back_empty_not_unset(tmpdir_here, monkeypatch):
    monkeypatch.setenv("UV_OFFLINE", "")
    with bake.private_cache():
        assert "UV_OFFLINE" not in os.environ
    assert os.environ.get("UV_OFFLINE") == ""


def test_two_bakes_never_share_a_cache(tmpdir_here):
    with bake.private_cache() as first, bake.private_cache() as second:
        assert first != second
    assert not Path(first).exists() and not Path(second).exists()
