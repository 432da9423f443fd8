"""Reading one simple-index page, strictly: only a page that is recognisably the project's own
simple page (PEP 691 JSON or PEP 503 HTML) says what the index holds.

A maintenance page, a login form, a truncated document, an empty body, a page about another
project or one that lists a file twice with different hashes raises `PageProblem`: the check
must never read junk as "the project has no files".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import unquote, urljoin, urlsplit

from packaging.utils import NormalizedName, canonicalize_name

from publish_action.distributions.names import file_key

JSON_TYPES = ("application/vnd.pypi.simple.v1+json", "application/json")
HTML_TYPES = ("text/html", "application/vnd.pypi.simple.v1+html")
# Hex digest lengths; a digest of another length or alphabet makes the page unreadable.
_DIGEST_LENGTHS = {
    "md5": 32,
    "sha1": 40,
    "sha224": 56,
    "sha256": 64,
    "sha384": 96,
    "sha512": 128,
    "blake2b_256": 64,
}
_HEX = re.compile(r"[0-9a-f]+")


class PageProblem(Exception):
    """The answer is not a simple page for the project; `str()` says why, for the user."""


@dataclass(frozen=True)
class RemoteFile:
    filename: str
    url: str
    hashes: Mapping[str, str]
    upload_time: str | None = None  # PEP 700, JSON pages only (ISO 8601)


def normal_hash_name(name: str) -> str:
    name = name.lower().replace("-", "_")
    return "blake2b_256" if name in ("blake2b_256", "blake2_256") else name


def belongs_to(filename: str, project: NormalizedName) -> bool:
    """A file of this project, judged by its name (legacy names like .egg included)."""
    return canonicalize_name(filename).startswith(project + "-")


def _digests(raw: Mapping[str, object], filename: str) -> dict[str, str]:
    hashes: dict[str, str] = {}
    for name, value in raw.items():
        algorithm = normal_hash_name(str(name))
        digest = str(value).strip().lower()
        expected = _DIGEST_LENGTHS.get(algorithm)
        if expected is not None and (len(digest) != expected or not _HEX.fullmatch(digest)):
            raise PageProblem(f"it gives {filename} a malformed {algorithm} hash {digest!r}")
        hashes[algorithm] = digest
    return hashes


def _merge(files: dict[str, RemoteFile], new: RemoteFile) -> None:
    """Add `new`; a file listed twice must be listed the same way twice."""
    old = files.get(new.filename)
    if old is None:
        files[new.filename] = new
        return
    common = set(old.hashes) & set(new.hashes)
    if not common or any(old.hashes[a] != new.hashes[a] for a in common):
        raise PageProblem(
            f"it lists {new.filename} twice with different hashes "
            f"({_label(old)} and {_label(new)}): an ambiguous listing"
        )
    files[new.filename] = RemoteFile(
        old.filename, old.url, {**new.hashes, **old.hashes}, old.upload_time or new.upload_time
    )


def _label(remote: RemoteFile) -> str:
    return ", ".join(f"{a}={d}" for a, d in sorted(remote.hashes.items())) or "no hash"


def check_unambiguous(files: Mapping[str, RemoteFile]) -> None:
    """Two spellings of one file (by `file_key`) with different hashes are ambiguous too."""
    by_key: dict[tuple[str, ...], RemoteFile] = {}
    for remote in files.values():
        key = file_key(remote.filename)
        if key[0] == "other":  # not a distribution: nothing to compare it with
            continue
        other = by_key.setdefault(key, remote)
        if other is remote:
            continue
        common = set(other.hashes) & set(remote.hashes)
        if not common or any(other.hashes[a] != remote.hashes[a] for a in common):
            raise PageProblem(
                f"it lists {other.filename} and {remote.filename}, one file to the "
                "index, with different hashes: an ambiguous listing"
            )


# -- PEP 691 ------------------------------------------------------------------------------


def parse_json(project: NormalizedName, page_url: str, body: str) -> dict[str, RemoteFile]:
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise PageProblem(f"its JSON does not parse ({exc})") from None
    if not isinstance(data, dict):
        raise PageProblem("its JSON is not an object")
    meta = data.get("meta")
    version = meta.get("api-version") if isinstance(meta, dict) else None
    if not isinstance(version, str) or not version.startswith("1."):
        raise PageProblem("its JSON has no PEP 691 'meta' with an 'api-version' 1.x")
    name = data.get("name")
    if not isinstance(name, str) or canonicalize_name(name) != project:
        raise PageProblem(f"its JSON is the page of project {name!r}, not {project!r}")
    entries = data.get("files")
    if not isinstance(entries, list):
        raise PageProblem("its JSON has no list of 'files'")
    files: dict[str, RemoteFile] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            raise PageProblem(f"its JSON has a malformed file entry {entry!r:.80}")
        filename, url, hashes = entry.get("filename"), entry.get("url"), entry.get("hashes")
        if not (
            isinstance(filename, str)
            and filename
            and isinstance(url, str)
            and isinstance(hashes, dict)
        ):
            raise PageProblem(f"its JSON has a malformed file entry {entry!r:.80}")
        uploaded = entry.get("upload-time")
        _merge(
            files,
            RemoteFile(
                filename,
                urljoin(page_url, url),
                _digests(hashes, filename),
                uploaded if isinstance(uploaded, str) else None,
            ),
        )
    check_unambiguous(files)
    return files


# -- PEP 503 ------------------------------------------------------------------------------


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self.headings: list[str] = []  # <title> and <h1> texts
        self.repository_version: str | None = None  # PEP 629
        self.has_form = False
        self.closed = False  # </body> or </html> seen: the document is whole
        self._href: str | None = None
        self._text: list[str] = []
        self._heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a":
            self._href = values.get("href")
            self._text = []
        elif tag in ("title", "h1"):
            self._heading = []
        elif tag == "meta" and values.get("name") == "pypi:repository-version":
            self.repository_version = values.get("content") or ""
        elif tag == "form":
            self.has_form = True

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)
        if self._heading is not None:
            self._heading.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text).strip()))
            self._href = None
        elif tag in ("title", "h1") and self._heading is not None:
            self.headings.append(" ".join("".join(self._heading).split()))
            self._heading = None
        elif tag in ("body", "html"):
            self.closed = True


def _fragment_hashes(fragment: str) -> dict[str, str]:
    if "=" in fragment:
        algorithm, _, digest = fragment.partition("=")
        return {algorithm: digest}
    # Old Gitea wrote `#sha256-<hex>`: read it rather than call the page junk.
    match = re.fullmatch(r"(sha256|sha384|sha512|md5)-([0-9a-fA-F]+)", fragment)
    return {match.group(1): match.group(2)} if match else {}


def parse_html(project: NormalizedName, page_url: str, body: str) -> dict[str, RemoteFile]:
    page = _Page()
    page.feed(body)
    page.close()
    if not page.closed:
        raise PageProblem(
            "it is not a complete HTML document (no closing </body> or </html>): truncated?"
        )
    files: dict[str, RemoteFile] = {}
    for href, text in page.links:
        if not href:
            continue
        url, _, fragment = urljoin(page_url, href).partition("#")
        name = unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or text
        remote = RemoteFile(name, url, _digests(_fragment_hashes(fragment), name))
        _merge(files, remote)
    check_unambiguous(files)
    named = _named_project(page.headings)
    if named is not None and named != project:
        raise PageProblem(f"it is the page of project {named!r}, not {project!r}")
    ours = [f for f in files if belongs_to(f, project)]
    if named is None and page.repository_version is None and not ours:
        what = (
            "a form"
            if page.has_form
            else (f"{len(files)} link(s), none to a file of {project}" if files else "no links")
        )
        raise PageProblem(
            f"it is not a simple page for {project} (it has {what}, and no "
            f"'Links for {project}' heading or PEP 629 version tag)"
        )
    return files


def _named_project(headings: Iterable[str]) -> NormalizedName | None:
    for heading in headings:
        match = re.search(r"links for\s+(\S+)\s*$", heading, re.I)
        if match:
            return canonicalize_name(match.group(1))
    return None


def parse_project_page(
    project: NormalizedName, page_url: str, content_type: str, body: str
) -> dict[str, RemoteFile]:
    """The files a 200 answer lists, or `PageProblem` when it is not the project's page."""
    if not body.strip():
        raise PageProblem("its body is empty")
    if content_type in JSON_TYPES:
        return parse_json(project, page_url, body)
    if content_type in HTML_TYPES or (not content_type and body.lstrip().startswith("<")):
        return parse_html(project, page_url, body)
    raise PageProblem(
        f"its content type {content_type or '(none)'} is neither PEP 691 JSON nor HTML"
    )


def looks_like_index_root(content_type: str, prefix: str) -> bool:
    """The first bytes of an index's root page (the list of projects) look like one."""
    if content_type in JSON_TYPES:
        return bool(re.search(r'"meta"\s*:\s*\{[^{}]*"api-version"\s*:\s*"1\.', prefix))
    if content_type not in HTML_TYPES and not prefix.lstrip().startswith("<"):
        return False
    page = _Page()
    page.feed(prefix)
    if page.repository_version is not None:
        return True
    if any(re.search(r"\bsimple\b", h, re.I) for h in page.headings):
        return True
    return any(
        href.rstrip("/").rsplit("/", 1)[-1]
        and text
        and canonicalize_name(text) == canonicalize_name(href.rstrip("/").rsplit("/", 1)[-1])
        for href, text in page.links
    )
