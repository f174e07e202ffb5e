"""A local package index for fault tests: serve a folder, hang, or answer 500.

Runs in-process (`IndexServer(...)` as a context manager) or as a script
(`python index_server.py MODE [--root DIR] [--host H] [--port N] [--lifetime S]
[--cache-control VALUE]`, which prints `listening on http://HOST:PORT` once ready). On
127.0.0.1 unless told otherwise (a container serving its compose network listens on
0.0.0.0), never longer than its lifetime: a forgotten server stops by itself.

Modes:
  serve     files from a folder (a PEP 503 tree from packages.write_simple_index;
            a corrupt wheel is just a bad file in that folder)
  hang      accept connections and never answer (until the lifetime ends); in-process,
            `wait_for_connection()` returns once a client is connected and waiting
  error500  answer every request with 500 Internal Server Error

With `auth="USER:PASSWORD"` (`--auth`) mode serve demands HTTP basic auth: a request
without those credentials is answered with `denied` (401 with a Basic challenge, or 403).
With `tls=(CERTIFICATE, KEY)` (`--tls CERT,KEY`, PEM files: tests/support/tls.py makes
them) it speaks HTTPS, as an index behind a TLS-inspecting proxy does.
"""

from __future__ import annotations

import argparse
import base64
import functools
import http.server
import socket
import ssl
import sys
import threading
import time
from pathlib import Path

MODES = ("serve", "hang", "error500")
DEFAULT_LIFETIME = 120.0


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler, stop: threading.Event):
        self.stop_event = stop
        self.connected = threading.Event()  # set by the hanging handler for each client
        self.cache_control: str | None = None
        self.delay = 0.0  # seconds before each answer (mode serve)
        self.authorization: str | None = None  # the Authorization header serve demands
        self.denied = 401  # the status a request without it gets
        self.requests = 0  # every request any handler saw (to prove a start used no index)
        self._count_lock = threading.Lock()
        super().__init__(address, handler)

    def count_request(self) -> None:
        with self._count_lock:
            self.requests += 1

    def handle_error(self, request, client_address):
        pass  # a client that hangs up early (uv giving up) is expected, not news


class _FolderHandler(http.server.SimpleHTTPRequestHandler):
    def parse_request(self):
        self.server.count_request()
        if self.server.delay:  # a far index: each answer waits, as a round trip would
            time.sleep(self.server.delay)
        return super().parse_request()

    def send_head(self):
        wanted = self.server.authorization
        if wanted is not None and self.headers.get("Authorization") != wanted:
            body = b"authentication required\n"
            self.send_response(self.server.denied)
            if self.server.denied == 401:
                self.send_header("WWW-Authenticate", 'Basic realm="test index"')
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return _Body(body)
        return super().send_head()

    def end_headers(self):
        if self.server.cache_control:  # e.g. no-cache: uv must ask again (PyPI's pages expire)
            self.send_header("Cache-Control", self.server.cache_control)
        super().end_headers()

    def log_message(self, format, *args):  # quiet: the tests read uv's output, not ours
        pass


class _Body:
    """What send_head returns for a refusal: copied to the client like a file."""

    def __init__(self, data: bytes):
        import io

        self._file = io.BytesIO(data)
        self.read = self._file.read

    def close(self) -> None:
        self._file.close()


class _HangHandler(http.server.BaseHTTPRequestHandler):
    def handle(self):
        # read nothing, answer nothing; hold the connection until the server stops
        self.server.connected.set()
        self.server.stop_event.wait()

    def log_message(self, format, *args):
        pass


class _Error500Handler(http.server.BaseHTTPRequestHandler):
    def _fail(self):
        body = b"internal server error\n"
        self.send_response(500)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_POST = _fail

    def log_message(self, format, *args):
        pass


class IndexServer:
    """A threaded HTTP server (127.0.0.1 and a free port by default); stops at `lifetime`."""

    def __init__(
        self,
        mode: str = "serve",
        root: Path | None = None,
        port: int = 0,
        lifetime: float = DEFAULT_LIFETIME,
        host: str = "127.0.0.1",
        cache_control: str | None = None,
        auth: str | None = None,
        denied: int = 401,
        delay: float = 0.0,
        tls: tuple[Path, Path] | None = None,
    ):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        if mode == "serve" and root is None:
            raise ValueError("mode 'serve' needs a root folder")
        self.mode = mode
        self.lifetime = lifetime
        self._stop = threading.Event()
        if mode == "serve":
            handler = functools.partial(_FolderHandler, directory=str(root))
        elif mode == "hang":
            handler = _HangHandler
        else:
            handler = _Error500Handler
        self._server = _Server((host, port), handler, self._stop)
        self._server.cache_control = cache_control
        self._server.delay = delay
        if auth is not None:
            token = base64.b64encode(auth.encode()).decode()
            self._server.authorization = f"Basic {token}"
        self._server.denied = denied
        self.scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            self.scheme = "https"
        self._threads: list[threading.Thread] = []

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def requests(self) -> int:
        """How many HTTP requests the server has answered so far."""
        return self._server.requests

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self._server.server_address[0]}:{self.port}"

    def start(self) -> IndexServer:
        serve = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"index-{self.mode}",
            daemon=True,
        )
        watchdog = threading.Thread(target=self._expire, name="index-watchdog", daemon=True)
        self._threads = [serve, watchdog]
        for thread in self._threads:
            thread.start()
        return self

    def _expire(self) -> None:
        if not self._stop.wait(self.lifetime):
            self.stop()

    def stop(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()  # releases hanging handlers first
        self._server.shutdown()
        self._server.server_close()

    def wait(self) -> None:
        """Block until the server stopped (by `stop()` or its lifetime)."""
        self._stop.wait()

    def wait_for_connection(self, timeout: float) -> None:
        """Mode hang: block until a client is connected and left waiting for an answer."""
        if self.mode != "hang":
            raise ValueError("only mode 'hang' tracks its connections")
        if not self._server.connected.wait(timeout):
            raise AssertionError(f"nobody connected to the hanging index within {timeout}s")

    def __enter__(self) -> IndexServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def free_port() -> int:
    """A port nobody listens on right now (for `connection refused`)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=MODES)
    parser.add_argument("--root", type=Path, help="folder to serve (mode serve)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument(
        "--lifetime",
        type=float,
        default=DEFAULT_LIFETIME,
        help=f"stop after this many seconds (default {DEFAULT_LIFETIME:g})",
    )
    parser.add_argument(
        "--cache-control",
        default=None,
        help="Cache-Control header of every answer (mode serve; e.g. no-cache: uv asks again)",
    )
    parser.add_argument(
        "--delay",
        type=float,
        default=0.0,
        help="seconds before each answer (mode serve): an index across the internet",
    )
    parser.add_argument("--auth", help="USER:PASSWORD that mode serve demands (basic auth)")
    parser.add_argument(
        "--denied", type=int, default=401, help="status for a request without them (401, 403)"
    )
    parser.add_argument("--tls", help="CERT,KEY: PEM files to serve HTTPS with")
    options = parser.parse_args(argv)
    tls = tuple(Path(part) for part in options.tls.split(",", 1)) if options.tls else None
    server = IndexServer(
        options.mode,
        options.root,
        options.port,
        options.lifetime,
        options.host,
        cache_control=options.cache_control,
        delay=options.delay,
        auth=options.auth,
        denied=options.denied,
        tls=tls,  # type: ignore[arg-type]
    ).start()
    print(f"listening on {server.url}", flush=True)
    try:
        server.wait()
    except KeyboardInterrupt:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
