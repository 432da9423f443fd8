"""`net.trace`: how a request and a failure read in the verbose log."""

from __future__ import annotations

import socket

import httpx

from publish_action.net.trace import amount, describe_failure, request_line, size_text


def test_amounts_and_sizes() -> None:
    assert amount(512) == "512 B"
    assert amount(1_100) == "1.1 KB"
    assert amount(12_300_000) == "12.3 MB"
    assert amount(2_500_000_000) == "2.5 GB"
    assert size_text(100) == "100 bytes"
    assert size_text(3 * 1024 * 1024) == "3 MiB"


def test_a_request_line_shows_no_credentials_and_no_query_values() -> None:
    request = httpx.Request(
        "POST",
        "https://user:secret@index.example/legacy/?token=abc",
        headers={"Authorization": "Basic c2VjcmV0", "Content-Length": "1200"},
    )
    line = request_line(request, "x-1.0.tar.gz")
    assert line.startswith("POST https://index.example/legacy/")
    assert line.endswith("(x-1.0.tar.gz, 1.2 KB)")
    for secret in ("secret", "abc", "c2VjcmV0", "user"):
        assert secret not in line
    assert request_line(httpx.Request("GET", "https://h.example/simple/"), "") == (
        "GET https://h.example/simple/"
    )


def test_failures_are_said_in_words() -> None:
    refused = httpx.ConnectError("x")
    refused.__cause__ = ConnectionRefusedError(111, "Connection refused")
    assert describe_failure(refused) == "connection refused"
    reset = httpx.ReadError("x")
    reset.__context__ = ConnectionResetError()
    assert describe_failure(reset) == "connection reset by the server"
    unresolved = httpx.ConnectError("x")
    unresolved.__cause__ = socket.gaierror(-2, "Name or service not known")
    assert describe_failure(unresolved) == "its host name could not be resolved"
    assert describe_failure(httpx.ReadTimeout("timed out")) == "ReadTimeout: timed out"
    assert describe_failure(httpx.ReadTimeout("")) == "ReadTimeout"
