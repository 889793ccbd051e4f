"""Bounded requests to servers we do not control: one GET (or POST) and one paginated listing.

Every request runs under a per-request deadline (and any command deadline in force, see `guard`), streams
its body and stops at a byte cap counted on the *decompressed* bytes (a gzip bomb is never inflated whole),
refuses an HTML page where data was expected (a captive portal or a proxy's login page answers 200 with
HTML: that is "unreachable", not data), and checks the JSON shape the caller needs. Pagination follows a
`Link: rel=next` only to the origin of the first page, refuses a link it has already followed and stops at
`Limits.max_pages`. Failures are `RemoteError`s with one line naming what was asked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
import httpx2

from atomscope.domain import safeparse
from atomscope.domain.errors import DataValidationError
from atomscope.remote.checks import UnsafeAnswerError, same_origin
from atomscope.remote.guard import Limits, RemoteError, ResponseTooLargeError, deadline, expired

Kind = Literal["json", "text", "bytes"]
HTTP_ERRORS = (httpx.HTTPError, httpx2.HTTPError, httpx.InvalidURL, httpx2.InvalidURL, OSError)


class UnreachableError(RemoteError):
    """No usable answer: no connection, a timeout, the deadline, or a captive portal's HTML page."""


class BadAnswerError(RemoteError):
    """The server answered, but not with what the request must return (status, type or shape)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Answer:
    url: str
    status: int
    headers: Any  # the client's Headers (case-insensitive)
    body: bytes
    next_url: str | None

    def json(self, what: str) -> Any:
        return parse_json(self.body, what)

    def text(self, what: str) -> str:
        try:
            return self.body.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BadAnswerError(f"{what}: not UTF-8 text (byte {exc.start})", self.status) from None


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc.rsplit("@", 1)[-1] or url[:60]


def describe(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__


def _is_html(content_type: str, head: bytes) -> bool:
    return "html" in content_type.lower() or head.lstrip()[:15].lower().startswith((b"<!doctype", b"<html"))


def is_html(response: Any) -> bool:
    """Whether a read response is an HTML page (what a captive portal answers to every URL)."""
    return _is_html(response.headers.get("Content-Type", ""), response.content[:64])


def read_capped(response: Any, cap: int, what: str) -> bytes:
    """Read a streamed response's decompressed body, stopping past `cap` bytes. The body is kept on the
    response as its own `read()` keeps it, so `.json()` and error mapping work afterwards."""
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > cap:
            raise ResponseTooLargeError(f"{what}: the answer is over {cap // 1024 // 1024} MiB; stopped")
        chunks.append(chunk)
    response._content = body = b"".join(chunks)
    return body


def request(client: Any, url: str, *, what: str, limits: Limits, kind: Kind = "json", method: str = "GET",
            params: Any = None, headers: dict[str, str] | None = None, data: Any = None,
            ok: tuple[int, ...] = (200,)) -> Answer:  # fmt: skip
    """One bounded request on `client` (httpx or httpx2). A status outside `ok` is BadAnswerError carrying it."""
    cap = {"json": limits.max_json_bytes, "text": limits.max_text_bytes}.get(kind, limits.max_download_bytes)
    with deadline(limits.request_s, what):
        try:
            with client.stream(method, url, params=params, headers=headers, data=data) as response:
                if response.status_code not in ok:
                    raise BadAnswerError(f"{what}: HTTP {response.status_code} from {host_of(url)}",
                                         response.status_code)  # fmt: skip
                body = read_capped(response, cap, what)
                if kind != "bytes" and response.status_code != 304 and _is_html(
                        response.headers.get("Content-Type", ""), body[:64]):  # fmt: skip
                    raise UnreachableError(f"{what}: {host_of(url)} answered an HTML page (a captive portal or proxy?)")
                next_url = response.links.get("next", {}).get("url")
                return Answer(str(response.url), response.status_code, response.headers, body, next_url)
        except HTTP_ERRORS as exc:
            late = expired()
            reason = f"no answer within the deadline ({late})" if late else describe(exc)
            raise UnreachableError(f"{what}: cannot reach {host_of(url)}: {reason}") from None


def parse_json(body: bytes, what: str) -> Any:
    """JSON under `domain.safeparse`'s limits (depth, number size, duplicate keys); BadAnswerError if not."""
    try:
        return safeparse.load_json(body, what)
    except DataValidationError as exc:
        raise BadAnswerError(f"{what}: the answer is not JSON the request can use ({exc.message})") from None


def pages(client: Any, url: str, *, what: str, limits: Limits, params: Any = None,
          headers: dict[str, str] | None = None) -> Iterator[list[Any]]:  # fmt: skip
    """The JSON-list pages of a listing, following `Link: rel=next` within bounds (see the module doc)."""
    first, seen, count = url, set(), 0
    while url:
        if not same_origin(url, first):
            raise UnsafeAnswerError(f"{what}: the next-page link goes to another host ({host_of(url)}); refused")
        count += 1
        if count > limits.max_pages:
            raise BadAnswerError(f"{what}: more than {limits.max_pages} pages; stopped")
        answer = request(client, url, what=what, limits=limits, params=params, headers=headers)
        if answer.url in seen:
            raise BadAnswerError(f"{what}: the next-page link repeats a page already read; stopped")
        seen.add(answer.url)
        body = answer.json(what)
        if not isinstance(body, list):
            raise BadAnswerError(f"{what}: expected a JSON list, got {type(body).__name__}")
        yield body
        url, params = answer.next_url or "", None
        if url in seen:
            raise BadAnswerError(f"{what}: the next-page link repeats a page already read; stopped")
