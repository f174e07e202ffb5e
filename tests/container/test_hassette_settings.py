"""Hassette's settings checked before the hand-off, in the real image with hassette 0.60.0.

hassette refuses a HASSETTE__ name it does not know (exit 78) after boot has become
hassette, where halt mode cannot help; boot now finds such names first, from the list the
image build asked of hassette itself. hassette's own `hassette run --check` is the
authority the list is compared with.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.container.dockerrun import Mount, write

pytestmark = pytest.mark.docker

# hassette's Docker docs, quick start: config/.env with the token and the URL, and
# HASSETTE__LOG_LEVEL in the compose file's environment (a name 0.60.0 no longer knows)
DOCS_ENV_FILE = (
    "# config/.env\n"
    "HASSETTE__TOKEN=your_long_lived_access_token_here\n"
    "HASSETTE__BASE_URL=http://homeassistant:8123\n"
)
DOCS_ENVIRONMENT = {"HASSETTE__LOG_LEVEL": "info", "TZ": "America/New_York"}


def docs_config(folders, env_file: str = DOCS_ENV_FILE):
    config = folders.make("config folder")
    write(config / ".env", env_file)
    return config


def test_the_docs_quick_start_stops_before_the_hand_off_with_the_new_name(
    containers, folders, base_env
):
    config = docs_config(folders)

    run = containers.run(
        env={**base_env, **DOCS_ENVIRONMENT}, mounts=[Mount(config, "/config", read_only=True)]
    )

    assert run.exit_code == 15, run.describe()
    assert "UNKNOWN HASSETTE SETTING" in run.output
    assert "HASSETTE__LOG_LEVEL (from the environment" in run.output
    assert "HASSETTE__LOGGING__LOG_LEVEL" in run.output
    assert "handing off" not in run.output
    assert "your_long_lived_access_token_here" not in run.output


def test_halt_mode_stops_the_restart_loop(containers, folders, base_env):
    config = docs_config(folders)
    name = containers.start_detached(
        env={**base_env, **DOCS_ENVIRONMENT, "HASSETTE__ON_FAILURE": "halt"},
        mounts=[Mount(config, "/config", read_only=True)],
        options=["--restart", "unless-stopped"],
    )

    logs = containers.wait_for_log(name, "on failure: halt")
    time.sleep(3)  # what is measured is that nothing happens: no restart within this time
    assert "UNKNOWN HASSETTE SETTING" in logs
    assert containers.running(name)
    assert containers.inspect(name, "{{.RestartCount}}") == "0"
    containers.stop(name)
    assert containers.exit_code(name) == 15


def test_a_start_up_setting_in_dotenv_is_its_own_banner(containers, folders, base_env):
    config = docs_config(folders, DOCS_ENV_FILE + "HASSETTE__INSTALL_DEPS=1\n")

    run = containers.run(env=base_env, mounts=[Mount(config, "/config", read_only=True)])

    assert run.exit_code == 16, run.describe()
    assert "START-UP SETTING IN .env" in run.output
    assert "HASSETTE__INSTALL_DEPS" in run.output


HASSETTE_SAYS = re.compile(r"^\s+- (\S+) \(from ", re.M)
WE_SAY = re.compile(r"(\S+) \(from (?:the environment|/config/\.env)")


def test_the_image_s_list_agrees_with_hassette_s_own_check(containers, folders, base_env):
    config = docs_config(
        folders, DOCS_ENV_FILE + "HASSETTE__WEB_API__PORTT=1\nhassette__logging__log_level=x\n"
    )
    env = {
        **base_env,
        "HASSETTE__LOG_LEVEL": "info",
        "HASSETTE__LOGGING__LOG_LEVEL": "INFO",
        "HASSETTE__APPS__TYPO": "x",
        "HASSETTE__APPS__MY_APP__FILENAME": "my_app.py",
        "HASSETTE__APPS__OTHER": '{"filename": "other.py"}',
        "HASSETTE__WEB_API__HOST": "0.0.0.0",
        "hassette__blocking_io__behaviour": "warn",
        "HASSETTE__EMPTY_IS_IGNORED": "",
    }
    mounts = [Mount(config, "/config", read_only=True)]

    theirs = containers.run(
        "run", "--check", env=env, mounts=mounts, entrypoint="/app/.venv/bin/hassette"
    )
    ours = containers.run("boot", "--dry-run", env=env, mounts=mounts, entrypoint="hassette-tasks")

    assert theirs.exit_code == 78, theirs.describe()
    assert ours.exit_code == 15, ours.describe()
    expected = set(HASSETTE_SAYS.findall(theirs.output))
    assert expected == {
        "HASSETTE__LOG_LEVEL",
        "hassette__blocking_io__behaviour",
        "HASSETTE__APPS__TYPO",
        "HASSETTE__WEB_API__PORTT",
    }, theirs.output
    assert set(WE_SAY.findall(ours.output)) == expected, (theirs.output, ours.output)


# hassette's Docker docs' hassette.toml (app_dir under [hassette]) and typos at each depth
DOCS_TOML = """[hassette]
base_url = "http://homeassistant:8123"
app_dir = "/apps"
verify_ssl = false

[hassette.logging]
log_levl = "INFO"

[web_api]
port = 8126
hots = "0.0.0.0"

[apps]
directory = "/apps"

[apps.my_app]
filename = "my_app.py"
class_name = "MyApp"
not_checked_by_hassette = 1
"""
WE_SAY_TOML = re.compile(r"(\S+) \(from /config/hassette\.toml")


def test_the_image_s_key_tree_agrees_with_hassette_s_own_check(containers, folders, base_env):
    config = docs_config(folders)
    write(config / "hassette.toml", DOCS_TOML)
    mounts = [Mount(config, "/config", read_only=True)]

    theirs = containers.run(
        "run", "--check", env=base_env, mounts=mounts, entrypoint="/app/.venv/bin/hassette"
    )
    ours = containers.run(
        "boot", "--dry-run", env=base_env, mounts=mounts, entrypoint="hassette-tasks"
    )

    assert theirs.exit_code == 78, theirs.describe()
    assert ours.exit_code == 15, ours.describe()
    expected = set(HASSETTE_SAYS.findall(theirs.output))
    assert expected == {"app_dir", "logging.log_levl", "web_api.hots"}, theirs.output
    assert set(WE_SAY_TOML.findall(ours.output)) == expected, (theirs.output, ours.output)
    assert "did you mean apps.directory?" in ours.output


def test_without_a_list_the_check_is_skipped_with_one_line(containers, base_env):
    # an image built before the list existed: the check cannot be made, the start goes on
    run = containers.run(
        "--version",
        env={**base_env, "HASSETTE_TASKS_SETTINGS_NAMES": "/opt/hassette-tasks/none.json"},
    )

    assert run.exit_code == 0, run.describe()
    lines = [line for line in run.output.splitlines() if "hassette settings:" in line]
    assert len(lines) == 1 and "not checked (no list of hassette's settings" in lines[0]
    assert "handing off to hassette" in run.output


def test_the_docs_flat_project_without_build_system_starts(
    containers, folders, make_project, base_env
):
    # hassette's Docker docs: pyproject.toml without [build-system], locked with uv lock,
    # next to two app files in /apps; setuptools refuses the flat folder
    apps = make_project(folders.make("apps"), build_system=False)
    write(apps / "second_app.py", "VALUE = 2\n")

    run = containers.run("--version", env=base_env, mounts=[Mount(apps, "/apps", read_only=True)])

    assert run.exit_code == 0, run.describe()
    assert "Multiple top-level modules discovered" in run.output
    assert "project install: complete (dependencies only, " in run.output
    assert "handing off to hassette" in run.output
