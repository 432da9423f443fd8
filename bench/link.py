"""Link emulation at the TCP level: a loopback proxy that makes an index look far away.

    python bench/link.py serve --upstream 127.0.0.1:8080 --link rtt=20ms,bw=400mbit \
        [--log conns.jsonl]          # prints "listening PORT", then relays until SIGTERM

Every client (publish-action, twine, uv, curl, pip) connects to the proxy instead of the index
server, so they all see the same link; the proxy does not parse or change a byte (it only peeks
at the first line of each request for its log).

The model (per direction, client→server "up" and server→client "down"; one shared link per
direction for *all* connections, as a real access link is shared by parallel uploads):

* **Propagation delay**: every byte arrives ``delay`` = RTT/2 after it left.
* **Serialisation at the link rate**: bytes leave in arrival order, one after the other, at
  ``bw`` bytes/s: a segment read at ``t`` leaves at ``start = max(t, link_free)``, takes
  ``size / bw`` and arrives at ``start + size / bw + delay``; ``link_free`` moves on. Data
  keeps flowing while earlier data is still "on the wire": it is a pipeline, not "sleep, then
  forward a chunk". Segments are at most ~1 ms of link time (and at most 64 KiB), so a large
  read is not delivered as one late lump.
* **Bottleneck buffer**: the proxy stops reading from a sender while the shared queue in front
  of the link holds more than ``queue`` bytes (default one bandwidth-delay product of the RTT,
  a common router buffer size): the sender is then held back by TCP flow control on loopback,
  as a real sender is by its congestion window. A full queue adds queueing delay to every other
  connection's packets, as on a real link.
* **Receiver window**: per connection and direction at most ``window`` bytes (default 4 MiB)
  may be read but not yet written to the other side, so a receiver that does not read (a busy
  server) stalls only its own connection, never the shared link.
* **Connection set-up costs one RTT**: nothing is forwarded, in either direction, before the
  accepted connection is one RTT old (SYN → SYN/ACK → data). A client's first request bytes
  therefore reach the server 1.5 RTT after its connect(), as over a real link; a half-close
  (FIN) travels like data, behind the bytes sent before it.

What is *not* modelled (the endpoints' own TCP runs on loopback, with instant ACKs): slow start
and congestion control (TCP is taken to have its window already open), loss and
retransmission, Nagle/delayed-ACK interactions, jitter. TLS is absent (the local indexes speak
plain HTTP), so the extra round trip(s) of a TLS handshake are not paid either.

Log (``--log``): one JSON line per connection when it closes (or when the proxy stops): accept
time, bytes each way, and per HTTP request (a client→server burst that starts with an HTTP
method after a server→client burst) its request line (query string dropped; headers, hence
credentials, never logged), when the client sent it (the proxy read it), when its first byte
reached the server, and when the first and last byte of the answer reached the client. Times
are ``time.monotonic()`` (CLOCK_MONOTONIC: the same clock in every process of the machine).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

READ_SIZE = 64 * 1024
MAX_SEGMENT = 64 * 1024
MIN_SEGMENT = 1460  # one Ethernet MSS: finer pacing would only cost CPU
SEGMENT_TIME = 0.001  # a segment is at most ~1 ms of link time
DEFAULT_WINDOW = 4 * 2**20
_METHODS = (b"GET ", b"POST ", b"PUT ", b"HEAD ", b"DELETE ", b"PATCH ", b"OPTIONS ")


# -- the link's parameters ------------------------------------------------------------------

_UNITS_TIME = {"us": 1e-6, "ms": 1e-3, "s": 1.0}
_UNITS_RATE = {  # to bytes per second
    "bit": 1 / 8,
    "kbit": 1e3 / 8,
    "mbit": 1e6 / 8,
    "gbit": 1e9 / 8,
    "bps": 1 / 8,
    "kbps": 1e3 / 8,
    "mbps": 1e6 / 8,
    "gbps": 1e9 / 8,
    "b": 1.0,
    "kb": 1e3,
    "mb": 1e6,
    "gb": 1e9,  # bytes/s (KB/s, MB/s) for completeness
}
_UNITS_SIZE = {"b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": 2**20, "mb": 2**20, "mib": 2**20}


def _number(text: str, units: Mapping[str, float], what: str) -> float:
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)\s*", text)
    if not match or match.group(2).lower() not in units:
        raise ValueError(f"bad {what} {text!r} (units: {', '.join(units)})")
    return float(match.group(1)) * units[match.group(2).lower()]


@dataclass(frozen=True)
class LinkSpec:
    """One emulated link: ``rtt`` seconds, ``bandwidth`` bytes/s per direction (None =
    unlimited), ``queue`` bytes of bottleneck buffer, ``window`` bytes per connection."""

    rtt: float
    bandwidth: float | None = None
    queue: int | None = None
    window: int = DEFAULT_WINDOW

    @property
    def delay(self) -> float:
        return self.rtt / 2

    @property
    def queue_bytes(self) -> int:
        if self.queue is not None:
            return self.queue
        if self.bandwidth is None:
            return 0
        # One bandwidth-delay product of the round trip, at least a few segments.
        return max(int(self.bandwidth * self.rtt), 64 * 1024)

    @property
    def segment(self) -> int:
        if self.bandwidth is None:
            return MAX_SEGMENT
        return max(MIN_SEGMENT, min(MAX_SEGMENT, int(self.bandwidth * SEGMENT_TIME)))

    @classmethod
    def parse(cls, text: str) -> LinkSpec:
        """``rtt=20ms,bw=400mbit[,queue=1MiB][,window=4MiB]`` (``delay=10ms`` = one way)."""
        values: dict[str, str] = {}
        for part in text.split(","):
            if not part.strip():
                continue
            key, sep, value = part.partition("=")
            if not sep:
                raise ValueError(f"bad link parameter {part!r} (want key=value)")
            values[key.strip().lower()] = value
        unknown = set(values) - {"rtt", "delay", "bw", "queue", "window"}
        if unknown:
            raise ValueError(f"unknown link parameter(s) {sorted(unknown)}")
        if "rtt" in values and "delay" in values:
            raise ValueError("give rtt or delay (one way), not both")
        if "rtt" in values:
            rtt = _number(values["rtt"], _UNITS_TIME, "rtt")
        else:
            rtt = 2 * _number(values.get("delay", "0ms"), _UNITS_TIME, "delay")
        bw = values.get("bw", "").strip().lower()
        bandwidth = None if bw in ("", "inf", "unlimited") else _number(bw, _UNITS_RATE, "bw")
        queue = int(_number(values["queue"], _UNITS_SIZE, "queue")) if "queue" in values else None
        window = (
            int(_number(values["window"], _UNITS_SIZE, "window"))
            if "window" in values
            else DEFAULT_WINDOW
        )
        return cls(rtt=rtt, bandwidth=bandwidth, queue=queue, window=window)

    def describe(self) -> str:
        bw = "unlimited" if self.bandwidth is None else f"{self.bandwidth * 8 / 1e6:g} Mbit/s"
        return (
            f"RTT {self.rtt * 1000:g} ms, {bw} per direction, queue "
            f"{self.queue_bytes / 1024:.0f} KiB, window {self.window / 2**20:g} MiB"
        )

    def as_argument(self) -> str:
        """The text ``parse()`` reads back into this spec (repr-exact floats)."""
        out = f"rtt={self.rtt * 1000!r}ms"
        if self.bandwidth is not None:
            mbit = self.bandwidth * 8 / 1e6
            out += (
                f",bw={mbit:g}mbit"
                if float(f"{mbit:g}") * 1e6 / 8 == self.bandwidth
                else (f",bw={self.bandwidth!r}b")
            )
        if self.queue is not None:
            out += f",queue={self.queue}b"
        if self.window != DEFAULT_WINDOW:
            out += f",window={self.window}b"
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "rtt_s": self.rtt,
            "bandwidth_bytes_per_s": self.bandwidth,
            "queue_bytes": self.queue_bytes,
            "window_bytes": self.window,
            "text": self.describe(),
        }


# -- the proxy --------------------------------------------------------------------------------


class _Link:
    """One direction of the shared link: when it is free next."""

    def __init__(self) -> None:
        self.free_at = 0.0


@dataclass
class _Request:
    line: str
    sent: float  # the proxy read its first byte from the client
    arrived: float = 0.0  # its first byte reached the server
    first_response: float | None = None  # first answer byte reached the client
    last_response: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "sent": self.sent,
            "arrived": self.arrived,
            "first_response": self.first_response,
            "last_response": self.last_response,
        }


@dataclass
class _Connection:
    ident: int
    accepted: float
    up_bytes: int = 0
    down_bytes: int = 0
    closed: float | None = None
    error: str = ""
    requests: list[_Request] = field(default_factory=list)
    last_direction: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.ident,
            "accepted": self.accepted,
            "closed": self.closed,
            "up_bytes": self.up_bytes,
            "down_bytes": self.down_bytes,
            "error": self.error,
            "requests": [r.to_json() for r in self.requests],
        }


def _request_line(data: bytes) -> str:
    line = data.split(b"\r\n", 1)[0][:300].decode("latin-1")
    method, _, rest = line.partition(" ")
    target = rest.rsplit(" ", 1)[0].split("?", 1)[0]
    return f"{method} {target}"


class _Pipe:
    """One direction of one connection: read, schedule on the shared link, write on time."""

    def __init__(
        self,
        spec: LinkSpec,
        link: _Link,
        conn: _Connection,
        direction: str,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        open_at: float,
    ) -> None:
        self.spec, self.link, self.conn, self.direction = spec, link, conn, direction
        self.reader, self.writer = reader, writer
        self.open_at = open_at
        self.queue: deque[tuple[float, bytes | None]] = deque()
        self.pending = 0  # read, not yet written to the other side
        self.wake_writer = asyncio.Event()
        self.wake_reader = asyncio.Event()

    async def pump_in(self) -> None:
        loop = asyncio.get_running_loop()
        spec, link = self.spec, self.link
        max_queue_time = spec.queue_bytes / spec.bandwidth if spec.bandwidth else 0.0
        while True:
            while self.pending >= spec.window:
                self.wake_reader.clear()
                await self.wake_reader.wait()
            if spec.bandwidth is not None:
                # The shared buffer in front of the link is full: stop reading, so TCP flow
                # control on loopback holds the sender back.
                backlog = link.free_at - loop.time() - max_queue_time
                if backlog > 0:
                    await asyncio.sleep(backlog)
            data = await self.reader.read(READ_SIZE)
            now = loop.time()
            if not data:
                eof_at = max(now, self.open_at, link.free_at if spec.bandwidth else 0.0)
                self.queue.append((eof_at + spec.delay, None))
                self.wake_writer.set()
                return
            self._note(data, now)
            start = max(now, self.open_at)
            size = self.spec.segment
            for offset in range(0, len(data), size):
                piece = data[offset : offset + size]
                if spec.bandwidth is not None:
                    start = max(start, link.free_at)
                    link.free_at = start + len(piece) / spec.bandwidth
                    arrive = link.free_at + spec.delay
                else:
                    arrive = start + spec.delay
                self.queue.append((arrive, piece))
                self._note_arrival(arrive, first=offset == 0)
            self.pending += len(data)
            self.wake_writer.set()

    def _note(self, data: bytes, now: float) -> None:
        conn = self.conn
        if self.direction == "up":
            conn.up_bytes += len(data)
            if conn.last_direction != "up" and data.startswith(_METHODS):
                conn.requests.append(_Request(_request_line(data), now))
        else:
            conn.down_bytes += len(data)
        conn.last_direction = self.direction

    def _note_arrival(self, arrive: float, *, first: bool) -> None:
        requests = self.conn.requests
        if not requests or not first:
            if self.direction == "down" and requests:
                requests[-1].last_response = arrive
            return
        request = requests[-1]
        if self.direction == "up":
            if not request.arrived:
                request.arrived = arrive
        else:
            if request.first_response is None:
                request.first_response = arrive
            request.last_response = arrive

    async def pump_out(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            while not self.queue:
                self.wake_writer.clear()
                await self.wake_writer.wait()
            due = self.queue[0][0] - loop.time()
            if due > 0:
                await asyncio.sleep(due)
            now = loop.time()
            chunks: list[bytes] = []
            eof = False
            # Everything due by now goes out in one write (fewer syscalls at high rates).
            while self.queue and self.queue[0][0] <= now + 0.0002:
                _, piece = self.queue.popleft()
                if piece is None:
                    eof = True
                    break
                chunks.append(piece)
            if chunks:
                data = b"".join(chunks)
                self.writer.write(data)
                await self.writer.drain()
                self.pending -= len(data)
                self.wake_reader.set()
            if eof:
                if self.writer.can_write_eof():
                    with contextlib.suppress(OSError, RuntimeError):
                        self.writer.write_eof()
                return


class LinkProxy:
    """The asyncio server; ``run()`` blocks until ``stop()`` (thread-safe) is called."""

    def __init__(
        self,
        spec: LinkSpec,
        upstream: tuple[str, int],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        log: TextIO | None = None,
    ) -> None:
        self.spec, self.upstream = spec, upstream
        self.host, self.port = host, port
        self.log = log
        self.up, self.down = _Link(), _Link()
        self.connections: dict[int, _Connection] = {}
        self.finished: list[_Connection] = []
        self._ids = 0
        self._handlers: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Event | None = None
        self.ready = threading.Event()

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        accepted = loop.time()
        self._ids += 1
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
            task.add_done_callback(self._handlers.discard)
        conn = _Connection(self._ids, accepted)
        self.connections[conn.ident] = conn
        writers = [client_w]
        try:
            server_r, server_w = await asyncio.open_connection(*self.upstream)
            writers.append(server_w)
            await self._relay(conn, client_r, client_w, server_r, server_w)
        except OSError as exc:
            conn.error = f"{type(exc).__name__}: {exc}"
        except asyncio.CancelledError:
            # The proxy is stopping: end quietly (asyncio would log a cancelled handler).
            conn.error = conn.error or "proxy stopped"
        finally:
            for writer in writers:
                if conn.error:
                    writer.transport.abort()  # a broken side: the other sees a reset
                else:
                    writer.close()
            conn.closed = loop.time()
            self._finish(conn)

    async def _relay(
        self,
        conn: _Connection,
        client_r: asyncio.StreamReader,
        client_w: asyncio.StreamWriter,
        server_r: asyncio.StreamReader,
        server_w: asyncio.StreamWriter,
    ) -> None:
        for writer in (client_w, server_w):
            sock = writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # The handshake: usable one RTT after the accept.
        open_at = conn.accepted + self.spec.rtt
        up = _Pipe(self.spec, self.up, conn, "up", client_r, server_w, open_at)
        down = _Pipe(self.spec, self.down, conn, "down", server_r, client_w, open_at)
        tasks = [
            asyncio.create_task(coro)
            for coro in (up.pump_in(), up.pump_out(), down.pump_in(), down.pump_out())
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                exc = task.exception()
                if exc is not None:
                    conn.error = type(exc).__name__
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _finish(self, conn: _Connection) -> None:
        if self.connections.pop(conn.ident, None) is None:
            return
        self.finished.append(conn)
        if self.log is not None:
            self.log.write(json.dumps(conn.to_json()) + "\n")
            self.log.flush()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        server = await asyncio.start_server(self._handle, self.host, self.port, backlog=128)
        self.port = server.sockets[0].getsockname()[1]
        self.ready.set()
        async with server:
            await self._stopped.wait()
        for conn in list(self.connections.values()):
            self._finish(conn)
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)

    def run(self) -> None:
        asyncio.run(self._main())

    def stop(self) -> None:
        if self._loop is not None and self._stopped is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)


@contextlib.contextmanager
def in_thread(spec: LinkSpec, upstream: tuple[str, int]) -> Iterator[LinkProxy]:
    """A proxy in a thread of this process (tests)."""
    proxy = LinkProxy(spec, upstream)
    thread = threading.Thread(target=proxy.run, daemon=True, name="link-proxy")
    thread.start()
    if not proxy.ready.wait(10):
        raise RuntimeError("link proxy did not start")
    try:
        yield proxy
    finally:
        proxy.stop()
        thread.join(10)


# -- what a run did on the link -------------------------------------------------------------


def timeline(
    connections: list[dict[str, Any]], start: float, end: float, rtt: float
) -> dict[str, Any]:
    """Where a tool's wall time went, from the proxy's log of one run (``start``/``end``: the
    tool's start and exit, monotonic). Phases are cut by the uploads: *before* = from the first
    request to the first POST, *upload* = first POST sent to last POST answered, *after* = last
    POST answered to the last answer. ``waiting`` is the time at least one request was
    outstanding (sent, not fully answered); ``waiting / rtt`` is how many round trips it is
    worth; the rest of the wall time is the tool's own work (start-up, CPU) or idle."""
    requests = sorted((r for c in connections for r in c["requests"]), key=lambda r: r["sent"])
    out: dict[str, Any] = {"connections": len(connections), "requests": len(requests)}
    if not requests:
        return out

    def done(r: dict[str, Any]) -> float:
        return float(r["last_response"] or r["first_response"] or r["sent"])

    posts = [r for r in requests if r["line"].startswith("POST ")]
    last_answer = max(done(r) for r in requests)
    out["first_request_s"] = requests[0]["sent"] - start
    out["exit_after_last_answer_s"] = end - last_answer
    if posts:
        first_post = posts[0]["sent"]
        last_post = max(done(r) for r in posts)
        before = [r for r in requests if r["sent"] < first_post]
        after = [r for r in requests if r["sent"] >= last_post]
        out["before_upload"] = {"requests": len(before), "s": first_post - requests[0]["sent"]}
        out["upload"] = {
            "requests": len(requests) - len(before) - len(after),
            "posts": len(posts),
            "s": last_post - first_post,
        }
        out["after_upload"] = {"requests": len(after), "s": last_answer - last_post}
    else:
        out["before_upload"] = {"requests": len(requests), "s": last_answer - requests[0]["sent"]}
    # Union of the intervals with a request outstanding; the largest number at once.
    events = sorted([(r["sent"], 1) for r in requests] + [(done(r), -1) for r in requests])
    busy, depth, peak, since = 0.0, 0, 0, 0.0
    for t, step in events:
        if depth == 0 and step == 1:
            since = t
        depth += step
        peak = max(peak, depth)
        if depth == 0:
            busy += t - since
    out["waiting_s"] = busy
    out["waiting_rtts"] = busy / rtt if rtt else None
    out["max_in_flight"] = peak
    out["errors"] = sorted({c["error"] for c in connections if c.get("error")})
    return out


# -- as a separate process (the bench: its CPU is measured apart, no GIL shared) ------------


@dataclass
class RunningLink:
    spec: LinkSpec
    port: int
    pid: int
    log_path: Path

    def url(self, upstream_url: str) -> str:
        """``upstream_url`` (``http://127.0.0.1:PORT/...``) re-rooted on this proxy."""
        return re.sub(r"^(http://127\.0\.0\.1):\d+", rf"\g<1>:{self.port}", upstream_url)

    def connections(self) -> list[dict[str, Any]]:
        if not self.log_path.exists():
            return []
        lines = self.log_path.read_text().splitlines()
        return [json.loads(line) for line in lines if line.strip()]


@contextlib.contextmanager
def subprocess_proxy(
    spec: LinkSpec, upstream_port: int, log_path: Path, python: str = sys.executable
) -> Iterator[tuple[RunningLink, Any]]:
    """``python bench/link.py serve`` in front of 127.0.0.1:upstream_port; yields
    (RunningLink, stop) where ``stop()`` ends it (flushing its log), also called on exit."""
    argv = [
        python,
        str(Path(__file__).resolve()),
        "serve",
        "--upstream",
        f"127.0.0.1:{upstream_port}",
        "--link",
        spec.as_argument(),
        "--log",
        str(log_path),
    ]
    proc = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )

    def stop() -> None:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)

    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("listening "):
            stop()
            err = proc.stderr.read() if proc.stderr else ""
            raise RuntimeError(f"link proxy failed to start: {line!r} {err[-2000:]}")
        yield RunningLink(spec, int(line.split()[1]), proc.pid, log_path), stop
    finally:
        stop()


def _exit_with_parent() -> None:
    """Exit when the process that started us goes away (no orphaned proxies)."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(3)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def _serve(args: argparse.Namespace) -> int:
    host, _, port = args.upstream.rpartition(":")
    log: TextIO | None = open(args.log, "a") if args.log else None  # noqa: SIM115
    proxy = LinkProxy(
        LinkSpec.parse(args.link), (host or "127.0.0.1", int(port)), port=args.port, log=log
    )
    _exit_with_parent()

    def announce() -> None:
        proxy.ready.wait()
        print(f"listening {proxy.port}", flush=True)

    threading.Thread(target=announce, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: proxy.stop())
    signal.signal(signal.SIGINT, lambda *_: proxy.stop())
    try:
        proxy.run()
    finally:
        if log is not None:
            log.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="relay 127.0.0.1:PORT to --upstream over the link")
    serve.add_argument("--upstream", required=True, help="HOST:PORT of the real server")
    serve.add_argument("--link", required=True, help="e.g. rtt=20ms,bw=400mbit")
    serve.add_argument("--port", type=int, default=0, help="listen port (default: free)")
    serve.add_argument("--log", help="JSON lines, one per connection")
    args = parser.parse_args(argv)
    return _serve(args)


if __name__ == "__main__":
    sys.exit(main())
