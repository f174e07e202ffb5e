"""A tiny stand-in for Home Assistant, for tests of Hassette.

Serves the Home Assistant websocket API at ``/api/websocket`` and a few REST
endpoints under ``/api/``, using only the standard library (asyncio, with the
RFC 6455 framing written out by hand). It accepts any access token unless
``--token`` is given, answers every websocket command with a successful
``result`` and logs each message it receives to stderr.

What Hassette 0.60.0 sends before it starts apps, in order:
``auth`` -> ``subscribe_events`` (no event_type) -> ``get_config`` (needs
``state: "RUNNING"``) -> ``get_states`` (a list). Apps start once that
first ``get_states`` answer has been stored.

Usage: python fake_ha.py --host 0.0.0.0 --port 8123 [--token SECRET]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import signal
import struct
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
HA_VERSION = "2025.1.0"
OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x1, 0x2, 0x8, 0x9, 0xA

CONFIG: dict[str, Any] = {
    "location_name": "Fake Home",
    "latitude": 0.0,
    "longitude": 0.0,
    "elevation": 0,
    "unit_system": {"length": "km", "mass": "g", "temperature": "°C", "volume": "L"},
    "time_zone": "UTC",
    "components": [],
    "config_dir": "/config",
    "allowlist_external_dirs": [],
    "allowlist_external_urls": [],
    "version": HA_VERSION,
    "config_source": "storage",
    "recovery_mode": False,
    "state": "RUNNING",
    "safe_mode": False,
    "external_url": None,
    "internal_url": None,
    "currency": "EUR",
    "country": None,
    "language": "en",
}


def _state(entity_id: str, state: str, name: str) -> dict[str, Any]:
    stamp = "2025-01-01T00:00:00+00:00"
    return {
        "entity_id": entity_id,
        "state": state,
        "attributes": {"friendly_name": name},
        "last_changed": stamp,
        "last_reported": stamp,
        "last_updated": stamp,
        "context": {"id": "01J00000000000000000000000", "parent_id": None, "user_id": None},
    }


STATES: list[dict[str, Any]] = [
    _state("sun.sun", "above_horizon", "Sun"),
    _state("light.porch", "off", "Porch"),
    _state("light.kitchen", "on", "Kitchen"),
]
# Answers by command type; any other command gets ``None`` (HA's answer to most writes).
RESULTS: dict[str, Any] = {
    "get_config": CONFIG,
    "get_states": STATES,
    "get_services": {},
    "get_panels": {},
    "config/device_registry/list": [],
    "config/entity_registry/list": [],
    "config/area_registry/list": [],
    "call_service": {
        "context": {"id": "01J00000000000000000000001", "parent_id": None, "user_id": None}
    },
}


def log(text: str) -> None:
    print(f"[fake_ha {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def encode_frame(opcode: int, payload: bytes) -> bytes:
    """Build one unmasked, final server frame."""
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x80 | opcode, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 126, size)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, size)
    return header + payload


async def read_frame(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Read one complete message (joining fragments); return its opcode and payload."""
    opcode, chunks = 0, []
    while True:
        first, second = await reader.readexactly(2)
        size = second & 0x7F
        if size == 126:
            (size,) = struct.unpack("!H", await reader.readexactly(2))
        elif size == 127:
            (size,) = struct.unpack("!Q", await reader.readexactly(8))
        mask = await reader.readexactly(4) if second & 0x80 else b"\0\0\0\0"
        data = await reader.readexactly(size)
        data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        if first & 0x0F >= 0x8:  # control frames may sit between fragments
            return first & 0x0F, data
        opcode = opcode or first & 0x0F
        chunks.append(data)
        if first & 0x80:
            return opcode, b"".join(chunks)


class FakeHomeAssistant:
    def __init__(self, token: str | None) -> None:
        self.token = token

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await reader.readuntil(b"\r\n\r\n")
            lines = request.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {
                k.strip().lower(): v.strip()
                for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)
            }
            path = path.split("?", 1)[0]
            body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
            log(f"HTTP {method} {path} {body[:200]!r}" if body else f"HTTP {method} {path}")
            if path == "/api/websocket" and headers.get("upgrade", "").lower() == "websocket":
                await self.websocket(reader, writer, headers["sec-websocket-key"])
            else:
                await self.rest(writer, path, headers)
        except asyncio.IncompleteReadError:
            log("client disconnected")
        except (ConnectionError, ValueError, KeyError) as exc:
            log(f"connection ended: {exc!r}")
        finally:
            writer.close()

    async def rest(self, writer: asyncio.StreamWriter, path: str, headers: dict[str, str]) -> None:
        status: int = 200
        payload: Any = None
        if self.token is not None and headers.get("authorization") != f"Bearer {self.token}":
            status, payload = 401, {"message": "401: Unauthorized"}
        elif path in ("/api/", "/api"):
            payload = {"message": "API running."}
        elif path == "/api/config":
            payload = CONFIG
        elif path == "/api/states":
            payload = STATES
        elif path.startswith("/api/states/"):
            found = [s for s in STATES if s["entity_id"] == path.removeprefix("/api/states/")]
            status, payload = (200, found[0]) if found else (404, {"message": "Entity not found."})
        elif path == "/api/services":
            payload = []
        elif path.startswith("/api/services/"):
            payload = []  # HA answers a service call with the states it changed
        elif path.startswith("/api/events/"):
            payload = {"message": f"Event {path.removeprefix('/api/events/')} fired."}
        else:
            status, payload = 404, {"message": "Not found"}
        body = json.dumps(payload).encode()
        reason = {200: "OK", 401: "Unauthorized", 404: "Not Found"}[status]
        head = (
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n"
        )
        writer.write(head.encode() + b"Connection: close\r\n\r\n" + body)
        await writer.drain()

    async def websocket(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, key: str
    ) -> None:
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        writer.write(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode()
        )

        async def send(message: dict[str, Any]) -> None:
            writer.write(encode_frame(OP_TEXT, json.dumps(message).encode()))
            await writer.drain()

        await send({"type": "auth_required", "ha_version": HA_VERSION})
        authenticated = False
        while True:
            opcode, data = await read_frame(reader)
            if opcode == OP_CLOSE:
                log(f"WS close {data[:2].hex()}")
                writer.write(encode_frame(OP_CLOSE, data[:2]))
                await writer.drain()
                return
            if opcode == OP_PING:
                writer.write(encode_frame(OP_PONG, data))
                continue
            if opcode != OP_TEXT:
                continue
            text = data.decode(errors="replace")
            log(f"WS <- {text if len(text) <= 500 else text[:500] + '...'}")
            message = json.loads(data)
            if not authenticated:
                if message.get("type") == "auth" and self.token in (
                    None,
                    message.get("access_token"),
                ):
                    authenticated = True
                    await send({"type": "auth_ok", "ha_version": HA_VERSION})
                else:
                    await send(
                        {"type": "auth_invalid", "message": "Invalid access token or password"}
                    )
                    return
                continue
            for item in message if isinstance(message, list) else [message]:
                await self.command(item, send)

    async def command(
        self, message: dict[str, Any], send: Callable[[dict[str, Any]], Awaitable[None]]
    ) -> None:
        kind, msg_id = message.get("type"), message.get("id")
        if kind == "ping":
            await send({"id": msg_id, "type": "pong"})
            return
        # subscribe_events gets a bare success; get_config already says RUNNING, so no
        # events follow.
        await send(
            {"id": msg_id, "type": "result", "success": True, "result": RESULTS.get(str(kind))}
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--token", default=None, help="accept only this token (default: any)")
    args = parser.parse_args()
    server = await asyncio.start_server(FakeHomeAssistant(args.token).handle, args.host, args.port)
    # An explicit handler, so SIGTERM also stops it as PID 1 in a container (where the
    # default is ignored).
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    log(f"listening on {args.host}:{args.port}")
    async with server:
        await stop.wait()
    log("stopped")


if __name__ == "__main__":
    asyncio.run(main())
