"""FakeInternet: an HTTP proxy on 127.0.0.1 that routes real public host names to stand-ins.

A client is pointed at the proxy (``HTTPS_PROXY``/``HTTP_PROXY`` or ``httpx.Client(proxy=...)``)
and trusts the test CA (``SSL_CERT_FILE``, ``--cert``, ``verify=``). It then uses the index's
real URLs, ``https://upload.pypi.org/legacy/`` or ``https://gitlab.example.com/api/v4/...``:

* ``CONNECT host:443`` (or any port): the proxy answers 200, terminates TLS with a leaf for
  ``host`` signed by the test CA and serves the HTTP/1.1 requests inside the tunnel;
* absolute-form plain HTTP (``GET http://host:8081/path``) goes to a stand-in registered
  for that ``http`` origin.

Routing uses the name in the request only; nothing is resolved, nothing leaves loopback. A host
no stand-in serves gets a 502 and lands in :attr:`FakeInternet.unexpected`. Every request is
logged (:attr:`FakeInternet.log`) with the user name of any Basic credentials and a short
fingerprint of the secret, never the secret itself.
"""

from __future__ import annotations

import hashlib
import socketserver
import ssl
import threading
import traceback
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx

from tests.support.indexes.base import Origin, Request, Response, StandIn
from tests.support.indexes.ca import TestCA

__all__ = ["FakeInternet", "LogEntry"]


@dataclass(frozen=True)
class LogEntry:
    scheme: str
    host: str
    port: int
    method: str
    path: str
    query: str
    status: int
    standin: str | None
    """Name of the stand-in that answered; None for an unknown host (502)."""
    auth_scheme: str | None
    user: str | None
    secret_fingerprint: str | None
    """First 12 hex digits of sha256(password or token): enough to tell secrets apart."""


def _fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    internet: ClassVar[FakeInternet]
    tunnel: Origin | None = None

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def version_string(self) -> str:
        return "fake-internet"

    def do_CONNECT(self) -> None:
        host, _, port = self.path.rpartition(":")
        origin = Origin("https", host.strip("[]").lower(), int(port) if port.isdigit() else 443)
        if self.internet.route(origin) is None:
            self.internet.record(origin, "CONNECT", self.path, None, 502, None)
            self._write(Response.text(502, f"FakeInternet: no stand-in for {origin.base}\n"))
            self.close_connection = True
            return
        self.send_response(200, "Connection Established")
        self.end_headers()
        self.wfile.flush()
        try:
            tls = self.internet.ca.server_context(origin.host).wrap_socket(
                self.connection, server_side=True
            )
        except (ssl.SSLError, OSError):
            self.close_connection = True
            return
        self.connection = tls
        self.rfile = tls.makefile("rb")
        self.wfile = tls.makefile("wb")
        self.tunnel = origin
        self.close_connection = False  # urllib3 sends "CONNECT … HTTP/1.0": keep the tunnel

    def _forward(self) -> None:
        if self.tunnel is not None:
            origin, target = self.tunnel, self.path
        else:
            parts = urlsplit(self.path)
            if parts.scheme != "http" or not parts.hostname:
                self._write(
                    Response.text(
                        400,
                        "FakeInternet proxy: send CONNECT or an absolute-form http:// request\n",
                    )
                )
                return
            origin = Origin("http", parts.hostname.lower(), parts.port or 80)
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers: dict[str, str] = {}
        for raw_key, value in self.headers.items():
            key = raw_key.lower()
            if key in ("proxy-authorization", "proxy-connection"):
                continue
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        request = Request(self.command, origin, target, headers, self._body())
        self._write(self.internet.dispatch(request), head=self.command == "HEAD")

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _forward

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(chunks)
                chunks += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _write(self, response: Response, *, head: bool = False) -> None:
        reason = response.reason
        if reason is not None:  # a status line is latin-1; Warehouse replaces the rest too
            reason = reason.encode("latin-1", "replace").decode("latin-1").replace("\n", " ")
        self.send_response(response.status, reason)
        if response.content_type is not None:
            self.send_header("Content-Type", response.content_type)
        for key, value in response.headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if not head:
            self.wfile.write(response.body)
        self.wfile.flush()


class FakeInternet:
    """Run a client against stand-ins at their real URLs. Use as a context manager."""

    def __init__(self, *standins: StandIn, ca: TestCA | None = None) -> None:
        self._own_ca = ca is None
        self.ca = ca or TestCA()
        self._routes: dict[Origin, StandIn] = {}
        self._lock = threading.Lock()
        self.log: list[LogEntry] = []
        self.errors: list[str] = []
        """Tracebacks of stand-ins that raised (the client got a 500)."""
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.proxy_url = ""
        for standin in standins:
            self.add(standin)

    # -- configuration -------------------------------------------------------------------------

    def add(self, standin: StandIn) -> StandIn:
        with self._lock:
            for origin in standin.origins:
                taken = self._routes.get(origin)
                if taken is not None and taken is not standin:
                    raise ValueError(f"{origin.base} is already served by {taken.name}")
                self._routes[origin] = standin
        return standin

    def route(self, origin: Origin) -> StandIn | None:
        with self._lock:
            return self._routes.get(origin)

    @property
    def ca_bundle(self) -> Path:
        return self.ca.bundle

    def env(self) -> dict[str, str]:
        """Environment for a client process: proxy for both schemes, the CA bundle."""
        return {
            "HTTPS_PROXY": self.proxy_url,
            "HTTP_PROXY": self.proxy_url,
            "https_proxy": self.proxy_url,
            "http_proxy": self.proxy_url,
            "NO_PROXY": "",
            "no_proxy": "",
            "SSL_CERT_FILE": str(self.ca.bundle),
            "REQUESTS_CA_BUNDLE": str(self.ca.bundle),
            "PIP_CERT": str(self.ca.bundle),
        }

    def client(self, **kwargs: Any) -> httpx.Client:
        """An httpx client going through the proxy and trusting only the test CA."""
        kwargs.setdefault("timeout", 10.0)
        return httpx.Client(
            proxy=self.proxy_url, verify=self.ca.client_context(), trust_env=False, **kwargs
        )

    # -- what happened -------------------------------------------------------------------------

    @property
    def unexpected(self) -> list[LogEntry]:
        """Requests to hosts no stand-in serves (each got a 502)."""
        with self._lock:
            return [e for e in self.log if e.standin is None]

    def hosts(self) -> set[str]:
        with self._lock:
            return {e.host for e in self.log}

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()
            self.errors.clear()

    def record(
        self,
        origin: Origin,
        method: str,
        target: str,
        request: Request | None,
        status: int,
        standin: StandIn | None,
    ) -> None:
        scheme = user = fingerprint = None
        if request is not None and request.header("authorization"):
            scheme = request.header("authorization").split(" ", 1)[0]
            basic = request.basic()
            if basic is not None:
                user, fingerprint = basic[0], _fingerprint(basic[1])
            else:
                fingerprint = _fingerprint(request.header("authorization").split(" ", 1)[-1])
        path, _, query = target.partition("?")
        with self._lock:
            self.log.append(
                LogEntry(
                    origin.scheme,
                    origin.host,
                    origin.port,
                    method,
                    path,
                    query,
                    status,
                    standin.name if standin else None,
                    scheme,
                    user,
                    fingerprint,
                )
            )

    def dispatch(self, request: Request) -> Response:
        standin = self.route(request.origin)
        if standin is None:
            response = Response.text(502, f"FakeInternet: no stand-in for {request.origin.base}\n")
        else:
            try:
                response = standin.handle(request)
            except Exception:  # noqa: BLE001 - a stand-in bug must reach the test, not hang it
                text = traceback.format_exc()
                with self._lock:
                    self.errors.append(text)
                response = Response.text(500, text)
        self.record(
            request.origin, request.method, request.target, request, response.status, standin
        )
        return response

    # -- lifetime ------------------------------------------------------------------------------

    def __enter__(self) -> FakeInternet:
        handler = type("Handler", (_ProxyHandler,), {"internet": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        port = int(self._server.server_address[1])
        self.proxy_url = f"http://127.0.0.1:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name="fake-internet-proxy",
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(10)
        if self._own_ca:
            self.ca.close()
