"""steps: what each step of a start says it would do (the dry run) and says when it has
nothing to install, behaviours surviving mutants showed no test pinned down
(tests/unit/test_plan.py holds the first ones). A dry run that names the wrong lock,
command or file misleads the user reading it before a real start."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from hassette_tasks import settings
from hassette_tasks.console import Console
from hassette_tasks.discovery import Discovery
from hassette_tasks.environment import inspect
from hassette_tasks.project import ProjectKind
from hassette_tasks.steps import (
    Context,
    HandOff,
    ProjectInstall,
    Prune,
    RequirementsInstall,
)
from tests.unit.conftest import write


def load(tmp_path: Path, venv: Path, **env: str) -> settings.Settings:
    base = {
        "HASSETTE__VENV": str(venv),
        "HASSETTE__PROJECT_DIR": str(tmp_path / "my project"),
        "HASSETTE__CONFIG_DIR": str(tmp_path / "config"),
        "HASSETTE__APPS__DIRECTORY": str(tmp_path / "apps"),
        "HASSETTE__CONSTRAINTS": str(tmp_path / "constraints.txt"),
    }
    return settings.load({**base, **env})


class Run:
    """A step run on a context whose console writes to a string: the lines it said."""

    def __init__(self, cfg: settings.Settings):
        self.stream = io.StringIO()
        self.ctx = Context(cfg, Console(env={}, stream=self.stream), inspect(cfg.venv), [])

    @property
    def lines(self) -> list[str]:
        return [line.split("] ", 1)[1] for line in self.stream.getvalue().splitlines()]


@pytest.fixture
def cfg(tmp_path, fake_venv):
    return load(tmp_path, fake_venv())


def project(cfg: settings.Settings, *files: str, pyproject: str = "") -> Path:
    for name in files:
        write(cfg.project_dir / name, "version = 1\n")
    if pyproject:
        write(cfg.project_dir / "pyproject.toml", pyproject)
    return cfg.project_dir


PLAIN = '[project]\nname = "myapps"\nversion = "1"\n\n[build-system]\nrequires = ["hatchling"]\n'
PLAIN += 'build-backend = "hatchling.build"\n'


def test_a_uv_lock_project_would_be_exported_and_installed(cfg):
    folder = project(cfg, "uv.lock", pyproject=PLAIN)

    lines = ProjectInstall(cfg, ProjectKind.LOCKED, up_to_date=False).describe()

    assert lines == [
        f"project install: would install the locked project in {folder}: uv export, then "
        f"uv pip install -r <export> -c {cfg.constraints}, then the project itself with "
        "--no-deps from a private copy"
    ]


def test_a_pylock_project_would_be_converted(cfg):
    folder = project(cfg, "pylock.toml", pyproject=PLAIN)

    lines = ProjectInstall(cfg, ProjectKind.PYLOCK, up_to_date=False).describe()

    assert lines == [
        f"project install: would install the locked project in {folder}: pylock.toml "
        f"converted, then uv pip install -r <export> -c {cfg.constraints}, then the project "
        "itself with --no-deps from a private copy"
    ]


def test_a_uv_lock_project_names_its_indexes(cfg):
    project(
        cfg,
        "uv.lock",
        pyproject=PLAIN
        + '\n[[tool.uv.index]]\nname = "ours"\nurl = "https://example.org/simple"\n',
    )

    lines = ProjectInstall(cfg, ProjectKind.LOCKED, up_to_date=False).describe()

    assert lines[1:] == ["project install: index `ours` https://example.org/simple (extra index)"]


def test_a_project_without_build_system_says_how_it_is_built(cfg):
    project(cfg, "uv.lock", pyproject='[project]\nname = "myapps"\nversion = "1"\n')

    lines = ProjectInstall(cfg, ProjectKind.LOCKED, up_to_date=False).describe()

    assert len(lines) == 2
    assert lines[1].startswith("project install: no [build-system]: the project is built with ")


def test_a_lock_without_pyproject_has_no_build_note(cfg):
    # pylock.toml alone installs packages only: no project to build, nothing to say of it
    project(cfg, "pylock.toml")

    lines = ProjectInstall(cfg, ProjectKind.PYLOCK, up_to_date=False).describe()

    assert len(lines) == 1 and "pylock.toml converted" in lines[0]


@pytest.mark.parametrize(
    ("found", "lock"), [(ProjectKind.LOCKED, "uv.lock"), (ProjectKind.PYLOCK, "pylock.toml")]
)
def test_an_unchanged_project_is_up_to_date_naming_its_lock(cfg, found, lock):
    folder = project(cfg, lock, pyproject=PLAIN)

    lines = ProjectInstall(cfg, found, up_to_date=True).describe()

    assert lines == [
        f"project install: up to date ({folder / lock} and the project files are unchanged)"
    ]


def test_a_project_without_a_lock_would_be_skipped(cfg):
    folder = project(cfg, pyproject=PLAIN)

    lines = ProjectInstall(cfg, ProjectKind.UNLOCKED, up_to_date=False).describe()

    assert lines == [
        f"project install: would skip ({folder / 'pyproject.toml'} without uv.lock: run `uv lock`)"
    ]


def test_requirements_files_would_be_installed_one_by_one(cfg):
    files = [cfg.config_dir / "requirements.txt", cfg.apps_dir / "a b" / "requirements.txt"]
    empty = cfg.apps_dir / "c" / "requirements.txt"

    step = RequirementsInstall(cfg, Discovery(files=files, empty=[empty]), up_to_date=False)

    assert step.describe() == [
        f"requirements install: would install: 2 file(s) with -c {cfg.constraints}",
        f"  {files[0]}",
        f"  {files[1]}",
        f"  skip {empty} (empty)",
    ]


def test_unchanged_requirements_files_are_up_to_date(cfg):
    files = [cfg.config_dir / "requirements.txt"]

    lines = RequirementsInstall(cfg, Discovery(files=files), up_to_date=True).describe()

    assert lines[0] == f"requirements install: up to date: 1 file(s) with -c {cfg.constraints}"


def test_no_requirements_files_names_the_folders_searched(cfg):
    empty = cfg.config_dir / "requirements.txt"

    lines = RequirementsInstall(cfg, Discovery(empty=[empty]), up_to_date=False).describe()

    assert lines == [
        "requirements install: nothing to install (no requirements.txt under "
        f"{cfg.config_dir}, {cfg.apps_dir})",
        f"  skip {empty} (empty)",
    ]


def test_the_prune_would_run_alongside_hassette(tmp_path, fake_venv):
    cfg = load(tmp_path, fake_venv(), HASSETTE__PRUNE_UV_CACHE="1")

    assert Prune(cfg).describe() == ["uv cache prune: would run alongside hassette"]


def test_the_hand_off_names_the_venv_s_hassette(tmp_path, fake_venv):
    cfg = load(tmp_path, fake_venv())

    lines = HandOff(cfg, ["--config", "my file.toml"]).describe()

    assert lines == [f"hand-off: would exec {cfg.venv}/bin/hassette run --config 'my file.toml'"]


# --- what the steps say when they run without installing


def test_a_project_without_a_lock_is_skipped_with_the_fix(cfg):
    folder = project(cfg, pyproject=PLAIN)
    run = Run(cfg)

    ProjectInstall(cfg, ProjectKind.UNLOCKED, up_to_date=False).run(run.ctx)

    assert run.lines == [
        f"project install: skipped ({folder / 'pyproject.toml'} has no uv.lock next to it: "
        "run `uv lock` there, keep uv.lock with the project, and restart)"
    ]
    assert not run.ctx.installs.installed


def test_no_project_is_skipped(cfg):
    run = Run(cfg)

    ProjectInstall(cfg, ProjectKind.NONE, up_to_date=False).run(run.ctx)

    assert run.lines == [
        f"project install: skipped (no project: no pyproject.toml in {cfg.project_dir})"
    ]


def test_an_unchanged_project_is_not_installed(cfg):
    project(cfg, "uv.lock", pyproject=PLAIN)
    run = Run(cfg)

    ProjectInstall(cfg, ProjectKind.LOCKED, up_to_date=True).run(run.ctx)

    assert run.lines == ["project install: up to date (nothing changed since the last install)"]
    assert not run.ctx.installs.installed


def test_disabled_requirements_say_how_to_enable_them(cfg):
    run = Run(cfg)

    RequirementsInstall(cfg, None, up_to_date=False).run(run.ctx)

    assert run.lines == ["requirements install: disabled (set HASSETTE__INSTALL_DEPS=1 to enable)"]


def test_unchanged_requirements_are_not_installed_but_kept_for_the_exact_environment(cfg):
    files = [write(cfg.config_dir / "requirements.txt", "probe\n")]
    run = Run(cfg)

    RequirementsInstall(cfg, Discovery(files=files), up_to_date=True).run(run.ctx)

    assert run.lines[-1] == (
        "requirements install: up to date (1 file(s) unchanged since the last install)"
    )
    assert not run.ctx.installs.installed
    assert run.ctx.installs.files == files  # what the exact environment keeps


def test_the_prune_is_skipped_when_the_cache_is_not_writable(tmp_path, fake_venv):
    cfg = load(tmp_path, fake_venv(), HASSETTE__PRUNE_UV_CACHE="1")
    run = Run(cfg)
    run.ctx.cache_usable = False

    Prune(cfg).run(run.ctx)

    assert run.lines == ["uv cache prune: skipped (the cache is not writable)"]


def test_a_disabled_prune_says_so(tmp_path, fake_venv):
    cfg = load(tmp_path, fake_venv(), HASSETTE__PRUNE_UV_CACHE="0")
    run = Run(cfg)
    run.ctx.cache_usable = False  # disabled wins: the cache does not matter then

    Prune(cfg).run(run.ctx)

    assert run.lines == ["uv cache prune: disabled"]
