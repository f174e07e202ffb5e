"""The real job: a long-running `hassette run` behind boot, with the image's own command.

No `--version` here: hassette loads its configuration, refuses any HASSETTE__ name it
does not know (exit 78), and otherwise keeps running while it retries an absent Home
Assistant. Each case must reach live (`GET /api/health/live` answers 200, asked with the
image's own curl as Hassette's documented healthcheck does), stop on `docker stop` with
exit 0 well inside the grace period, and reach live again when the same container is
started again (the warm path). Hassette's own configuration check is the authority on
which names it accepts: nothing here lists them.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.container.dockerrun import Docker, Mount, docker, write

pytestmark = pytest.mark.docker

HEALTH_URL = "http://127.0.0.1:8126/api/health/live"
# a Home Assistant nobody runs: hassette retries it and still serves its health endpoint
NO_HOME_ASSISTANT = {
    "HASSETTE__TOKEN": "dummy-token-for-tests",
    "HASSETTE__BASE_URL": "http://127.0.0.1:8123",
}
STOP_GRACE = 20  # seconds docker waits before SIGKILL; hassette needs about 2
LIVE_WITHIN = 90  # seconds from start to live, generous for a busy 2-core machine

# every setting of the start-up itself, none of which hassette 0.60.0 knows
EVERY_STARTUP_SETTING = {
    "HASSETTE__PROJECT_DIR": "/apps",
    "HASSETTE__INSTALL_DEPS": "1",
    "HASSETTE__PRUNE_UV_CACHE": "1",
    "HASSETTE__CONSTRAINTS": "/app/constraints.txt",
    "HASSETTE__VENV": "/app/.venv",
    "HASSETTE__INSTALL_TIMEOUT": "300",
    "HASSETTE__REQUIREMENTS_TIMEOUT": "120",
    "HASSETTE__ON_FAILURE": "halt",
    "HASSETTE__FORCE_INSTALL": "0",
    "HASSETTE__APP_DIR": "/apps",  # the old name: handed on as HASSETTE__APPS__DIRECTORY
}


def health(containers: Docker, name: str) -> dict | None:
    """The health endpoint's JSON when it answers 200 (curl -f), else None."""
    probe = docker("exec", name, "curl", "-sf", "--max-time", "2", HEALTH_URL, check=False)
    if probe.exit_code != 0:
        return None
    return json.loads(probe.output)


def wait_live(containers: Docker, name: str, timeout: float = LIVE_WITHIN) -> float:
    """Seconds until hassette in NAME answers live; fails with the log if it never does."""
    started = time.monotonic()
    deadline = started + timeout
    while time.monotonic() < deadline:
        if not containers.running(name):
            raise AssertionError(
                f"{name} exited (code {containers.exit_code(name)}) before it was live:\n"
                f"{containers.logs(name)}"
            )
        answer = health(containers, name)
        if answer is not None and "phase" in answer:
            pass  # boot's own answer while it installs: hassette is not up yet
        elif answer is not None:
            assert answer == {"status": "live"}, answer
            return time.monotonic() - started
        time.sleep(0.5)  # poll interval of a condition with a deadline, not a synchronisation
    raise AssertionError(f"{name} not live after {timeout}s:\n{containers.logs(name)}")


def stop_cleanly(containers: Docker, name: str) -> None:
    took = containers.stop(name, grace=STOP_GRACE)
    assert containers.exit_code(name) == 0, containers.logs(name)
    assert took < STOP_GRACE / 2, f"docker stop took {took:.1f}s:\n{containers.logs(name)}"


def run_twice(containers: Docker, name: str) -> tuple[str, str]:
    """Start NAME, live, stop; start it again (warm), live, stop. The two starts' logs."""
    docker("start", name)
    wait_live(containers, name)
    stop_cleanly(containers, name)
    first = containers.logs(name)
    docker("start", name)
    wait_live(containers, name)
    stop_cleanly(containers, name)
    second = containers.logs(name)[len(first) :]
    for log in (first, second):
        assert "Hassette is running." in log, log
        assert "Unknown configuration keys" not in log, log
    return first, second


def test_no_settings_runs_hassette(containers, base_env):
    name = containers.create(env={**base_env, **NO_HOME_ASSISTANT})

    first, second = run_twice(containers, name)

    assert "handing off to hassette: /app/.venv/bin/hassette run\n" in first, first
    assert "Apps directory: /apps" in first, first
    assert "Unknown configuration keys" not in second


def test_requirements_then_hassette(containers, folders, base_env):
    config = folders.make("config")
    write(config / "requirements.txt", "tinydep==1.0\n")
    name = containers.create(
        env={**base_env, **NO_HOME_ASSISTANT, "HASSETTE__INSTALL_DEPS": "1"},
        mounts=[Mount(config, "/config", read_only=True)],
    )

    first, second = run_twice(containers, name)

    assert "requirements install: complete (1 file(s)" in first, first
    assert "hand-off: start-up settings not passed to hassette: HASSETTE__INSTALL_DEPS" in first
    assert "requirements install: up to date (1 file(s)" in second, second


def test_locked_project_with_apps_in_a_sub_folder(containers, folders, make_project, base_env):
    apps = make_project(folders.make("apps"), name="my_apps")
    name = containers.create(
        env={
            **base_env,
            **NO_HOME_ASSISTANT,
            "HASSETTE__PROJECT_DIR": "/apps",
            "HASSETTE__APPS__DIRECTORY": "/apps/src/my_apps",
        },
        mounts=[Mount(apps, "/apps", read_only=True)],
    )

    first, second = run_twice(containers, name)

    assert "project install: complete" in first, first
    assert "Apps directory: /apps/src/my_apps" in first, first
    assert "project install: up to date" in second, second


def test_every_start_up_setting_at_once(containers, folders, make_project, base_env):
    apps = make_project(folders.make("apps"), name="my_apps")
    write(apps / "requirements.txt", "tinydep==1.0\n")
    name = containers.create(
        env={**base_env, **NO_HOME_ASSISTANT, **EVERY_STARTUP_SETTING},
        mounts=[Mount(apps, "/apps", read_only=True)],
    )

    first, second = run_twice(containers, name)

    withheld = ", ".join(sorted(EVERY_STARTUP_SETTING))
    assert f"hand-off: start-up settings not passed to hassette: {withheld}" in first, first
    assert "HASSETTE__APP_DIR is the old name of HASSETTE__APPS__DIRECTORY" in first, first
    assert "Apps directory: /apps" in first, first
    assert "project install: complete" in first, first
    assert "requirements install: complete (1 file(s)" in first, first
    assert "project install: up to date" in second, second


# An app of the user's that needs a package boot installs from /apps/requirements.txt.
APP = """\
from importlib.metadata import version

import tinydep  # installed by boot; without it hassette cannot load this app

from hassette import App, AppConfig


class TinyApp(App[AppConfig]):
    async def on_initialize(self) -> None:
        self.logger.info(
            "tiny app %s started with tinydep %s from %s",
            self.app_config.instance_name,
            version("tinydep"),
            tinydep.__file__,
        )
"""
HASSETTE_TOML = """\
[apps.tiny]
filename = "tiny_app.py"
class_name = "TinyApp"
config = { instance_name = "porch" }
"""


def test_an_app_using_a_package_boot_installed_starts(
    containers, folders, base_env, home_assistant
):
    config = folders.make("config")
    apps = folders.make("apps")
    write(config / "hassette.toml", HASSETTE_TOML)
    write(apps / "tiny_app.py", APP)
    write(apps / "requirements.txt", "tinydep==1.0\n")
    name = containers.create(
        env={
            **base_env,
            "HASSETTE__TOKEN": home_assistant.token,
            "HASSETTE__BASE_URL": home_assistant.url,
            "HASSETTE__INSTALL_DEPS": "1",
        },
        mounts=[Mount(config, "/config", read_only=True), Mount(apps, "/apps", read_only=True)],
    )

    docker("start", name)
    log = containers.wait_for_log(name, "tiny app porch started with tinydep 1.0", LIVE_WITHIN)
    wait_live(containers, name)
    stop_cleanly(containers, name)

    assert "requirements install: complete (1 file(s)" in log, log
    assert "/app/.venv/lib/python3." in log.split("started with tinydep 1.0 from", 1)[1], log
