"""`simple_page`: a page decides only when it is recognisably the project's simple page."""

from __future__ import annotations

import json
from html import escape
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import canonicalize_name

from publish_action.simple_index.page import (
    PageProblem,
    looks_like_index_root,
    parse_html,
    parse_json,
    parse_project_page,
)
from tests.unit.property_helpers import FAST, NAMES, VERSIONS

DEMO = canonicalize_name("demo")
URL = "http://127.0.0.1:1/u/i/+simple/demo/"
SHA = "ab" * 32


def html(links: str, title: str = "Links for demo") -> str:
    return f"<!DOCTYPE html><html><head><title>{title}</title></head><body>{links}</body></html>"


def test_pep503_html_with_relative_links_and_hash_fragments() -> None:
    body = html(f"""
    <a href="../../+f/abc/demo-1.0.tar.gz#sha256={SHA.upper()}"
       data-requires-python="">demo-1.0.tar.gz</a>
    <a href="/packages/demo-1.0-py3-none-any.whl#md5={"f" * 32}">demo-1.0-py3-none-any.whl</a>
    <a href="https://files.example/demo-0.9.tar.gz">demo-0.9.tar.gz</a>""")
    files = parse_html(DEMO, URL, body)
    assert files["demo-1.0.tar.gz"].url == "http://127.0.0.1:1/u/i/+f/abc/demo-1.0.tar.gz"
    assert files["demo-1.0.tar.gz"].hashes == {"sha256": SHA}
    assert files["demo-1.0-py3-none-any.whl"].hashes == {"md5": "f" * 32}
    assert files["demo-0.9.tar.gz"].hashes == {}


def test_pep691_json() -> None:
    body = json.dumps(
        {
            "meta": {"api-version": "1.1"},
            "name": "Demo",
            "files": [
                {
                    "filename": "demo-1.0.tar.gz",
                    "url": "../../f/demo-1.0.tar.gz",
                    "hashes": {"sha256": SHA.upper(), "blake2b-256": "cd" * 32},
                }
            ],
        }
    )
    remote = parse_json(DEMO, "http://127.0.0.1:1/simple/demo/", body)["demo-1.0.tar.gz"]
    assert remote.url == "http://127.0.0.1:1/f/demo-1.0.tar.gz"
    assert remote.hashes == {"sha256": SHA, "blake2b_256": "cd" * 32}


def test_an_empty_project_page_is_recognised_by_its_heading_or_pep629_tag() -> None:
    assert parse_html(DEMO, URL, html("")) == {}
    tagged = (
        '<html><head><meta name="pypi:repository-version" content="1.0"></head><body></body></html>'
    )
    assert parse_html(DEMO, URL, tagged) == {}
    assert (
        parse_json(
            DEMO, URL, json.dumps({"meta": {"api-version": "1.0"}, "name": "demo", "files": []})
        )
        == {}
    )


@pytest.mark.parametrize(
    ("content_type", "body", "why"),
    [
        ("text/html", "", "body is empty"),
        ("text/html", "   \n", "body is empty"),
        (
            "text/html",
            "<html><body><h1>Down for maintenance</h1></body></html>",
            "not a simple page for demo",
        ),
        (
            "text/html",
            '<html><body><form action="/login"><input type=password></form></body></html>',
            "it has a form",
        ),
        (
            "text/html",
            html(f'<a href="demo-1.0.tar.gz#sha256={SHA}">demo-1.0.tar.gz</a>')[:-20],
            "not a complete HTML document",
        ),
        (
            "text/html",
            html('<a href="other-1.0.tar.gz">other-1.0.tar.gz</a>', title="x"),
            "none to a file of demo",
        ),
        ("text/html", html("", title="Links for other"), "page of project 'other'"),
        ("text/plain", "demo-1.0.tar.gz", "neither PEP 691 JSON nor HTML"),
        ("application/vnd.pypi.simple.v1+json", "[1, 2]", "not an object"),
        ("application/vnd.pypi.simple.v1+json", '{"name": "demo", "files": []}', "'meta'"),
        (
            "application/vnd.pypi.simple.v1+json",
            '{"meta": {"api-version": "1.0"}, "name": "other", "files": []}',
            "project 'other'",
        ),
        (
            "application/vnd.pypi.simple.v1+json",
            '{"meta": {"api-version": "1.0"}, "name": "demo"',
            "does not parse",
        ),
        (
            "application/vnd.pypi.simple.v1+json",
            '{"meta": {"api-version": "1.0"}, "name": "demo",'
            ' "files": [{"filename": "demo-1.0.tar.gz"}]}',
            "malformed file entry",
        ),
    ],
)
def test_junk_is_never_an_empty_project(content_type: str, body: str, why: str) -> None:
    with pytest.raises(PageProblem, match=why):
        parse_project_page(DEMO, URL, content_type, body)


def test_one_file_listed_twice_with_different_hashes_is_ambiguous_in_either_order() -> None:
    one = f'<a href="/f/demo-1.0.tar.gz#sha256={SHA}">demo-1.0.tar.gz</a>'
    two = f'<a href="/g/demo-1.0.tar.gz#sha256={"cd" * 32}">demo-1.0.tar.gz</a>'
    for links in (one + two, two + one):
        with pytest.raises(PageProblem, match="twice with different hashes"):
            parse_html(DEMO, URL, html(links))
    assert parse_html(DEMO, URL, html(one + one))["demo-1.0.tar.gz"].hashes == {"sha256": SHA}


def test_two_spellings_of_one_file_with_different_hashes_are_ambiguous() -> None:
    links = (
        f'<a href="/f/Demo-1.0.tar.gz#sha256={SHA}">Demo-1.0.tar.gz</a>'
        f'<a href="/f/demo-1.0.tar.gz#sha256={"cd" * 32}">demo-1.0.tar.gz</a>'
    )
    with pytest.raises(PageProblem, match="one file to the index"):
        parse_html(DEMO, URL, html(links))


def test_a_malformed_digest_makes_the_page_unreadable() -> None:
    with pytest.raises(PageProblem, match="malformed sha256"):
        parse_html(DEMO, URL, html('<a href="/f/demo-1.0.tar.gz#sha256=xyz">demo-1.0.tar.gz</a>'))


def test_old_gitea_fragment_is_read() -> None:
    page = html(f'<a href="/f/demo-1.0.tar.gz#sha256-{SHA}">demo-1.0.tar.gz</a>')
    assert parse_html(DEMO, URL, page)["demo-1.0.tar.gz"].hashes == {"sha256": SHA}


@pytest.mark.parametrize(
    ("content_type", "prefix", "looks"),
    [
        ("text/html", "<html><head><title>Simple Index</title></head><body>", True),
        ("text/html", '<html><body><a href="demo/">demo</a><a href="other/">other</a>', True),
        ("text/html", "<html><head><title>uploader/dev: simple list</title>", True),
        ("text/html", "<html><head><title>Welcome</title></head><body>Hello", False),
        (
            "application/vnd.pypi.simple.v1+json",
            '{"meta":{"_last-serial":1,"api-version":"1.4"},"projects":[{"name":"a"}',
            True,
        ),
        ("application/vnd.pypi.simple.v1+json", '{"error": "not found"}', False),
        ("text/plain", "Not Found", False),
    ],
)
def test_index_root_recognition(content_type: str, prefix: str, looks: bool) -> None:
    assert looks_like_index_root(content_type, prefix) is looks


DIGESTS = st.binary(min_size=32, max_size=32).map(bytes.hex)


def _page(project: str, files: list[tuple[str, str]]) -> str:
    links = "".join(
        f'<a href="/packages/{quote(f)}#sha256={d}">{escape(f)}</a><br>\n' for f, d in files
    )
    return (
        f"<!DOCTYPE html><html><head><title>Links for {project}</title></head><body>"
        f"<h1>Links for {project}</h1>\n{links}</body></html>"
    )


PAGES = st.tuples(
    NAMES, st.lists(st.tuples(VERSIONS, DIGESTS), max_size=6, unique_by=lambda t: t[0])
)


@FAST
@given(PAGES)
def test_a_valid_page_reads_back_exactly(case: tuple[str, list[tuple[str, str]]]) -> None:
    name, entries = case
    project = canonicalize_name(name)
    files = [(f"{project.replace('-', '_')}-{v}.tar.gz", d) for v, d in entries]
    parsed = parse_html(project, "https://i.example/simple/x/", _page(project, files))
    assert {f: r.hashes for f, r in parsed.items()} == {f: {"sha256": d} for f, d in files}


@FAST
@given(PAGES, st.data())
def test_a_truncated_page_is_never_read_as_a_shorter_listing(
    case: tuple[str, list[tuple[str, str]]],
    data: st.DataObject,
) -> None:
    name, entries = case
    project = canonicalize_name(name)
    files = [(f"{project.replace('-', '_')}-{v}.tar.gz", d) for v, d in entries]
    page = _page(project, files)
    cut = data.draw(st.integers(0, page.rindex("</body>") - 1))
    try:
        parsed = parse_project_page(project, "https://i.example/simple/x/", "text/html", page[:cut])
    except PageProblem:
        return
    raise AssertionError(f"a page cut at {cut} was read as {sorted(parsed)}")


@FAST
@given(
    st.sampled_from(["text/html", "application/vnd.pypi.simple.v1+json", "text/plain", ""]),
    st.text(max_size=400),
)
def test_arbitrary_answers_are_a_listing_or_a_page_problem(content_type: str, body: str) -> None:
    try:
        parsed = parse_project_page(
            canonicalize_name("demo"), "https://i.example/simple/demo/", content_type, body
        )
    except PageProblem:
        return
    assert isinstance(parsed, dict)
