"""Self-tests of tests/support/fault_proxy.py, in front of a real pypiserver on loopback.

Every action is checked by what a client can observe (status, body, timing, connection errors)
and by what the real server stored. Intervals are short: the whole file runs in seconds.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import secrets
import socket
import threading
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.support import samples, servers
from tests.support.fault_proxy import (
    Delay,
    Drop,
    FaultProxy,
    Forward,
    Huge,
    ResetMidBody,
    Respond,
    RewriteBody,
    Rule,
    SlowRead,
    Stall,
    Trickle,
    Truncate,
    _OriginRewriter,
)
from tests.support.loopback import LoopbackServer

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

MiB = 1024 * 1024
_names = itertools.count(1)


# -- fixtures and helpers --------------------------------------------------------------------


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.RunningIndex]:
    with servers.pypiserver(tmp_path_factory.mktemp("fault-proxy-upstream")) as index:
        yield index


@pytest.fixture
def proxy(upstream: servers.RunningIndex) -> Iterator[FaultProxy]:
    with FaultProxy(upstream.root_url) as running:
        yield running
    assert running.errors == []
    assert running.live_threads() == []


@pytest.fixture
def via(proxy: FaultProxy, upstream: servers.RunningIndex) -> servers.RunningIndex:
    """The real index, as seen through the proxy."""
    return proxy.index(upstream)


@pytest.fixture
def make_wheel(tmp_path: Path) -> Callable[[], Path]:
    """A real wheel of a project name never used before on this module's server."""

    def make() -> Path:
        (wheel,) = samples.build_project(tmp_path, f"fp-probe-{next(_names)}", "1.0", sdist=False)
        return wheel

    return make


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def client(**kwargs: object) -> httpx.Client:
    kwargs.setdefault("timeout", 10.0)
    return httpx.Client(trust_env=False, **kwargs)  # type: ignore[arg-type]


def upload_fields(path: Path) -> dict[str, str]:
    name, version = servers.dist_name_version(path.name)
    return {
        ":action": "file_upload",
        "protocol_version": "1",
        "metadata_version": "2.1",
        "name": name,
        "version": version,
        "filetype": "bdist_wheel",
        "pyversion": "py3",
        "sha256_digest": sha256(path),
    }


def upload(index: servers.RunningIndex, path: Path, *, timeout: float = 10.0) -> httpx.Response:
    """A bare legacy-API multipart upload (no product code)."""
    with client(timeout=timeout) as http:
        return http.post(
            index.upload_url,
            data=upload_fields(path),
            files={"content": (path.name, path.read_bytes(), "application/octet-stream")},
            auth=(index.username, index.password),
        )


def stored(upstream: servers.RunningIndex, path: Path) -> dict[str, str]:
    name, _version = servers.dist_name_version(path.name)
    return servers.list_files(upstream, name)


def raw_request(proxy: FaultProxy, request: bytes, *, timeout: float = 5.0) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=timeout)
    sock.sendall(request)
    return sock


def read_all(sock: socket.socket) -> bytes:
    data = bytearray()
    with sock:
        while piece := sock.recv(65536):
            data += piece
    return bytes(data)


def assert_ends(sock: socket.socket) -> None:
    """The proxy ends this connection within 2 s (EOF or reset; a timeout fails)."""
    sock.settimeout(2.0)
    with sock:
        try:
            while sock.recv(1 << 20):
                pass
        except ConnectionResetError:
            pass


def get_request(path: str, *extra: str) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", *extra, "", ""]
    return "\r\n".join(lines).encode()


# -- pass-through ----------------------------------------------------------------------------


def test_gets_pass_through_on_one_keep_alive_connection(
    proxy: FaultProxy,
    via: servers.RunningIndex,
    upstream: servers.RunningIndex,
    make_wheel: Callable[[], Path],
) -> None:
    wheel = make_wheel()
    assert servers.raw_upload(upstream, wheel).status_code == 200
    project = servers.dist_name_version(wheel.name)[0]
    json_type = "application/vnd.pypi.simple.v1+json"
    with client() as http:
        direct = http.get(upstream.simple_url(project))
        pages = [http.get(via.simple_url(project)) for _ in range(3)]
        as_json = http.get(via.simple_url(project), headers={"Accept": json_type})
        head = http.head(via.simple_url(project))
    assert direct.status_code == 200
    assert wheel.name in direct.text
    for page in pages:
        assert (page.status_code, page.content) == (200, direct.content)
        assert page.headers["content-type"] == direct.headers["content-type"]
    assert as_json.status_code == 200
    assert head.status_code == 200
    assert head.headers["content-length"] == direct.headers["content-length"]
    assert head.content == b""
    records = proxy.requests()
    assert [r.method for r in records] == ["GET"] * 4 + ["HEAD"]
    assert len({r.connection for r in records}) == 1, "keep-alive connection was not reused"
    for record in records:
        assert record.rule is None
        assert record.action is None
        assert record.forwarded
        assert (record.upstream_status, record.status, record.outcome) == (200, 200, "answered")
        assert record.finished is not None
        assert record.finished >= record.started
        assert not record.has_authorization
    assert records[3].headers["accept"] == json_type


def test_real_upload_passes_through_and_authorization_is_redacted(
    proxy: FaultProxy,
    via: servers.RunningIndex,
    upstream: servers.RunningIndex,
    make_wheel: Callable[[], Path],
) -> None:
    wheel = make_wheel()
    response = upload(via, wheel)
    assert response.status_code == 200, response.text
    assert stored(upstream, wheel) == {wheel.name: sha256(wheel)}
    with client() as http:
        page = http.get(via.simple_url(servers.dist_name_version(wheel.name)[0]))
    assert f"{wheel.name}#sha256={sha256(wheel)}" in page.text

    (post,) = proxy.requests(method="POST")
    assert post.forwarded
    assert (post.upstream_status, post.status, post.outcome) == (200, 200, "answered")
    assert post.body_bytes == int(post.headers["content-length"]) > wheel.stat().st_size
    assert post.has_authorization
    assert post.auth_scheme == "Basic"
    assert post.headers["authorization"] == "Basic <redacted>"
    credential = response.request.headers["authorization"].split()[1]
    assert credential not in repr(proxy.requests())
    assert upstream.password not in repr(proxy.requests())


def test_large_upload_is_streamed_with_bounded_proxy_memory(
    proxy: FaultProxy,
    via: servers.RunningIndex,
    upstream: servers.RunningIndex,
    tmp_path: Path,
) -> None:
    wheel = tmp_path / "fp_big_upload-1.0-py3-none-any.whl"
    with wheel.open("wb") as handle:
        for _ in range(24):
            handle.write(os.urandom(MiB))
    boundary = "fp-" + secrets.token_hex(8)
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in upload_fields(wheel).items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="content"; '
        f'filename="{wheel.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    size = len(head) + wheel.stat().st_size + len(tail)

    def body() -> Iterator[bytes]:
        yield head
        with wheel.open("rb") as handle:
            while data := handle.read(65536):
                yield data
        yield tail

    tracemalloc.start()
    try:
        started = time.monotonic()
        with client(timeout=60.0) as http:
            response = http.post(
                via.upload_url,
                content=body(),
                headers={
                    "Content-Type": f"multipart/form-data; boundary={boundary}",
                    "Content-Length": str(size),
                },
                auth=(via.username, via.password),
            )
        elapsed = time.monotonic() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 200, response.text
    assert stored(upstream, wheel) == {wheel.name: sha256(wheel)}
    assert peak < 8 * MiB, f"proxy and client peaked at {peak / MiB:.1f} MiB for a 24 MiB body"
    (post,) = proxy.requests(method="POST")
    assert post.body_bytes == size
    print(f"24 MiB upload through the proxy: {elapsed:.2f}s, traced peak {peak / MiB:.2f} MiB")


# -- rules -----------------------------------------------------------------------------------


def test_rules_apply_in_order_for_their_times_and_clear(proxy: FaultProxy) -> None:
    first = proxy.add(Rule(Forward(), method="GET", path=r"^/health$", times=1))
    failing = proxy.add(Rule(Respond(503), path=r"^/health$", times=2))
    probe = proxy.add(Rule(Respond(418), when=lambda head: head.headers.get("x-probe") == "yes"))
    posts = proxy.add(Rule(Respond(405), method="post", path="health"))
    with client(base_url=proxy.origin) as http:
        statuses = [http.get("/health").status_code for _ in range(4)]
        probed = http.get("/health", headers={"X-Probe": "yes"}).status_code
        posted = http.post("/health", content=b"x").status_code
        proxy.clear()
        cleared = http.get("/health", headers={"X-Probe": "yes"}).status_code
    assert statuses == [200, 503, 503, 200]
    assert (probed, posted, cleared) == (418, 405, 200)
    assert (first.hits, failing.hits, probe.hits, posts.hits) == (1, 2, 1, 1)
    assert first.exhausted
    assert failing.exhausted
    assert not probe.exhausted
    records = proxy.requests(path="^/health$")
    assert [r.rule for r in records] == [first, failing, failing, None, probe, posts, None]
    assert [r.action for r in records] == [
        "Forward", "Respond", "Respond", None, "Respond", "Respond", None,
    ]  # fmt: skip
    assert [r.forwarded for r in records] == [True, False, False, True, False, False, True]


# -- Respond ---------------------------------------------------------------------------------


_WHEN = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("action", "status", "body", "headers"),
    [
        pytest.param(
            Respond(200, {"Content-Type": "text/html"}, "<h1>Down for maintenance</h1>"),
            200,
            b"<h1>Down for maintenance</h1>",
            {"content-type": "text/html"},
            id="maintenance-page",
        ),
        pytest.param(Respond(200), 200, b"", {"content-length": "0"}, id="empty-200"),
        pytest.param(Respond(404, body=b"gone"), 404, b"gone", {}, id="404"),
        pytest.param(
            Respond.unavailable(2), 503, b"unavailable\n", {"retry-after": "2"}, id="retry-secs"
        ),
        pytest.param(
            Respond.unavailable(_WHEN),
            503,
            b"unavailable\n",
            {"retry-after": "Wed, 02 Jan 2030 03:04:05 GMT"},
            id="retry-date",
        ),
        pytest.param(
            Respond.redirect("http://127.0.0.1:9/elsewhere/"),
            302,
            b"redirect\n",
            {"location": "http://127.0.0.1:9/elsewhere/"},
            id="redirect-elsewhere",
        ),
    ],
)
def test_respond_answers_without_upstream(
    proxy: FaultProxy,
    via: servers.RunningIndex,
    action: Respond,
    status: int,
    body: bytes,
    headers: dict[str, str],
) -> None:
    proxy.add(Rule(action, path="^/simple/"))
    with client() as http:
        response = http.get(via.index_url)
    assert (response.status_code, response.content) == (status, body)
    for name, value in headers.items():
        assert response.headers[name] == value
    if "retry-after" in headers and not headers["retry-after"].isdigit():
        assert parsedate_to_datetime(response.headers["retry-after"]) == _WHEN
    (record,) = proxy.requests()
    assert (record.forwarded, record.status, record.outcome) == (False, status, "answered")


def test_respond_to_an_upload_reads_the_body_and_keeps_the_connection(
    proxy: FaultProxy,
    via: servers.RunningIndex,
    upstream: servers.RunningIndex,
    make_wheel: Callable[[], Path],
) -> None:
    wheel = make_wheel()
    proxy.add(Rule(Respond(200, body=b"OK"), method="POST", times=1))
    with client() as http:
        fake = http.post(
            via.upload_url,
            data=upload_fields(wheel),
            files={"content": (wheel.name, wheel.read_bytes(), "application/octet-stream")},
            auth=(via.username, via.password),
        )
        after = http.get(via.index_url)
    assert (fake.status_code, fake.content) == (200, b"OK")
    assert after.status_code == 200
    assert stored(upstream, wheel) == {}, "the blackholed upload reached the server"
    post, get = proxy.requests()
    assert post.body_bytes == int(post.headers["content-length"])
    assert not post.forwarded
    assert post.connection == get.connection


# -- body faults -----------------------------------------------------------------------------


def _duplicate_link_with_other_hash(body: bytes) -> bytes:
    link = re.search(rb"<a href=[^\n]*</a><br>\n", body)
    assert link is not None, body
    evil = re.sub(rb"sha256=[0-9a-f]{64}", b"sha256=" + b"0" * 64, link.group(0))
    return body.replace(link.group(0), link.group(0) + evil)


@pytest.mark.parametrize(
    ("fn", "check"),
    [
        pytest.param(
            _duplicate_link_with_other_hash,
            lambda text, wheel: (
                text.count(wheel.name + "#sha256=") == 2
                and f"{wheel.name}#sha256={'0' * 64}" in text
            ),
            id="duplicate-link",
        ),
        pytest.param(
            lambda body: body.replace(b"</body>", b"").replace(b"</html>", b""),
            lambda text, wheel: "</html>" not in text and wheel.name in text,
            id="drop-closing-tags",
        ),
    ],
)
def test_rewrite_body_transforms_and_fixes_content_length(
    proxy: FaultProxy,
    via: servers.RunningIndex,
    upstream: servers.RunningIndex,
    make_wheel: Callable[[], Path],
    fn: Callable[[bytes], bytes],
    check: Callable[[str, Path], bool],
) -> None:
    wheel = make_wheel()
    assert servers.raw_upload(upstream, wheel).status_code == 200
    proxy.add(Rule(RewriteBody(fn), path="^/simple/.+/$"))
    with client() as http:
        response = http.get(via.simple_url(servers.dist_name_version(wheel.name)[0]))
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content)
    assert check(response.text, wheel), response.text


def test_truncate_with_honest_length_looks_complete(
    proxy: FaultProxy, via: servers.RunningIndex, upstream: servers.RunningIndex
) -> None:
    proxy.add(Rule(Truncate(100, honest_length=True), path="^/simple/$"))
    with client() as http:
        full = http.get(upstream.index_url).content
        cut = http.get(via.index_url)
        again = http.get(via.index_url)
    assert len(full) > 100
    assert cut.status_code == 200
    assert cut.headers["content-length"] == "100"
    assert cut.content == full[:100]
    assert again.content == full[:100]
    first, second = proxy.requests()
    assert first.outcome == "truncated"
    assert first.connection == second.connection, "an honest truncation keeps the connection"


def test_truncate_with_upstream_length_is_a_short_read(
    proxy: FaultProxy, via: servers.RunningIndex, upstream: servers.RunningIndex
) -> None:
    proxy.add(Rule(Truncate(100), path="^/simple/$"))
    with client() as http:
        full = http.get(upstream.index_url).content
        with pytest.raises(httpx.RemoteProtocolError):
            http.get(via.index_url)
    raw = read_all(raw_request(proxy, get_request("/simple/")))
    head, _, body = raw.partition(b"\r\n\r\n")
    assert f"content-length: {len(full)}".encode() in head.lower()
    assert body == full[:100]
    assert [r.outcome for r in proxy.requests()] == ["truncated", "truncated"]


def test_location_and_absolute_body_urls_are_rewritten(
    proxy: FaultProxy, via: servers.RunningIndex, upstream: servers.RunningIndex
) -> None:
    with client() as http:
        redirect = http.get(f"{via.index_url}Some_Project/")
        followed = http.get(f"{via.index_url}Some_Project/", follow_redirects=True)
        welcome = http.get(via.root_url)
        direct = http.get(upstream.root_url)
    assert redirect.status_code == 301
    assert redirect.headers["location"] == f"{proxy.origin}/simple/some-project/"
    assert str(followed.url) == f"{proxy.origin}/simple/some-project/"
    assert followed.status_code == 404  # pypiserver without fallback: unknown project
    assert upstream.index_url in direct.text
    assert via.index_url in welcome.text
    assert upstream.root_url not in welcome.text
    assert int(welcome.headers["content-length"]) == len(welcome.content)
    assert welcome.text == direct.text.replace(upstream.root_url, via.root_url)
    upstream_netloc = upstream.root_url.removeprefix("http:")
    assert proxy.translate(upstream.root_url + "x?y") == f"{proxy.origin}/x?y"
    assert proxy.rewriter.whole(f"<a href='{upstream_netloc}p'>".encode()) == (
        f"<a href='{via.root_url.removeprefix('http:')}p'>".encode()
    )


@pytest.mark.parametrize("new_port", ["40001", "4000", "400011"])
def test_origin_rewriter_streams_across_every_split(new_port: str) -> None:
    old, new = "http://127.0.0.1:5377", f"http://127.0.0.1:{new_port}"
    body = f"{old}/a {old}9/not-me {old}\n{old}".encode()
    expected = f"{new}/a {old}9/not-me {new}\n{new}".encode()
    rewriter = _OriginRewriter(old, new)
    assert rewriter.whole(body) == expected
    for cut in range(len(body) + 1):
        assert b"".join(rewriter.stream([body[:cut], body[cut:]])) == expected, cut
    assert b"".join(rewriter.stream(bytes([b]) for b in body)) == expected


class _ChunkedStub(BaseHTTPRequestHandler):
    """Upstream stand-in that answers chunked, and hashes chunked request bodies."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _chunked(self, content_type: str, pieces: list[bytes]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for piece in pieces:
            self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")

    def do_GET(self) -> None:
        origin = f"http://{self.headers['Host']}".encode()
        if self.path == "/text":
            page = b"<a href='" + origin + b"/file'>file</a>"
            self._chunked("text/html", [page[:12], page[12:20], page[20:]])
        else:
            self._chunked("application/octet-stream", [bytes([i]) * 100_000 for i in range(3)])

    def do_POST(self) -> None:
        assert "chunked" in self.headers.get("Transfer-Encoding", "")
        digest = hashlib.sha256()
        while size := int(self.rfile.readline().split(b";")[0], 16):
            digest.update(self.rfile.read(size))
            self.rfile.readline()
        self.rfile.readline()
        self._chunked("text/plain", [digest.hexdigest().encode()])


def test_chunked_bodies_both_ways() -> None:
    stub = LoopbackServer(_ChunkedStub, name="chunked-stub")
    try:
        with FaultProxy(stub.url) as proxy, client(base_url=proxy.origin) as http:
            text = http.get("/text")
            binary = http.get("/bin")
            pieces = [os.urandom(1000) for _ in range(5)]
            echoed = http.post("/echo", content=iter(pieces))
            assert proxy.errors == []
    finally:
        stub.close()
    assert text.text == f"<a href='{proxy.origin}/file'>file</a>"
    assert int(text.headers["content-length"]) == len(text.content)
    assert binary.headers["transfer-encoding"] == "chunked"
    assert binary.content == b"".join(bytes([i]) * 100_000 for i in range(3))
    assert echoed.text == hashlib.sha256(b"".join(pieces)).hexdigest()


# -- connection faults -----------------------------------------------------------------------


def test_stall_holds_until_released(proxy: FaultProxy, via: servers.RunningIndex) -> None:
    proxy.add(Rule(Stall(), path="^/simple/$"))
    own = threading.Event()
    proxy.add(Rule(Stall(release=own), path="^/health$"))
    with client(timeout=0.3) as http, pytest.raises(httpx.ReadTimeout):
        http.get(via.index_url)
    (timed_out,) = proxy.wait_for(1, outcome="client-gone")  # the client hung up: noticed
    held = raw_request(proxy, get_request("/simple/"))
    held_own = raw_request(proxy, get_request("/health"))
    stalled = proxy.wait_for(2, outcome="stalled")
    assert all(r.status is None and not r.forwarded for r in [timed_out, *stalled])
    time.sleep(0.2)
    proxy.release_stalls()
    assert read_all(held) == b"", "a released stall must hang up without an answer"
    proxy.wait_for(1, path="^/simple/$", outcome="released", timeout=2)
    assert proxy.requests(path="^/health$")[0].outcome == "stalled"
    own.set()
    assert read_all(held_own) == b""
    proxy.wait_for(1, path="^/health$", outcome="released", timeout=2)
    # The proxy-wide event was replaced: a new stall is held again.
    again = raw_request(proxy, get_request("/simple/"))
    proxy.wait_for(1, path="^/simple/$", outcome="stalled", timeout=2)
    again.close()


def test_stall_after_forward_is_a_lost_answer(
    proxy: FaultProxy,
    via: servers.RunningIndex,
    upstream: servers.RunningIndex,
    make_wheel: Callable[[], Path],
) -> None:
    wheel = make_wheel()
    proxy.add(Rule(Stall(after_forward=True), method="POST"))
    with pytest.raises(httpx.ReadTimeout):
        upload(via, wheel, timeout=0.5)
    assert stored(upstream, wheel) == {wheel.name: sha256(wheel)}
    (post,) = proxy.requests(method="POST")
    assert post.forwarded
    assert (post.upstream_status, post.status) == (200, None)


@pytest.mark.parametrize(
    ("action", "is_stored", "error"),
    [
        pytest.param(Drop(), False, httpx.RemoteProtocolError, id="before-forward"),
        pytest.param(Drop(after_forward=True), True, httpx.RemoteProtocolError, id="after-forward"),
        pytest.param(Drop(reset=True), False, httpx.TransportError, id="reset"),
    ],
)
def test_drop_hangs_up_without_an_answer(
    proxy: FaultProxy,
    via: servers.RunningIndex,
    upstream: servers.RunningIndex,
    make_wheel: Callable[[], Path],
    action: Drop,
    is_stored: bool,
    error: type[Exception],
) -> None:
    wheel = make_wheel()
    proxy.add(Rule(action, method="POST"))
    with pytest.raises(error):
        upload(via, wheel)
    assert stored(upstream, wheel) == ({wheel.name: sha256(wheel)} if is_stored else {})
    (post,) = proxy.requests(method="POST")
    assert (post.forwarded, post.status, post.outcome) == (is_stored, None, "dropped")
    assert post.upstream_status == (200 if is_stored else None)


def test_reset_mid_body_never_forwards(
    proxy: FaultProxy,
    via: servers.RunningIndex,
    upstream: servers.RunningIndex,
    make_wheel: Callable[[], Path],
) -> None:
    wheel = make_wheel()
    proxy.add(Rule(ResetMidBody(300), method="POST"))
    with pytest.raises(httpx.TransportError):
        upload(via, wheel)
    with client() as http, pytest.raises(httpx.TransportError):
        http.post(f"{via.root_url}big", content=b"x" * (8 * MiB))
    assert stored(upstream, wheel) == {}
    for post in proxy.wait_for(2, method="POST", outcome="reset"):
        assert (post.body_bytes, post.forwarded, post.status) == (300, False, None)


# -- timing faults ---------------------------------------------------------------------------


def test_delay_then_forward(proxy: FaultProxy, via: servers.RunningIndex) -> None:
    proxy.add(Rule(Delay(0.3), path="^/health$"))
    with client() as http:
        started = time.monotonic()
        response = http.get(f"{via.root_url}health")
        elapsed = time.monotonic() - started
    assert (response.status_code, response.text) == (200, "Ok")
    assert 0.3 <= elapsed < 2.0


def test_trickle_sends_the_whole_response_piecemeal(
    proxy: FaultProxy, via: servers.RunningIndex
) -> None:
    proxy.add(Rule(Trickle(interval=0.02, chunk=16), path="^/health$"))
    sock = raw_request(proxy, get_request("/health", "Connection: close"))
    started = time.monotonic()
    first = sock.recv(65536)
    raw = first + read_all(sock)
    elapsed = time.monotonic() - started
    assert first.startswith(b"HTTP/1.1 200")
    assert len(first) <= 16
    assert raw.endswith(b"\r\n\r\nOk")
    pieces = -(-len(raw) // 16)
    assert elapsed >= (pieces - 2) * 0.02, (elapsed, pieces)
    with client() as http:
        assert http.get(f"{via.root_url}health").text == "Ok"


def test_slow_read_paces_the_upload_and_still_forwards(
    proxy: FaultProxy,
    via: servers.RunningIndex,
    upstream: servers.RunningIndex,
    make_wheel: Callable[[], Path],
) -> None:
    wheel = make_wheel()
    rate = 8000.0
    proxy.add(Rule(SlowRead(rate), method="POST"))
    started = time.monotonic()
    response = upload(via, wheel)
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    assert stored(upstream, wheel) == {wheel.name: sha256(wheel)}
    (post,) = proxy.requests(method="POST")
    assert elapsed >= 0.9 * post.body_bytes / rate, (elapsed, post.body_bytes)
    assert post.forwarded


def test_huge_body_of_100_mib_is_streamed_with_bounded_memory(
    proxy: FaultProxy, via: servers.RunningIndex
) -> None:
    size = 100 * MiB
    proxy.add(Rule(Huge(size), path="^/simple/"))
    received = 0
    first = last = b""
    tracemalloc.start()
    try:
        started = time.monotonic()
        with client() as http, http.stream("GET", via.index_url) as response:
            assert response.headers["content-length"] == str(size)
            assert response.headers["content-type"].startswith("text/html")
            for piece in response.iter_raw():
                first = first or piece
                last = (last + piece)[-64:]
                received += len(piece)
        elapsed = time.monotonic() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert received == size
    assert first.startswith(b"<!DOCTYPE html>")
    assert last.endswith(b"</body></html>\n")
    assert peak < 8 * MiB, f"traced peak {peak / MiB:.1f} MiB for a 100 MiB body"
    print(f"100 MiB Huge body: {elapsed:.2f}s, traced peak {peak / MiB:.2f} MiB")


def test_huge_chunked_has_no_length(proxy: FaultProxy, via: servers.RunningIndex) -> None:
    proxy.add(Rule(Huge(3 * MiB + 7, "application/vnd.pypi.simple.v1+json", chunked=True)))
    with client() as http:
        response = http.get(via.index_url)
    assert "content-length" not in response.headers
    assert response.headers["transfer-encoding"] == "chunked"
    assert len(response.content) == 3 * MiB + 7


# -- concurrency, robustness, shutdown -------------------------------------------------------


def test_eight_parallel_requests_and_uploads(
    proxy: FaultProxy,
    via: servers.RunningIndex,
    upstream: servers.RunningIndex,
    make_wheel: Callable[[], Path],
) -> None:
    proxy.add(Rule(Delay(0.4), path="^/health$"))

    def get(_: int) -> int:
        with client() as http:
            return http.get(f"{via.root_url}health").status_code

    wheels = [make_wheel() for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        started = time.monotonic()
        statuses = list(pool.map(get, range(8)))
        elapsed = time.monotonic() - started
        uploads = list(pool.map(lambda wheel: upload(via, wheel).status_code, wheels))
    assert statuses == [200] * 8
    assert elapsed < 1.5, f"8 delayed requests took {elapsed:.2f}s: not served in parallel"
    assert uploads == [200] * 8
    for wheel in wheels:
        assert stored(upstream, wheel) == {wheel.name: sha256(wheel)}
    assert len({r.connection for r in proxy.requests()}) == 16


def test_client_hanging_up_mid_request_and_garbage_are_survived(
    proxy: FaultProxy, via: servers.RunningIndex
) -> None:
    head = b"POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n0123456789"
    raw_request(proxy, head).close()
    (gone,) = proxy.wait_for(1, method="POST", outcome="client-gone")
    assert gone.body_bytes == 10
    assert gone.error
    answer = read_all(raw_request(proxy, b"GARBAGE\r\n\r\n"))
    assert answer.startswith(b"HTTP/1.1 400 ")
    with client() as http:
        assert http.get(via.index_url).status_code == 200


def test_expect_100_continue_is_answered_by_the_proxy(proxy: FaultProxy) -> None:
    sock = raw_request(
        proxy,
        b"POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
        b"Expect: 100-continue\r\nConnection: close\r\n\r\n",
    )
    interim = b""
    while not interim.endswith(b"\r\n\r\n"):
        interim += sock.recv(1)
    assert interim.startswith(b"HTTP/1.1 100 ")
    sock.sendall(b"hello")
    assert read_all(sock).startswith(b"HTTP/1.1 ")
    (record,) = proxy.requests()
    assert (record.body_bytes, record.forwarded, record.outcome) == (5, True, "answered")
    assert "expect" in record.headers


def test_devpi_through_the_proxy(tmp_path: Path, make_wheel: Callable[[], Path]) -> None:
    wheel, lost = make_wheel(), make_wheel()
    with servers.devpi(tmp_path) as devpi, FaultProxy(devpi.root_url) as proxy:
        via = proxy.index(devpi)
        assert via.upload_url == f"{proxy.origin}/{devpi.username}/dev/"
        assert upload(via, wheel).status_code == 200
        project = servers.dist_name_version(wheel.name)[0]
        with client() as http:
            page = http.get(via.simple_url(project))
            as_json = http.get(
                via.simple_url(project), headers={"Accept": "application/vnd.pypi.simple.v1+json"}
            )
            redirect = http.get(via.simple_url(project).rstrip("/"))
        proxy.add(Rule(Stall(after_forward=True), method="POST"))
        with pytest.raises(httpx.ReadTimeout):
            upload(via, lost, timeout=1.0)
        assert proxy.errors == []
        assert stored(devpi, wheel) == {wheel.name: sha256(wheel)}
        assert stored(devpi, lost) == {lost.name: sha256(lost)}
    assert f"{wheel.name}#sha256={sha256(wheel)}" in page.text
    assert as_json.json()["files"][0]["hashes"] == {"sha256": sha256(wheel)}
    assert redirect.status_code in (301, 302)
    assert redirect.headers["location"] == via.simple_url(project)
    assert devpi.root_url not in redirect.text


def test_unreachable_upstream_gives_502() -> None:
    with FaultProxy(f"http://127.0.0.1:{servers.free_port()}/") as proxy, client() as http:
        response = http.post(proxy.url, content=b"x" * 1000)
        assert response.status_code == 502
        (record,) = proxy.requests()
        assert (record.outcome, record.forwarded, record.body_bytes) == ("bad-gateway", False, 1000)
        assert record.error is not None
        assert "cannot connect" in record.error
        assert proxy.errors == []


def test_a_failing_rewrite_is_recorded_not_raised(upstream: servers.RunningIndex) -> None:
    def broken(body: bytes) -> bytes:
        raise RuntimeError("test bug in a rewrite")

    with FaultProxy(upstream.root_url) as proxy, client() as http:
        proxy.add(Rule(RewriteBody(broken), times=1))
        response = http.get(proxy.url + "simple/")
        after = http.get(proxy.url + "simple/")
        (error,) = proxy.errors
        first = proxy.requests()[0]
    assert response.status_code == 500
    assert after.status_code == 200
    assert "test bug in a rewrite" in error
    assert (first.outcome, first.status) == ("error", 500)


def test_close_is_prompt_with_stalled_trickling_and_busy_clients(
    upstream: servers.RunningIndex,
) -> None:
    proxy = FaultProxy(upstream.root_url)
    proxy.add(Rule(Stall(), path="^/stall"))
    proxy.add(Rule(Stall(after_forward=True), path="^/simple/$"))
    proxy.add(Rule(Trickle(interval=1.0, chunk=1), path="^/health$"))
    proxy.add(Rule(Huge(100 * MiB), path="^/huge$"))
    proxy.add(Rule(SlowRead(10.0), method="POST"))
    proxy.add(Rule(Delay(30.0), path="^/delay$"))
    post = b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + b"x" * 500
    socks = [raw_request(proxy, get_request(f"/stall/{n}")) for n in range(3)]
    socks += [
        raw_request(proxy, get_request(path)) for path in ("/simple/", "/health", "/huge", "/delay")
    ]
    socks += [raw_request(proxy, post), raw_request(proxy, b"")]  # an upload, an idle client
    proxy.wait_for(8, timeout=5)
    proxy.wait_for(4, outcome="stalled", timeout=5)
    time.sleep(0.2)  # let the huge answer fill the socket buffers and block
    started = time.monotonic()
    proxy.close()
    elapsed = time.monotonic() - started
    assert elapsed < 2.0, f"close() took {elapsed:.2f}s"
    assert proxy.live_threads() == []
    assert proxy.errors == []
    for sock in socks:
        assert_ends(sock)
    outcomes = {r.path: r.outcome for r in proxy.requests()}
    assert outcomes["/stall/0"] == "proxy-closed"
    assert outcomes["/delay"] == "proxy-closed"
    with pytest.raises(httpx.ConnectError), client() as http:
        http.get(proxy.url)
    print(f"close() with 9 busy connections: {elapsed:.3f}s")
