"""The settings check and the health answer in a real boot on the host (real uv).

The names list is hassette 0.60.0's, as the image build wrote it (tests/support/data);
the container tests use the image's own list and compare it with hassette's check.
"""

from __future__ import annotations

import json
import signal
import socket
import urllib.error
import urllib.request
from pathlib import Path

from tests.host.conftest import (
    ON,
    assert_failed,
    assert_ok,
    write_requirements,
)
from tests.support.index_server import free_port

LIST = Path(__file__).parents[1] / "support" / "data" / "hassette-0.60.0-settings.json"
CHECKED = {"HASSETTE_TASKS_SETTINGS_NAMES": str(LIST)}


def test_an_unknown_name_stops_before_anything_installs(layout, installed):
    write_requirements(layout.config_dir, "appliba")
    before = installed()

    result = layout.run("boot", env=ON | CHECKED | {"HASSETTE__LOG_LEVEL": "DEBUG"})

    assert_failed(result, "UNKNOWN HASSETTE SETTING", 15)
    assert "HASSETTE__LOGGING__LOG_LEVEL" in result.stdout
    assert "requirements install: starting" not in result.stdout
    assert installed() == before


def test_halt_mode_applies_and_answers_503_with_the_banner(layout):
    port = free_port()
    running = layout.spawn(
        "boot",
        env=CHECKED
        | {
            "HASSETTE__LOG_LEVEL": "DEBUG",
            "HASSETTE__ON_FAILURE": "halt",
            "HASSETTE_TASKS_HEALTH": "1",
            "HASSETTE__WEB_API__HOST": "127.0.0.1",
            "HASSETTE__WEB_API__PORT": str(port),
        },
    )
    running.wait_for("UNKNOWN HASSETTE SETTING")
    running.wait_for("on failure: halt")
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health/live", timeout=5)
        raise AssertionError("a halted boot answered 200")
    except urllib.error.HTTPError as error:
        assert error.code == 503
        assert json.loads(error.read())["title"] == "UNKNOWN HASSETTE SETTING"

    running.signal(signal.SIGTERM)
    result = running.finish(timeout=5)
    assert result.exit_code == 15, result.describe()
    assert result.hassette() is None
    with socket.socket() as after:  # free once boot is gone (bound as hassette binds it)
        after.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        after.bind(("127.0.0.1", port))
        after.listen()


def test_a_start_up_setting_in_dotenv_is_its_own_banner(layout):
    (layout.config_dir / ".env").write_text("HASSETTE__TOKEN=x\nHASSETTE__INSTALL_DEPS=1\n")

    result = layout.run("boot", env=CHECKED)

    assert_failed(result, "START-UP SETTING IN .env", 16)


def test_known_names_hand_off_and_a_missing_list_is_one_line(layout):
    env = {"HASSETTE__LOGGING__LOG_LEVEL": "DEBUG", "HASSETTE__TOKEN": "t"}
    checked = layout.run("boot", env=CHECKED | env)
    assert_ok(checked)
    assert "hassette settings:" not in checked.stdout

    result = layout.run("boot", env=env | {"HASSETTE_TASKS_SETTINGS_NAMES": "/nonexistent.json"})

    assert_ok(result)
    assert result.stdout.count("hassette settings: not checked (no list") == 1


def test_the_docs_hassette_toml_stops_before_the_hand_off_and_halt_applies(layout):
    # hassette's Docker docs still put app_dir under [hassette]: 0.60.0 exits 78 on it
    (layout.config_dir / "hassette.toml").write_text(
        '[hassette]\nbase_url = "http://homeassistant:8123"\napp_dir = "/apps"\n'
    )

    result = layout.run("boot", env=CHECKED)

    assert_failed(result, "UNKNOWN HASSETTE SETTING", 15)
    assert "did you mean apps.directory?" in result.stdout
    assert "handing off" not in result.stdout


def test_a_config_file_handed_to_hassette_is_the_one_checked(layout, tmp_path):
    (layout.config_dir / "hassette.toml").write_text('[hassette]\napp_dir = "/apps"\n')
    mine = tmp_path / "my config" / "hassette.toml"
    mine.parent.mkdir()
    mine.write_text('[logging]\nlog_level = "INFO"\n')

    good = layout.run("boot", "--", "--config-file", str(mine), env=CHECKED)
    assert_ok(good)

    mine.write_text('[logging]\nlevel = "INFO"\n')
    bad = layout.run("boot", "--", "--config-file", str(mine), env=CHECKED)
    assert_failed(bad, "UNKNOWN HASSETTE SETTING", 15)
    assert "logging.level (from " in bad.stdout and "app_dir" not in bad.stdout
