"""The long description rendered as PyPI renders it, to find the ones it refuses.

Warehouse (`forklift/legacy.py`, `utils/readme.py`) renders the Description with
`readme-renderer` on upload, without its plain-text fallback, and refuses the file when nothing
comes out. reStructuredText (also the default when Description-Content-Type is missing) fails on
any docutils warning or error (halt level 2); plain text cannot fail. Markdown is rendered there
with comrak (`readme-renderer[md]`), which is not installed here: like `twine check`, Markdown is
not rendered, and comrak renders any Markdown with content to something. The content type itself
(its charset and Markdown variant) is validated by `packaging` with the rest of the metadata.

`readme_renderer` (and docutils) load only when a description is rendered: they cost a tenth of
a second, which `--help` and runs without verify-metadata never pay.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from email.message import EmailMessage
from functools import lru_cache

# docutils' report lines ("<string>:12: (ERROR/3) Unknown target name"), made readable as
# `twine check` makes them ("line 12: Error: Unknown target name").
_REPORT = re.compile(
    r"^<string>:(?P<line>\d*): \((?P<level>DEBUG|INFO|WARNING|ERROR|SEVERE)/\d+\) (?P<text>.*)$"
)
_MAX_LINES = 5  # of docutils' report shown per description; the first one is what to fix


@dataclass(frozen=True)
class RenderFailure:
    """Why the description does not render: the format tried and docutils' first reports."""

    content_type: str  # as the index names it: "text/x-rst"
    defaulted: bool  # no Description-Content-Type: reStructuredText is the default
    reports: tuple[str, ...]

    def describe(self) -> str:
        how = (
            "as reStructuredText, the default without Description-Content-Type"
            if self.defaulted
            else f"as {self.content_type}"
        )
        found = "; ".join(self.reports) or "nothing was rendered"
        return f"the long description does not render {how} ({found})"


@lru_cache(maxsize=32)
def content_type_of(declared: str | None) -> str:
    """The bare media type Warehouse picks the renderer by: `text/markdown; charset=UTF-8` is
    `text/markdown`, and no value at all is reStructuredText. (Parsed once per value: every
    file of a release declares the same.)"""
    if not declared:
        return "text/x-rst"
    message = EmailMessage()
    message["content-type"] = declared
    return message.get_content_type()


def render_failure(description: str | None, declared_type: str | None) -> RenderFailure | None:
    """None when the index renders the description (or there is none to render)."""
    if not description:
        return None
    content_type = content_type_of(declared_type)
    if content_type != "text/x-rst":
        return None  # plain text cannot fail; Markdown: see the module's note
    reports = _rst_reports(description)
    if reports is None:
        return None
    return RenderFailure(content_type, not declared_type, reports)


@lru_cache(maxsize=32)
def _rst_reports(description: str) -> tuple[str, ...] | None:
    """None when the text renders; else docutils' reports. A wheel and an sdist of one release
    carry the same description: it is rendered once."""
    import readme_renderer.rst

    stream = io.StringIO()
    if readme_renderer.rst.render(description, stream=stream) is not None:
        return None
    return _readable(stream.getvalue())


def _readable(text: str) -> tuple[str, ...]:
    """One entry per docutils report, its continuation lines joined, at most `_MAX_LINES`."""
    entries: list[str] = []
    for line in text.splitlines():
        found = _REPORT.match(line)
        if found:
            where = f"line {found['line']}: " if found["line"] else ""
            entries.append(f"{where}{found['level'].capitalize()}: {found['text'].strip()}")
        elif line.strip() and entries and not _is_source_echo(line):
            entries[-1] += " " + line.strip()
        elif line.strip() and not entries:
            entries.append(line.strip())
    if len(entries) > _MAX_LINES:
        entries = [*entries[:_MAX_LINES], f"and {len(entries) - _MAX_LINES} more"]
    return tuple(entries)


def _is_source_echo(line: str) -> bool:
    """docutils quotes the offending source after a blank line, indented: not a report."""
    return line.startswith((" ", "\t"))
