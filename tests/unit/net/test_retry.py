"""`net.retry`: which answers are sent again, after how long."""

from __future__ import annotations

import email.utils

import httpx
import pytest

from publish_action.net.answer import Answer
from publish_action.net.retry import (
    MAX_RETRY_AFTER,
    backoff_delays,
    default_transient,
    is_transport_error,
    retry_after,
    same_origin,
)


def test_retry_after_in_seconds_and_as_an_http_date() -> None:
    headers = httpx.Headers
    assert retry_after(headers({"Retry-After": "7"}), 1.0) == 7.0
    later = email.utils.formatdate(1_000_030, usegmt=True)
    assert retry_after(headers({"Retry-After": later}), 1.0, now=1_000_000) == pytest.approx(30)
    past = email.utils.formatdate(999_000, usegmt=True)
    assert retry_after(headers({"Retry-After": past}), 1.0, now=1_000_000) == 0.0
    assert retry_after(headers({"Retry-After": "3600"}), 1.0) is None  # not waited for
    assert retry_after(headers({"Retry-After": "soon"}), 1.5) == 1.5
    assert retry_after(headers({}), 2.0) == 2.0
    assert retry_after(headers({"Retry-After": "nan"}), 2.0) == 2.0


def test_only_429_and_5xx_style_answers_are_transient() -> None:
    def answer(status: int, headers: dict[str, str] | None = None) -> Answer:
        return Answer(status, "", httpx.Headers(headers or {}), "http://h/", b"")

    assert default_transient(answer(503)) == 0.0
    assert default_transient(answer(429, {"Retry-After": "2"})) == 2.0
    assert default_transient(answer(429, {"Retry-After": str(MAX_RETRY_AFTER + 1)})) is None
    for status in (200, 400, 401, 403, 404, 409):
        assert default_transient(answer(status)) is None


def test_backoff_grows_with_jitter_up_to_its_cap() -> None:
    delays = backoff_delays(6, base=0.5, cap=4.0)
    assert len(delays) == 6
    for i, delay in enumerate(delays):
        ceiling = min(4.0, 0.5 * 2**i)
        assert ceiling / 2 <= delay <= ceiling


def test_transport_errors_and_origins() -> None:
    assert is_transport_error(httpx.ConnectError("refused"))
    assert is_transport_error(httpx.DecodingError("bad gzip"))
    assert not is_transport_error(ValueError("x"))
    assert same_origin("https://h.example/a", "https://H.example:443/b")
    assert not same_origin("https://h.example/", "http://h.example/")
