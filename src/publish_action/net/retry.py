"""When to send a request again, and after how long: the transient answers, `Retry-After`
(seconds or an HTTP date, up to a minute), back-off with jitter, and what counts as a
transport failure. Pure functions, used by `Net`."""

from __future__ import annotations

import email.utils
import math
import random
import time
from urllib.parse import urlsplit

import httpx

from publish_action.net.answer import Answer

TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 60.0  # longer asks are not waited for: the answer stands


def origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def same_origin(a: str, b: str) -> bool:
    return origin(a) == origin(b)


def default_transient(answer: Answer) -> float | None:
    """A delay before retrying a 429/5xx answer (its Retry-After, else back-off), or None."""
    if answer.status not in TRANSIENT_STATUSES:
        return None
    return retry_after(answer.headers, 0.0)


def retry_after(
    headers: httpx.Headers, default: float, *, now: float | None = None
) -> float | None:
    """Seconds the server asks us to wait; None when it asks for more than we wait."""
    value = headers.get("retry-after", "").strip()
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return default
        seconds = when.timestamp() - (time.time() if now is None else now)
    if math.isnan(seconds):
        return default
    seconds = max(0.0, seconds)
    return None if seconds > MAX_RETRY_AFTER else seconds


def backoff_delays(retries: int, *, base: float = 0.5, cap: float = 8.0) -> list[float]:
    return [min(cap, base * 2**i) * (0.5 + random.random() / 2) for i in range(retries)]  # noqa: S311


def is_transport_error(exc: BaseException) -> bool:
    # A body that fails to decode is a garbled transfer too (a proxy, a broken gzip).
    return isinstance(exc, (httpx.TransportError, httpx.DecodingError))
