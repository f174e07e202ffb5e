"""steps: what the install steps do when they install (tests found by nox -s mutate -- steps;
test_mut_steps.py holds the first ones). The uv work itself (installs.install_locked,
installs.install_requirements) is stood in for here, and is the host tests' to prove: what
is pinned is what the step around it does, which a user sees as the health answer's phase
while uv works, and as what the rest of the start does after it (the environment check runs
when anything was installed; the exact environment keeps what the lock asked for)."""

from __future__ import annotations

import pytest

from hassette_tasks import health, installs
from hassette_tasks.discovery import Discovery
from hassette_tasks.project import ProjectKind
from hassette_tasks.steps import ProjectInstall, Prune, RequirementsInstall
from tests.unit.conftest import write
from tests.unit.test_mut_steps import PLAIN, Run, load, project


@pytest.fixture
def cfg(tmp_path, fake_venv):
    return load(tmp_path, fake_venv())


def answer_while(seen: list) -> None:
    """What the health answer says while the stand-in install runs."""
    seen.append(health._state.answer())


def test_a_changed_locked_project_is_installed_and_named_in_the_health_answer(cfg, monkeypatch):
    project(cfg, "uv.lock", pyproject=PLAIN)
    run = Run(cfg)
    seen: list = []
    asked_for = object()  # what the lock asked for, as install_locked returns it

    def install_locked(settings, console, app):
        assert (settings, console, app) == (cfg, run.ctx.console, run.ctx.app)
        answer_while(seen)
        return asked_for

    monkeypatch.setattr(installs, "install_locked", install_locked)

    ProjectInstall(cfg, ProjectKind.LOCKED, up_to_date=False).run(run.ctx)

    live = {"status": "live", "phase": "installing the locked project", "by": "hassette-tasks boot"}
    assert seen == [(200, live)]
    assert run.ctx.installs.installed  # the environment check runs after it
    assert run.ctx.installs.locked is asked_for  # the exact environment keeps it


@pytest.mark.parametrize("installed_before", [False, True])
def test_changed_requirements_are_installed_and_named_in_the_health_answer(
    cfg, monkeypatch, installed_before
):
    files = [write(cfg.config_dir / "requirements.txt", "probe\n")]
    discovery = Discovery(files=files)
    run = Run(cfg)
    run.ctx.installs.installed = installed_before
    seen: list = []

    def install_requirements(settings, console, app, found):
        assert (settings, console, app, found) == (cfg, run.ctx.console, run.ctx.app, discovery)
        answer_while(seen)

    monkeypatch.setattr(installs, "install_requirements", install_requirements)

    RequirementsInstall(cfg, discovery, up_to_date=False).run(run.ctx)

    assert [phase["phase"] for _, phase in seen] == ["installing requirements"]
    assert run.ctx.installs.installed is True
    assert run.ctx.installs.files == files


def test_no_requirements_file_found_installs_nothing_after_a_project_that_did_not(cfg, monkeypatch):
    monkeypatch.setattr(installs, "install_requirements", lambda *args: None)
    run = Run(cfg)

    RequirementsInstall(cfg, Discovery(files=[]), up_to_date=False).run(run.ctx)

    assert run.ctx.installs.installed is False  # no environment check for nothing


def test_a_prune_on_a_usable_cache_is_started_alongside_hassette(tmp_path, fake_venv, monkeypatch):
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "cache"))  # the detached prune's
    cfg = load(tmp_path, fake_venv(), HASSETTE__PRUNE_UV_CACHE="1")
    run = Run(cfg)

    Prune(cfg).run(run.ctx)

    assert run.lines == ["uv cache prune: started alongside hassette"]
