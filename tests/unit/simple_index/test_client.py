"""`IndexClient`: reads, redirects, and the evidence a 404 needs before it means "absent"."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from publish_action.errors import AuthError, IndexError_
from publish_action.settings import Credentials
from publish_action.targets import IndexKind
from tests.unit.simple_index.harness import ROOT, Static, client, page


def test_redirects(static: Callable[..., Static]) -> None:
    elsewhere = static({})
    server = static(
        {
            "/simple/": ROOT,
            "/simple/gone/": (302, {"Location": f"{elsewhere.url}simple/gone/"}, b""),
            "/simple/Moved/": (301, {"Location": "/simple/moved/"}, b""),
            "/simple/moved/": page("", name="moved"),
            "/simple/sso/": (302, {"Location": f"{elsewhere.url}login?next=/simple/sso/"}, b""),
        }
    )
    index = client(
        server.url, credentials=Credentials("reader", "pw-9999"), kind=IndexKind.PYPISERVER
    )
    gone = index.project("gone")  # pypiserver's fallback to the same project: "not here"
    assert not gone.found and "not followed" in gone.note
    assert index.project("Moved").found  # same origin: followed
    with pytest.raises(IndexError_, match="cannot tell whether sso is here"):
        index.project("sso")  # a login page elsewhere proves nothing
    # An index not known to forward: the same redirect proves nothing either.
    with pytest.raises(IndexError_, match="cannot tell whether gone is here"):
        client(server.url).project("gone")
    assert elsewhere.seen == []  # never followed, credentials never sent there


def test_pulp_content_redirect_is_followed_without_credentials(
    static: Callable[..., Static],
) -> None:
    """pulp-python serves a published index from its content app, another origin (measured:
    pulpcore 3.123.1, tests/test_pulp_fixture.py)."""
    content = static(
        {"/pulp/content/x/simple/": ROOT, "/pulp/content/x/simple/demo/": page("", name="demo")}
    )
    api = static(
        {
            "/pypi/x/simple/": (302, {"Location": f"{content.url}pulp/content/x/simple/"}, b""),
            "/pypi/x/simple/demo/": (
                302,
                {"Location": f"{content.url}pulp/content/x/simple/demo/"},
                b"",
            ),
        }
    )
    index = client(
        api.url,
        credentials=Credentials("admin", "pw-4242"),
        kind=IndexKind.PULP,
        path="pypi/x/simple/",
    )
    assert index.project("demo").found
    assert [a for _, p, a in content.seen] == [None]  # credentials stay with the API's origin


def test_refused_read_is_an_auth_error_and_credentials_were_sent(
    static: Callable[..., Static],
) -> None:
    server = static({"/simple/private/": (401, {"Content-Type": "text/plain"}, b"login please")})
    index = client(server.url, credentials=Credentials("reader", "pw-9999"))
    with pytest.raises(AuthError) as info:
        index.project("private")
    assert "check-user" in info.value.advice
    assert "/simple/private/" in info.value.message and "sent credentials" in info.value.advice
    assert [a is not None for _, p, a in server.seen if p == "/simple/private/"] == [True]


def test_junk_200_stops_the_check_with_what_came_back(static: Callable[..., Static]) -> None:
    server = static(
        {
            "/simple/demo/": (
                200,
                {"Content-Type": "text/html"},
                b"<html><body>Maintenance</body></html>",
            )
        }
    )
    with pytest.raises(IndexError_) as info:
        client(server.url).project("demo")
    assert "is not the simple page of demo" in info.value.message
    assert (
        "HTTP 200, text/html, 37 bytes: '<html><body>Maintenance</body></html>'"
        in info.value.details[0]
    )


def test_a_page_over_the_cap_is_refused_without_reading_it_all(
    static: Callable[..., Static], monkeypatch: pytest.MonkeyPatch
) -> None:
    import publish_action.simple_index.client as module

    monkeypatch.setattr(module, "PAGE_LIMIT", 1000)
    server = static({"/simple/big/": page("x" * 5000, name="big")})
    with pytest.raises(IndexError_, match="larger than"):
        client(server.url).project("big")
