"""A health answer while boot works: hassette's own URL, before hassette serves it.

A first install can take minutes (a Raspberry Pi, a slow index); until hassette serves
`GET /api/health/live`, the docs' healthcheck, autoheal and Kubernetes probes would see a
dead container. While boot installs, this answers on hassette's address (port and host
from hassette's settings): 200 with the phase, or 503 with the banner in halt mode. It
runs in a daemon thread and is closed before the hand-off, since hassette binds the same
port. A warm restart never starts it (nothing installs); http.server is imported only
when it starts.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hassette_tasks import dotenv
from hassette_tasks.console import Console

LIVE_PATH = "/api/health/live"
DEFAULT_HOST = "0.0.0.0"
DEFAULT_PORT = 8126
HOST_NAME = "hassette__web_api__host"
PORT_NAME = "hassette__web_api__port"
POLL_SECONDS = 0.05  # how long closing may wait for the serving loop to notice
SWITCH = "HASSETTE_TASKS_HEALTH"  # `0`: never answer (the host tests; a port kept for others)


@dataclass
class State:
    """What the answer says; changed by the main thread, read by the server's."""

    phase: str = "starting"
    halted: dict[str, str] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self) -> tuple[int, dict[str, Any]]:
        with self.lock:
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


def address(env: Mapping[str, str], config_dir: Path, defaults: Address | None = None) -> Address:
    """Where hassette will serve: its settings in the environment, then its .env."""
    fallback = defaults or Address(DEFAULT_HOST, DEFAULT_PORT)
    parsed, _problem = dotenv.read(config_dir / ".env")  # the settings check warns about it
    from_file: dict[str, str | None] = dict(parsed.entries) if parsed else {}
    host = _lookup(env, HOST_NAME) or _lookup(from_file, HOST_NAME) or fallback.host
    port_text = _lookup(env, PORT_NAME) or _lookup(from_file, PORT_NAME) or ""
    port = int(port_text) if port_text.strip().isdigit() else fallback.port
    return Address(host.strip(), port if 0 < port < 65536 else fallback.port)


class HealthServer:
    """The answering thread; `close` releases the port."""

    def __init__(self, state: State, where: Address):
        from http.server import BaseHTTPRequestHandler, HTTPServer  # only when it serves

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                code, body = state.answer() if path == LIVE_PATH else (404, {"status": "unknown"})
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # a probe every few seconds would bury boot's own lines

        class Server(HTTPServer):
            address_family = socket.AF_INET6 if ":" in where.host else socket.AF_INET

        self.server = Server((where.host, where.port), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": POLL_SECONDS},
            name="health",
            daemon=True,
        )
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


_state = State()
_server: HealthServer | None = None
_tried = False


def serve(
    env: Mapping[str, str],
    config_dir: Path,
    console: Console,
    defaults: Address | None,
    until: str = "the hand-off",
) -> None:
    """Start answering (once); a taken port is one warning, and boot goes on without it."""
    global _server, _tried
    if _tried or env.get(SWITCH, "").strip() == "0":
        return
    _tried = True
    where = address(env, config_dir, defaults)
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
    with _state.lock:
        _state.phase = name


def halted(title: str, todo: str, console: Console) -> None:
    """Halt mode: answer 503 with the banner's title and what to do, until docker stop."""
    with _state.lock:
        _state.halted = {"title": title, "what_to_do": todo}
    if not serving():
        config_dir = os.environ.get("HASSETTE__CONFIG_DIR") or "/config"
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
) -> None:
    """`serve` on hassette's address, with hassette's own defaults from the image's list."""
    from hassette_tasks import hassette_settings

    env = os.environ if env is None else env
    names, _why = hassette_settings.load_names(hassette_settings.names_path(env))
    defaults = Address(names.web_host, names.web_port) if names else None
    serve(env, config_dir, console, defaults, until)
