"""The health answer while boot works: 200 with the phase, 503 when halted, port released."""

from __future__ import annotations

import io
import json
import socket
import urllib.error
import urllib.request

import pytest

from hassette_tasks import health
from hassette_tasks.console import Console


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, path: str = health.LIVE_PATH) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def serve(tmp_path, env: dict[str, str]) -> str:
    out = io.StringIO()
    health.serve(env, tmp_path, Console(env={}, stream=out), None)
    return out.getvalue()


def test_answers_live_with_the_phase_then_halted_then_releases_the_port(fresh, tmp_path):
    port = free_port()
    log = serve(
        tmp_path, {"HASSETTE__WEB_API__HOST": "127.0.0.1", "HASSETTE__WEB_API__PORT": str(port)}
    )
    assert f"health: answering /api/health/live on 127.0.0.1:{port}" in log

    assert get(port) == (200, {"status": "live", "phase": "starting", "by": "hassette-tasks boot"})
    health.phase("installing requirements")
    assert get(port)[1]["phase"] == "installing requirements"
    assert get(port, "/api/health/ready")[0] == 404

    health.halted("DEPENDENCY CONFLICT", "Relax the pin.", Console(env={}, stream=io.StringIO()))
    assert get(port) == (
        503,
        {"status": "halted", "title": "DEPENDENCY CONFLICT", "what_to_do": "Relax the pin."},
    )

    health.close()
    with socket.socket() as hassette:  # what hassette does right after the hand-off
        hassette.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        hassette.bind(("127.0.0.1", port))
    with pytest.raises(OSError):
        get(port)


def test_the_port_in_dotenv_is_used_in_any_case(fresh, tmp_path):
    port = free_port()
    (tmp_path / ".env").write_text(
        f"hassette__web_api__port={port}\nHASSETTE__WEB_API__HOST=127.0.0.1\n"
    )
    serve(tmp_path, {})
    assert get(port)[0] == 200


def test_a_taken_port_is_one_warning_and_boot_goes_on(fresh, tmp_path):
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        env = {"HASSETTE__WEB_API__HOST": "127.0.0.1", "HASSETTE__WEB_API__PORT": str(port)}
        log = serve(tmp_path, env)
        assert log.count("warning: health: cannot answer on") == 1, log
        assert not health.serving()
        assert serve(tmp_path, env) == ""  # tried once: no second warning


def test_switched_off_it_never_binds(fresh, tmp_path):
    assert serve(tmp_path, {health.SWITCH: "0"}) == ""
    assert not health.serving()


@pytest.mark.parametrize("port", ["", "abc", "0", "70000", " 9 "])
def test_an_unusable_port_setting_falls_back_to_the_default(tmp_path, port):
    where = health.address({"HASSETTE__WEB_API__PORT": port}, tmp_path)
    assert where.port == (9 if port.strip() == "9" else health.DEFAULT_PORT)


def test_hassette_toml_names_the_address_when_no_variable_does(tmp_path):
    (tmp_path / "hassette.toml").write_text('[hassette.web_api]\nport = 8127\nhost = "127.0.0.1"\n')
    assert health.address({}, tmp_path) == health.Address("127.0.0.1", 8127)
    # the overlay wins over the file, the .env over both, the environment over all
    (tmp_path / "hassette.local.toml").write_text("[web_api]\nport = 8128\n")
    assert health.address({}, tmp_path).port == 8128
    (tmp_path / ".env").write_text("HASSETTE__WEB_API__PORT=8129\n")
    assert health.address({}, tmp_path).port == 8129
    assert health.address({"HASSETTE__WEB_API__PORT": "8130"}, tmp_path).port == 8130


def test_a_config_file_in_hassette_s_arguments_names_the_address(tmp_path):
    (tmp_path / "hassette.toml").write_text("[web_api]\nport = 8127\n")
    mine = tmp_path / "my dir" / "h.toml"
    mine.parent.mkdir()
    mine.write_text("[web_api]\nport = 9127\n")
    assert health.address({}, tmp_path, args=["--config-file", str(mine)]).port == 9127
    (tmp_path / "bad.toml").write_text("[web_api\nport = 1\n")  # the check reports it
    assert health.address({}, tmp_path, args=["-c", str(tmp_path / "bad.toml")]).port == (
        health.DEFAULT_PORT
    )
