"""In the real image: a new container on the same uv cache volume reuses the project's build,
an edited project is built again, and no Python process on boot's path forks while other
threads run (the prune started alongside hassette included)."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from tests.container.dockerrun import Mount, docker
from tests.support import packages

pytestmark = pytest.mark.docker

BUILDING = "Building myapps @ file://"
PROBE = Path(__file__).resolve().parents[1] / "support" / "fork_probe"


@pytest.fixture
def cache_volume():
    """A named volume for /uv_cache, shared by the test's containers (as compose would)."""
    name = f"htt-uv-cache-{secrets.token_hex(4)}"
    docker("volume", "create", name)
    yield name
    docker("volume", "rm", "-f", name, check=False)


def test_new_container_on_the_same_cache_volume_reuses_the_build(
    cache_volume, containers, folders, make_project, base_env
):
    project = make_project(folders.make("my apps"))
    spec = {
        "env": base_env,
        "mounts": [Mount(project, "/apps", read_only=True)],
        "options": ["-v", f"{cache_volume}:/uv_cache"],
    }

    first = containers.run("--version", **spec)
    second = containers.run("--version", **spec)  # an image update, a compose recreate
    packages.project_module(project).write_text("VALUE = 'edited'\n")
    edited = containers.create("--version", **spec)
    third = containers.start_attached(edited)

    assert first.exit_code == 0, first.describe()
    assert BUILDING in first.output, first.describe()
    assert second.exit_code == 0, second.describe()
    assert "project install: complete" in second.output, second.describe()
    assert "+ myapps==0.1.0" in second.output, second.describe()
    assert BUILDING not in second.output, second.describe()
    assert third.exit_code == 0, third.describe()
    assert BUILDING in third.output, "an edited project must be built again"
    lib = next(path for path in containers.files(edited, "/app/.venv/lib") if "/python3." in path)
    installed = containers.read_text(
        edited, f"/app/.venv/lib/{lib.split('/')[1]}/site-packages/myapps/__init__.py"
    )
    assert installed == "VALUE = 'edited'\n"


def test_no_fork_with_threads_on_boots_path_prune_included(
    containers, folders, make_project, base_env
):
    project = make_project(folders.make("my apps"))
    (project / "more").mkdir()
    (project / "more" / "requirements.txt").write_text("tinydep\n")
    name = containers.create(
        "--version",
        env={
            **base_env,
            "HASSETTE__INSTALL_DEPS": "1",
            "PYTHONPATH": "/probe",
            "HASSETTE_TASKS_FORK_PROBE": "/tmp/forks.log",
            "PYTHONWARNINGS": "always::DeprecationWarning",
        },
        mounts=[Mount(project, "/apps", read_only=True), Mount(PROBE, "/probe", read_only=True)],
    )

    run = containers.start_attached(name)

    assert run.exit_code == 0, run.describe()
    assert "uv cache prune: complete" in run.output, run.describe()
    forks = [
        line.split(" ", 3) for line in containers.read_text(name, "/tmp/forks.log").splitlines()
    ]
    boot = [fork for fork in forks if "invoke" in fork[3]]
    prune = [fork for fork in forks if "prune_detached" in fork[3]]
    assert len(boot) >= 5, forks  # export, locked deps, project, requirements, pip check
    assert prune, forks
    crowded = [fork for fork in boot + prune if fork[1:3] != ["1", "1"]]
    assert crowded == [], f"forks with other threads alive: {crowded}"
    assert "multi-threaded" not in run.output, run.describe()
