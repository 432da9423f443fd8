"""`IndexClient`: reads, redirects, and the evidence a 404 needs before it means "absent"."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from publish_action.distributions import inspect
from publish_action.errors import AuthError, ExitCode, IndexError_
from publish_action.net import Net, NetSettings
from publish_action.reporting import SilentReporter
from publish_action.settings import Credentials
from publish_action.simple_index import IndexClient
from publish_action.targets import IndexKind
from tests.support.dists import write_sdist
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


def test_md5_only_page_is_decided_by_downloading(
    static: Callable[..., Static], tmp_path: Path
) -> None:
    local = inspect([write_sdist(tmp_path, "demo", "1.0")], verify=True)[0]
    data = local.path.read_bytes()
    md5 = hashlib.md5(data).hexdigest()  # noqa: S324 - what the index gives
    server = static(
        {
            "/simple/demo/": page(f'<a href="/f/demo-1.0.tar.gz#md5={md5}">demo-1.0.tar.gz</a>'),
            "/f/demo-1.0.tar.gz": (200, {"Content-Type": "application/octet-stream"}, data),
        }
    )
    index = client(server.url)
    remote = index.project("demo").files["demo-1.0.tar.gz"]
    same = index.compare(remote, local)
    assert same.identical and same.algorithm == "sha256"
    assert ("GET", "/f/demo-1.0.tar.gz", None) in server.seen
    assert index.compare(remote, local, md5_is_enough=True).algorithm == "md5"


def test_a_404_is_absent_only_with_evidence_the_check_url_is_a_simple_index(
    static: Callable[..., Static],
) -> None:
    good = static({"/simple/": ROOT})
    assert not client(good.url).project("new-project").found
    assert [p for _, p, _ in good.seen] == ["/simple/new-project/", "/simple/"]

    wrong = static({})  # a mistyped index-url: 404 for everything
    with pytest.raises(IndexError_) as info:
        client(wrong.url).project("new-project")
    assert info.value.exit_code is ExitCode.INDEX
    assert "does not look like a working simple index" in info.value.message
    assert "asked GET http://127.0.0.1:" in info.value.details[0]
    assert "HTTP 404" in info.value.details[0]


def test_one_good_page_is_evidence_enough(static: Callable[..., Static]) -> None:
    server = static({"/simple/old/": page("", name="old")})
    index = client(server.url)
    index.project("old")
    assert not index.project("new").found
    assert [p for _, p, _ in server.seen] == ["/simple/old/", "/simple/new/"]


def test_evidence_probes_per_index(static: Callable[..., Static]) -> None:
    warehouse = static(
        {"/simple/": (200, {"Content-Type": "text/html", "X-PyPI-Last-Serial": "1"}, b"")}
    )
    assert not client(warehouse.url, kind=IndexKind.PYPI).project("new").found
    assert ("HEAD", "/simple/", None) in warehouse.seen  # never the tens-of-MB root page

    devpi = static(
        {
            "/u/i/": (
                200,
                {"Content-Type": "application/json"},
                b'{"type": "indexconfig", "result": {}}',
            )
        }
    )
    assert not client(devpi.url, kind=IndexKind.DEVPI, path="u/i/+simple/").project("x").found
    assert ("GET", "/u/i/", None) in devpi.seen

    lookalike = static({"/simple/": (200, {"Content-Type": "text/html"}, b"")})
    with pytest.raises(IndexError_, match="working simple index"):
        client(lookalike.url, kind=IndexKind.PYPI).project("new")


def test_redirects(static: Callable[..., Static]) -> None:
    elsewhere = static({})
    server = static(
        {
            "/simple/": ROOT,
            "/simple/gone/": (302, {"Location": f"{elsewhere.url}simple/gone/"}, b""),
            "/simple/Moved/": (301, {"Location": "/simple/moved/"}, b""),
            "/simple/moved/": page("", name="moved"),
            "/simple/sso/": (302, {"Location": f"{elsewhere.url}login?next=/simple/sso/"}, b""),
        }
    )
    index = client(server.url, credentials=Credentials("reader", "pw-9999"))
    gone = index.project("gone")  # the same project on another index: "not here"
    assert not gone.found and "not followed" in gone.note
    assert index.project("Moved").found  # same origin: followed
    with pytest.raises(IndexError_, match="cannot tell whether sso is here"):
        index.project("sso")  # a login page elsewhere proves nothing
    assert elsewhere.seen == []  # never followed, credentials never sent there


def test_refused_read_is_an_auth_error_and_credentials_were_sent(
    static: Callable[..., Static],
) -> None:
    server = static({"/simple/private/": (401, {"Content-Type": "text/plain"}, b"login please")})
    index = client(server.url, credentials=Credentials("reader", "pw-9999"))
    with pytest.raises(AuthError) as info:
        index.project("private")
    assert "check-user" in info.value.advice
    assert "/simple/private/" in info.value.message and "with credentials" in info.value.message
    assert [a is not None for _, p, a in server.seen if p == "/simple/private/"] == [True]


def test_junk_200_stops_the_check_with_what_came_back(static: Callable[..., Static]) -> None:
    server = static(
        {
            "/simple/demo/": (
                200,
                {"Content-Type": "text/html"},
                b"<html><body>Maintenance</body></html>",
            )
        }
    )
    with pytest.raises(IndexError_) as info:
        client(server.url).project("demo")
    assert "is not the simple page of demo" in info.value.message
    assert (
        "HTTP 200, text/html, 37 bytes: '<html><body>Maintenance</body></html>'"
        in info.value.details[0]
    )


def test_a_page_over_the_cap_is_refused_without_reading_it_all(
    static: Callable[..., Static], monkeypatch: pytest.MonkeyPatch
) -> None:
    import publish_action.simple_index.client as module

    monkeypatch.setattr(module, "PAGE_LIMIT", 1000)
    server = static({"/simple/big/": page("x" * 5000, name="big")})
    with pytest.raises(IndexError_, match="larger than"):
        client(server.url).project("big")
