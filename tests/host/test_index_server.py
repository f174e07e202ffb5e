"""The local index the fault tests rely on: it answers as asked and stops by itself."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.support import index_server, packages

pytestmark = pytest.mark.faults

SCRIPT = index_server.__file__


def test_script_mode_serves_500_and_stops_by_itself():
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, SCRIPT, "error500", "--lifetime", "2"], stdout=subprocess.PIPE, text=True
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:"), line
        url = line.split()[-1]
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(f"{url}/simple/anything/", timeout=5)
        assert error.value.code == 500
        assert process.wait(timeout=10) == 0
        assert time.monotonic() - started < 8
    finally:
        process.kill()
        process.wait()


def test_hang_mode_never_answers_until_stopped():
    with index_server.IndexServer("hang", lifetime=30) as server, pytest.raises(TimeoutError):
        urllib.request.urlopen(f"{server.url}/simple/", timeout=1)
    started = time.monotonic()
    server.wait()
    assert time.monotonic() - started < 1


def test_hang_mode_says_when_a_client_is_waiting():
    with index_server.IndexServer("hang", lifetime=30) as server:
        with pytest.raises(AssertionError, match="nobody connected"):
            server.wait_for_connection(timeout=0.2)
        client = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        with client:
            server.wait_for_connection(timeout=5)
            client.settimeout(0.5)
            with pytest.raises(TimeoutError):
                client.recv(1)  # connected, and no answer


def test_serve_mode_serves_a_pep_503_tree(wheels, tmp_path):
    packages.write_simple_index(wheels, tmp_path)
    with index_server.IndexServer("serve", root=tmp_path, lifetime=30) as server:
        page = urllib.request.urlopen(f"{server.url}/simple/tinydep/", timeout=5).read().decode()
        for version in ("1.0", "2.0"):  # each link announces its file's sha256
            wheel_name = f"tinydep-{version}-py3-none-any.whl"
            digest = packages.sha256(wheels / wheel_name)
            assert f'href="{wheel_name}#sha256={digest}"' in page
        wheel = urllib.request.urlopen(
            f"{server.url}/simple/tinydep/tinydep-2.0-py3-none-any.whl", timeout=5
        ).read()
        assert wheel[:2] == b"PK"


def test_script_mode_serves_with_the_cache_control_asked_for(wheels, tmp_path):
    # the compose index and the bench's run it so: uv must ask again, never trust its cache
    packages.write_simple_index(wheels, tmp_path)
    command = [sys.executable, SCRIPT, "serve", "--root", str(tmp_path), "--lifetime", "20"]
    command += ["--cache-control", "no-cache"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().split()[-1]
        with urllib.request.urlopen(f"{url}/simple/tinydep/", timeout=5) as answer:
            assert answer.headers["Cache-Control"] == "no-cache"
            assert b"tinydep-1.0" in answer.read()
    finally:
        process.kill()
        process.wait()


def test_script_mode_delays_each_answer_as_asked(wheels, tmp_path):
    # the bench's --index-delay: an index across the internet, one round trip per answer
    packages.write_simple_index(wheels, tmp_path)
    command = [sys.executable, SCRIPT, "serve", "--root", str(tmp_path), "--lifetime", "20"]
    process = subprocess.Popen([*command, "--delay", "0.3"], stdout=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().split()[-1]
        for _ in range(2):  # every answer waits, not only the first
            started = time.monotonic()
            with urllib.request.urlopen(f"{url}/simple/tinydep/", timeout=5) as answer:
                assert b"tinydep-1.0" in answer.read()
            assert time.monotonic() - started >= 0.3
    finally:
        process.kill()
        process.wait()
