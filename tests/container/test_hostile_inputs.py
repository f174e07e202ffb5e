"""Hostile inputs in the real image: a malformed index URL's password, the repair after a failed
start, two starts on one venv (a `docker exec` of boot while the container starts)."""

from __future__ import annotations

import json

import pytest

from tests.container.dockerrun import Mount, docker, write

pytestmark = [pytest.mark.docker, pytest.mark.faults]

B64_PASSWORD = "Zm9v/YmFy+SECRETpart=="


@pytest.mark.parametrize("where", ["UV_INDEX_URL", "requirements file"])
def test_a_password_uv_rejects_the_url_of_is_never_printed(containers, folders, base_env, where):
    config = folders.make("config")
    env = {**base_env, "HASSETTE__INSTALL_DEPS": "1"}
    url = f"http://alice:{B64_PASSWORD}@index:8000/simple"
    if where == "UV_INDEX_URL":
        env["UV_INDEX_URL"] = url
        write(config / "requirements.txt", "tinydep\n")
    else:
        write(config / "requirements.txt", f"--index-url {url}\ntinydep\n")

    run = containers.run("--version", env=env, mounts=[Mount(config, "/config", read_only=True)])

    assert run.exit_code != 0, run.describe()
    assert "uv said:" in run.output, run.describe()
    for part in ("SECRETpart", "Zm9v", "YmFy"):
        assert part not in run.output, run.describe()


def test_the_repair_after_a_failed_start_leaves_a_users_own_folder(containers, base_env):
    """A start that was killed left the install marker and its work folder; the next one
    repairs and removes that folder, never a user's `hassette-tasks-*` folder in /tmp."""
    script = (
        "mkdir -p /tmp/hassette-tasks-pr42/.git /tmp/hassette-tasks-k1ll3d/project"
        " && echo mine > /tmp/hassette-tasks-pr42/tasks.py"
        " && touch /tmp/hassette-tasks-k1ll3d/.hassette-tasks-workdir"
        " && echo killed > /app/.venv/.hassette-tasks-installing"
        ' && hassette-tasks boot -- --version; echo "exit $?"; ls -a /tmp;'
        " cat /tmp/hassette-tasks-pr42/tasks.py"
    )

    run = containers.run("-c", script, env=base_env, entrypoint="/bin/sh")

    assert "exit 0" in run.output, run.describe()
    assert "repair: removed 1 temporary folder(s)" in run.output, run.describe()
    assert "hassette-tasks-k1ll3d" not in run.output.split("exit 0", 1)[1]
    assert "hassette-tasks-pr42" in run.output.split("exit 0", 1)[1]
    assert run.output.rstrip().endswith("mine"), run.describe()


def _image_path(image: str) -> str:
    config = json.loads(docker("image", "inspect", "-f", "{{json .Config.Env}}", image).output)
    return next(item.split("=", 1)[1] for item in config if item.startswith("PATH="))


def test_a_docker_exec_of_boot_while_the_container_installs_waits_then_is_warm(
    containers, folders, make_project, base_env
):
    project = make_project(folders.make("my apps"))
    slow = folders.make("slow uv")
    wrapper = write(
        slow / "uv",
        '#!/bin/sh\nif [ "$1 $2" = "pip install" ]; then sleep 4; fi\n'
        'PATH="${PATH#/slow:}" exec uv "$@"\n',
    )
    wrapper.chmod(0o755)
    env = {**base_env, "PATH": f"/slow:{_image_path(containers.image)}"}
    # the first start hands off to a hassette that keeps running (retrying an absent Home
    # Assistant): the container must outlive the second start, or docker kills that one
    env.update(HASSETTE__TOKEN="not-a-real-token", HASSETTE__BASE_URL="http://127.0.0.1:9")
    name = containers.start_detached(
        env=env,
        mounts=[Mount(project, "/apps", read_only=True), Mount(slow, "/slow", read_only=True)],
    )
    containers.wait_for_log(name, "locked package(s) with constraints")

    second = docker("exec", name, "hassette-tasks", "boot", "--", "--version", check=False)

    assert second.exit_code == 0, second.output
    assert "start lock: another start (pid" in second.output, second.output
    assert "project install: up to date" in second.output, second.output
    assert "repair:" not in second.output
    first = containers.logs(name)
    docker("kill", name, check=False)
    assert "project install: complete" in first, first
    assert "Traceback" not in first and "FAILED" not in first, first
