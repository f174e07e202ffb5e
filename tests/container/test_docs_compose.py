"""hassette's Docker docs followed as written (docs-quick-start.yml says where it differs).

One compose project: the quick start's service, volumes, config/.env and healthcheck; the
requirements example (HASSETTE__INSTALL_DEPS, apps/requirements.txt); the pyproject
example without [build-system] beside two flat app files, locked with uv lock. It must
become healthy by the docs' healthcheck with both apps' lines in the log, again after
`restart` and after `up --force-recreate`, and stop with exit 0.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.container.dockerrun import Mount, docker, open_for_container, write

pytestmark = pytest.mark.docker

HERE = Path(__file__).parent
COMPOSE_FILE = HERE / "docs-quick-start.yml"
GREETING = "Hello from Docker!"
OTHER_LINE = "other app sees appliba"

MY_APP = f'''from hassette import App, AppConfig
import tinydep


class MyAppConfig(AppConfig):
    greeting: str = "{GREETING}"


class MyApp(App[MyAppConfig]):
    async def on_initialize(self):
        self.logger.info("%s (tinydep %s)", self.app_config.greeting, tinydep.__version__)
'''
OTHER_APP = f'''from hassette import App, AppConfig
import appliba


class OtherApp(App[AppConfig]):
    async def on_initialize(self):
        self.logger.info("{OTHER_LINE} %s", appliba.__name__)
'''
HASSETTE_TOML = """[apps.my_app]
filename = "my_app.py"
class_name = "MyApp"
enabled = true

[[apps.my_app.config]]
instance_name = "my_app"

[apps.other_app]
filename = "other_app.py"
class_name = "OtherApp"

[[apps.other_app.config]]
instance_name = "other_app"
"""


def compose(project: str, env: dict[str, str], *args: str, timeout: float = 300) -> str:
    done = subprocess.run(
        ["docker-compose", "-p", project, "-f", str(COMPOSE_FILE), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"docker-compose {' '.join(args)}:\n{done.stdout}{done.stderr}"
    return done.stdout


def container_of(project: str) -> str:
    listed = docker(
        "ps", "-aq", "--filter", f"label=com.docker.compose.project={project}"
    ).output.split()
    assert len(listed) == 1, listed
    return listed[0]


def wait_healthy_with_apps(container: str, since_lines: int, timeout: float = 180) -> str:
    """The log after SINCE_LINES once the healthcheck says healthy and both apps logged."""
    deadline = time.monotonic() + timeout
    while True:
        status = docker("inspect", "--format", "{{.State.Health.Status}}", container).output
        log = "\n".join(docker("logs", container, check=False).output.splitlines()[since_lines:])
        if status.strip() == "healthy" and GREETING in log and OTHER_LINE in log:
            return log
        if time.monotonic() > deadline:
            raise AssertionError(f"not healthy with both apps (health: {status}):\n{log}")
        time.sleep(1)  # poll of a condition with a deadline


def test_the_docs_quick_start_becomes_healthy_restarts_and_stops_cleanly(
    folders, make_project, index, home_assistant, image
):
    root = folders.make("docs setup")
    config, apps = root / "config", root / "apps"
    write(
        config / ".env",
        f"HASSETTE__TOKEN={home_assistant.token}\nHASSETTE__BASE_URL={home_assistant.url}\n",
    )
    write(config / "hassette.toml", HASSETTE_TOML)
    make_project(apps, dependencies=("appliba>=1",), build_system=False, name="my-apps")
    write(apps / "my_app.py", MY_APP)
    write(apps / "other_app.py", OTHER_APP)
    write(apps / "requirements.txt", "tinydep==1.0\n")
    open_for_container([Mount(config, "/config"), Mount(apps, "/apps")])
    project = f"docs{os.getpid()}"
    env = {
        "HASSETTE_TASKS_IMAGE": image,
        "DOCS_SETUP_DIR": str(root),
        "DOCS_SETUP_NETWORK": index.network,
    }
    try:
        compose(project, env, "up", "-d")
        first = container_of(project)
        log = wait_healthy_with_apps(first, 0)
        assert "Multiple top-level modules discovered" in log  # the docs' flat project
        assert "requirements install: complete (1 file(s)" in log
        seen = len(docker("logs", first).output.splitlines())

        compose(project, env, "restart")
        log = wait_healthy_with_apps(first, seen)
        assert "project install: up to date" in log, log

        compose(project, env, "up", "-d", "--force-recreate")
        second = container_of(project)
        assert second != first
        log = wait_healthy_with_apps(second, 0)

        compose(project, env, "stop")
        code = docker("inspect", "--format", "{{.State.ExitCode}}", second).output.strip()
        assert code == "0", docker("logs", second).output
    finally:
        compose(project, env, "down", "-v", "-t", "5")
