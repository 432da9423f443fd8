"""`Net`: the one HTTP layer of a run — timeouts, time budgets, retries with back-off, and the
translation of transport failures into `NetError`s.

Every service client (simple index, uploader, trusted-publishing exchange) sends through it.
Retries: connection errors, timeouts and garbled transfers, and the answers a caller calls
transient (429, 5xx) with back-off and `Retry-After` (seconds or an HTTP date, up to a minute).
An origin whose requests time out twice in a row is taken as stalled: nothing more is sent to
it, so a dead index costs two timeouts, not two per request.

With a `trace` (the reporter's debug line, when 'verbose' is on), every attempt is told as one
line: method, URL (no user info, no query values), what was sent, the status, the answer's size
and the time it took, or why no answer came. Headers are never shown: they carry the
credentials.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import httpx

from publish_action import __version__
from publish_action.cancellation import Cancellation, Reason, Stopped
from publish_action.net.answer import Answer
from publish_action.net.errors import Stalled, TlsFailure, TooLarge, Unreachable
from publish_action.net.guard import Guard
from publish_action.net.retry import (
    backoff_delays,
    default_transient,
    is_transport_error,
    origin,
)
from publish_action.net.tls import is_certificate_failure, trust
from publish_action.net.trace import amount, describe_failure, request_line, size_text
from publish_action.net.transport import Transport, proxies_from
from publish_action.redaction import logged_url

USER_AGENT = f"publish-action/{__version__}"
STALL_AFTER = 2  # consecutive timeouts from one origin
CHUNK = 1024 * 1024

T = TypeVar("T")
Transient = Callable[[Answer], "float | None"]
OnRetry = Callable[[str, float], None]
Trace = Callable[[str], None]


@dataclass(frozen=True)
class NetSettings:
    timeout: float = 30.0  # seconds of silence any single operation may take
    retries: int = 3
    min_rate: float = 10_000.0  # bytes/s a transfer must average after its first `timeout`
    ca_bundle: Path | None = None
    pool: int = 8
    deadline: float | None = None  # time.monotonic() the whole run must end by


class _Breaker:
    """Consecutive timeouts per origin and kind of request: an index whose uploads hang may
    still answer the read that decides what became of them."""

    def __init__(self) -> None:
        self._timeouts: dict[tuple[object, ...], int] = {}
        self._lock = threading.Lock()

    def tripped(self, url: str, kind: str) -> bool:
        with self._lock:
            return self._timeouts.get((*origin(url), kind), 0) >= STALL_AFTER

    def record(self, url: str, kind: str, *, timed_out: bool) -> None:
        key = (*origin(url), kind)
        with self._lock:
            self._timeouts[key] = self._timeouts.get(key, 0) + 1 if timed_out else 0


class Net:
    """One connection pool, one guard, one breaker: shared by every request of the run."""

    def __init__(
        self,
        settings: NetSettings,
        *,
        environ: Mapping[str, str],
        cancellation: Cancellation | None = None,
        trace: Trace | None = None,
    ) -> None:
        self.settings = settings
        self.cancellation = cancellation
        self._trace = trace
        self.guard = Guard(cancellation=cancellation, deadline=settings.deadline)
        self.trust = trust(settings.ca_bundle, environ)
        self.transport = Transport(
            guard=self.guard,
            ssl_context=self.trust.context,
            pool_size=settings.pool,
            min_rate=settings.min_rate,
            proxies=proxies_from(environ),
        )
        self.client = httpx.Client(
            transport=self.transport,
            timeout=httpx.Timeout(settings.timeout, connect=min(settings.timeout, 10.0)),
            # Every redirect is judged by the caller: credentials never leave the origin.
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
            trust_env=False,
        )
        self._breaker = _Breaker()

    def __enter__(self) -> Net:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()
        self.guard.close()

    # -- one attempt -------------------------------------------------------------------------

    def fetch(
        self,
        method: str,
        url: str,
        *,
        limit: int,
        truncate: bool = False,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        content: Iterable[bytes] | bytes | None = None,
        what: str = "",
    ) -> Answer:
        """One request, its body read up to `limit` bytes (beyond: cut when `truncate`, else
        `TooLarge`). Raises httpx transport errors and `Stopped`; no retries. `what`: what
        the request carries, for the trace (a file name)."""
        request = self.client.build_request(method, url, headers=headers, content=content)
        started = time.monotonic()
        try:
            response = self.client.send(request, stream=True, auth=_basic(auth))
            try:
                body, cut = _read_capped(response, limit)
            finally:
                response.close()
        except BaseException as exc:
            self._traced_failure(request, exc, started, what)
            raise
        self._traced(request, response, len(body), started, what, cut=cut)
        if cut and not truncate:
            raise TooLarge(
                f"the answer from {url} is larger than {size_text(limit)}", url=url, limit=limit
            )
        return Answer(
            response.status_code,
            response.reason_phrase,
            response.headers,
            str(response.url),
            body,
            truncated=cut,
            method=method,
        )

    def download(
        self, url: str, sink: Callable[[bytes], None], *, auth: tuple[str, str] | None = None
    ) -> Answer:
        """GET streamed into `sink` (only for a 200); the Answer carries no body."""
        request = self.client.build_request("GET", url)
        started = time.monotonic()
        size = 0
        try:
            response = self.client.send(request, stream=True, auth=_basic(auth))
            try:
                if response.status_code == 200:
                    for chunk in response.iter_bytes(CHUNK):
                        size += len(chunk)
                        sink(chunk)
            finally:
                response.close()
        except BaseException as exc:
            self._traced_failure(request, exc, started, "")
            raise
        self._traced(request, response, size, started, "")
        return Answer.empty(response)

    # -- the trace -----------------------------------------------------------------------------

    def _traced(
        self,
        request: httpx.Request,
        response: httpx.Response,
        size: int,
        started: float,
        what: str,
        *,
        cut: bool = False,
    ) -> None:
        if self._trace is None:
            return
        answer = f"{response.status_code} {response.reason_phrase}".rstrip()
        if response.is_redirect and response.headers.get("location"):
            target = str(response.url.join(response.headers["location"]))
            answer += f" (to {logged_url(target)})"
        read = f"{amount(size)}{' (cut off)' if cut else ''}"
        self._trace(
            f"{request_line(request, what)} → {answer}, {read} in "
            f"{time.monotonic() - started:.2f} s"
        )

    def _traced_failure(
        self, request: httpx.Request, exc: BaseException, started: float, what: str
    ) -> None:
        if self._trace is None:
            return
        why = "the run was stopped" if isinstance(exc, Stopped) else describe_failure(exc)
        self._trace(
            f"{request_line(request, what)} → no answer ({why}) after "
            f"{time.monotonic() - started:.2f} s"
        )

    # -- retries -----------------------------------------------------------------------------

    def retrying(
        self,
        url: str,
        attempt: Callable[[], T],
        *,
        answer_of: Callable[[T], Answer],
        transient: Transient = default_transient,
        on_retry: OnRetry | None = None,
        kind: str = "read",
    ) -> T:
        """Run `attempt` until it gives a final answer, or raise a `NetError` or `Stopped`.

        `kind` ("read", "upload", "token") groups requests for the stall breaker."""
        retries = self.settings.retries
        delays = backoff_delays(retries)
        for index in range(retries + 1):
            last = index == retries
            if self._breaker.tripped(url, kind):
                raise self._stalled(url)
            try:
                result = attempt()
            except Stopped:
                raise
            except Exception as exc:
                if not is_transport_error(exc):
                    raise
                timed_out = isinstance(exc, httpx.TimeoutException)
                self._breaker.record(url, kind, timed_out=timed_out)
                if is_certificate_failure(exc):
                    raise _tls_failure(url, exc) from exc
                if last or self._breaker.tripped(url, kind):
                    if self._breaker.tripped(url, kind):
                        raise self._stalled(url) from exc
                    reason = describe_failure(exc)
                    raise Unreachable(
                        f"no answer from {url} after {index + 1} attempt(s): {reason}",
                        url=url,
                        attempts=index + 1,
                        timed_out=timed_out,
                        reason=reason,
                    ) from exc
                self._pause(delays[index], describe_failure(exc), on_retry)
                continue
            self._breaker.record(url, kind, timed_out=False)
            wait = None if last else transient(answer_of(result))
            if wait is None:
                return result
            self._pause(max(wait, delays[index]), f"HTTP {answer_of(result).status}", on_retry)
        raise AssertionError("unreachable")  # pragma: no cover

    def _pause(self, delay: float, why: str, on_retry: OnRetry | None) -> None:
        if on_retry is not None:
            on_retry(why, delay)
        self.sleep(delay)

    def sleep(self, delay: float) -> None:
        """Wait `delay` seconds, or raise `Stopped` as soon as the run is stopped."""
        if self.cancellation is not None:
            if self.cancellation.wait(delay):
                stop = self.cancellation.stop
                raise Stopped(stop.reason if stop else Reason.SIGINT)
        else:
            time.sleep(delay)
        self.guard.check()

    def _stalled(self, url: str) -> Stalled:
        host = urlsplit(url).netloc.rsplit("@", 1)[-1]
        return Stalled(
            f"{host} stopped answering: {STALL_AFTER} requests in a row got no answer within "
            f"{self.settings.timeout:g} s, so nothing more is sent to it",
            url=url,
        )

    def get(
        self,
        url: str,
        *,
        limit: int,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        transient: Transient = default_transient,
        on_retry: OnRetry | None = None,
    ) -> Answer:
        return self.retrying(
            url,
            lambda: self.fetch("GET", url, limit=limit, headers=headers, auth=auth),
            answer_of=lambda a: a,
            transient=transient,
            on_retry=on_retry,
        )


def _basic(auth: tuple[str, str] | None) -> httpx.BasicAuth | None:
    return None if auth is None else httpx.BasicAuth(*auth)


def _read_capped(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes(64 * 1024):
        if size + len(chunk) > limit:
            chunks.append(chunk[: limit - size])
            return b"".join(chunks), True
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks), False


def _tls_failure(url: str, exc: BaseException) -> TlsFailure:
    host = urlsplit(url).hostname or url
    return TlsFailure(
        f"the TLS certificate of {host} could not be verified ({describe_failure(exc)})",
        url=url,
        host=host,
    )
