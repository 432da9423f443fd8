"""simple_index/evidence.py: when a 404 may be read as 'absent' (only with evidence that the
check URL is a simple index)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from publish_action.errors import ExitCode, IndexError_
from publish_action.targets import IndexKind
from tests.unit.simple_index.harness import ROOT, Static, client, page


def test_a_404_is_absent_only_with_evidence_the_check_url_is_a_simple_index(
    static: Callable[..., Static],
) -> None:
    good = static({"/simple/": ROOT})
    assert not client(good.url).project("new-project").found
    assert [p for _, p, _ in good.seen] == ["/simple/new-project/", "/simple/"]

    wrong = static({})  # a mistyped index-url: 404 for everything
    with pytest.raises(IndexError_) as info:
        client(wrong.url).project("new-project")
    assert info.value.exit_code is ExitCode.INDEX
    assert "does not look like a working simple index" in info.value.message
    assert "asked GET http://127.0.0.1:" in info.value.details[0]
    assert "HTTP 404" in info.value.details[0]


def test_one_good_page_is_evidence_enough(static: Callable[..., Static]) -> None:
    server = static({"/simple/old/": page("", name="old")})
    index = client(server.url)
    index.project("old")
    assert not index.project("new").found
    assert [p for _, p, _ in server.seen] == ["/simple/old/", "/simple/new/"]


def test_evidence_probes_per_index(static: Callable[..., Static]) -> None:
    warehouse = static(
        {"/simple/": (200, {"Content-Type": "text/html", "X-PyPI-Last-Serial": "1"}, b"")}
    )
    assert not client(warehouse.url, kind=IndexKind.PYPI).project("new").found
    assert ("HEAD", "/simple/", None) in warehouse.seen  # never the tens-of-MB root page

    devpi = static(
        {
            "/u/i/": (
                200,
                {"Content-Type": "application/json"},
                b'{"type": "indexconfig", "result": {}}',
            )
        }
    )
    assert not client(devpi.url, kind=IndexKind.DEVPI, path="u/i/+simple/").project("x").found
    assert ("GET", "/u/i/", None) in devpi.seen

    lookalike = static({"/simple/": (200, {"Content-Type": "text/html"}, b"")})
    with pytest.raises(IndexError_, match="working simple index"):
        client(lookalike.url, kind=IndexKind.PYPI).project("new")


def test_only_pulps_content_app_path_counts_as_the_same_index() -> None:
    """pulp-python: /pypi/<base_path>/simple/... answers 302 to the content app,
    /pulp/content/<base_path>/simple/... (measured, tests/support_selftest/test_pulp_fixture.py)."""
    from publish_action.simple_index.evidence import same_pulp_path

    api = "http://127.0.0.1:24817/pypi/team/simple/demo/"
    assert same_pulp_path(api, "http://127.0.0.1:24816/pulp/content/team/simple/demo/")
    assert not same_pulp_path(api, "http://127.0.0.1:9/pypi/team/simple/demo/")  # a mirror
    assert not same_pulp_path(api, "https://pypi.org/simple/demo/")
    assert not same_pulp_path("http://h/simple/demo/", "http://c/pulp/content/simple/demo/")
