"""plan: what the dry run says of a forced install of a locked project and of a first start
on an empty uv cache (tests found by nox -s mutate -- plan; test_mut_plan.py holds the
first ones)."""

from __future__ import annotations

from tests.unit.test_mut_plan import load, locked_project, plan_lines


def test_a_forced_install_of_a_locked_project_installs_it(tmp_path, fake_venv):
    # HASSETTE__FORCE_INSTALL=1 skips the record's comparison: no step is up to date
    cfg = load(tmp_path, fake_venv(), HASSETTE__FORCE_INSTALL="1")
    locked_project(cfg)

    lines = plan_lines(cfg)

    assert lines[0] == (
        "warm-restart record: HASSETTE__FORCE_INSTALL=1 ignores the warm-restart record"
    )
    assert lines[1].startswith(
        f"project install: would install the locked project in {cfg.project_dir}: uv export"
    )
    assert not [line for line in lines if line.startswith("project install: up to date")]


def test_a_locked_project_on_an_empty_cache_is_said_to_come_from_the_index(
    tmp_path, fake_venv, monkeypatch
):
    empty = tmp_path / "new cache volume"
    empty.mkdir()
    monkeypatch.setenv("UV_CACHE_DIR", str(empty))
    monkeypatch.delenv("UV_NO_CACHE", raising=False)
    monkeypatch.delenv("UV_OFFLINE", raising=False)
    cfg = load(tmp_path, fake_venv())
    locked_project(cfg)

    lines = [line for line in plan_lines(cfg) if line.startswith("network: ")]

    assert lines[0] == (
        "network: project: from the index (the local uv cache is empty: a first start)"
    )
