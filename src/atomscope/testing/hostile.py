"""A hostile HTTP server on loopback for tests (never used by production code).

It stands for a server atomscope does not control: a dataset endpoint serving ids that are paths, a
pagination link to itself or to another host, a captive portal answering HTML with 200, a slow-loris that
drips one byte every few seconds, a gzip bomb, malformed JSON shapes, a redirect to ``file:///etc/passwd``.

``HostileServer({path: Reply | handler})`` answers a request by the longest route that prefixes its path
(``handler(seen, server) -> Reply``), else 404. Every request is logged with its headers (``seen``), so a
test can prove which credentials a host received. Loops are bounded: a drip ends with its body, and
``stop()`` ends every drip at once.
"""

from __future__ import annotations

import json
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from atomscope.testing._serving import serving_thread


@dataclass
class Reply:
    status: int = 200
    body: bytes | Callable[[], Iterable[bytes]] = b""  # a callable streams its chunks (chunked encoding)
    headers: dict[str, str] = field(default_factory=dict)
    drip_s: float = 0.0  # > 0: the status line, headers and body go out one byte at a time, this far apart


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]  # lower-case names
    body: bytes


def json_reply(payload: Any, status: int = 200, **headers: str) -> Reply:
    return Reply(status, json.dumps(payload).encode(), {"Content-Type": "application/json", **headers})


def portal_reply() -> Reply:
    """What a captive portal answers to any URL: a login page, status 200."""
    page = b"<!DOCTYPE html><html><head><title>Sign in to the Wi-Fi</title></head><body>Accept</body></html>"
    return Reply(200, page, {"Content-Type": "text/html; charset=utf-8"})


def gzip_bomb(inflated_mib: int, content_type: str = "application/json") -> Reply:
    """A small gzip body that inflates to `inflated_mib` MiB of spaces (JSON whitespace), sent as
    `Content-Encoding: gzip`."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: the gzip container
    block = b" " * (1024 * 1024)
    body = b"".join(packer.compress(block) for _ in range(inflated_mib)) + packer.flush()
    return Reply(200, body, {"Content-Type": content_type, "Content-Encoding": "gzip"})


Handler = Callable[[Seen, "HostileServer"], Reply]


class HostileServer:
    def __init__(self, routes: dict[str, Reply | Handler] | None = None, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Reply | Handler] = dict(routes or {})
        self.seen: list[Seen] = []
        self._host = host
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://{self._host}:{self._server.server_address[1]}"

    def start(self) -> HostileServer:
        server = ThreadingHTTPServer((self._host, 0), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        serving_thread(server).start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def authorized(self) -> list[str]:
        """Paths of the requests that carried an Authorization header."""
        return [s.path for s in self.seen if "authorization" in s.headers]

    def answer(self, seen: Seen) -> Reply:
        matches = [p for p in self.routes if seen.path == p or seen.path.startswith(p.rstrip("/") + "/")]
        if not matches:
            return json_reply({"error": "not found"}, 404)
        route = self.routes[max(matches, key=len)]
        return route(seen, self) if callable(route) else route


def _handler_for(server: HostileServer) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in separate writes: avoid 40 ms ACK stalls

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
            return

        def do_GET(self) -> None:  # noqa: N802
            self._serve()

        do_POST = do_HEAD = do_GET  # noqa: N815

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            split = urlsplit(self.path)
            seen = Seen(self.command, split.path, parse_qsl(split.query, keep_blank_values=True),
                        {k.lower(): v for k, v in self.headers.items()}, body)  # fmt: skip
            server.seen.append(seen)
            reply = server.answer(seen)
            try:
                self._write(reply)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def _write(self, reply: Reply) -> None:
            streamed = callable(reply.body)
            head = [f"HTTP/1.1 {reply.status} X\r\n"]
            head += [f"{k}: {v}\r\n" for k, v in reply.headers.items()]
            head.append("Transfer-Encoding: chunked\r\n" if streamed else f"Content-Length: {len(reply.body)}\r\n")
            head.append("\r\n")
            if reply.drip_s > 0:
                self.close_connection = True
                for byte in "".join(head).encode() + (b"" if streamed else reply.body):
                    if server._stopping.wait(reply.drip_s):
                        return
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                return
            self.wfile.write("".join(head).encode())
            if streamed:
                for chunk in reply.body():
                    if server._stopping.is_set():
                        return
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            elif self.command != "HEAD":
                self.wfile.write(reply.body)
            self.wfile.flush()

    return _Handler


def wait_for(predicate: Callable[[], bool], seconds: float = 5.0) -> bool:
    """Poll `predicate` until it holds or `seconds` pass (for the server's threads to log a request)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()
