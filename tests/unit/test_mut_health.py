"""health: where the answer is served, what its log lines say, and that a child that went
away or a halt without a server still leaves boot going (tests found by nox -s mutate --
health)."""

from __future__ import annotations

import io
import json
import os
import socket
import struct

import pytest

from hassette_tasks import health
from hassette_tasks.console import Console
from tests.support.capability import ipv6_refused
from tests.unit.test_health import free_port, get

PORT = "HASSETTE__WEB_API__PORT"
HOST = "HASSETTE__WEB_API__HOST"


def log_of(call, *args, **kwargs) -> str:
    out = io.StringIO()
    call(*args, console=Console(env={}, stream=out), **kwargs)
    return out.getvalue()


def names_file(tmp_path, host: str, port: int):
    """The image's list of hassette's settings, with hassette's own web address."""
    path = tmp_path / "settings-names.json"
    path.write_text(
        json.dumps(
            {
                "format": 1,
                "hassette": "1.0",
                "known": [],
                "open_prefixes": [],
                "apps_prefix": "hassette__apps__",
                "apps_fields": [],
                "web_api": {"host": host, "port": port},
            }
        )
    )
    return path


@pytest.mark.parametrize(("text", "port"), [("1", 1), ("65535", 65535), ("65536", 8126)])
def test_the_port_range_is_one_to_65535(tmp_path, text, port):
    assert health.address({PORT: text}, tmp_path).port == port


def test_an_empty_variable_is_unset_so_the_next_place_names_the_address(tmp_path):
    (tmp_path / ".env").write_text("HASSETTE__WEB_API__PORT=8131\nHASSETTE__WEB_API__HOST=::1\n")
    assert health.address({PORT: "", HOST: ""}, tmp_path) == health.Address("::1", 8131)
    # the same name in another case, with a value, is not hidden by the empty one
    env = {PORT: "", PORT.lower(): "8132", HOST: "", HOST.lower(): "127.0.0.3"}
    assert health.address(env, tmp_path) == health.Address("127.0.0.3", 8132)


def test_the_host_is_used_without_surrounding_blanks(tmp_path):
    assert health.address({HOST: " 127.0.0.1 "}, tmp_path).host == "127.0.0.1"


def test_a_toml_value_of_the_wrong_type_is_passed_over(tmp_path):
    (tmp_path / "hassette.toml").write_text('[web_api]\nport = "8127"\nhost = 5\n')
    assert health.address({}, tmp_path) == health.Address("0.0.0.0", 8126)


def test_the_images_defaults_are_used_when_nothing_names_the_address(tmp_path):
    defaults = health.Address("127.0.0.2", 9000)
    assert health.address({}, tmp_path, defaults) == defaults
    assert health.address({PORT: "9001"}, tmp_path, defaults) == health.Address("127.0.0.2", 9001)
    assert health.address({PORT: "0"}, tmp_path, defaults).port == 9000


def test_the_log_says_where_and_until_when_it_answers(fresh, tmp_path):
    port = free_port()
    env = {HOST: "127.0.0.1", PORT: str(port)}
    log = log_of(health.serve, env, tmp_path, defaults=None)
    assert log.endswith(
        f"health: answering /api/health/live on 127.0.0.1:{port} until the hand-off\n"
    )


def test_a_taken_port_warns_with_the_address_and_the_reason(fresh, tmp_path):
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        env = {HOST: "127.0.0.1", PORT: str(port)}
        log = log_of(health.serve, env, tmp_path, defaults=None)
    assert log.endswith(
        f"warning: health: cannot answer on 127.0.0.1:{port} while boot works "
        "(Address already in use); going on without it\n"
    )


def test_it_answers_on_an_ipv6_address(fresh, tmp_path):
    if refused := ipv6_refused():
        pytest.skip(refused)
    port = free_port()
    log_of(health.serve, {HOST: "::1", PORT: str(port)}, tmp_path, defaults=None)
    assert health.serving()
    with socket.create_connection(("::1", port), timeout=5) as connection:
        connection.sendall(b"GET /api/health/live HTTP/1.0\r\n\r\n")
        assert connection.recv(100).startswith(b"HTTP/1.0 200")


@pytest.mark.parametrize(("switch", "serves"), [(" 0 ", False), ("1", True), ("", True)])
def test_only_a_zero_switches_it_off(fresh, tmp_path, switch, serves):
    env = {health.SWITCH: switch, HOST: "127.0.0.1", PORT: str(free_port())}
    log_of(health.serve, env, tmp_path, defaults=None)
    assert health.serving() is serves


def test_a_phase_or_a_halt_after_the_child_went_away_leaves_boot_going(fresh, tmp_path):
    port = free_port()
    log_of(health.serve, {HOST: "127.0.0.1", PORT: str(port)}, tmp_path, defaults=None)
    assert health._server is not None
    health._server.process.kill()
    health._server.process.wait()
    for _ in range(3):  # the first write may still reach the pipe's buffer
        health.phase("installing requirements")
    log = log_of(health.halted, "INSTALL FAILED", "Fix it.")
    assert log == ""  # it serves (a dead child): no second server


def test_a_halt_with_no_server_yet_answers_503_on_the_images_address(fresh, tmp_path, monkeypatch):
    """The failure came before boot served (a warm start, or the settings check): halt
    mode starts the answer itself, on hassette's address from the image's list of its
    settings when the config dir names none."""
    port = free_port()
    monkeypatch.setenv(
        "HASSETTE_TASKS_SETTINGS_NAMES", str(names_file(tmp_path, "127.0.0.1", port))
    )
    monkeypatch.setenv("HASSETTE__CONFIG_DIR", str(tmp_path / "config"))
    for name in (health.SWITCH, HOST, PORT):
        monkeypatch.delenv(name, raising=False)
    log = log_of(health.halted, "INSTALL FAILED", "Fix it.")
    assert log.endswith(
        f"health: answering /api/health/live on 127.0.0.1:{port} until the container stops\n"
    )
    assert get(port) == (
        503,
        {"status": "halted", "title": "INSTALL FAILED", "what_to_do": "Fix it."},
    )


def test_a_halt_with_no_server_yet_reads_the_address_in_the_config_dirs_dotenv(
    fresh, tmp_path, monkeypatch
):
    port = free_port()
    config = tmp_path / "my config"
    config.mkdir()
    (config / ".env").write_text(
        f"HASSETTE__WEB_API__HOST=127.0.0.1\nHASSETTE__WEB_API__PORT={port}\n"
    )
    monkeypatch.setenv("HASSETTE_TASKS_SETTINGS_NAMES", str(tmp_path / "no list"))
    monkeypatch.setenv("HASSETTE__CONFIG_DIR", str(config))
    for name in (health.SWITCH, HOST, PORT):
        monkeypatch.delenv(name, raising=False)
    log_of(health.halted, "INSTALL FAILED", "Fix it.")
    assert get(port)[0] == 503


def test_from_settings_takes_the_address_from_the_given_environment_and_arguments(fresh, tmp_path):
    port, other = free_port(), free_port()
    env = {"HASSETTE_TASKS_SETTINGS_NAMES": str(names_file(tmp_path, "127.0.0.1", port))}
    log = log_of(health.from_settings, tmp_path, env=env)
    assert log.endswith(f"on 127.0.0.1:{port} until the hand-off\n")
    assert get(port)[0] == 200
    health.close()
    health._tried = False
    mine = tmp_path / "my config" / "h.toml"
    mine.parent.mkdir()
    mine.write_text(f"[web_api]\nport = {other}\n")
    log_of(health.from_settings, tmp_path, env=env, args=["--config-file", str(mine)])
    assert get(other)[0] == 200


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_close_frees_the_port_and_its_pipe_and_a_second_close_is_harmless(fresh, tmp_path):
    port = free_port()
    before = open_descriptors()
    log_of(health.serve, {HOST: "127.0.0.1", PORT: str(port)}, tmp_path, defaults=None)
    health.close()
    health.close()
    assert not health.serving()
    assert open_descriptors() == before  # no pipe to the child left open
    with socket.socket() as hassette:
        hassette.bind(("127.0.0.1", port))


@pytest.mark.parametrize("config_file", ["/", ""])
def test_a_config_file_option_naming_no_file_is_no_address_and_no_traceback(
    tmp_path, monkeypatch, config_file
):
    """`hassette run --config-file /` (found by the hypothesis test of hassette_config):
    the overlay's name was made from a path without one, a ValueError out of boot."""
    monkeypatch.chdir("/")
    where = health.address({}, tmp_path, args=["--config-file", config_file])
    assert where == health.Address(health.DEFAULT_HOST, health.DEFAULT_PORT)


def test_the_answer_ignores_modules_in_the_working_folder(fresh, tmp_path, monkeypatch):
    """Boot's working folder may be the apps folder: an app named json.py or select.py
    must not replace the standard library in the answering child."""
    for name in ("json", "select", "socket"):
        (tmp_path / f"{name}.py").write_text("raise SystemExit(9)\n")
    monkeypatch.chdir(tmp_path)
    port = free_port()
    log_of(health.serve, {HOST: "127.0.0.1", PORT: str(port)}, tmp_path, defaults=None)
    assert get(port)[0] == 200


def test_a_client_that_resets_its_connection_prints_nothing_into_boots_log(fresh, tmp_path, capfd):
    """The child's own error report (a traceback) must not reach boot's output."""
    port = free_port()
    log_of(health.serve, {HOST: "127.0.0.1", PORT: str(port)}, tmp_path, defaults=None)
    rude = socket.create_connection(("127.0.0.1", port))
    rude.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    rude.close()  # a reset, not a polite close
    assert get(port)[0] == 200  # the child has handled the reset by now
    health.close()
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""
