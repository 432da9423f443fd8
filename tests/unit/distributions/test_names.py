"""Property-based tests (hypothesis) over the parsers that decide what the index holds and
what a distribution is: file names, simple pages, core metadata, and what reaches output."""

from __future__ import annotations

import html
import re
from urllib.parse import quote, quote_plus

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.utils import canonicalize_name

from publish_action.distributions import metadata
from publish_action.distributions.names import file_key
from publish_action.redaction import Redactor, printable
from publish_action.simple_index.page import PageProblem, parse_html, parse_project_page

NAMES = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,12}[A-Za-z0-9])?", fullmatch=True)
VERSIONS = st.lists(st.integers(0, 99), min_size=1, max_size=3).map(
    lambda parts: ".".join(map(str, parts))
)
DIGESTS = st.binary(min_size=32, max_size=32).map(bytes.hex)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _spellings(name: str) -> list[str]:
    norm = canonicalize_name(name)
    return [norm.replace("-", "_"), norm.replace("-", "_").upper(), norm.replace("-", "."), norm]


@FAST
@given(NAMES, VERSIONS)
def test_every_spelling_of_a_name_is_one_file_to_an_index(name: str, version: str) -> None:
    sdists = {file_key(f"{s}-{version}.tar.gz") for s in _spellings(name)}
    wheels = {
        file_key(f"{s.replace('-', '_').replace('.', '_')}-{version}-py3-none-any.whl")
        for s in _spellings(name)
    }
    assert len(sdists) == 1 and len(wheels) == 1
    assert sdists != wheels


@FAST
@given(NAMES, NAMES, VERSIONS)
def test_different_projects_are_different_files(a: str, b: str, version: str) -> None:
    same = canonicalize_name(a) == canonicalize_name(b)
    assert (file_key(f"{a}-{version}.tar.gz") == file_key(f"{b}-{version}.tar.gz")) == same


def _page(project: str, files: list[tuple[str, str]]) -> str:
    links = "".join(
        f'<a href="/packages/{quote(f)}#sha256={d}">{html.escape(f)}</a><br>\n' for f, d in files
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


CONTROL = st.sampled_from(["\x00", "\x07", "\x1b", "\x7f", "\x9b", "\x1b[2K"])


@FAST
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60), CONTROL)
def test_control_characters_in_a_summary_are_always_refused(summary: str, bad: str) -> None:
    text = (
        f"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"
        f"Summary: {summary.splitlines()[0] if summary.splitlines() else ''}{bad}x\n"
    )
    from packaging.version import Version

    raw, problems = metadata.parse(
        text.encode(),
        "demo-1.0/PKG-INFO",
        project=canonicalize_name("demo"),
        version=Version("1.0"),
        verify=False,
    )
    assert raw is None and problems


@FAST
@given(st.binary(max_size=300))
def test_metadata_parsing_never_raises(data: bytes) -> None:
    from packaging.version import Version

    raw, problems = metadata.parse(
        data, "m", project=canonicalize_name("demo"), version=Version("1.0"), verify=True
    )
    assert raw is not None or problems


_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@FAST
@given(st.text(max_size=200))
def test_printable_output_holds_no_control_character(text: str) -> None:
    shown = printable(text)
    assert not _UNPRINTABLE.search(shown)
    assert "\n" not in printable(text, one_line=True) and "\t" not in printable(text, one_line=True)
    assert printable(shown) == shown


@FAST
@given(st.text(min_size=4, max_size=30).filter(lambda s: s.strip() == s and len(s) >= 4))
def test_a_secret_is_redacted_in_every_form_a_server_echoes(secret: str) -> None:
    redact = Redactor()
    redact.add(secret)
    lower_hex = re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(secret, safe=""))
    forms = [secret, quote(secret, safe=""), quote_plus(secret), html.escape(secret), lower_hex]
    shown = redact(" | ".join(f"<{form}>" for form in forms))
    for form in forms:
        if len(form) >= 4:
            assert f"<{form}>" not in shown
