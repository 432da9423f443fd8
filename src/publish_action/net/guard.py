"""Time bounds below httpx: every socket operation of every request is watched.

httpx's timeouts bound each single read or write, so a server that trickles one byte every
few seconds, or reads an upload one byte at a time, holds a request forever. Here each request
gets a `Transfer` budget: `timeout` seconds, plus one second for every `min_rate` bytes moved,
and never past the run's deadline. A watcher thread shuts down the socket of any operation that
overruns its budget, and of every operation when the run is stopped (a signal), so the blocked
thread wakes up at once and reports why.

The streams wrap httpcore's public `NetworkBackend`/`NetworkStream` interface; nothing private
of httpx or httpcore is used.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import httpcore

from publish_action.cancellation import Cancellation, Reason, Stopped

_T = TypeVar("_T")
_TICK = 0.2
_WRITE_SLICE = 256 * 1024  # bytes per write: the budget is re-checked between slices


class Transfer:
    """One request's time budget (the thread that sends the request owns it)."""

    def __init__(self, timeout: float, min_rate: float, deadline: float | None) -> None:
        self.start = time.monotonic()
        self.timeout = timeout
        self.min_rate = min_rate
        self.deadline = deadline
        self.moved = 0

    def allowed_until(self) -> float:
        until = self.start + self.timeout + self.moved / self.min_rate
        return until if self.deadline is None else min(until, self.deadline)

    def past_deadline(self, now: float) -> bool:
        return self.deadline is not None and now >= self.deadline


class _Op:
    def __init__(self, transfer: Transfer, sock: socket.socket | None, kind: str) -> None:
        self.transfer = transfer
        self.sock = sock
        self.kind = kind
        self.why: str | Reason | None = None  # set by the watcher: "slow", or a stop reason


class Guard:
    """Watches the socket operations of one HTTP client."""

    def __init__(self, *, cancellation: Cancellation | None, deadline: float | None) -> None:
        self._cancellation = cancellation
        self._deadline = deadline
        self._ops: dict[int, _Op] = {}
        self._lock = threading.Lock()
        self._local = threading.local()
        self._stopped: Reason | None = None
        self._closed = threading.Event()
        self._watcher: threading.Thread | None = None
        if cancellation is not None:
            cancellation.on_abort(self.stop_all)

    # -- requests --------------------------------------------------------------------------

    def begin(self, timeout: float, min_rate: float) -> Transfer:
        transfer = Transfer(timeout, min_rate, self._deadline)
        self._local.transfer = transfer
        return transfer

    def end(self, transfer: Transfer) -> None:
        if getattr(self._local, "transfer", None) is transfer:
            self._local.transfer = None

    def check(self) -> None:
        """Raise `Stopped` when the run was stopped or is past its deadline."""
        if self._stopped is not None:
            raise Stopped(self._stopped)
        if self._deadline is not None and time.monotonic() >= self._deadline:
            raise Stopped(Reason.DEADLINE)

    # -- socket operations -----------------------------------------------------------------

    def run(
        self,
        sock: socket.socket | None,
        kind: str,
        timeout: float | None,
        call: Callable[[float | None], _T],
        moved: Callable[[_T], int],
    ) -> _T:
        """Run one socket operation under the current request's budget."""
        self.check()
        transfer: Transfer | None = getattr(self._local, "transfer", None)
        if transfer is None:  # e.g. closing a pooled connection: only httpx's own timeout
            return call(timeout)
        now = time.monotonic()
        left = transfer.allowed_until() - now
        if left <= 0:
            raise self._overrun(transfer, kind, now)
        op = _Op(transfer, sock, kind)
        with self._watching(op):
            try:
                result = call(left if timeout is None else min(timeout, left))
            except Exception as exc:
                self._raise_if_cut(op)
                now = time.monotonic()
                if (
                    isinstance(exc, httpcore.TimeoutException)
                    and now >= transfer.allowed_until() - 0.05
                ):
                    raise self._overrun(transfer, kind, now) from exc  # the budget ran out
                raise
            self._raise_if_cut(op)
        transfer.moved += moved(result)
        return result

    def _raise_if_cut(self, op: _Op) -> None:
        if isinstance(op.why, Reason):
            raise Stopped(op.why)
        if op.why == "slow":
            raise self._overrun(op.transfer, op.kind, time.monotonic())

    def _overrun(self, transfer: Transfer, kind: str, now: float) -> Exception:
        if transfer.past_deadline(now):
            return Stopped(Reason.DEADLINE)
        seconds = now - transfer.start
        text = (
            f"too slow: {transfer.moved} bytes in {seconds:.0f} s (a transfer must move at "
            f"least {transfer.min_rate / 1000:g} kB/s after its first {transfer.timeout:g} s)"
        )
        if kind == "write":
            return httpcore.WriteTimeout(text)
        if kind == "connect":
            return httpcore.ConnectTimeout(text)
        return httpcore.ReadTimeout(text)

    @contextlib.contextmanager
    def _watching(self, op: _Op) -> Iterator[None]:
        key = id(op)
        with self._lock:
            self._ops[key] = op
            if self._watcher is None:
                self._watcher = threading.Thread(
                    target=self._watch, daemon=True, name="publish-action-net-guard"
                )
                self._watcher.start()
        try:
            yield
        finally:
            with self._lock:
                self._ops.pop(key, None)

    def _watch(self) -> None:
        while not self._closed.wait(_TICK):
            now = time.monotonic()
            with self._lock:
                late = [
                    op
                    for op in self._ops.values()
                    if op.why is None and now >= op.transfer.allowed_until()
                ]
                for op in late:
                    op.why = Reason.DEADLINE if op.transfer.past_deadline(now) else "slow"
            for op in late:
                _cut(op.sock)

    def stop_all(self, reason: Reason) -> None:
        """Every operation in flight ends now, and no new one starts."""
        with self._lock:
            self._stopped = reason
            ops = list(self._ops.values())
            for op in ops:
                op.why = reason
        for op in ops:
            _cut(op.sock)

    def close(self) -> None:
        self._closed.set()


def _cut(sock: socket.socket | None) -> None:
    # The base class's shutdown on purpose: ssl.SSLSocket.shutdown also drops its SSL object,
    # which the blocked thread is still using.
    if sock is None:
        return
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class GuardedStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, guard: Guard) -> None:
        self._inner = inner
        self._guard = guard

    def _sock(self) -> socket.socket | None:
        sock = self._inner.get_extra_info("socket")
        return sock if isinstance(sock, socket.socket) else None

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._guard.run(
            self._sock(), "read", timeout, lambda t: self._inner.read(max_bytes, t), len
        )

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        view = memoryview(buffer)
        for start in range(0, len(view), _WRITE_SLICE):
            self._write_piece(bytes(view[start : start + _WRITE_SLICE]), timeout)

    def _write_piece(self, piece: bytes, timeout: float | None) -> None:
        self._guard.run(
            self._sock(),
            "write",
            timeout,
            lambda t: self._inner.write(piece, t),
            lambda _: len(piece),
        )

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._guard.run(
            self._sock(),
            "connect",
            timeout,
            lambda t: self._inner.start_tls(ssl_context, server_hostname, t),
            lambda _: 0,
        )
        return GuardedStream(inner, self._guard)

    def get_extra_info(self, info: str) -> object:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    def __init__(self, guard: Guard) -> None:
        self._inner = httpcore.SyncBackend()
        self._guard = guard

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._guard.run(
            None,
            "connect",
            timeout,
            lambda t: self._inner.connect_tcp(host, port, t, local_address, socket_options),
            lambda _: 0,
        )
        return GuardedStream(stream, self._guard)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise NotImplementedError("unix sockets are not used")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)
