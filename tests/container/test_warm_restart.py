"""Warm restart: one container started twice; the second start installs nothing, offline."""

from __future__ import annotations

import pytest

from tests.container.conftest import HASSETTE_VERSION
from tests.container.dockerrun import Mount, docker, write
from tests.support import packages

pytestmark = pytest.mark.docker


def test_second_start_is_up_to_date_and_needs_no_network(
    containers, folders, make_project, base_env, index
):
    project = make_project(folders.make("my apps"))
    config = folders.make("config")
    write(config / "requirements.txt", "tinydep\n")
    name = containers.create(
        "--version",
        env={**base_env, "HASSETTE__INSTALL_DEPS": "1"},
        mounts=[Mount(project, "/apps", read_only=True), Mount(config, "/config", read_only=True)],
    )

    first = containers.start_attached(name)
    recorded = containers.exists(name, "/app/.venv/.hassette-tasks-record.json")
    # the second start has no network at all: any export or install would fail
    docker("network", "disconnect", index.network, name)
    second = containers.start_attached(name)

    assert first.exit_code == 0, first.describe()
    assert "project install: complete" in first.output
    assert "requirements install: complete (1 file(s)" in first.output
    assert recorded, "no warm-restart record after a successful install"

    assert second.exit_code == 0, second.describe()
    assert "project install: up to date" in second.output
    assert "requirements install: up to date (1 file(s)" in second.output
    for install_line in (
        "project install: starting",
        "exporting",
        "Installing requirements",
        "environment check",
    ):
        assert install_line not in second.output
    assert HASSETTE_VERSION in second.output.split("handing off to hassette", 1)[1]


def test_edited_project_module_is_installed_on_the_next_start(
    containers, folders, make_project, base_env
):
    project = make_project(folders.make("my apps"))
    name = containers.create(
        "--version", env=base_env, mounts=[Mount(project, "/apps", read_only=True)]
    )
    first = containers.start_attached(name)
    packages.project_module(project).write_text("VALUE = 'edited between two starts'\n")

    second = containers.start_attached(name)

    assert first.exit_code == 0, first.describe()
    assert second.exit_code == 0, second.describe()
    assert "project install: complete" in second.output, "the edit was not noticed"
    lib = next(path for path in containers.files(name, "/app/.venv/lib") if "/python3." in path)
    python_dir = lib.split("/")[1]  # the archive's paths start at lib/
    installed = containers.read_text(
        name, f"/app/.venv/lib/{python_dir}/site-packages/myapps/__init__.py"
    )
    assert "edited between two starts" in installed


def test_dry_run_plans_and_changes_nothing(containers, folders, make_project, base_env):
    project = make_project(folders.make("my apps"))

    run = containers.run(
        "-c",
        "hassette-tasks boot --dry-run -- --version; echo dry-run-exit=$?; "
        "/app/.venv/bin/python -c 'import myapps' 2>/dev/null; echo import-exit=$?",
        entrypoint="sh",
        env=base_env,
        mounts=[Mount(project, "/apps", read_only=True)],
    )

    assert "dry-run-exit=0" in run.output, run.describe()
    assert "would install the locked project in /apps" in run.output, run.describe()
    assert "plan: hand-off: would exec /app/.venv/bin/hassette run --version" in run.output
    assert "handing off to hassette" not in run.output
    assert "import-exit=1" in run.output, "the dry run installed the project"
