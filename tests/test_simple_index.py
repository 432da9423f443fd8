from __future__ import annotations

import json

from publish_action.simple_index import parse_html, parse_json


def test_pep503_html_with_relative_links_and_hash_fragments() -> None:
    body = """<html><body>
    <a href="../../+f/abc/demo-1.0.tar.gz#sha256=AB12" data-requires-python="">demo-1.0.tar.gz</a>
    <a href="/packages/demo-1.0-py3-none-any.whl#md5=ff00">demo-1.0-py3-none-any.whl</a>
    <a href="https://files.example/demo-0.9.tar.gz">demo-0.9.tar.gz</a>
    </body></html>"""
    files = parse_html("http://127.0.0.1:1/u/i/+simple/demo/", body)
    assert files["demo-1.0.tar.gz"].url == "http://127.0.0.1:1/u/i/+f/abc/demo-1.0.tar.gz"
    assert files["demo-1.0.tar.gz"].hashes == {"sha256": "ab12"}
    assert files["demo-1.0-py3-none-any.whl"].url == (
        "http://127.0.0.1:1/packages/demo-1.0-py3-none-any.whl")
    assert files["demo-1.0-py3-none-any.whl"].hashes == {"md5": "ff00"}
    assert files["demo-0.9.tar.gz"].hashes == {}


def test_pep691_json() -> None:
    body = json.dumps({
        "meta": {"api-version": "1.1"},
        "name": "demo",
        "files": [
            {"filename": "demo-1.0.tar.gz", "url": "../../f/demo-1.0.tar.gz",
             "hashes": {"sha256": "CAFE", "blake2b-256": "beef"}},
        ],
    })
    files = parse_json("http://127.0.0.1:1/simple/demo/", body)
    remote = files["demo-1.0.tar.gz"]
    assert remote.url == "http://127.0.0.1:1/f/demo-1.0.tar.gz"
    assert remote.hashes == {"sha256": "cafe", "blake2b_256": "beef"}


class _Static:
    """A loopback index serving fixed pages: stands for an index that lists md5 only."""

    def __init__(self, routes: dict[str, tuple[int, str, bytes]]) -> None:
        from http.server import BaseHTTPRequestHandler

        from tests.support.loopback import LoopbackServer

        routes_ = routes
        self.seen: list[tuple[str, str | None]] = []
        seen = self.seen

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen.append((self.path, self.headers.get("Authorization")))
                status, ctype, body = routes_.get(self.path, (404, "text/plain", b"no"))
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                if status in (301, 302):
                    self.send_header("Location", body.decode())
                    body = b""
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = LoopbackServer(Handler)
        self.url = self.server.url

    def close(self) -> None:
        self.server.close()


def _client(url: str, creds: object = None):  # type: ignore[no-untyped-def]
    from publish_action.http import make_client
    from publish_action.report import SilentReporter
    from publish_action.simple_index import IndexClient

    http = make_client(timeout=5, pool=2)
    return IndexClient(http, url + "simple/", SilentReporter(), credentials=creds,  # type: ignore[arg-type]
                       retries=0)


def test_md5_only_page_is_decided_by_downloading(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import hashlib

    from publish_action.distributions import inspect
    from tests.test_distributions import make_sdist

    local = inspect([make_sdist(tmp_path, "demo", "1.0")], verify=True)[0]
    data = local.path.read_bytes()
    md5 = hashlib.md5(data).hexdigest()  # noqa: S324
    page = f'<a href="/f/demo-1.0.tar.gz#md5={md5}">demo-1.0.tar.gz</a>'.encode()
    server = _Static({"/simple/demo/": (200, "text/html", page),
                      "/f/demo-1.0.tar.gz": (200, "application/octet-stream", data)})
    try:
        client = _client(server.url)
        remote = client.project("demo").files["demo-1.0.tar.gz"]
        same = client.compare(remote, local)
        assert same.identical and same.algorithm == "sha256"
        assert ("/f/demo-1.0.tar.gz", None) in server.seen
        assert client.compare(remote, local, md5_is_enough=True).algorithm == "md5"
    finally:
        server.close()


def test_cross_origin_redirect_is_not_followed_and_401_is_an_error() -> None:
    import pytest

    from publish_action.errors import AuthError
    from publish_action.settings import Credentials

    other = _Static({})
    server = _Static({"/simple/gone/": (302, "text/plain", f"{other.url}simple/gone/".encode()),
                      "/simple/private/": (401, "text/plain", b"login please")})
    try:
        client = _client(server.url, Credentials("reader", "pw-9999"))
        page = client.project("gone")
        assert not page.found and "not followed" in page.note
        assert other.seen == []
        with pytest.raises(AuthError) as info:
            client.project("private")
        assert "check-user" in (info.value.advice or "")
        assert "/simple/private/" in info.value.message
        # credentials are sent with the read itself: a 404 for an anonymous read is no proof
        assert [a is not None for p, a in server.seen if p == "/simple/private/"] == [True]
    finally:
        server.close()
        other.close()


def test_malformed_pages_are_errors_never_an_empty_project() -> None:
    import pytest

    from publish_action.errors import IndexError_

    server = _Static({
        "/simple/listy/": (200, "application/vnd.pypi.simple.v1+json", b"[1, 2]"),
        "/simple/nofiles/": (200, "application/vnd.pypi.simple.v1+json", b'{"name": "x"}'),
        "/simple/login/": (200, "text/html",
                           b"<html><form action=/login><input type=password></form></html>"),
        "/simple/empty/": (200, "text/html", b"<html><body></body></html>"),
    })
    try:
        client = _client(server.url)
        for name in ("listy", "nofiles", "login"):
            with pytest.raises(IndexError_, match="not a simple index page"):
                client.project(name)
        assert client.project("empty").files == {}  # a real, empty project page
    finally:
        server.close()
