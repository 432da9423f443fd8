"""Tiny misbehaving HTTP servers on loopback for index edge cases.

Every context manager here starts a stdlib ``ThreadingHTTPServer`` bound to
``127.0.0.1`` on a free port in a background thread and yields a
:class:`StubServer`: a ``str`` equal to its base URL (``http://127.0.0.1:PORT/``,
trailing slash) that also carries ``.url``, ``.counts`` (a
``Counter[(method, path)]``, query string stripped), ``.requests`` (every
request seen, with its body as far as it was read) and ``.dropped``.

Proxies map their root onto ``upstream`` (``upstream.rstrip("/") + path``) and
keep the client's ``Host`` header, like a reverse proxy with preserved host, so
servers that build absolute URLs point clients back through the proxy. Pass an
origin (``RunningIndex.root_url``) and use :func:`index_via` to get the URLs of
an index as seen through a stub.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import socket
import struct
import threading
from collections import Counter
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import urlsplit

from tests.support.loopback import LoopbackServer

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .servers import RunningIndex

__all__ = [
    "RecordedRequest",
    "StubServer",
    "blackhole_index",
    "counting_proxy",
    "index_via",
    "proxy_that_drops",
    "redirect_server",
]

_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "content-length",
    }
)
_PEP691 = "application/vnd.pypi.simple.v1+json"


@dataclasses.dataclass
class RecordedRequest:
    method: str
    path: str
    """Full request target, query string included."""
    headers: dict[str, str]
    body: bytes
    """As much of the body as the stub read (partial for dropped requests)."""


class StubServer(str):
    """Base URL of a running stub (``http://127.0.0.1:PORT/``) plus what it saw."""

    counts: Counter[tuple[str, str]]
    requests: list[RecordedRequest]
    dropped: int
    _lock: threading.Lock

    def __new__(cls, url: str) -> StubServer:
        self = super().__new__(cls, url)
        self.counts = Counter()
        self.requests = []
        self.dropped = 0
        self._lock = threading.Lock()
        return self

    @property
    def url(self) -> str:
        return str(self)

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.counts[(request.method, urlsplit(request.path).path)] += 1
            self.requests.append(request)

    def hits(self, method: str, path: str | None = None) -> int:
        """Requests seen with ``method`` (and ``path``, if given)."""
        with self._lock:
            return sum(n for (m, p), n in self.counts.items() if m == method and path in (None, p))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    stub: ClassVar[StubServer]

    def log_message(self, format: str, *args: object) -> None:
        pass

    # -- helpers ---------------------------------------------------------
    def read_body(self, limit: int | None = None) -> bytes:
        """Read the request body (all of it, or at most ``limit`` bytes)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked(limit)
        length = int(self.headers.get("Content-Length") or 0)
        if limit is not None:
            length = min(length, limit)
        return self.rfile.read(length) if length else b""

    def _read_chunked(self, limit: int | None) -> bytes:
        body = bytearray()
        while limit is None or len(body) < limit:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                break
            body += self.rfile.read(size)
            self.rfile.readline()
        return bytes(body)

    def record(self, body: bytes) -> None:
        self.stub.record(RecordedRequest(self.command, self.path, dict(self.headers), body))

    def reply(
        self,
        status: int,
        body: bytes = b"",
        content_type: str = "text/plain; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def abort(self) -> None:
        """Close the connection at once with a TCP reset, answering nothing."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def handle_any(self) -> None:
        raise NotImplementedError

    def do_GET(self) -> None:
        self.handle_any()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET


@contextmanager
def _serve(handler: type[_Handler]) -> Iterator[StubServer]:
    server = LoopbackServer(handler, name="stub")
    stub = StubServer(server.url)
    handler.stub = stub
    try:
        yield stub
    finally:
        server.close()


def _forward(
    handler: _Handler, upstream: str, body: bytes | None
) -> tuple[int, str, list[tuple[str, str]], bytes]:
    """Send the handler's request to ``upstream``; return status, reason, headers, body."""
    parts = urlsplit(upstream)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
    try:
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in _HOP_BY_HOP}
        conn.request(
            handler.command,
            parts.path.rstrip("/") + handler.path,
            body=body if body or handler.command not in ("GET", "HEAD") else None,
            headers=headers,
        )
        response = conn.getresponse()
        data = response.read()
        return response.status, response.reason, response.getheaders(), data
    finally:
        conn.close()


def _relay(handler: _Handler, upstream: str, body: bytes | None) -> None:
    try:
        status, reason, headers, data = _forward(handler, upstream, body)
    except OSError as exc:
        handler.reply(502, f"stub proxy: upstream failed: {exc!r}".encode())
        return
    handler.send_response(status, reason)
    upstream_length = None
    for key, value in headers:
        if key.lower() == "content-length":
            upstream_length = value
        if key.lower() not in _HOP_BY_HOP:
            handler.send_header(key, value)
    length = upstream_length if handler.command == "HEAD" and upstream_length else str(len(data))
    handler.send_header("Content-Length", length)
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(data)


@contextmanager
def redirect_server(target_base: str, *, status: int = 302) -> Iterator[StubServer]:
    """Answer every request with ``status`` to ``target_base.rstrip("/") + path``.

    Emulates pypiserver's fallback redirect (to pypi.org) but towards another
    loopback origin.
    """
    target = target_base.rstrip("/")

    class Handler(_Handler):
        def handle_any(self) -> None:
            self.record(self.read_body())
            self.reply(status, b"redirecting\n", headers={"Location": target + self.path})

    with _serve(Handler) as stub:
        yield stub


@contextmanager
def proxy_that_drops(
    upstream: str, drop_first_n_posts: int, *, forward_dropped: bool = False
) -> Iterator[StubServer]:
    """Reverse proxy to ``upstream`` that kills the first N POSTs.

    A dropped POST is read only partly (half the body, at most 64 KiB) and the
    connection is then reset without any answer; upstream never sees it. With
    ``forward_dropped=True`` the full request is first delivered to upstream and
    only the *response* is lost (upload stored, client sees a transport error).
    Everything else (and every POST after the first N) is forwarded faithfully:
    method, path, headers (Host preserved, hop-by-hop dropped), body; the
    upstream status, headers and body are relayed back. ``.dropped`` counts drops;
    ``.counts`` counts all requests that reached the proxy, dropped ones included.
    """
    remaining = [drop_first_n_posts]
    lock = threading.Lock()

    class Handler(_Handler):
        def handle_any(self) -> None:
            drop = False
            if self.command == "POST":
                with lock:
                    if remaining[0] > 0:
                        remaining[0] -= 1
                        drop = True
            if not drop:
                body = self.read_body()
                self.record(body)
                _relay(self, upstream, body)
                return
            if forward_dropped:
                body = self.read_body()
                self.record(body)
                with suppress(OSError):
                    _forward(self, upstream, body)
            else:
                length = int(self.headers.get("Content-Length") or 0)
                self.record(self.read_body(limit=min(length // 2, 65536) or 1))
            with self.stub._lock:
                self.stub.dropped += 1
            self.abort()

    with _serve(Handler) as stub:
        yield stub


@contextmanager
def counting_proxy(upstream: str) -> Iterator[StubServer]:
    """Transparent reverse proxy to ``upstream`` that counts requests by (method, path)."""
    with proxy_that_drops(upstream, 0) as stub:
        yield stub


@contextmanager
def blackhole_index(
    simple_base_from: RunningIndex | None = None, *, empty_page: bool = False
) -> Iterator[StubServer]:
    """An "index" that says 200 OK to every POST upload but stores nothing.

    Reads: with ``simple_base_from`` given, every non-POST request is proxied to
    that real index's origin (so reads show a real index that never got the
    upload; use ``index_via(real, stub)`` for the URLs). Without it, ``/simple/``
    is an empty index and ``/simple/<project>/`` is 404, or an empty project page
    (HTML, or PEP 691 JSON if asked for) when ``empty_page=True``.
    """

    class Handler(_Handler):
        def handle_any(self) -> None:
            body = self.read_body()
            self.record(body)
            if self.command == "POST":
                self.reply(200, b"OK")
                return
            if simple_base_from is not None:
                _relay(self, simple_base_from.root_url, body)
                return
            path = urlsplit(self.path).path
            segments = [s for s in path.split("/") if s]
            wants_json = _PEP691 in self.headers.get("Accept", "")
            if segments == ["simple"]:
                self._page(wants_json, None)
            elif len(segments) == 2 and segments[0] == "simple" and empty_page:
                self._page(wants_json, segments[1])
            else:
                self.reply(404, b"Not Found")

        def _page(self, wants_json: bool, project: str | None) -> None:
            if wants_json:
                doc: dict[str, object] = {"meta": {"api-version": "1.0"}}
                doc.update({"projects": []} if project is None else {"name": project, "files": []})
                self.reply(200, json.dumps(doc).encode(), _PEP691)
                return
            title = "Simple index" if project is None else f"Links for {project}"
            html = f"<!DOCTYPE html><html><head><title>{title}</title></head><body></body></html>"
            self.reply(200, html.encode(), "text/html; charset=utf-8")

    with _serve(Handler) as stub:
        yield stub


def index_via(index: RunningIndex, base: str) -> RunningIndex:
    """``index`` with its URLs re-rooted onto ``base`` (a stub's URL)."""
    root = base if base.endswith("/") else base + "/"

    def move(url: str) -> str:
        return root + url.removeprefix(index.root_url)

    return dataclasses.replace(
        index,
        upload_url=move(index.upload_url),
        index_url=move(index.index_url),
        root_url=root,
    )
