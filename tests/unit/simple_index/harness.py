"""Helpers shared by the tests of this package."""

from __future__ import annotations

from publish_action.net import Net, NetSettings
from publish_action.reporting import SilentReporter
from publish_action.settings import Credentials
from publish_action.simple_index import IndexClient
from publish_action.targets import IndexKind
from tests.support.static_server import ROOT, Route, Static

__all__ = ["ROOT", "Route", "Static", "client", "page"]


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
