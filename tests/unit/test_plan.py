"""The plan is data: make_plan's steps describe themselves (the dry run) and a warm
restart's steps run without installing anything."""

from __future__ import annotations

import io

from hassette_tasks import boot, state
from hassette_tasks.console import Console
from hassette_tasks.plan import GuardedInstalls, inspect, make_plan
from hassette_tasks.steps import HandOff, Prune
from tests.unit.conftest import load_settings as load


def test_the_plan_is_a_list_of_steps_that_describe_themselves(tmp_path, fake_venv):
    cfg = load(tmp_path, fake_venv(), HASSETTE__PRUNE_UV_CACHE="0")

    plan = make_plan(cfg, ["--verbose"])

    assert [type(step) for step in plan] == [GuardedInstalls, Prune, HandOff]
    lines = [line for step in plan for line in step.describe()]
    assert f"project install: would skip (no pyproject.toml in {tmp_path / 'apps'})" in lines
    assert "requirements install: disabled (set HASSETTE__INSTALL_DEPS=1 to enable)" in lines
    assert "uv cache prune: disabled" in lines
    assert lines[-1].startswith("hand-off: would exec ") and lines[-1].endswith(" run --verbose")


def test_the_dry_run_prints_the_plan_s_own_lines(tmp_path, fake_venv):
    cfg = load(tmp_path, fake_venv())
    stream = io.StringIO()

    boot.run(cfg, Console(env={}, stream=stream), [], dry_run=True)

    printed = [line.split("] ", 1)[1] for line in stream.getvalue().splitlines()]
    described = [f"plan: {line}" for step in make_plan(cfg) for line in step.describe()]
    assert printed[-len(described) :] == described
    assert not state.record_path(cfg.venv).exists()  # a dry run writes nothing


def test_a_matching_record_makes_every_install_step_up_to_date(tmp_path, fake_venv):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "requirements.txt").write_text("probe\n")
    cfg = load(tmp_path, fake_venv(), HASSETTE__INSTALL_DEPS="1")
    first = inspect(cfg)
    state.save(cfg.venv, first.fingerprints)

    again = inspect(cfg)

    assert again.installs == [] and not again.exact
    lines = make_plan(cfg, [], again)[0].describe()
    assert "warm-restart record: matches, installs are skipped" in lines
    assert "exact environment: up to date (the last install left the venv exact)" in lines
    assert "environment check: skipped (nothing to install)" in lines
