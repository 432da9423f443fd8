"""Sonatype Nexus Repository 3: PyPI hosted and group repositories.

Sources: sonatype/nexus-public ``plugins/nexus-repository-pypi`` (code index):
``PyPiHostedFacetImpl.java`` / ``datastore/internal/PyPiHostedFacet.java`` (upload: md5 checked
only when sent; the cached index is dropped on each upload; links
``../../packages/<name>/<version>/<file>#md5=``), ``PyPiIndexUtils.java`` +
``pypi-index.vm`` (page layout, ``rel="internal"``), ``pypi-root-index.vm`` and
``datastore/internal/PyPiHostedFacet.java`` ``getRootIndex`` (the root page), group handler
(members' pages merged, first file name wins); twine #693 / PR #694 (the HTML error page),
twine #1044 and nexus-public #696 (the newer "… cannot be updated" text); notes §2 Nexus.

URLs: ``https://<host>[/<context>]/repository/<repo>/`` (upload) and ``…/<repo>/simple/<name>/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from packaging.utils import canonicalize_name

from tests.support.indexes.base import Origin, Request, Response, StandIn, StoredFile, make_file
from tests.support.indexes.pages import escape

__all__ = ["Nexus", "NexusOptions"]

REALM = "Sonatype Nexus Repository Manager"


@dataclass
class NexusOptions:
    hash_fragment: str = "sha256"
    """"sha256" (3.41 and later) or "md5" (older; pages cached before an upgrade keep it)."""
    duplicate_message: str = "newer"
    """"older" (OrientDB): body "Repository does not allow updating assets: <repo>";
    "newer" (SQL datastore): "<repo>/packages/<n>/<v>/<file> cannot be updated"."""
    allow_redeploy: bool = False  # deployment policy "Allow redeploy": silent overwrite
    anonymous_read: bool = True  # the "anonymous access" switch


@dataclass
class _Repo:
    name: str
    members: list[str] = field(default_factory=list)  # a group when non-empty
    index_cache: dict[str, bytes] = field(default_factory=dict)


class Nexus(StandIn):
    """``Nexus()`` has hosted ``pypi-hosted``, a PyPI proxy ``pypi-proxy`` (seed it with
    ``seed(..., repo="pypi-proxy")``) and a group ``pypi-group`` of both."""

    name = "Nexus"
    default_repo = "pypi-hosted"

    def __init__(
        self,
        host: str = "nexus.example.com",
        *,
        context: str = "",
        users: dict[str, str] | None = None,
    ) -> None:
        self.site = Origin.site(host)
        super().__init__([self.site], NexusOptions())
        self.host, self.context = self.site.host, context.strip("/")
        prefix = f"/{self.context}" if self.context else ""
        self.base = f"{self.site.base}{prefix}/repository/"
        self.users = dict(users or {"deployer": "deployer-password"})
        self.auth = next(iter(self.users.items()))
        self.repos = {
            "pypi-hosted": _Repo("pypi-hosted"),
            "pypi-proxy": _Repo("pypi-proxy"),
            "pypi-group": _Repo("pypi-group", ["pypi-hosted", "pypi-proxy"]),
        }
        self.upload_url = f"{self.base}pypi-hosted/"
        self.simple_url = f"{self.base}pypi-hosted/simple/"
        self.group_simple_url = f"{self.base}pypi-group/simple/"

    def reset(self) -> None:
        super().reset()
        with self.lock:
            for repo in self.repos.values():
                repo.index_cache.clear()

    def seed(
        self,
        filename: str,
        content: bytes,
        *,
        repo: str | None = None,
        age_days: float = 0.0,
        **extra: Any,
    ) -> StoredFile:
        """Store a file as an upload would, dropping the cached index pages it changes."""
        stored = super().seed(filename, content, repo=repo, age_days=age_days, **extra)
        with self.lock:
            for cached in self.repos.values():
                cached.index_cache.pop(stored.project, None)
        return stored

    def dispatch(self, request: Request) -> Response:
        prefix = f"/{self.context}/repository/" if self.context else "/repository/"
        if not request.path.startswith(prefix):
            return _error_page(404, "Not Found", "Not Found", self.site.base)
        repo_name, _, rest = request.path.removeprefix(prefix).partition("/")
        repo = self.repos.get(repo_name)
        if repo is None:
            return _error_page(404, "Not Found", "Repository not found", self.site.base)
        basic = request.basic()
        authenticated = basic is not None and self.users.get(basic[0]) == basic[1]
        if (basic is not None and not authenticated) or (
            not authenticated and (request.method == "POST" or not self.options.anonymous_read)
        ):
            return Response(
                401, b"", None, None, headers=[("WWW-Authenticate", f'BASIC realm="{REALM}"')]
            )
        if request.method == "POST" and rest == "":
            if repo.members or repo_name == "pypi-proxy":
                return _error_page(
                    400, "Bad Request", "Repository is read only: " + repo_name, self.host
                )
            return self._upload(request, repo)
        if request.method in ("GET", "HEAD") and rest.startswith("simple/"):
            return self._simple(repo, rest.removeprefix("simple/").strip("/"))
        if request.method in ("GET", "HEAD") and rest.startswith("packages/"):
            return self._download(repo, rest)
        return _error_page(404, "Not Found", "Not Found", self.site.base)

    # -- reading ------------------------------------------------------------------------------

    def _links(self, repo: _Repo, name: str) -> dict[str, tuple[str, StoredFile]]:
        if repo.members:  # group: members in order, first file name wins (IndexGroupHandler)
            merged: dict[str, tuple[str, StoredFile]] = {}
            for member in repo.members:
                for filename, link in self._links(self.repos[member], name).items():
                    merged.setdefault(filename, link)
            return merged
        links = {}
        for stored in self.store(repo.name).project_files(name):
            if repo.name == "pypi-proxy":
                # PyPiIndexUtils.maybeRewriteLink: PyPI's link made relative, PyPI's sha256 kept
                b2 = stored.blake2_256
                links[stored.filename] = (
                    f"../../packages/{b2[:2]}/{b2[2:4]}/{b2[4:]}/"
                    f"{stored.filename}#sha256={stored.sha256}",
                    stored,
                )
                continue
            fragment = self.options.hash_fragment
            digest = stored.md5 if fragment == "md5" else stored.sha256
            path = f"packages/{stored.project}/{stored.version}/{stored.filename}"
            links[stored.filename] = (f"../../{path}#{fragment}={digest}", stored)
        return links

    def _root(self, repo: _Repo) -> Response:
        """``getRootIndex`` (PyPiHostedRecipe ``rootIndexMatcher``): built from every component,
        even none, with ``pypi-root-index.vm`` — links ``<name>/`` in name order (a TreeMap)."""
        names: dict[str, str] = {}
        for member in repo.members or [repo.name]:
            for stored in self.store(member).files.values():
                names.setdefault(stored.name, f"{stored.name}/")
        rows = "".join(
            f'  <a href="{escape(link, "xml")}">{escape(name, "xml")}</a><br/>\n'
            for name, link in sorted(names.items())
        )
        page = (
            '<html>\n<head>\n  <meta http-equiv="Content-Type" content="text/html; '
            'charset=UTF-8">\n  <title>Simple index</title>\n</head>\n<body>\n'
            f"{rows}</body>\n</html>\n"
        )
        return Response(200, page.encode(), "text/html")

    def _simple(self, repo: _Repo, raw: str) -> Response:
        if not raw:
            return self._root(repo)
        name = canonicalize_name(raw)
        self.reading(name)
        with self.lock:
            page = repo.index_cache.get(name)
            if page is None:
                links = self._links(repo, name)
                if not links:
                    return _error_page(404, "Not Found", "Not Found", self.site.base)
                rows = "".join(
                    f'  <a href="{link}" rel="internal"'
                    + (
                        f' data-requires-python="{escape(f.requires_python, "xml")}"'
                        if f.requires_python
                        else ""
                    )
                    + f">{filename}</a><br/>\n"
                    for filename, (link, f) in links.items()
                )
                page = (
                    f'<html lang="en">\n<head><title>Links for {escape(raw, "xml")}</title>'
                    '\n  <meta name="api-version" value="2"/>\n</head>\n<body><h1>Links for '
                    f"{escape(raw, 'xml')}</h1>\n{rows}</body>\n</html>\n"
                ).encode()
                repo.index_cache[name] = page  # stored as an asset until the next upload
        return Response(200, page, "text/html")

    def _download(self, repo: _Repo, rest: str) -> Response:
        filename = rest.rsplit("/", 1)[-1]
        for member in repo.members or [repo.name]:
            stored = self.store(member).files.get(filename)
            if stored is not None:
                return Response(200, stored.content, "application/octet-stream")
        return _error_page(404, "Not Found", "Not Found", self.site.base)

    # -- uploading ------------------------------------------------------------------------------

    def _upload(self, request: Request, repo: _Repo) -> Response:
        form = request.form()
        content = form.file("content")
        if form.get(":action") != "file_upload" or content is None or not form.get("name"):
            return _error_page(400, "Bad Request", "Missing content", self.site.base)
        stored = make_file(
            content.filename,
            content.data,
            name=str(form.get("name")),
            version=str(form.get("version") or ""),
            requires_python=form.get("requires_python") or "",
            fields=form.text_fields(),
        )
        md5 = form.get("md5_digest")
        if md5 and md5.lower() != stored.md5:  # validateMd5Hash: only when the client sends it
            return _error_page(
                400,
                "Bad Request",
                f"Digests do not match, found: {stored.md5}, expected: {md5}",
                self.site.base,
            )
        self.fire("before_upload", stored.project)
        with self.lock:
            store = self.store(repo.name)
            if stored.filename in store.files and not self.options.allow_redeploy:
                path = f"packages/{stored.project}/{stored.version}/{stored.filename}"
                if self.options.duplicate_message == "older":
                    return _error_page(
                        400,
                        "Bad Request",
                        f"Repository does not allow updating assets: {repo.name}",
                        self.site.base,
                    )
                message = f"{repo.name}/{path} cannot be updated"
                return _error_page(400, message, message, self.site.base)
            store.put(stored)
            for cached in self.repos.values():  # indexFacet.deleteIndex(name)
                cached.index_cache.pop(stored.project, None)
        return Response(200, b"", None)


def _error_page(status: int, reason: str, message: str, site: str) -> Response:
    """Nexus's HTML error page, the message in ``<div class="content-section">`` (twine #693)."""
    phrase = {400: "Bad Request", 404: "Not Found"}.get(status, "Error")
    page = (
        f'<!doctype html>\n<html lang="en">\n<head>\n  <title>{status} - Nexus Repository '
        f'Manager</title>\n  <meta http-equiv="Content-Type" content="text/html; '
        f'charset=UTF-8"/>\n</head>\n<body>\n<div class="nexus-header">\n  <a href="'
        f'{site}/">\n    <div class="product-name">Nexus Repository Manager</div>\n  </a>\n'
        f'</div>\n\n<div class="nexus-body">\n  <div class="content-header">\n    <span '
        f'class="title">Error {status}</span>\n    <span class="description">{phrase}</span>'
        f'\n  </div>\n  <div class="content-body">\n    <div class="content-section">\n'
        f"      {escape(message, 'xml')}\n    </div>\n      </div>\n</div>\n</body>\n</html>"
    )
    reason = re.sub(r"\s+", " ", reason)
    return Response(status, page.encode(), "text/html", reason)
