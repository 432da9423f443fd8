"""A loopback server answering fixed routes, recording (method, path, Authorization)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from tests.support.loopback import LoopbackServer

Route = tuple[int, dict[str, str], bytes]
ROOT = (
    200,
    {"Content-Type": "text/html"},
    b"<html><head><title>Simple Index</title></head><body></body></html>",
)


class Static:
    """A loopback index serving fixed answers, recording (method, path, Authorization)."""

    def __init__(self, routes: dict[str, Route]) -> None:
        self.routes = routes
        self.seen: list[tuple[str, str, str | None]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.seen.append((self.command, self.path, self.headers.get("Authorization")))
                status, headers, body = outer.routes.get(
                    self.path, (404, {"Content-Type": "text/plain"}, b"no")
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_HEAD = do_GET

            def log_message(self, *args: object) -> None:
                pass

        self.server = LoopbackServer(Handler)
        self.url = self.server.url


@pytest.fixture
def static() -> Iterator[Callable[[dict[str, Route]], Static]]:
    made: list[Static] = []

    def make(routes: dict[str, Route]) -> Static:
        made.append(Static(routes))
        return made[-1]

    yield make
    for server in made:
        server.server.close()
