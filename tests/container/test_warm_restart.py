"""Warm restart: one container started twice; the second start installs nothing, offline."""

from __future__ import annotations

import pytest

from tests.container.conftest import HASSETTE_VERSION
from tests.container.dockerrun import Mount, docker, write

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
