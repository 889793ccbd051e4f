"""Socket layer of :class:`atomscope.testing.hub.HubEmulator`: a threading HTTP/1.1 server and its handler.

The handler applies the faults that act on the wire (delay, truncation), asks the emulator for the answer
(``emulator.handle``) and logs every request (``emulator.record``).
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from atomscope.collect.synthetic_label import PROBE_PATH, SYNTHETIC_HEADER
from atomscope.testing.hub_faults import RequestRecord


class HubHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], emulator: Any):
        super().__init__(address, handler)
        self.emulator = emulator
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def track(self, conn: socket.socket, open_: bool) -> None:
        with self._connections_lock:
            (self._connections.add if open_ else self._connections.discard)(conn)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-answer (e.g. after the headers of a 200 to a ranged request) is normal."""
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        with self._connections_lock:
            conns, self._connections = list(self._connections), set()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class HubRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes: avoid 40 ms ACK stalls
    server: HubHTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet by design
        return

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._serve(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(send_body=False)

    def do_POST(self) -> None:  # noqa: N802
        self._serve(send_body=True)

    def _serve(self, send_body: bool) -> None:
        emulator = self.server.emulator
        started, wall = time.monotonic(), time.time()
        split = urlsplit(self.path)
        if split.path == PROBE_PATH:  # the label probe is not Hub traffic: answered, not logged
            self.send_response(204 if emulator.labels_synthetic else 404)
            self._label(emulator)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if (delay := emulator.faults.delay_for(split.path)) > 0:
            time.sleep(delay)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        resp = emulator.handle(self.command, self.path, self.headers, body)
        pairs = parse_qsl(split.query, keep_blank_values=True)
        query: dict[str, list[str]] = {}
        for key, value in pairs:
            query.setdefault(key, []).append(value)
        # Logged before the answer is written, so a client that has its response always finds it in the log.
        emulator.record(
            RequestRecord(
                method=self.command,
                path=split.path,
                query=query,
                status=resp.status,
                time=wall,
                duration_s=time.monotonic() - started,
                authenticated=bool(self.headers.get("Authorization")),
            )
        )
        body = resp.body
        announced = len(body)
        if resp.truncate == "body":
            body = body[: len(body) // 2]
            announced = len(body)
        elif resp.truncate == "connection":
            body = body[: len(body) // 2]
            self.close_connection = True
        self.send_response(resp.status)
        for key, value in resp.headers.items():
            self.send_header(key, value)
        self._label(emulator)
        self.send_header("Content-Length", str(announced))
        self.end_headers()
        if send_body and body:
            self.wfile.write(body)
        self.wfile.flush()

    def _label(self, emulator: Any) -> None:
        """Every answer says the data is SYNTHETIC (collect/synthetic_label.py), unless a test turns it off to
        stand in for a local endpoint that does not say so."""
        if emulator.labels_synthetic:
            self.send_header(SYNTHETIC_HEADER, "1")
