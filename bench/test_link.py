"""Self-check of the link emulation (bench/link.py): fast, loopback only.

    .venv/bin/python -m pytest bench/test_link.py

Each test measures through the proxy against a tiny echo/sink server and checks the number
against the configured link within 10-15 %, with a small absolute slack for the event loop's
1 ms timer resolution.
"""

from __future__ import annotations

import socket
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import link


@contextmanager
def _server(handler: Callable[[socket.socket], None]) -> Iterator[int]:
    """A threaded TCP server on a free loopback port; ``handler(conn)`` per connection."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stop = threading.Event()

    def accept_loop() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=handler, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept_loop, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        stop.set()
        listener.close()
        thread.join(2)


def _echo(conn: socket.socket) -> None:
    with conn:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while data := conn.recv(65536):
            conn.sendall(data)


def _sink(conn: socket.socket) -> None:
    """Read everything, then answer how many bytes arrived (8 bytes) and close."""
    total = 0
    with conn:
        while data := conn.recv(1 << 20):
            total += len(data)
        conn.sendall(total.to_bytes(8, "big"))


def _source(size: int) -> Callable[[socket.socket], None]:
    def handler(conn: socket.socket) -> None:
        block = b"x" * (1 << 20)
        with conn:
            conn.recv(16)  # the request
            left = size
            while left > 0:
                n = min(left, len(block))
                conn.sendall(block[:n])
                left -= n

    return handler


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    out = b""
    while len(out) < n:
        data = sock.recv(n - len(out))
        if not data:
            raise ConnectionError("closed early")
        out += data
    return out


def test_parse() -> None:
    spec = link.LinkSpec.parse("rtt=20ms,bw=400mbit")
    assert spec.rtt == pytest.approx(0.020)
    assert spec.delay == pytest.approx(0.010)
    assert spec.bandwidth == pytest.approx(50e6)
    assert spec.queue_bytes == 1_000_000  # one BDP of the round trip
    assert link.LinkSpec.parse(spec.as_argument()) == spec
    assert link.LinkSpec.parse("delay=5ms").rtt == pytest.approx(0.010)
    assert link.LinkSpec.parse("delay=5ms").bandwidth is None
    with pytest.raises(ValueError, match="unknown"):
        link.LinkSpec.parse("rtt=20ms,jitter=3ms")


def test_round_trip_and_handshake() -> None:
    """Ping-pong of small messages takes one RTT each; the connection itself one more."""
    spec = link.LinkSpec.parse("rtt=20ms,bw=400mbit")
    with _server(_echo) as port, link.in_thread(spec, ("127.0.0.1", port)) as proxy:
        start = time.monotonic()
        sock = _connect(proxy.port)
        sock.sendall(b"ping")
        _recv_exact(sock, 4)
        first = time.monotonic() - start  # handshake RTT + one request RTT
        times = []
        for _ in range(15):
            t0 = time.monotonic()
            sock.sendall(b"ping")
            _recv_exact(sock, 4)
            times.append(time.monotonic() - t0)
        sock.close()
    rtt = statistics.median(times)
    assert rtt == pytest.approx(0.020, rel=0.10, abs=0.002), times
    assert first == pytest.approx(0.040, rel=0.10, abs=0.003)


def test_upload_throughput() -> None:
    """8 MB client→server at 200 Mbit/s: 0.32 s of serialisation + delays."""
    spec = link.LinkSpec.parse("rtt=20ms,bw=200mbit")
    size = 8_000_000
    with _server(_sink) as port, link.in_thread(spec, ("127.0.0.1", port)) as proxy:
        start = time.monotonic()
        sock = _connect(proxy.port)
        block = b"y" * (1 << 20)
        left = size
        while left > 0:
            n = min(left, len(block))
            sock.sendall(block[:n])
            left -= n
        sock.shutdown(socket.SHUT_WR)
        got = int.from_bytes(_recv_exact(sock, 8), "big")
        elapsed = time.monotonic() - start
        sock.close()
    assert got == size
    # handshake (1 RTT) + data at the rate + one-way delay + the answer back (one way).
    expected = spec.rtt + size / 25e6 + spec.rtt
    assert elapsed == pytest.approx(expected, rel=0.12), (elapsed, expected)


def test_download_throughput_and_shared_link() -> None:
    """Two downloads at once share one link: together they take as long as both bytes need."""
    spec = link.LinkSpec.parse("rtt=20ms,bw=400mbit")
    size = 10_000_000
    with _server(_source(size)) as port, link.in_thread(spec, ("127.0.0.1", port)) as proxy:
        results: list[float] = []

        def fetch() -> None:
            sock = _connect(proxy.port)
            t0 = time.monotonic()
            sock.sendall(b"go")
            got = 0
            while data := sock.recv(1 << 20):
                got += len(data)
            sock.close()
            assert got == size
            results.append(time.monotonic() - t0)

        start = time.monotonic()
        fetch()
        one = time.monotonic() - start
        threads = [threading.Thread(target=fetch) for _ in range(2)]
        start = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        two = time.monotonic() - start
    # One: RTT (handshake) + RTT (request, first byte) + 10 MB at 50 MB/s.
    assert one == pytest.approx(2 * spec.rtt + size / 50e6, rel=0.12), one
    assert two == pytest.approx(2 * spec.rtt + 2 * size / 50e6, rel=0.12), two


def test_subprocess_proxy_and_log(tmp_path: Path) -> None:
    """The bench runs the proxy as a process; its log has every request's timings."""
    spec = link.LinkSpec.parse("rtt=10ms")

    def http(conn: socket.socket) -> None:
        with conn:
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    with (
        _server(http) as port,
        link.subprocess_proxy(spec, port, tmp_path / "log.jsonl") as (running, stop),
    ):
        sock = _connect(running.port)
        for path in ("/simple/a/", "/simple/b/?x=1"):
            sock.sendall(
                f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: secret\r\n\r\n".encode()
            )
            _recv_exact(sock, 40)
        sock.close()
        time.sleep(0.05)
        stop()
        conns = running.connections()
    assert len(conns) == 1
    requests = conns[0]["requests"]
    assert [r["line"] for r in requests] == ["GET /simple/a/", "GET /simple/b/"]
    assert "secret" not in (tmp_path / "log.jsonl").read_text()
    first, second = requests
    assert first["arrived"] - conns[0]["accepted"] == pytest.approx(0.015, abs=0.003)
    assert second["first_response"] - second["sent"] == pytest.approx(0.010, abs=0.003)


def test_coldstart_index_costs_one_rtt_per_request(tmp_path: Path) -> None:
    """The cold start's static package index answers in one RTT per request on a kept-alive
    connection (no Nagle/delayed-ACK stall of ~40 ms between its header and body writes)."""
    import coldstart
    import httpx

    (tmp_path / "simple" / "x").mkdir(parents=True)
    (tmp_path / "simple" / "x" / "index.html").write_text('<a href="../../files/x.whl">x</a>')
    spec = link.LinkSpec.parse("rtt=20ms")
    with (
        coldstart.static_server(tmp_path) as (port, _pid),
        link.in_thread(spec, ("127.0.0.1", port)) as proxy,
        httpx.Client(trust_env=False) as client,
    ):
        url = f"http://127.0.0.1:{proxy.port}/simple/x/"
        client.get(url).raise_for_status()
        times = []
        for _ in range(8):
            start = time.monotonic()
            client.get(url).raise_for_status()
            times.append(time.monotonic() - start)
    assert statistics.median(times) == pytest.approx(0.020, rel=0.15, abs=0.003), times
