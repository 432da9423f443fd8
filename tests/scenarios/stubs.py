"""Scenario-specific stub servers, built on the machinery of ``tests.support.http_stubs``.

* :func:`race_proxy` makes a file appear on the real index between our check and our upload.
* :func:`fallback_proxy` behaves like pypiserver's fallback: a project the real index does not
  hold is redirected to another origin; known projects are served by the real index.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING

from tests.support.http_stubs import _forward, _Handler, _relay, _serve

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from tests.support.http_stubs import StubServer


@contextmanager
def race_proxy(upstream: str, racers: Mapping[str, Callable[[], None]]) -> Iterator[StubServer]:
    """Reverse proxy to ``upstream``; the first POST carrying file ``name`` (a key of
    ``racers``) first runs ``racers[name]()`` (another job publishing that file), then is
    forwarded. ``.fired`` lists the racers that ran."""
    pending = dict(racers)
    lock = threading.Lock()
    fired: list[str] = []

    class Handler(_Handler):
        def handle_any(self) -> None:
            body = self.read_body()
            self.record(body)
            if self.command == "POST":
                with lock:
                    name = next((n for n in pending if f'filename="{n}"'.encode() in body), None)
                    racer = pending.pop(name) if name else None
                if racer is not None and name is not None:
                    racer()
                    fired.append(name)
            _relay(self, upstream, body)

    with _serve(Handler) as stub:
        stub.fired = fired  # type: ignore[attr-defined]
        yield stub


@contextmanager
def fallback_proxy(upstream: str, fallback_base: str, *, status: int = 302) -> Iterator[StubServer]:
    """Reverse proxy to ``upstream`` that answers a 404 from it with a redirect to
    ``fallback_base.rstrip("/") + "/" + <last path segment> + "/"`` (pypiserver's fallback)."""
    target = fallback_base.rstrip("/")

    class Handler(_Handler):
        def handle_any(self) -> None:
            body = self.read_body()
            self.record(body)
            if self.command != "GET":
                _relay(self, upstream, body)
                return
            code, reason, headers, data = _forward(self, upstream, body)
            if code == 404:
                project = [s for s in self.path.split("?")[0].split("/") if s][-1]
                self.reply(status, b"redirecting\n", headers={"Location": f"{target}/{project}/"})
                return
            self.send_response(code, reason)
            for key, value in headers:
                if key.lower() not in (
                    "connection",
                    "keep-alive",
                    "transfer-encoding",
                    "content-length",
                ):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    with _serve(Handler) as stub:
        yield stub
