"""A health answer while boot works: hassette's own URL, before hassette serves it.

A first install can take minutes (a Raspberry Pi, a slow index); until hassette serves
`GET /api/health/live`, the docs' healthcheck, autoheal and Kubernetes probes would see a
dead container. While boot installs, this answers on hassette's address (port and host
from hassette's settings): 200 with the phase, or 503 with the banner in halt mode.

Boot binds the port itself (so a taken port is known at once) and hands the listening
socket to a small child process that answers; boot sends it each change of the answer as a
line on its standard input. Not a thread: boot forks uv many times, and a fork with a
second thread alive is unsafe (the fork-safety tests hold boot to one thread). The child
ends when its input closes: at the hand-off (hassette binds the same port), or when boot
exits in any way, so the port is never kept. A warm restart never starts it.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hassette_tasks import dotenv, hassette_config
from hassette_tasks.console import Console
from hassette_tasks.settings import DEFAULTS

LIVE_PATH = "/api/health/live"
DEFAULT_HOST = "0.0.0.0"
DEFAULT_PORT = 8126
HOST_NAME = "hassette__web_api__host"
PORT_NAME = "hassette__web_api__port"
CONFIG_DIR = "HASSETTE__CONFIG_DIR"
SWITCH = "HASSETTE_TASKS_HEALTH"  # `0`: never answer (the host tests; a port kept for others)


@dataclass
class State:
    """What the answer says (boot's side; the child keeps a copy)."""

    phase: str = "starting"
    halted: dict[str, str] | None = None

    def answer(self) -> tuple[int, dict[str, Any]]:
        if self.halted is not None:
            return 503, {"status": "halted", **self.halted}
        return 200, {"status": "live", "phase": self.phase, "by": "hassette-tasks boot"}


@dataclass(frozen=True)
class Address:
    host: str
    port: int


def _lookup(values: Mapping[str, str | None], name: str) -> str | None:
    """NAME's value in any case (hassette matches names so); empty counts as unset."""
    for key, value in values.items():
        if key.lower() == name and value:
            return value
    return None


def address(
    env: Mapping[str, str],
    config_dir: Path,
    defaults: Address | None = None,
    args: Sequence[str] = (),
) -> Address:
    """Where hassette will serve: its settings in the environment, then its .env, then its
    hassette.toml (the files ARGS, hassette's arguments, may name instead)."""
    fallback = defaults or Address(DEFAULT_HOST, DEFAULT_PORT)
    where = hassette_config.locations(config_dir, args)
    parsed, _problem = dotenv.read(where.env_file)  # the settings check warns about it
    from_file: dict[str, str | None] = dict(parsed.entries) if parsed else {}
    toml = hassette_config.web_api(where.toml_files)
    toml_host, toml_port = toml.get("host"), toml.get("port")
    host = (
        _lookup(env, HOST_NAME)
        or _lookup(from_file, HOST_NAME)
        or (toml_host if isinstance(toml_host, str) else "")
        or fallback.host
    )
    port_text = (
        _lookup(env, PORT_NAME)
        or _lookup(from_file, PORT_NAME)
        or (str(toml_port) if isinstance(toml_port, int) else "")
    )
    port = int(port_text) if port_text.strip().isdigit() else fallback.port
    return Address(host.strip(), port if 0 < port < 65536 else fallback.port)


# The child: standard library only (it starts in ~30 ms), the listening socket inherited as
# argv[1]; each line on stdin is the answer as JSON ({"code": N, "body": {...}}).
_CHILD = """
import json, os, select, socket, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
answer = {"code": 200, "body": {"status": "live"}}
class Handler(BaseHTTPRequestHandler):
    timeout = 5
    def do_GET(self):
        found = self.path.split("?", 1)[0] == sys.argv[2]
        code, body = (answer["code"], answer["body"]) if found else (404, {"status": "unknown"})
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *args):
        pass
server = HTTPServer(("", 0), Handler, bind_and_activate=False)
server.socket.close()
server.socket = socket.socket(fileno=int(sys.argv[1]))
stdin, pending = sys.stdin.fileno(), b""
while True:
    ready = select.select([server.socket, stdin], [], [])[0]
    if stdin in ready:
        chunk = os.read(stdin, 65536)
        if not chunk:
            break
        *lines, pending = (pending + chunk).split(b"\\n")
        for line in lines:
            try:
                answer = json.loads(line)
            except ValueError:
                pass
    if server.socket in ready:
        server.handle_request()
"""


class HealthServer:
    """The answering child process, with the port bound here; `close` releases it."""

    def __init__(self, state: State, where: Address):
        import subprocess
        import sys

        family = socket.AF_INET6 if ":" in where.host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as listener:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((where.host, where.port))
            listener.listen(16)
            fd = listener.fileno()
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-c", _CHILD, str(fd), LIVE_PATH],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                pass_fds=(fd,),
            )
        # only the child holds the port now
        self.send(state)

    def send(self, state: State) -> None:
        code, body = state.answer()
        stream = self.process.stdin
        if stream is None:
            return
        try:
            stream.write(json.dumps({"code": code, "body": body}).encode() + b"\n")
            stream.flush()
        except OSError:  # the child is gone: nothing answers, boot goes on
            pass

    def close(self) -> None:
        """Stop the child and reap it: the port is free when this returns. SIGKILL, not a
        polite end: the child may still be importing (a start that hands off early) and
        would answer EOF only after that, and its own shutdown holds the hand-off too."""
        self.process.kill()
        self.process.wait()
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()


_state = State()
_server: HealthServer | None = None
_tried = False


def serve(
    env: Mapping[str, str],
    config_dir: Path,
    console: Console,
    defaults: Address | None,
    until: str = "the hand-off",
    args: Sequence[str] = (),
) -> None:
    """Start answering (once); a taken port is one warning, and boot goes on without it."""
    global _server, _tried
    if _tried or env.get(SWITCH, "").strip() == "0":
        return
    _tried = True
    where = address(env, config_dir, defaults, args)
    try:
        _server = HealthServer(_state, where)
    except OSError as error:
        console.warn(
            f"health: cannot answer on {where.host}:{where.port} while boot works "
            f"({error.strerror or error}); going on without it"
        )
        return
    console.line(f"health: answering {LIVE_PATH} on {where.host}:{where.port} until {until}")


def phase(name: str) -> None:
    """What the answer names as the current phase (cheap when nothing serves)."""
    _state.phase = name
    if _server is not None:
        _server.send(_state)


def halted(title: str, todo: str, console: Console) -> None:
    """Halt mode: answer 503 with the banner's title and what to do, until docker stop."""
    _state.halted = {"title": title, "what_to_do": todo}
    if _server is not None:
        _server.send(_state)
    if not serving():
        config_dir = os.environ.get(CONFIG_DIR) or DEFAULTS[CONFIG_DIR]  # as settings reads it
        from_settings(Path(config_dir), console, until="the container stops")


def serving() -> bool:
    return _server is not None


def close() -> None:
    """Release the port before the hand-off (hassette binds it)."""
    global _server
    if _server is not None:
        _server.close()
        _server = None


def from_settings(
    config_dir: Path,
    console: Console,
    env: Mapping[str, str] | None = None,
    until: str = "the hand-off",
    args: Sequence[str] = (),
) -> None:
    """`serve` on hassette's address, with hassette's own defaults from the image's list."""
    from hassette_tasks import hassette_settings

    env = os.environ if env is None else env
    names, _why = hassette_settings.load_names(hassette_settings.names_path(env))
    defaults = Address(names.web_host, names.web_port) if names else None
    serve(env, config_dir, console, defaults, until, args)
