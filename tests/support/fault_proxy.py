"""A fault-injecting HTTP/1.1 reverse proxy in front of one real index server.

Tests put :class:`FaultProxy` between the product and a real pypiserver or devpi-server and
program faults with rules, to prove that the product fails closed whatever the server does::

    with FaultProxy(index.root_url) as proxy:
        proxy.add(Rule(Respond(503, {"Retry-After": "1"}), method="POST", times=2))
        run_product(proxy.index(index))          # URLs of the index, re-rooted on the proxy
        assert [r.status for r in proxy.requests(method="POST")] == [503, 503, 200]

Design
------
* Listening: ``127.0.0.1`` on a free port; an accept thread starts one daemon thread per client
  connection. HTTP/1.1 is parsed with h11 on both sides: keep-alive with the client,
  Content-Length and chunked bodies, ``Expect: 100-continue``.
* Forwarding: paths are identical on both sides (``.url`` is upstream's URL on the proxy's
  origin). ``Host`` is set to upstream's, hop-by-hop headers are dropped and
  ``Accept-Encoding: identity`` is asked for, so bodies can be rewritten. Every forwarded request
  uses a fresh upstream connection with ``Connection: close``: no pool, so a stale pooled
  connection can never inject a fault nobody asked for.
* Streaming: request bodies go upstream in pieces of at most 64 KiB as they arrive; response
  bodies are relayed as they arrive. Only bodies an action must see whole (``RewriteBody``, a
  chunked body under ``Truncate``) and textual bodies whose rewrite changes their length (up to
  8 MiB; beyond that they are rewritten on the fly and sent chunked) are buffered.
* Rewriting: upstream's ``//127.0.0.1:PORT`` (absolute and scheme-relative URLs) becomes the
  proxy's in ``Location``, ``Content-Location``, ``Link`` and ``Refresh`` headers and in textual
  bodies (``text/*``, ``*json``, ``*xml``, ``*html``), so absolute links keep the client on the
  proxy.
* Rules: tried in order against each request head; the first whose method, path regex,
  predicate and remaining ``times`` all match is applied (and counted); no match = forward.
* Log: one :class:`RequestRecord` per request (Authorization reduced to its scheme). The last
  byte of a response is held back until its record is final, so a test that has just read a
  whole response (or seen the hang-up) reads a settled record, without waiting.
* Shutdown: :meth:`FaultProxy.close` shuts every socket down and wakes every wait, so it returns
  within ~2 s even with stalled or trickling connections; threads are daemons regardless.
* Robustness: client disconnects and socket errors end the connection and are noted in its
  record; anything unexpected (a bug, a failing predicate or ``RewriteBody`` function) is also
  appended to :attr:`FaultProxy.errors`. Nothing is ever raised into the test process.

Actions (one line each)
-----------------------
* ``Forward()``: relay unchanged (a rule that only counts, or lets the first N requests through).
* ``Respond(status, headers, body)``: read the request, answer it here; upstream never sees it.
* ``RewriteBody(fn)``: relay, then send ``fn(body)`` (body after origin rewrite), length fixed.
* ``Truncate(keep_bytes, honest_length)``: relay only the first ``keep_bytes`` of the body, with
  upstream's Content-Length and an early close, or with a matching Content-Length.
* ``Stall(after_forward=False)``: read the request (and deliver it upstream first with
  ``after_forward``), then never answer until released or the proxy closes; then hang up.
* ``Drop(after_forward, reset=False)``: hang up without an answer, before or after upstream got
  the request (FIN, or RST with ``reset``).
* ``Trickle(interval, chunk=1)``: relay, writing the whole response (status line and headers
  too) ``chunk`` bytes every ``interval`` seconds.
* ``SlowRead(bytes_per_second)``: read the request body at that rate (back-pressure), streaming
  it upstream as it is read.
* ``ResetMidBody(after_bytes)``: read that many body bytes, then reset (RST); never forwarded.
* ``Delay(seconds)``: wait, then relay normally.
* ``Huge(size, content_type)``: answer 200 with a generated ``size``-byte body, streamed.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import socket
import struct
import threading
import time
import traceback
from contextlib import suppress
from dataclasses import dataclass, field
from email.utils import format_datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, TypeAlias
from urllib.parse import urlsplit

import h11

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping
    from datetime import datetime
    from types import TracebackType
    from typing import Self

    from .servers import RunningIndex

__all__ = [
    "Action",
    "Delay",
    "Drop",
    "FaultProxy",
    "Forward",
    "Huge",
    "RequestHead",
    "RequestRecord",
    "ResetMidBody",
    "Respond",
    "RewriteBody",
    "Rule",
    "SlowRead",
    "Stall",
    "Trickle",
    "Truncate",
]

CHUNK = 64 * 1024
"""Largest piece read from or written to a socket at once."""
BUFFER_LIMIT = 8 * 1024 * 1024
"""Textual bodies up to this size are buffered when rewriting changes their length."""
UPSTREAM_TIMEOUT = 120.0
CLOSE_TIMEOUT = 1.5
"""How long :meth:`FaultProxy.close` waits for its threads (they are daemons anyway)."""
_POLL = 0.05
"""Granularity of every wait, so stop and release requests are seen promptly."""

_REQUEST_DROP = frozenset(
    {
        b"host",
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"upgrade",
        b"expect",  # the proxy answers 100-continue itself
        b"accept-encoding",  # replaced by identity: bodies must stay rewritable
    }
)
_RESPONSE_DROP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-connection",
        b"trailer",
        b"upgrade",
        b"transfer-encoding",  # h11 frames the response to the client itself
        b"content-length",
    }
)
_URL_HEADERS = frozenset({b"location", b"content-location", b"link", b"refresh"})


# -- actions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Forward:
    """Relay the request unchanged (the default when no rule matches)."""


@dataclass(frozen=True)
class Respond:
    """Answer from the proxy; the request body is read and discarded, upstream sees nothing.

    ``Respond(200, {"Content-Type": "text/html"}, "<h1>Maintenance</h1>")``. Content-Length is
    always computed; ``close=True`` adds ``Connection: close`` and hangs up afterwards.
    """

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | str = b""
    close: bool = False

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Respond:
        """A redirect to ``location`` (not rewritten: it may well point to another origin)."""
        return cls(status, {"Location": location, "Content-Type": "text/plain"}, b"redirect\n")

    @classmethod
    def unavailable(cls, retry_after: float | datetime, status: int = 503) -> Respond:
        """``status`` with ``Retry-After`` in seconds (a number) or as an HTTP date."""
        if isinstance(retry_after, int | float):
            value = str(int(retry_after)) if float(retry_after).is_integer() else str(retry_after)
        else:
            value = format_datetime(retry_after, usegmt=True)
        return cls(status, {"Retry-After": value, "Content-Type": "text/plain"}, b"unavailable\n")


@dataclass(frozen=True)
class RewriteBody:
    """Relay, then replace the response body with ``fn(body)``; Content-Length is fixed.

    ``fn`` sees the body after the origin rewrite (what the client would have got).
    """

    fn: Callable[[bytes], bytes]


@dataclass(frozen=True)
class Truncate:
    """Relay only the first ``keep_bytes`` of the response body.

    ``honest_length=False``: keep the full Content-Length and hang up early (a short read).
    ``honest_length=True``: send ``Content-Length: keep_bytes`` (complete-looking, but cut).
    """

    keep_bytes: int
    honest_length: bool = False

    def __post_init__(self) -> None:
        if self.keep_bytes < 0:
            raise ValueError(f"Truncate needs keep_bytes >= 0: {self!r}")


@dataclass(frozen=True)
class Stall:
    """Read the request, then never answer; hang up once released or when the proxy closes.

    ``after_forward=True`` first delivers the request upstream and reads its answer (an upload
    is stored, only the answer is lost). ``release`` defaults to the proxy-wide event that
    :meth:`FaultProxy.release_stalls` sets.
    """

    after_forward: bool = False
    release: threading.Event | None = None


@dataclass(frozen=True)
class Drop:
    """Hang up without any answer, before or after upstream got (and answered) the request.

    The request body is read first, so the hang-up is a clean FIN; ``reset=True`` sends RST.
    """

    after_forward: bool = False
    reset: bool = False


@dataclass(frozen=True)
class Trickle:
    """Relay, but write the whole response ``chunk`` bytes every ``interval`` seconds."""

    interval: float
    chunk: int = 1

    def __post_init__(self) -> None:
        if self.interval < 0 or self.chunk < 1:
            raise ValueError(f"Trickle needs interval >= 0 and chunk >= 1: {self!r}")


@dataclass(frozen=True)
class SlowRead:
    """Read the request body from the client at ``bytes_per_second``, forwarding as it goes.

    Kernel socket buffers absorb some data before the client itself is slowed down; the total
    time to the answer is at least ``body / bytes_per_second`` regardless.
    """

    bytes_per_second: float

    def __post_init__(self) -> None:
        if self.bytes_per_second <= 0:
            raise ValueError(f"SlowRead needs bytes_per_second > 0: {self!r}")


@dataclass(frozen=True)
class ResetMidBody:
    """Read ``after_bytes`` of the request body, then reset the connection; never forwarded."""

    after_bytes: int

    def __post_init__(self) -> None:
        if self.after_bytes < 0:
            raise ValueError(f"ResetMidBody needs after_bytes >= 0: {self!r}")


@dataclass(frozen=True)
class Delay:
    """Wait ``seconds`` after the request head arrived, then relay normally."""

    seconds: float


_HUGE_PREFIX = b"<!DOCTYPE html>\n<html><head><title>Links for huge</title></head><body>\n"
_HUGE_FILLER = b"<!-- " + b"padding " * 7 + b"-->\n"
_HUGE_SUFFIX = b"</body></html>\n"


@dataclass(frozen=True)
class Huge:
    """Answer 200 with a generated ``size``-byte body (prefix, filler..., suffix), streamed.

    ``chunked=True`` sends it without Content-Length, so only counting reveals the size.
    """

    size: int
    content_type: str = "text/html; charset=utf-8"
    filler: bytes = _HUGE_FILLER
    prefix: bytes = _HUGE_PREFIX
    suffix: bytes = _HUGE_SUFFIX
    chunked: bool = False

    def __post_init__(self) -> None:
        if self.size < 0:
            raise ValueError(f"Huge needs size >= 0: {self!r}")


Action: TypeAlias = (
    Forward
    | Respond
    | RewriteBody
    | Truncate
    | Stall
    | Drop
    | Trickle
    | SlowRead
    | ResetMidBody
    | Delay
    | Huge
)


# -- rules and the log -----------------------------------------------------------------------


@dataclass(frozen=True)
class RequestHead:
    """What a rule's predicate sees: the request line and headers (the body is not read yet)."""

    method: str
    target: str
    """As sent: path plus query string."""
    path: str
    query: str
    headers: Mapping[str, str]
    """Lower-cased names, repeated headers joined by ``", "``, Authorization redacted."""
    auth_scheme: str | None
    """Scheme of the Authorization header (``"Basic"``, ``"Bearer"``), None if absent."""


@dataclass(eq=False)
class Rule:
    """Apply ``action`` to the first ``times`` requests (None: all) matching every criterion.

    ``method`` compares case-insensitively; ``path`` is a regex searched (``re.search``) in the
    path without the query string; ``when`` is a predicate on the :class:`RequestHead`.
    ``hits`` counts the requests the rule was applied to.
    """

    action: Action
    method: str | None = None
    path: str | None = None
    when: Callable[[RequestHead], bool] | None = None
    times: int | None = None
    hits: int = field(default=0, init=False)
    _pattern: re.Pattern[str] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.times is not None and self.times < 0:
            raise ValueError(f"times must be None or >= 0, not {self.times}")
        self._pattern = re.compile(self.path) if self.path is not None else None

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times

    def claim(self, head: RequestHead) -> bool:
        """Count and accept ``head`` if the rule applies (the proxy serialises calls)."""
        if self.exhausted:
            return False
        if self.method is not None and head.method != self.method.upper():
            return False
        if self._pattern is not None and not self._pattern.search(head.path):
            return False
        if self.when is not None and not self.when(head):
            return False
        self.hits += 1
        return True


@dataclass
class RequestRecord:
    """One request seen by the proxy. Times are ``time.monotonic()`` values.

    ``outcome`` is ``"open"`` while in progress, then one of ``answered``, ``truncated``,
    ``stalled`` (still held), ``released``, ``dropped``, ``reset``, ``client-gone``,
    ``proxy-closed``, ``upstream-broken`` (upstream failed after the answer began),
    ``bad-gateway`` (a 502 was sent) or ``error`` (see :attr:`FaultProxy.errors`).
    """

    seq: int
    connection: int
    """Client connection number: equal numbers mean a reused keep-alive connection."""
    method: str
    target: str
    path: str
    headers: dict[str, str]
    auth_scheme: str | None
    started: float
    rule: Rule | None = None
    action: str | None = None
    """Class name of the applied action (None: no rule matched, plain forwarding)."""
    body_bytes: int = 0
    """Request body bytes the proxy read from the client."""
    forwarded: bool = False
    """The request was sent upstream (at least its head)."""
    upstream_status: int | None = None
    status: int | None = None
    """Status line sent to the client, None if none was."""
    response_bytes: int = 0
    """Response body bytes sent to the client."""
    outcome: str = "open"
    error: str | None = None
    finished: float | None = None

    @property
    def has_authorization(self) -> bool:
        return self.auth_scheme is not None

    @property
    def duration(self) -> float | None:
        return None if self.finished is None else self.finished - self.started

    def snapshot(self) -> RequestRecord:
        return dataclasses.replace(self, headers=dict(self.headers))


# -- internals -------------------------------------------------------------------------------


class _ClientGoneError(Exception):
    """The client hung up or broke the protocol."""


class _UpstreamError(Exception):
    """Upstream could not be reached, or failed mid-exchange."""


class _ClosingError(Exception):
    """The proxy is shutting down."""


class _OriginRewriter:
    """Replace one origin by another in headers and (streamed) bodies.

    A match must not be followed by a digit (``:5377`` is not a prefix of ``:53779``), so a
    streamed piece holds back its last ``len(old)`` bytes until more data (or the end) comes.
    """

    def __init__(self, old: str, new: str) -> None:
        self._old = old.encode()
        self._new = new.encode()
        self._pattern = re.compile(re.escape(self._old) + rb"(?![0-9])")
        self.same_length = len(self._old) == len(self._new)

    def header(self, value: bytes) -> bytes:
        return self._pattern.sub(lambda _match: self._new, value)

    def whole(self, body: bytes) -> bytes:
        return self.header(body)

    def stream(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        carry = b""
        for data in chunks:
            out, carry = self._feed(carry + data, final=False)
            if out:
                yield out
        out, _ = self._feed(carry, final=True)
        if out:
            yield out

    def _feed(self, buf: bytes, *, final: bool) -> tuple[bytes, bytes]:
        # A match whose end is the buffer's end cannot yet be told from a longer port.
        limit = len(buf) if final else len(buf) - len(self._old)
        out = bytearray()
        pos = 0
        for match in self._pattern.finditer(buf):
            if match.start() >= limit:
                break
            out += buf[pos : match.start()]
            out += self._new
            pos = match.end()
        cut = max(pos, limit)
        out += buf[pos:cut]
        return bytes(out), buf[cut:]


def _is_textual(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    content_type = b""
    for name, value in headers:
        if name == b"content-encoding" and value.strip().lower() not in (b"", b"identity"):
            return False
        if name == b"content-type":
            content_type = value.split(b";", 1)[0].strip().lower()
    return content_type.startswith(b"text/") or content_type.endswith((b"json", b"xml", b"html"))


def _bodyless(method: str, status: int) -> bool:
    """No body may follow this response head (HEAD, 204, 304)."""
    return method.upper() == "HEAD" or status in (204, 304)


def _reason(status: int) -> bytes:
    try:
        return HTTPStatus(status).phrase.encode()
    except ValueError:
        return b""


def _huge_chunks(action: Huge) -> Iterator[bytes]:
    """``action.size`` bytes of prefix, repeated filler and suffix, in ~64 KiB pieces."""
    head, tail = action.prefix, action.suffix
    if len(head) + len(tail) > action.size:
        head, tail = (head + tail)[: action.size], b""
    middle = action.size - len(head) - len(tail)
    filler = action.filler or b" "
    block = filler * max(1, CHUNK // len(filler))
    if head:
        yield head
    while middle > 0:
        piece = block[:middle]
        middle -= len(piece)
        yield piece
    if tail:
        yield tail


@dataclass
class _Body:
    length: int | None
    """Known length, or None: sent chunked."""
    chunks: Iterator[bytes]

    def read_all(self) -> bytes:
        return b"".join(self.chunks)


@dataclass
class _Reply:
    """Upstream's answer, made ready for the client (headers rewritten, framing removed)."""

    status: int
    reason: bytes
    headers: list[tuple[bytes, bytes]]
    body: _Body
    no_body: bool
    """HEAD, 204, 304: upstream's Content-Length (if any) is kept in ``headers``."""
    upstream: _Upstream

    def close(self) -> None:
        self.upstream.close()


class _Upstream:
    """One request/response on a fresh connection to upstream."""

    def __init__(self, proxy: FaultProxy) -> None:
        self._proxy = proxy
        try:
            self._sock = socket.create_connection(proxy.upstream_address, timeout=UPSTREAM_TIMEOUT)
        except OSError as exc:
            raise _UpstreamError(f"cannot connect to {proxy.upstream}: {exc!r}") from exc
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        proxy.track(self._sock)
        self._h11 = h11.Connection(h11.CLIENT)
        self._closed = False

    def send(self, event: h11.Event) -> None:
        try:
            self._sock.sendall(self._h11.send(event) or b"")
        except (OSError, h11.ProtocolError) as exc:
            raise _UpstreamError(f"sending to upstream failed: {exc!r}") from exc

    def _next_event(self) -> h11.Event:
        try:
            while True:
                event = self._h11.next_event()
                if isinstance(event, h11.Event):
                    return event
                if event is h11.PAUSED:
                    raise _UpstreamError("upstream sent more than one response")
                self._h11.receive_data(self._sock.recv(CHUNK))
        except (OSError, h11.ProtocolError) as exc:
            raise _UpstreamError(f"reading from upstream failed: {exc!r}") from exc

    def response(self) -> h11.Response:
        while True:
            event = self._next_event()
            if isinstance(event, h11.Response):
                return event
            if not isinstance(event, h11.InformationalResponse):
                raise _UpstreamError(f"upstream closed before answering ({event!r})")

    def body(self) -> Iterator[bytes]:
        try:
            while True:
                event = self._next_event()
                if isinstance(event, h11.Data):
                    yield bytes(event.data)
                elif isinstance(event, h11.EndOfMessage):
                    return
                else:
                    raise _UpstreamError(f"upstream ended the body early ({event!r})")
        finally:
            self.close()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._proxy.untrack(self._sock)
            self._sock.close()


def _request_head(request: h11.Request) -> RequestHead:
    headers: dict[str, str] = {}
    auth_scheme: str | None = None
    for raw_name, raw_value in request.headers:
        name = raw_name.decode("latin-1")
        value = raw_value.decode("latin-1")
        if name == "authorization":
            # The credential itself is never kept: only whether it was there, and its scheme.
            auth_scheme = value.split(None, 1)[0] if value.strip() else ""
            value = f"{auth_scheme} <redacted>".strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    target = request.target.decode("latin-1")
    path, _, query = target.partition("?")
    return RequestHead(
        method=request.method.decode("latin-1").upper(),
        target=target,
        path=path,
        query=query,
        headers=headers,
        auth_scheme=auth_scheme,
    )


class _ClientConnection:
    """Serves one client connection: a loop of requests, each handled by its action."""

    def __init__(self, proxy: FaultProxy, sock: socket.socket, number: int) -> None:
        self._proxy = proxy
        self._sock = sock
        self._number = number
        self._h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=CHUNK)
        self._closed = False
        self._method = b""
        # The last piece of output is held back until the record is settled, so that a test
        # that has just seen the end of a response also sees its final record.
        self._held = b""
        # Per-request knobs of SlowRead, ResetMidBody and Trickle:
        self._read_rate: float | None = None
        self._read_limit: int | None = None
        self._pace: tuple[float, int] | None = None
        self._paced_any = False

    # -- connection loop ---------------------------------------------------------------------
    def run(self) -> None:
        try:
            while not self._proxy.closing:
                try:
                    event = self._next_event()
                except h11.RemoteProtocolError as exc:
                    self._error_response(400, f"fault proxy: bad request: {exc}")
                    return
                if not isinstance(event, h11.Request):
                    return  # ConnectionClosed, or nothing sensible to do
                if not self._exchange(event):
                    return
                if self._h11.our_state is not h11.DONE or self._h11.their_state is not h11.DONE:
                    return
                self._h11.start_next_cycle()
        except (_ClientGoneError, _ClosingError, OSError):
            pass  # the client went away between requests: nothing to record
        except Exception as exc:  # noqa: BLE001 - recorded for the test, never raised into it
            self._proxy.note_error(f"connection {self._number}", exc)
        finally:
            self._close()

    def _exchange(self, request: h11.Request) -> bool:
        """Handle one request; False when the connection must end."""
        head = _request_head(request)
        self._method = request.method.upper()
        record = self._proxy.log_request(head, self._number)
        try:
            rule = self._proxy.match(head)
            record.rule = rule
            action: Action = rule.action if rule is not None else Forward()
            record.action = type(action).__name__ if rule is not None else None
            return self._apply(action, request, record)
        except _ClientGoneError as exc:
            record.outcome, record.error = "client-gone", str(exc)
        except _ClosingError:
            record.outcome = "proxy-closed"
        except _UpstreamError as exc:
            record.error = str(exc)
            if self._h11.our_state is h11.SEND_RESPONSE:
                record.status = 502
                self._settle(record, "bad-gateway")
                self._error_response(502, f"fault proxy: {exc}")
            else:
                record.outcome = "upstream-broken"
        except Exception as exc:  # noqa: BLE001 - recorded for the test, never raised into it
            record.outcome = "error"
            record.error = f"{type(exc).__name__}: {exc}"
            self._proxy.note_error(f"{head.method} {head.target}", exc)
            if self._h11.our_state is h11.SEND_RESPONSE:
                record.status = 500
                self._settle(record, "error")
                self._error_response(500, f"fault proxy error: {exc!r}")
        finally:
            if record.finished is None:
                record.finished = time.monotonic()
            self._read_rate = self._read_limit = self._pace = None
        return False

    def _apply(self, action: Action, request: h11.Request, record: RequestRecord) -> bool:
        match action:
            case Forward():
                return self._send_reply(self._forward(request, record), record)
            case Delay(seconds=seconds):
                self._sleep(seconds)
                return self._send_reply(self._forward(request, record), record)
            case SlowRead(bytes_per_second=rate):
                self._read_rate = rate
                return self._send_reply(self._forward(request, record), record)
            case Trickle(interval=interval, chunk=chunk):
                reply = self._forward(request, record)
                self._pace, self._paced_any = (interval, chunk), False
                return self._send_reply(reply, record)
            case RewriteBody(fn=fn):
                return self._rewrite(self._forward(request, record), fn, record)
            case Truncate():
                return self._truncate(self._forward(request, record), action, record)
            case Respond():
                return self._respond(action, record)
            case Huge():
                return self._huge(action, record)
            case Stall():
                return self._stall(action, request, record)
            case Drop():
                return self._drop(action, request, record)
            case ResetMidBody(after_bytes=after_bytes):
                return self._reset_mid_body(after_bytes, record)
        raise TypeError(f"not a fault-proxy action: {action!r}")

    # -- reading from the client -------------------------------------------------------------
    def _recv(self) -> bytes:
        size = CHUNK
        if self._read_rate is not None:
            size = max(1, min(size, int(self._read_rate * _POLL)))
        if self._read_limit is not None:
            size = max(1, min(size, self._read_limit))
        try:
            return self._sock.recv(size)
        except OSError as exc:
            raise _ClientGoneError(f"client connection failed: {exc!r}") from exc

    def _next_event(self) -> h11.Event:
        while True:
            event = self._h11.next_event()
            if isinstance(event, h11.Event):
                return event
            if event is h11.PAUSED:
                return h11.ConnectionClosed()  # pipelining past a hang-up: nothing to serve
            self._h11.receive_data(self._recv())

    def _body(self, record: RequestRecord) -> Iterator[bytes]:
        """The request body, counted into ``record``; paced and limited per the knobs."""
        if self._h11.they_are_waiting_for_100_continue:
            self._send(h11.InformationalResponse(status_code=100, headers=[]))
            self._flush()  # the client waits for it before sending the body
        while True:
            try:
                event = self._next_event()
            except h11.RemoteProtocolError as exc:
                raise _ClientGoneError(f"client broke off the request: {exc}") from exc
            if isinstance(event, h11.EndOfMessage):
                return
            if not isinstance(event, h11.Data):
                raise _ClientGoneError(f"client broke off the request ({event!r})")
            data = bytes(event.data)
            if self._read_limit is not None:
                data = data[: self._read_limit - record.body_bytes]
            yield from self._paced(data, record)
            if self._read_limit is not None and record.body_bytes >= self._read_limit:
                return

    def _paced(self, data: bytes, record: RequestRecord) -> Iterator[bytes]:
        rate = self._read_rate
        step = len(data) if rate is None else max(1, int(rate * _POLL))
        for start in range(0, len(data), step or 1):
            piece = data[start : start + step]
            if rate is not None:
                # Bytes already in h11's buffer are paced too, so the rate holds overall.
                self._sleep(len(piece) / rate)
            record.body_bytes += len(piece)
            yield piece

    def _drain(self, record: RequestRecord) -> None:
        for _ in self._body(record):
            pass

    # -- writing to the client ---------------------------------------------------------------
    def _send(self, event: h11.Event) -> None:
        # One write per event at most, and small events (a head, a short body) coalesced.
        data = self._h11.send(event) or b""
        if not data:
            return
        if len(self._held) + len(data) <= CHUNK:
            self._held += data
            return
        if self._held:
            self._write(self._held)
        self._held = data

    def _flush(self) -> None:
        held, self._held = self._held, b""
        if held:
            self._write(held)

    def _write(self, data: bytes) -> None:
        try:
            if self._pace is None:
                self._sock.sendall(data)
                return
            interval, step = self._pace
            for start in range(0, len(data), step):
                if self._paced_any:
                    self._sleep(interval)
                self._paced_any = True
                self._sock.sendall(data[start : start + step])
        except OSError as exc:
            raise _ClientGoneError(f"client stopped reading: {exc!r}") from exc

    def _start_response(
        self, record: RequestRecord, status: int, reason: bytes, headers: list[tuple[bytes, bytes]]
    ) -> None:
        record.status = status
        self._send(h11.Response(status_code=status, reason=reason, headers=headers))

    def _send_data(self, record: RequestRecord, data: bytes) -> None:
        if data:
            self._send(h11.Data(data=data))
            record.response_bytes += len(data)

    def _finish(self, record: RequestRecord, outcome: str = "answered") -> bool:
        self._send(h11.EndOfMessage())
        self._settle(record, outcome)
        self._flush()
        return True

    @staticmethod
    def _settle(record: RequestRecord, outcome: str) -> None:
        record.outcome = outcome
        record.finished = time.monotonic()

    def _error_response(self, status: int, text: str) -> None:
        """Best effort: answer ``status`` and hang up gracefully (the request may be unread)."""
        body = text.encode("utf-8", "replace")
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        with suppress(_ClientGoneError, _ClosingError, h11.ProtocolError):
            if self._h11.our_state in (h11.IDLE, h11.SEND_RESPONSE):
                head = h11.Response(status_code=status, reason=_reason(status), headers=headers)
                self._send(head)
                if self._method != b"HEAD":
                    self._send(h11.Data(data=body))
                self._send(h11.EndOfMessage())
        self._close(graceful=True)

    # -- forwarding --------------------------------------------------------------------------
    def _upstream_headers(self, request: h11.Request) -> list[tuple[bytes, bytes]]:
        listed = {
            token.strip().lower()
            for name, value in request.headers
            if name == b"connection"
            for token in value.split(b",")
        }
        headers = [(b"host", self._proxy.upstream_host.encode())]
        headers += [
            (name, value)
            for name, value in request.headers
            if name not in _REQUEST_DROP and name not in listed
        ]
        return [*headers, (b"accept-encoding", b"identity"), (b"connection", b"close")]

    def _forward(self, request: h11.Request, record: RequestRecord) -> _Reply:
        """Deliver the request upstream (streaming its body) and return the prepared answer."""
        try:
            upstream = _Upstream(self._proxy)
        except _UpstreamError:
            self._drain(record)  # read it all, so the 502 reaches the client cleanly
            raise
        try:
            upstream.send(
                h11.Request(
                    method=request.method,
                    target=request.target,
                    headers=self._upstream_headers(request),
                )
            )
            record.forwarded = True
            failure: _UpstreamError | None = None
            for data in self._body(record):
                if failure is None:
                    try:
                        upstream.send(h11.Data(data=data))
                    except _UpstreamError as exc:
                        failure = exc  # keep reading: upstream may have answered early
            if failure is None:
                upstream.send(h11.EndOfMessage())
            self._read_rate = None
            response = upstream.response()
        except BaseException:
            upstream.close()
            raise
        record.upstream_status = response.status_code
        return self._prepare(request, response, upstream)

    def _prepare(self, request: h11.Request, response: h11.Response, upstream: _Upstream) -> _Reply:
        rewriter = self._proxy.rewriter
        headers: list[tuple[bytes, bytes]] = []
        length: bytes | None = None
        for name, value in response.headers:
            if name == b"content-length":
                length = value
            elif name in _URL_HEADERS:
                headers.append((name, rewriter.header(value)))
            elif name not in _RESPONSE_DROP:
                headers.append((name, value))
        status = response.status_code
        no_body = _bodyless(request.method.decode("latin-1"), status)
        chunks = upstream.body()
        if no_body:
            for _ in chunks:
                pass
            if length is not None:
                headers.append((b"content-length", length))
            body = _Body(0, iter(()))
        elif not _is_textual(response.headers):
            body = _Body(None if length is None else int(length), chunks)
        elif rewriter.same_length and length is not None:
            body = _Body(int(length), rewriter.stream(chunks))
        else:
            body = self._buffer_rewritten(chunks)
        return _Reply(status, response.reason, headers, body, no_body, upstream)

    def _buffer_rewritten(self, chunks: Iterator[bytes]) -> _Body:
        """Rewrite a textual body whose length changes: buffered, or streamed chunked if big."""
        rewriter = self._proxy.rewriter
        buffered = bytearray()
        for data in chunks:
            buffered += data
            if len(buffered) > BUFFER_LIMIT:
                rest = itertools.chain([bytes(buffered)], chunks)
                return _Body(None, rewriter.stream(rest))
        whole = rewriter.whole(bytes(buffered))
        return _Body(len(whole), iter([whole]))

    # -- answers -----------------------------------------------------------------------------
    def _send_reply(self, reply: _Reply, record: RequestRecord, body: _Body | None = None) -> bool:
        try:
            body = body or reply.body
            headers = list(reply.headers)
            if not reply.no_body and body.length is not None:
                headers.append((b"content-length", str(body.length).encode()))
            self._start_response(record, reply.status, reply.reason, headers)
            if not reply.no_body:
                for data in body.chunks:
                    self._send_data(record, data)
            return self._finish(record)
        finally:
            reply.close()

    def _rewrite(self, reply: _Reply, fn: Callable[[bytes], bytes], record: RequestRecord) -> bool:
        if reply.no_body:
            return self._send_reply(reply, record)
        try:
            data = fn(reply.body.read_all())
        except BaseException:
            reply.close()
            raise
        return self._send_reply(reply, record, _Body(len(data), iter([data])))

    def _truncate(self, reply: _Reply, action: Truncate, record: RequestRecord) -> bool:
        if reply.no_body:
            return self._send_reply(reply, record)
        try:
            body = reply.body
            if body.length is None:
                data = body.read_all()
                body = _Body(len(data), iter([data]))
            full = body.length or 0
            keep = min(action.keep_bytes, full)
            declared = keep if action.honest_length else full
            headers = [*reply.headers, (b"content-length", str(declared).encode())]
            self._start_response(record, reply.status, reply.reason, headers)
            for data in body.chunks:
                self._send_data(record, data[: keep - record.response_bytes])
                if record.response_bytes >= keep:
                    break
        finally:
            reply.close()  # stop reading upstream: the rest is not wanted
        outcome = "truncated" if keep < full else "answered"
        if declared == keep:
            return self._finish(record, outcome)
        self._settle(record, outcome)
        self._close()  # a short read: the client sees the connection end mid-body
        return False

    def _respond(self, action: Respond, record: RequestRecord) -> bool:
        self._drain(record)
        body = action.body.encode() if isinstance(action.body, str) else action.body
        headers = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in action.headers.items()
            if name.lower() not in ("content-length", "transfer-encoding", "connection")
        ]
        headers.append((b"content-length", str(len(body)).encode()))
        if action.close:
            headers.append((b"connection", b"close"))
        self._start_response(record, action.status, _reason(action.status), headers)
        if not _bodyless(record.method, action.status):
            self._send_data(record, body)
        self._finish(record)
        return not action.close

    def _huge(self, action: Huge, record: RequestRecord) -> bool:
        self._drain(record)
        headers = [(b"content-type", action.content_type.encode("latin-1"))]
        if not action.chunked:
            headers.append((b"content-length", str(action.size).encode()))
        self._start_response(record, 200, b"OK", headers)
        if record.method != "HEAD":
            for data in _huge_chunks(action):
                self._send_data(record, data)
        return self._finish(record)

    def _deliver_unanswered(self, request: h11.Request, record: RequestRecord) -> None:
        """Let upstream process the request to the end; its answer is read and dropped."""
        reply = self._forward(request, record)
        try:
            for _ in reply.body.chunks:
                pass
        finally:
            reply.close()

    def _stall(self, action: Stall, request: h11.Request, record: RequestRecord) -> bool:
        if action.after_forward:
            self._deliver_unanswered(request, record)
        else:
            self._drain(record)
        record.outcome = "stalled"
        release = action.release or self._proxy.release_event
        while not release.wait(_POLL):
            if self._proxy.closing:
                break
            if self._client_hung_up():
                record.outcome = "client-gone"
                return False
        self._settle(record, "proxy-closed" if self._proxy.closing else "released")
        return False

    def _reset_mid_body(self, after_bytes: int, record: RequestRecord) -> bool:
        self._read_limit = after_bytes
        self._drain(record)
        self._settle(record, "reset")
        self._close(reset=True)
        return False

    def _drop(self, action: Drop, request: h11.Request, record: RequestRecord) -> bool:
        if action.after_forward:
            self._deliver_unanswered(request, record)
        else:
            self._drain(record)
        self._settle(record, "dropped")
        self._close(reset=action.reset)
        return False

    # -- helpers -----------------------------------------------------------------------------
    def _sleep(self, seconds: float) -> None:
        if self._proxy.wait_closing(seconds):
            raise _ClosingError

    def _client_hung_up(self) -> bool:
        # A non-blocking peek, not select(): select() fails on descriptors >= 1024.
        try:
            return self._sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except BlockingIOError:
            return False
        except OSError:
            return True

    def _close(self, *, reset: bool = False, graceful: bool = False) -> None:
        if self._closed:
            return
        self._closed = True
        if not reset:  # while still tracked, so that FaultProxy.close() can interrupt it
            with suppress(_ClientGoneError, _ClosingError):
                self._flush()
        self._proxy.untrack(self._sock)
        with suppress(OSError):
            if reset:
                # SO_LINGER 0: close() sends RST instead of FIN.
                self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif graceful:
                # Half-close, then read what the client still sends, so that unread request
                # bytes do not turn our close into an RST that destroys the error answer.
                self._sock.shutdown(socket.SHUT_WR)
                self._sock.settimeout(0.2)
                for _ in range(16):
                    if not self._sock.recv(CHUNK):
                        break
        with suppress(OSError):
            self._sock.close()


# -- the proxy -------------------------------------------------------------------------------


class FaultProxy:
    """Reverse proxy on ``127.0.0.1`` in front of ``upstream`` with programmable faults.

    ``.url`` is ``upstream`` re-rooted on the proxy (``http://127.0.0.1:PORT/same/path/``);
    ``.origin`` is ``http://127.0.0.1:PORT``. Use as a context manager or call :meth:`close`.
    """

    def __init__(self, upstream: str, *, name: str = "fault-proxy") -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"upstream must be an http:// URL, not {upstream!r}")
        self.upstream = upstream
        self.upstream_address = (parts.hostname, parts.port or 80)
        self.upstream_host = parts.netloc
        self.upstream_origin = f"http://{parts.netloc}"
        # Re-entrant: a rule's predicate runs under it and may well call requests().
        self._lock = threading.RLock()
        self._rules: list[Rule] = []
        self._records: list[RequestRecord] = []
        self._errors: list[str] = []
        self._sockets: set[socket.socket] = set()
        self._threads: set[threading.Thread] = set()
        self._closing = threading.Event()
        self._release = threading.Event()
        self._connections = itertools.count(1)
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=128)
        self._listener.settimeout(_POLL)  # the accept loop notices close() within _POLL
        self.port = int(self._listener.getsockname()[1])
        self.origin = f"http://127.0.0.1:{self.port}"
        self.url = self.origin + (parts.path or "/")
        # "//host:port" also covers scheme-relative URLs ("//127.0.0.1:PORT/packages/...").
        self.rewriter = _OriginRewriter(f"//{parts.netloc}", f"//127.0.0.1:{self.port}")
        self._name = name
        self._acceptor = threading.Thread(target=self._serve, name=f"{name}-accept", daemon=True)
        self._acceptor.start()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- rules -------------------------------------------------------------------------------
    def add(self, rule: Rule) -> Rule:
        """Append ``rule`` (tried after the ones already there) and return it."""
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        """Remove every rule: from now on everything is forwarded."""
        with self._lock:
            self._rules.clear()

    def match(self, head: RequestHead) -> Rule | None:
        with self._lock:
            for rule in self._rules:
                if rule.claim(head):
                    return rule
        return None

    def release_stalls(self) -> None:
        """Let every connection held by a ``Stall()`` (without its own event) hang up now.

        Later stalls are held again: the proxy-wide event is replaced by a fresh one.
        """
        with self._lock:
            event, self._release = self._release, threading.Event()
        event.set()

    @property
    def release_event(self) -> threading.Event:
        with self._lock:
            return self._release

    # -- the log -----------------------------------------------------------------------------
    def log_request(self, head: RequestHead, connection: int) -> RequestRecord:
        with self._lock:
            record = RequestRecord(
                seq=len(self._records) + 1,
                connection=connection,
                method=head.method,
                target=head.target,
                path=head.path,
                headers=dict(head.headers),
                auth_scheme=head.auth_scheme,
                started=time.monotonic(),
            )
            self._records.append(record)
        return record

    def requests(self, method: str | None = None, path: str | None = None) -> list[RequestRecord]:
        """Snapshots of the logged requests, oldest first; ``path`` is a regex (``re.search``)."""
        pattern = re.compile(path) if path is not None else None
        with self._lock:
            records = list(self._records)
        return [
            record.snapshot()
            for record in records
            if (method is None or record.method == method.upper())
            and (pattern is None or pattern.search(record.path))
        ]

    def wait_for(
        self,
        count: int = 1,
        *,
        method: str | None = None,
        path: str | None = None,
        outcome: str | None = None,
        timeout: float = 5.0,
    ) -> list[RequestRecord]:
        """Wait until ``count`` matching requests are logged (with ``outcome``, if given)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [
                r for r in self.requests(method, path) if outcome is None or r.outcome == outcome
            ]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(found)}/{count} requests after {timeout}s: {found}")
            time.sleep(0.01)

    @property
    def errors(self) -> list[str]:
        """Unexpected exceptions inside the proxy (with tracebacks); empty in a healthy run."""
        with self._lock:
            return list(self._errors)

    def note_error(self, where: str, exc: BaseException) -> None:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        with self._lock:
            self._errors.append(f"{where}: {text}")

    # -- URLs --------------------------------------------------------------------------------
    def translate(self, url: str) -> str:
        """An upstream URL as seen through the proxy (other URLs are returned unchanged)."""
        return self.rewriter.header(url.encode()).decode()

    def index(self, index: RunningIndex) -> RunningIndex:
        """``index`` with its URLs re-rooted on the proxy (``index`` must be the upstream)."""
        return dataclasses.replace(
            index,
            upload_url=self.translate(index.upload_url),
            index_url=self.translate(index.index_url),
            root_url=self.translate(index.root_url),
        )

    # -- sockets and threads -----------------------------------------------------------------
    @property
    def closing(self) -> bool:
        return self._closing.is_set()

    def wait_closing(self, seconds: float) -> bool:
        return self._closing.wait(max(0.0, seconds))

    def track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)
            closing = self._closing.is_set()
        if closing:  # accepted or connected during close(): end it at once
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def untrack(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)

    def live_threads(self) -> list[threading.Thread]:
        """The proxy's threads still running (empty after a prompt :meth:`close`)."""
        with self._lock:
            threads = [self._acceptor, *self._threads]
        return [thread for thread in threads if thread.is_alive()]

    def _serve(self) -> None:
        while not self._closing.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError as exc:
                if not self._closing.is_set():
                    self.note_error("accept", exc)
                    self._closing.wait(_POLL)
                continue
            try:
                self._start_connection(sock)
            except Exception as exc:  # noqa: BLE001 - recorded for the test, never raised into it
                self.note_error("starting a connection thread", exc)
                with suppress(OSError):
                    sock.close()

    def _start_connection(self, sock: socket.socket) -> None:
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # trickled bytes go now
        number = next(self._connections)
        thread = threading.Thread(
            target=self._run_connection,
            args=(sock, number),
            name=f"{self._name}-conn-{number}",
            daemon=True,
        )
        with self._lock:
            self._threads.add(thread)
        self.track(sock)
        try:
            thread.start()
        except BaseException:
            with self._lock:
                self._threads.discard(thread)
            self.untrack(sock)
            raise

    def _run_connection(self, sock: socket.socket, number: int) -> None:
        try:
            _ClientConnection(self, sock, number).run()
        finally:
            with self._lock:
                self._threads.discard(threading.current_thread())

    def close(self) -> None:
        """Stop accepting, end every connection (stalled ones too) and wait up to ~1.5 s."""
        if self._closing.is_set():
            return
        self._closing.set()
        with self._lock:
            release, sockets = self._release, list(self._sockets)
        release.set()
        # shutdown() wakes threads blocked in recv/send; each thread closes its own socket.
        for sock in sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + CLOSE_TIMEOUT
        self._acceptor.join(max(0.0, deadline - time.monotonic()))
        self._listener.close()
        for thread in self.live_threads():
            thread.join(max(0.0, deadline - time.monotonic()))
