"""A project whose uv.lock takes a package from its own explicit index behind basic auth
(tests/support/index_server.py --auth, a container on the test network), in the real
image: uv's named-index credentials reach it, a wrong password is its own banner."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.container.dockerrun import Mount
from tests.container.test_boot import boot_then
from tests.support import packages

pytestmark = pytest.mark.docker

USER = "alice"
PASSWORD = "pw-c0ntainer-9d2e"
SERVER = Path(__file__).parents[1] / "support" / "index_server.py"
SECRET = packages.Dist("secretpkg", "1.0", files={"__init__.py": "WHO = 'private'\n"})


@pytest.fixture
def private_index(containers, folders, fixture_uv_env) -> str:
    """The private index's URL as containers see it (the container's name on the network)."""
    wheels = packages.build_dists(
        [SECRET], folders.make("private wheels"), folders.make("src"), fixture_uv_env
    )
    root = folders.make("private index")
    packages.write_simple_index(wheels, root)
    name = containers.start_detached(
        *("/support/index_server.py", "serve", "--root", "/index", "--host", "0.0.0.0"),
        *("--port", "8000", "--lifetime", "600", "--auth", f"{USER}:{PASSWORD}"),
        entrypoint="/app/.venv/bin/python",
        mounts=[Mount(SERVER, "/support/index_server.py", True), Mount(root, "/index", True)],
    )
    containers.wait_for_log(name, "listening on")
    return f"http://{name}:8000/simple"


def test_explicit_private_index_with_named_credentials(
    containers, folders, base_env, private_index
):
    extra = f"""
        [[tool.uv.index]]
        name = "private-repo"
        url = "{private_index}"
        explicit = true

        [tool.uv.sources]
        secretpkg = {{ index = "private-repo" }}
    """
    project = packages.write_project(
        folders.make("my apps"), dependencies=("appliba>=1", "secretpkg"), extra=extra
    )
    named = {"UV_INDEX_PRIVATE_REPO_USERNAME": USER, "UV_INDEX_PRIVATE_REPO_PASSWORD": PASSWORD}
    locked = containers.run(  # locked where the private index's name resolves, as its author
        "-c",
        "cd /apps && UV_CACHE_DIR=/tmp/lock-cache uv lock --quiet",
        entrypoint="sh",
        env=base_env | named,
        mounts=[Mount(project, "/apps")],
    )
    assert locked.exit_code == 0, locked.describe()

    run = containers.run(
        *boot_then("myapps", "appliba", "secretpkg"),
        entrypoint="sh",
        env=base_env | named,
        mounts=[Mount(project, "/apps", read_only=True)],
    )
    wrong = containers.run(
        "--version",
        env=base_env | named | {"UV_INDEX_PRIVATE_REPO_PASSWORD": "wrong-pw-55"},
        mounts=[Mount(project, "/apps", read_only=True)],
    )

    assert run.exit_code == 0, run.describe()
    assert "from its locked file only: secretpkg" in run.output
    assert "IMPORTED" in run.output
    assert PASSWORD not in run.output
    assert wrong.exit_code == 17, wrong.describe()
    assert "INDEX AUTHENTICATION FAILED" in wrong.output
    assert "UV_INDEX_PRIVATE_REPO_USERNAME and UV_INDEX_PRIVATE_REPO_PASSWORD" in wrong.output
    assert "wrong-pw-55" not in wrong.output and PASSWORD not in wrong.output
