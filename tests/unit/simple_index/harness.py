"""Helpers shared by the tests of this package."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

from publish_action.net import Net, NetSettings
from publish_action.reporting import SilentReporter
from publish_action.settings import Credentials
from publish_action.simple_index import IndexClient
from publish_action.targets import IndexKind
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


def client(
    base: str,
    *,
    credentials: Credentials | None = None,
    kind: IndexKind = IndexKind.UNKNOWN,
    path: str = "simple/",
) -> IndexClient:
    net = Net(NetSettings(timeout=5, retries=1), environ={})
    return IndexClient(net, base + path, SilentReporter(), credentials=credentials, kind=kind)


def page(links: str, name: str = "demo") -> Route:
    body = f"<html><head><title>Links for {name}</title></head><body>{links}</body></html>"
    return 200, {"Content-Type": "text/html"}, body.encode()
