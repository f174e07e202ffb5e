"""Each task alone inside the image, through the `hassette-tasks` debugging entrypoint."""

from __future__ import annotations

import pytest

from tests.container.conftest import HASSETTE_VERSION
from tests.container.dockerrun import Mount, write
from tests.support.tasks_runner import TASKS as EVERY_TASK

pytestmark = pytest.mark.docker

TASKS = "hassette-tasks"
# a shell inside the image: run a task, then look at /app/.venv in the same container
SHELL = "sh"


def importable(*modules: str) -> str:
    """A shell command that fails unless every module imports in the app venv."""
    return f"/app/.venv/bin/python -c 'import {', '.join(modules)}; print(\"imported ok\")'"


def test_export_prints_the_locked_requirements(containers, folders, make_project, base_env):
    project = make_project(folders.make("my project"))
    out = folders.make("export out")

    run = containers.run(
        "export",
        "--output",
        "/out/locked.txt",
        entrypoint=TASKS,
        env=base_env,
        mounts=[Mount(project, "/apps", read_only=True), Mount(out, "/out")],
    )
    printed = containers.run(
        "export", entrypoint=TASKS, env=base_env, mounts=[Mount(project, "/apps", read_only=True)]
    )

    assert run.exit_code == 0, run.describe()
    assert "export: wrote /out/locked.txt" in run.output
    written = (out / "locked.txt").read_text()
    assert printed.exit_code == 0, printed.describe()
    for text in (written, printed.output):
        assert "appliba==1.0" in text
        assert "applibb==1.0" in text
        assert "myapps" not in text.replace("# via myapps", "")  # --no-emit-project


def test_install_locked_installs_the_project_and_its_dependencies(
    containers, folders, make_project, base_env
):
    project = make_project(folders.make("my project"))

    # writable on purpose: the install must still write nothing into the user's tree
    run = containers.run(
        "-c",
        f"{TASKS} install-locked && {importable('myapps', 'appliba', 'applibb')}",
        entrypoint=SHELL,
        env=base_env,
        mounts=[Mount(project, "/apps")],
    )

    assert run.exit_code == 0, run.describe()
    assert "project install: complete" in run.output
    assert "environment check: ok" in run.output
    assert "imported ok" in run.output
    assert sorted(p.name for p in project.iterdir()) == ["pyproject.toml", "src", "uv.lock"]


def test_install_reqs_lists_then_installs(containers, folders, base_env):
    config = folders.make("config dir")
    apps = folders.make("apps dir")
    write(config / "requirements.txt", "tinydep==1.0\n")
    write(apps / "one" / "two" / "requirements.txt", "applibc\n")
    write(apps / "requirements-dev.txt", "not-a-package-anywhere\n")  # not the exact name
    write(apps / "empty" / "requirements.txt", "# nothing yet\n\n")
    mounts = [Mount(config, "/config", read_only=True), Mount(apps, "/apps", read_only=True)]

    listed = containers.run("install-reqs", "--list", entrypoint=TASKS, env=base_env, mounts=mounts)
    installed = containers.run(
        "-c",
        f"{TASKS} install-reqs && {importable('tinydep', 'applibc')}",
        entrypoint=SHELL,
        env=base_env,
        mounts=mounts,
    )

    assert listed.exit_code == 0, listed.describe()
    paths = [line for line in listed.output.splitlines() if line.startswith("/")]
    assert paths == ["/apps/one/two/requirements.txt", "/config/requirements.txt"]  # sorted
    assert "skipping /apps/empty/requirements.txt (empty)" in listed.output
    assert "Installing" not in listed.output

    assert installed.exit_code == 0, installed.describe()
    assert "Installing requirements from /config/requirements.txt (with constraints)..." in (
        installed.output
    )
    assert "requirements install: complete (2 file(s)" in installed.output
    assert "imported ok" in installed.output


def test_prune(containers, base_env):
    run = containers.run("prune", entrypoint=TASKS, env=base_env)

    assert run.exit_code == 0, run.describe()
    assert "uv cache prune: complete" in run.output


def test_start_hands_off_to_the_real_hassette(containers, base_env):
    run = containers.run("start", "--", "--version", entrypoint=TASKS, env=base_env)

    assert run.exit_code == 0, run.describe()
    assert "handing off to hassette: /app/.venv/bin/hassette run --version" in run.output
    assert HASSETTE_VERSION in run.output.split("handing off to hassette")[1]


def test_constraints_match_the_image_and_pin_hassette(
    containers, folders, image_constraints, base_env
):
    out = folders.make("constraints out")

    printed = containers.run("constraints", entrypoint=TASKS, env=base_env)
    written = containers.run(
        "constraints",
        "--output",
        "/out/constraints.txt",
        entrypoint=TASKS,
        env=base_env,
        mounts=[Mount(out, "/out")],
    )

    assert printed.exit_code == 0, printed.describe()
    assert printed.output.rstrip().endswith(f"hassette=={HASSETTE_VERSION}")
    assert printed.output == image_constraints  # the image's file comes from this task
    assert written.exit_code == 0, written.describe()
    assert (out / "constraints.txt").read_text() == image_constraints


def test_runs_as_uid_1000_by_default(containers):
    run = containers.run("-u", entrypoint="id")

    assert run.exit_code == 0, run.describe()
    assert run.output.strip() == "1000"


def test_task_list(containers):
    run = containers.run("--list", entrypoint=TASKS)

    assert run.exit_code == 0, run.describe()
    for name in EVERY_TASK:
        assert name in run.output
