"""boot: what `boot --dry-run` prints and leaves behind, behaviours surviving mutants showed
no test pinned down (tests/unit/test_plan.py holds the first ones; the real start is
tested through tests/host)."""

from __future__ import annotations

import io

from hassette_tasks import boot, settings, startlock
from hassette_tasks.console import Console
from tests.unit.conftest import load_settings as load


def dry_run(cfg: settings.Settings) -> list[str]:
    stream = io.StringIO()
    boot.run(cfg, Console(env={}, stream=stream), [], dry_run=True)
    return [line.split("] ", 1)[1] for line in stream.getvalue().splitlines()]


def test_the_dry_run_says_what_it_is_before_the_plan(tmp_path, fake_venv):
    venv = fake_venv(hassette_version="0.14.2", python_version="3.12.4")

    lines = dry_run(load(tmp_path, venv))

    assert lines[0] == "boot: starting"
    assert lines[1] == f"environment: hassette 0.14.2 in {venv} (Python 3.12.4)"
    header = "dry run: the plan below changes nothing and does not start hassette"
    assert header in lines
    assert all(line.startswith("plan: ") for line in lines[lines.index(header) + 1 :])


def test_the_dry_run_says_the_settings_warnings(tmp_path, fake_venv):
    cfg = load(tmp_path, fake_venv(), HASSETTE__APP_DIR=str(tmp_path / "old"))

    lines = dry_run(cfg)

    assert cfg.warnings  # the old name of the apps folder
    assert [f"warning: {warning}" for warning in cfg.warnings] == lines[1 : 1 + len(cfg.warnings)]


def test_the_dry_run_takes_no_start_lock(tmp_path, fake_venv):
    # the lock file is the real start's; a dry run beside a running start must not wait
    cfg = load(tmp_path, fake_venv())

    dry_run(cfg)

    assert not (cfg.venv / startlock.LOCK_NAME).exists()
