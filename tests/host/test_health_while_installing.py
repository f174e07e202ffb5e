"""The health answer while a real boot installs (real uv, a slow local index): on the
address hassette's own settings give (hassette.toml in the config folder, or the file
handed to hassette with --config-file), and never during a bake (nobody to answer)."""

from __future__ import annotations

import json
import socket
import urllib.request

import pytest

from tests.host.conftest import ON, assert_ok, from_index, write_requirements
from tests.host.test_hassette_settings import CHECKED
from tests.support import packages
from tests.support.index_server import IndexServer, free_port

HEALTH_ON = {"HASSETTE_TASKS_HEALTH": "1"}


@pytest.fixture
def slow_index(layout, tmp_path):
    """The test wheels as an index that waits before each answer: installs take seconds."""
    folder = tmp_path / "index"
    packages.write_simple_index(layout.wheels, folder)
    with IndexServer("serve", root=folder, lifetime=120, delay=0.7) as server:
        yield server


def web_api(port: int) -> str:
    return f'[web_api]\nhost = "127.0.0.1"\nport = {port}\n'


def live(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health/live", timeout=5) as answer:
        assert answer.status == 200
        return json.loads(answer.read())


def refused(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.parametrize("where", ["config folder", "--config-file"])
def test_an_install_answers_on_hassettes_port_from_its_toml(layout, slow_index, tmp_path, where):
    port = free_port()
    args: tuple[str, ...] = ()
    if where == "config folder":
        (layout.config_dir / "hassette.toml").write_text(web_api(port))
    else:
        mine = tmp_path / "my config" / "hassette.toml"
        mine.parent.mkdir()
        mine.write_text(web_api(port))
        (layout.config_dir / "hassette.toml").write_text(web_api(free_port()))  # not this one
        args = ("--", "--config-file", str(mine))
    write_requirements(layout.apps_dir, "applibc==1.0")
    env = ON | CHECKED | HEALTH_ON | from_index(f"{slow_index.url}/simple")

    running = layout.spawn("boot", *args, env=env)
    line = running.wait_for("health: answering")
    running.wait_for("Installing requirements from")
    answer = live(port)
    result = running.finish(timeout=60)

    assert f"on 127.0.0.1:{port} until the hand-off" in line
    assert answer["status"] == "live" and answer["by"] == "hassette-tasks boot", answer
    assert_ok(result)
    assert refused(port)  # released for hassette at the hand-off


def test_a_bake_never_answers(layout, slow_index):
    port = free_port()
    (layout.config_dir / "hassette.toml").write_text(web_api(port))
    write_requirements(layout.apps_dir, "applibc==1.0")
    env = ON | CHECKED | HEALTH_ON | from_index(f"{slow_index.url}/simple")

    running = layout.spawn("bake", env=env)
    running.wait_for("Installing requirements from")
    during = refused(port)
    result = running.finish(timeout=60)

    assert result.exit_code == 0, result.describe()
    assert during, "a bake answered health checks"
    assert "health: answering" not in result.stdout
