"""A health answer from the first second: boot answers hassette's URL while it installs.

The docs' healthcheck (curl -sf http://127.0.0.1:8126/api/health/live, run inside the
container) must see a live container during a long install, a failed one (503) in halt
mode, and hassette's own answer after the hand-off, on the same port.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.container.conftest import HANG_URL
from tests.container.dockerrun import Docker, Mount, docker, write
from tests.container.test_hassette import NO_HOME_ASSISTANT, stop_cleanly, wait_live

pytestmark = pytest.mark.docker

URL = "http://127.0.0.1:8126/api/health/live"


def answer(name: str) -> tuple[int, dict | None]:
    """(HTTP status, JSON body) as the docs' healthcheck's curl sees it; (0, None) for none."""
    probe = docker(
        "exec", name, "curl", "-s", "--max-time", "2", "-w", "\n%{http_code}", URL, check=False
    )
    body, _, code = probe.output.rpartition("\n")
    if probe.exit_code != 0 or not code.strip().isdigit():
        return 0, None
    return int(code), json.loads(body) if body.strip() else None


def wait_for_answer(containers: Docker, name: str, status: int, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        code, body = answer(name)
        seen.append(code)
        if code == status and body is not None:
            return body
        time.sleep(0.3)  # poll of a condition with a deadline
    raise AssertionError(f"no {status} answer (saw {seen[-5:]}):\n{containers.logs(name)}")


def test_a_hung_install_answers_live_with_its_phase_then_503_in_halt_mode(
    containers, folders, base_env
):
    config = folders.make("config")
    write(config / "requirements.txt", "tinydep==1.0\n")
    name = containers.start_detached(
        env={
            **base_env,
            "UV_INDEX_URL": HANG_URL,
            "HASSETTE__INSTALL_DEPS": "1",
            "HASSETTE__REQUIREMENTS_TIMEOUT": "15",
            "HASSETTE__ON_FAILURE": "halt",
        },
        mounts=[Mount(config, "/config", read_only=True)],
    )

    during = wait_for_answer(containers, name, 200, timeout=30)
    assert during["status"] == "live" and during["phase"] == "installing requirements", during
    assert "requirements install: starting" in containers.logs(name)  # it is really installing

    containers.wait_for_log(name, "on failure: halt", timeout=90)
    halted = wait_for_answer(containers, name, 503, timeout=10)
    assert halted["status"] == "halted" and halted["title"] == "INSTALL TIMED OUT", halted
    assert "HASSETTE__REQUIREMENTS_TIMEOUT" in halted["what_to_do"]
    containers.stop(name)
    assert containers.exit_code(name) == 6


def test_a_halted_warm_start_answers_503(containers, base_env):
    # nothing installs, so nothing answered before the failure: the halt starts the answer
    name = containers.start_detached(
        env={**base_env, "HASSETTE__LOG_LEVEL": "info", "HASSETTE__ON_FAILURE": "halt"}
    )

    containers.wait_for_log(name, "on failure: halt")
    halted = wait_for_answer(containers, name, 503, timeout=10)
    assert halted["title"] == "UNKNOWN HASSETTE SETTING", halted
    containers.stop(name)


def test_hassette_answers_on_the_same_port_after_the_hand_off(containers, folders, base_env):
    config = folders.make("config")
    write(config / "requirements.txt", "tinydep==1.0\n")
    name = containers.create(
        env={**base_env, **NO_HOME_ASSISTANT, "HASSETTE__INSTALL_DEPS": "1"},
        mounts=[Mount(config, "/config", read_only=True)],
    )
    docker("start", name)

    wait_live(containers, name)  # hassette's own answer: {"status": "live"}, nothing else
    logs = containers.logs(name)
    assert "health: answering /api/health/live on 0.0.0.0:8126 until the hand-off" in logs
    assert logs.index("health: answering") < logs.index("handing off to hassette")
    assert "address already in use" not in logs.lower(), logs
    stop_cleanly(containers, name)
    # a warm restart installs nothing and starts no answer of its own
    docker("start", name)
    wait_live(containers, name)
    second = containers.logs(name)[len(logs) :]
    assert "health: answering" not in second, second
    stop_cleanly(containers, name)
