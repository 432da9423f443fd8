"""distributions/readme.py: the long description rendered as PyPI renders it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from publish_action.distributions.readme import content_type_of, render_failure
from tests.unit.test_layout import ROOT

GOOD_RST = "Demo\n====\n\nA `link <https://example.com>`_ and *emphasis*.\n"
BROKEN_RST = "Demo\n====\n\nA `broken link`_ here.\n"
MARKDOWN = "# Demo\n\nA [link](https://example.com) and `code`, and a broken `_ rst link.\n"


def test_valid_rst_renders() -> None:
    assert render_failure(GOOD_RST, "text/x-rst") is None
    assert render_failure(GOOD_RST, None) is None


def test_broken_rst_fails_with_docutils_report_as_twine_shows_it() -> None:
    failure = render_failure(BROKEN_RST, "text/x-rst; charset=UTF-8")
    assert failure is not None
    assert failure.content_type == "text/x-rst" and not failure.defaulted
    assert failure.reports == ('line 4: Error: Unknown target name: "broken link".',)
    assert failure.describe() == (
        "the long description does not render as text/x-rst "
        '(line 4: Error: Unknown target name: "broken link".)'
    )


def test_markdown_without_a_content_type_is_rendered_as_rst_and_says_so() -> None:
    """The commonest refusal: a README.md uploaded without Description-Content-Type."""
    text = "# Title\n\n* item\nnot a list item\n"
    failure = render_failure(text, None)
    assert failure is not None and failure.defaulted
    assert "the default without Description-Content-Type" in failure.describe()
    assert failure.reports[0].startswith("line 4: Warning: Bullet list ends without a blank line")
    # Declared as Markdown it is not rendered here (twine check does not either).
    assert render_failure(text, "text/markdown") is None


@pytest.mark.parametrize("content_type", ["text/plain", "text/markdown; variant=GFM"])
def test_plain_text_and_markdown_never_fail(content_type: str) -> None:
    assert render_failure(BROKEN_RST + MARKDOWN, content_type) is None


def test_no_description_is_not_a_failure() -> None:
    assert render_failure(None, None) is None
    assert render_failure("", "text/x-rst") is None


def test_content_type_parsing_as_warehouse_does() -> None:
    assert content_type_of(None) == "text/x-rst"
    assert content_type_of("") == "text/x-rst"
    assert content_type_of("TEXT/Markdown; charset=UTF-8; variant=CommonMark") == "text/markdown"
    # RFC 2045: an unparsable type is text/plain, which Warehouse then renders as plain text.
    assert content_type_of("nonsense") == "text/plain"


def test_only_the_first_reports_are_kept() -> None:
    from publish_action.distributions.readme import _readable

    text = "".join(f"<string>:{n}: (ERROR/3) problem {n}\n" for n in range(1, 9))
    assert _readable(text) == (
        *(f"line {n}: Error: problem {n}" for n in range(1, 6)),
        "and 3 more",
    )
    assert _readable("No content rendered from RST source.") == (
        "No content rendered from RST source.",
    )


def test_readme_renderer_loads_only_when_a_description_is_rendered() -> None:
    probe = f"""
import sys
sys.path.insert(0, {str(ROOT / "src")!r})
from publish_action.distributions.readme import render_failure
assert render_failure(None, None) is None and render_failure("x", "text/plain") is None
print(",".join(m for m in ("readme_renderer", "docutils") if m in sys.modules))
"""
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == ""
