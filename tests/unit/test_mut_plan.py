"""plan: the warm-restart decision and what the dry run says of it, behaviours surviving
mutants showed no test pinned down (tests/unit/test_plan.py holds the first ones). A wrong
decision is a warm restart that skips an install the user's change needs, or a start that
reinstalls for nothing; the dry run must say what the real start would do."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from hassette_tasks import baseline, boot, integrity, settings, state
from hassette_tasks.console import Console
from hassette_tasks.plan import inspect, make_plan
from hassette_tasks.steps import Context, Prune, RequirementsInstall
from tests.unit.conftest import write

PYPROJECT = '[project]\nname = "myapps"\nversion = "1"\ndependencies = []\n'
UV_LOCK = """\
version = 1
[[package]]
name = "myapps"
version = "1"
source = { editable = "." }
"""


@pytest.fixture(autouse=True)
def no_image_record(tmp_path, monkeypatch):
    # the venv's own record is the one its first start takes, never the image's
    monkeypatch.setenv(baseline.IMAGE_BASELINE_VARIABLE, str(tmp_path / "no-image-record.json"))


def load(tmp_path: Path, venv: Path, **env: str) -> settings.Settings:
    base = {
        "HASSETTE__VENV": str(venv),
        "HASSETTE__PROJECT_DIR": str(tmp_path / "apps"),
        "HASSETTE__APPS__DIRECTORY": str(tmp_path / "apps"),
        "HASSETTE__CONFIG_DIR": str(tmp_path / "config"),
        "HASSETTE__CONSTRAINTS": str(tmp_path / "constraints.txt"),
        "HASSETTE__INSTALL_DEPS": "1",
    }
    return settings.load({**base, **env})


def plan_lines(cfg: settings.Settings, hand_off: bool = True) -> list[str]:
    """What `boot --dry-run` prints of the plan, without the `plan: ` prefix."""
    return [line for step in make_plan(cfg, [], hand_off=hand_off) for line in step.describe()]


def finished_start(cfg: settings.Settings) -> None:
    """The record a successful start leaves for these inputs."""
    state.save(cfg.venv, inspect(cfg).fingerprints)


def requirements(cfg: settings.Settings, text: str = "probe\n") -> Path:
    return write(cfg.config_dir / "requirements.txt", text)


def locked_project(cfg: settings.Settings) -> Path:
    write(cfg.project_dir / "pyproject.toml", PYPROJECT)
    return write(cfg.project_dir / "uv.lock", UV_LOCK)


def changed_line(*steps: str) -> str:
    return (
        f"warm-restart record: inputs changed since the last successful install "
        f"({', '.join(steps)}): every install step runs again"
    )


def test_a_first_start_says_there_is_no_record(tmp_path, fake_venv):
    cfg = load(tmp_path, fake_venv())
    requirements(cfg)

    lines = plan_lines(cfg)

    assert lines[0] == (
        "warm-restart record: no record of an earlier successful install in this container"
    )
    assert f"  {cfg.config_dir / 'requirements.txt'}" in lines
    assert "environment check: would run uv pip check" in lines


def test_a_start_with_nothing_to_install_says_nothing_of_a_record(tmp_path, fake_venv):
    cfg = load(tmp_path, fake_venv())

    lines = plan_lines(cfg)

    assert not [line for line in lines if line.startswith("warm-restart record:")]
    assert "environment check: skipped (nothing to install)" in lines
    assert "network: no install runs: no uv call, no index, no cache" in lines


def test_a_matching_record_keeps_every_step_up_to_date(tmp_path, fake_venv):
    cfg = load(tmp_path, fake_venv())
    requirements(cfg)
    folder = locked_project(cfg)
    finished_start(cfg)

    lines = plan_lines(cfg)

    assert lines[0] == "warm-restart record: matches, installs are skipped"
    assert f"project install: up to date ({folder} and the project files are unchanged)" in lines
    assert f"requirements install: up to date: 1 file(s) with -c {cfg.constraints}" in lines


def test_an_edited_lock_reruns_the_project_install(tmp_path, fake_venv):
    cfg = load(tmp_path, fake_venv())
    lock = locked_project(cfg)
    finished_start(cfg)
    lock.write_text(UV_LOCK + "\n# edited\n")

    assert plan_lines(cfg)[0] == changed_line("project")
    assert inspect(cfg).installs == ["project"]


def test_an_edited_requirements_file_is_not_a_change_of_the_project(tmp_path, fake_venv):
    # the default layout keeps requirements.txt in the project folder: its own fingerprint
    # reads it whole, the project's leaves it out
    cfg = load(tmp_path, fake_venv(), HASSETTE__CONFIG_DIR=str(tmp_path / "apps"))
    locked_project(cfg)
    file = requirements(cfg)
    finished_start(cfg)
    file.write_text("probe\nother\n")

    assert plan_lines(cfg)[0] == changed_line("requirements")
    assert inspect(cfg).installs == ["project", "requirements"]  # all or nothing


def test_a_new_python_in_the_venv_reruns_the_installs(tmp_path, fake_venv):
    cfg = load(tmp_path, fake_venv(python_version="3.12.4"))
    requirements(cfg)
    finished_start(cfg)
    cfg_text = (cfg.venv / "pyvenv.cfg").read_text()
    (cfg.venv / "pyvenv.cfg").write_text(cfg_text.replace("3.12.4", "3.12.5"))

    assert plan_lines(cfg)[0] == changed_line("requirements")


def test_a_locked_project_without_requirements_installs_is_fingerprinted(tmp_path, fake_venv):
    cfg = load(tmp_path, fake_venv(), HASSETTE__INSTALL_DEPS="0")
    locked_project(cfg)

    inputs = inspect(cfg)

    assert inputs.installs == ["project"]
    assert inputs.discovery is None


def test_a_step_whose_input_went_away_counts_as_changed(tmp_path, fake_venv):
    # what the requirements installed has to go: the exact environment runs
    cfg = load(tmp_path, fake_venv())
    locked_project(cfg)
    file = requirements(cfg)
    finished_start(cfg)
    file.unlink()

    inputs = inspect(cfg)

    assert inputs.installs == ["project"] and inputs.exact
    assert inputs.record_reason == changed_line("requirements").removeprefix(
        "warm-restart record: "
    )


def test_an_interrupted_install_trusts_no_record(tmp_path, fake_venv):
    cfg = load(tmp_path, fake_venv())
    requirements(cfg)
    finished_start(cfg)
    integrity.marker_path(cfg.venv).write_text("install started by pid 1\n")

    inputs = inspect(cfg)

    assert inputs.installs == ["requirements"] and inputs.exact
    assert plan_lines(cfg)[0] == (
        "warm-restart record: the previous start was interrupted during an install: the "
        "venv is checked and repaired, then every install step runs again"
    )


def test_a_forced_install_ignores_a_matching_record(tmp_path, fake_venv):
    cfg = load(tmp_path, fake_venv())
    requirements(cfg)
    finished_start(cfg)
    forced = load(tmp_path, cfg.venv, HASSETTE__FORCE_INSTALL="1")

    inputs = inspect(forced)

    assert inputs.installs == ["requirements"] and inputs.exact
    lines = plan_lines(forced)
    assert lines[0] == (
        "warm-restart record: HASSETTE__FORCE_INSTALL=1 ignores the warm-restart record"
    )
    assert not [line for line in lines if line.startswith("exact environment: up to date")]


def test_no_record_file_makes_the_venv_exact_even_with_nothing_to_install(tmp_path, fake_venv):
    cfg = load(tmp_path, fake_venv())

    inputs = inspect(cfg)

    assert inputs.installs == [] and inputs.exact
    finished_start(cfg)
    assert not inspect(cfg).exact


# --- the exact environment and the network, as the dry run says them


def with_baseline(cfg: settings.Settings, *extra: str) -> None:
    """The venv's own packages recorded, then EXTRA installed on top (dist-infos)."""
    app = inspect(cfg).app
    assert baseline.ensure_baseline(app, Console(env={}, stream=io.StringIO())) is not None
    for name in extra:
        info = app.site_packages / f"{name}-1.0.dist-info"
        write(info / "METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n\n")
        write(info / "RECORD", f"{info.name}/METADATA,,\n{info.name}/RECORD,,\n")


def test_the_dry_run_keeps_what_the_requirements_files_ask_for(tmp_path, fake_venv):
    cfg = load(tmp_path, fake_venv())
    requirements(cfg, "probe\n")
    with_baseline(cfg, "probe", "stray")

    lines = plan_lines(cfg)

    assert "exact environment: would remove stray 1.0 (no current input asks for them)" in lines


def test_the_network_line_names_the_steps_that_install(tmp_path, fake_venv, monkeypatch):
    monkeypatch.delenv("UV_CACHE_DIR", raising=False)
    monkeypatch.delenv("UV_NO_CACHE", raising=False)
    monkeypatch.delenv("UV_OFFLINE", raising=False)
    cfg = load(tmp_path, fake_venv())
    requirements(cfg)

    lines = [line for line in plan_lines(cfg) if line.startswith("network: ")]

    assert lines == [
        "network: requirements: resolved against the index; from the local uv cache if the "
        "index is unreachable",
        "network: if the index is unreachable and the cache lacks a package: fail (no earlier "
        "successful start: no last good environment)",
    ]


@pytest.mark.parametrize("interrupted", [False, True])
def test_the_last_good_environment_is_a_finished_start_s(tmp_path, fake_venv, interrupted):
    cfg = load(tmp_path, fake_venv())
    file = requirements(cfg)
    finished_start(cfg)
    file.write_text("probe\nother\n")
    if interrupted:
        integrity.marker_path(cfg.venv).write_text("install started by pid 1\n")

    last = [line for line in plan_lines(cfg) if line.startswith("network: ")][-1]

    good = "start on the last good environment (the venv as the last successful start left it)"
    assert last.endswith(good) is not interrupted


def test_a_bake_s_plan_does_not_hand_off(tmp_path, fake_venv):
    # a bake installs into the image and ends: no hassette is started in the build
    cfg = load(tmp_path, fake_venv())

    steps = make_plan(cfg, [], hand_off=False)

    assert isinstance(steps[-1], Prune)
    assert not [line for line in plan_lines(cfg, hand_off=False) if line.startswith("hand-off")]


def test_the_dry_run_of_boot_prints_the_same_decision(tmp_path, fake_venv):
    cfg = load(tmp_path, fake_venv())
    requirements(cfg)
    finished_start(cfg)
    stream = io.StringIO()

    inputs = boot.run(cfg, Console(env={}, stream=stream), [], dry_run=True)

    assert inputs.installs == [] and not inputs.exact
    assert "plan: warm-restart record: matches, installs are skipped" in stream.getvalue()


def test_every_changed_step_is_named(tmp_path, fake_venv):
    cfg = load(tmp_path, fake_venv())
    lock = locked_project(cfg)
    file = requirements(cfg)
    finished_start(cfg)
    lock.write_text(UV_LOCK + "\n# edited\n")
    file.write_text("probe\nother\n")

    assert plan_lines(cfg)[0] == changed_line("project", "requirements")


def test_no_requirements_file_found_is_not_an_up_to_date_install(tmp_path, fake_venv):
    # no file, no fingerprint: the step runs (and says what it found), never "up to date"
    cfg = load(tmp_path, fake_venv())
    stream = io.StringIO()
    ctx = Context(cfg, Console(env={}, stream=stream), inspect(cfg).app, [])
    (requirements_step,) = [
        step for step in make_plan(cfg)[0].steps if isinstance(step, RequirementsInstall)
    ]

    requirements_step.run(ctx)

    said = [line.split("] ", 1)[1] for line in stream.getvalue().splitlines()]
    assert said[-1] == "requirements install: complete (0 file(s))"
    assert not [line for line in said if "up to date" in line]
