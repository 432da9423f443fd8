"""The one HTTP client of a run (one connection pool), and what every request shares.

httpx is imported here only, lazily: `--help` must not pay for it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

from publish_action import __version__

if TYPE_CHECKING:
    import httpx

USER_AGENT = f"publish-action/{__version__}"
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})

T = TypeVar("T")


def make_client(*, timeout: float, pool: int) -> httpx.Client:
    import httpx

    limits = httpx.Limits(max_connections=pool + 4, max_keepalive_connections=pool + 4)
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
        limits=limits,
        # Every redirect is judged by us: credentials never leave the origin.
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
        trust_env=True,
    )


def origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def same_origin(a: str, b: str) -> bool:
    return origin(a) == origin(b)


def is_transport_error(exc: BaseException) -> bool:
    import httpx

    # A body that fails to decode is a garbled transfer too (a proxy, a broken gzip).
    return isinstance(exc, (httpx.TransportError, httpx.DecodingError))


def backoff_delays(retries: int, *, base: float = 0.5, cap: float = 8.0) -> list[float]:
    """Exponential back-off with jitter; bounded so a dead index fails within a minute."""
    return [min(cap, base * 2**i) * (0.5 + random.random() / 2) for i in range(retries)]  # noqa: S311


def retry_after(headers: httpx.Headers, default: float) -> float:
    value = headers.get("retry-after", "")
    try:
        return min(30.0, max(0.0, float(value)))
    except ValueError:
        return default


def with_retries(
    attempt: Callable[[], T],
    *,
    retries: int,
    is_transient: Callable[[T], float | None],
    on_retry: Callable[[str, float], None],
) -> T:
    """Run `attempt` until it gives a non-transient answer or the retries are spent.

    `is_transient(result)` returns a delay to wait before retrying, or None when final.
    Transport errors (connection refused or dropped, timeouts) are transient too; the last
    one is re-raised.
    """
    delays = backoff_delays(retries)
    for index in range(retries + 1):
        last = index == retries
        try:
            result = attempt()
        except Exception as exc:
            if last or not is_transport_error(exc):
                raise
            delay = delays[index]
            on_retry(f"{type(exc).__name__}: {exc}".rstrip(": "), delay)
            time.sleep(delay)
            continue
        wait = None if last else is_transient(result)
        if wait is None:
            return result
        delay = max(wait, delays[index])
        on_retry("transient answer", delay)
        time.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def server_message(response: httpx.Response, *, limit: int = 500) -> str:
    """The index's own reason, preferring structured JSON over HTML."""
    reason = response.reason_phrase or ""
    text = ""
    content_type = response.headers.get("content-type", "")
    try:
        body = response.text
    except Exception:  # noqa: BLE001 - a body we cannot decode still has a status line
        body = ""
    if "json" in content_type:
        text = _json_message(body)
    if not text and body:
        text = _html_text(body)
    # PyPI puts the real reason in the status line ("400 File already exists. See ...").
    if reason and reason.lower() not in text.lower():
        text = f"{reason}: {text}" if text else reason
    text = " ".join(text.split())
    return text[:limit] + ("…" if len(text) > limit else "")


def _json_message(body: str) -> str:
    import json

    try:
        data = json.loads(body)
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    parts = [str(data[k]) for k in ("message", "title", "detail", "error") if data.get(k)]
    for error in data.get("errors", []) or []:
        if isinstance(error, dict):
            pair = (error.get("code"), error.get("description"))
            parts.append(" ".join(str(v) for v in pair if v))
        else:
            parts.append(str(error))
    return "; ".join(p for p in parts if p)


def _html_text(body: str) -> str:
    import html
    import re

    title = re.search(r"<title>(.*?)</title>", body, re.S | re.I)
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S | re.I)
    text = re.sub(r"<[^>]+>", " ", text)
    text = html.unescape(" ".join(text.split()))
    if title:
        heading = html.unescape(" ".join(title.group(1).split()))
        if heading and heading not in text:
            text = f"{heading}: {text}"
    return text
