"""net/answer.py: an answer's type, charset, redirect target, and the server's own words
extracted from JSON, HTML or plain text, said once and on one line."""

from __future__ import annotations

import httpx
import pytest

from publish_action.net import Answer, server_message


def answer(
    status: int = 200,
    body: bytes = b"",
    content_type: str = "",
    reason: str = "OK",
    url: str = "http://127.0.0.1:1/simple/demo/",
    **headers: str,
) -> Answer:
    all_headers = {"content-type": content_type, **headers} if content_type else headers
    return Answer(status, reason, httpx.Headers(all_headers), url, body)


def test_content_type_is_bare_and_lower_case() -> None:
    assert answer(content_type="Text/HTML; charset=UTF-8").content_type == "text/html"
    assert answer().content_type == ""


def test_text_uses_the_declared_charset_and_falls_back_to_utf8() -> None:
    assert (
        answer(body="café".encode("latin-1"), content_type="text/plain; charset=latin-1").text()
        == "café"
    )
    assert answer(body="café".encode(), content_type="text/plain; charset=no-such").text() == "café"
    assert answer(body=b"\xff", content_type="text/plain").text() == "\ufffd"


def test_a_redirect_needs_a_location_which_is_resolved_against_the_url() -> None:
    moved = answer(301, reason="Moved", location="../other/")
    assert moved.is_redirect and moved.location == "http://127.0.0.1:1/simple/other/"
    assert not answer(302, reason="Found").is_redirect
    assert not answer(200, location="/x").is_redirect


def test_empty_keeps_status_headers_url_and_method_but_no_body() -> None:
    request = httpx.Request("POST", "http://127.0.0.1:1/legacy/")
    response = httpx.Response(418, headers={"X-A": "b"}, content=b"teapot", request=request)
    empty = Answer.empty(response)
    assert (empty.status, empty.method, empty.body, empty.url) == (
        418,
        "POST",
        b"",
        "http://127.0.0.1:1/legacy/",
    )
    assert empty.headers["x-a"] == "b" and empty.reason == "I'm a teapot"


def test_json_messages_and_errors_are_joined_without_repeats() -> None:
    body = (
        '{"message": "Invalid token", "detail": "Invalid token", '
        '"errors": [{"code": "invalid-publisher", "description": "no match"}, "plain"]}'
    )
    assert server_message(422, "Unprocessable Entity", "application/json", body) == (
        "Unprocessable Entity: Invalid token; invalid-publisher no match; plain"
    )
    # Not JSON after all, or not an object: the body is read as text.
    assert server_message(400, "Bad Request", "application/json", "[1, 2]") == "Bad Request: [1, 2]"


def test_html_gives_its_text_with_the_status_line_said_once() -> None:
    body = (
        "<html><head><title>400 File already exists</title><style>p{}</style></head>"
        "<body><h1>400 File already exists</h1><p>See &amp; read</p></body></html>"
    )
    text = server_message(400, "File already exists", "text/html", body)
    assert text == "File already exists: See & read"


def test_an_empty_body_is_the_reason_and_long_text_is_cut() -> None:
    assert server_message(503, "Service Unavailable", "", "") == "Service Unavailable"
    long = server_message(500, "", "text/plain", "x" * 600, limit=10)
    assert long == "x" * 10 + "…"


def test_control_characters_in_a_servers_words_are_never_printed() -> None:
    text = server_message(400, "Bad", "text/plain", "evil\x1b[2Jwords")
    assert "\x1b" not in text and "evil" in text and "words" in text


@pytest.mark.parametrize(
    ("body", "truncated", "shown"),
    [
        (b"", False, "HTTP 200, text/html, 0 bytes, an empty body"),
        (b"<p>hi</p>", False, "HTTP 200, text/html, 9 bytes: '<p>hi</p>'"),
        (b"abc", True, "HTTP 200, text/html, 3 bytes (cut at the cap): 'abc'"),
    ],
)
def test_describe_says_what_came_back(body: bytes, truncated: bool, shown: str) -> None:
    base = answer(body=body, content_type="text/html")
    cut = Answer(base.status, base.reason, base.headers, base.url, base.body, truncated)
    assert cut.describe() == shown
    assert answer(body=b"x").describe() == "HTTP 200, no content type, 1 bytes: 'x'"


def test_message_and_json_read_the_body() -> None:
    got = answer(400, b'{"message": "nope"}', "application/json", reason="Bad Request")
    assert got.json() == {"message": "nope"}
    assert got.message() == "Bad Request: nope"


def test_devpis_status_repeated_in_title_and_heading_is_said_once() -> None:
    """devpi-server 6.20.3 repeats the status in <title> and <h1> (notes §5): one message."""
    body = (
        "<html><head><title>401 Unauthorized</title></head><body><h1>401 Unauthorized</h1>"
        "This server could not verify that you are authorized.</body></html>"
    )
    message = server_message(401, "Unauthorized", "text/html", body)
    assert message == "Unauthorized: This server could not verify that you are authorized."
    assert message.count("Unauthorized") == 1
