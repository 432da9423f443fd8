"""Cloudsmith Python repositories: upload on one host, reads on another, processing later.

Sources: notes §2 Cloudsmith and §5 — upload ``https://python.cloudsmith.io/<owner>/<repo>/``,
reads ``https://dl.cloudsmith.io/{public|basic|<entitlement>}/<owner>/<repo>/python/simple/``
(``basic``: user ``token`` + API key), ``__token__`` + API key works (uv's publish test),
processing is asynchronous (a package is synchronised after the upload), and re-pushing an
existing file without "Replace packages" is accepted first and fails during the sync
(agentjp/bdinfo-rs #80, for deb/rpm).
Unconfirmed, chosen: the same for Python; the upload answers 200 before processing; a failed
sync leaves the original file listed and is recorded in :attr:`Cloudsmith.sync_failures`; with
``replace_packages`` the new bytes replace the old at sync time; ``#sha256=`` links; the 401
challenge; the user name of the account is accepted too.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from packaging.utils import canonicalize_name

from tests.support.indexes.base import (
    Origin,
    Request,
    Response,
    StandIn,
    StoredFile,
    make_file,
    www_authenticate,
)
from tests.support.indexes.pages import escape

__all__ = ["Cloudsmith", "CloudsmithOptions"]

UPLOAD_HOST, DOWNLOAD_HOST = "python.cloudsmith.io", "dl.cloudsmith.io"


@dataclass
class CloudsmithOptions:
    sync_delay: float = 1.0
    """Seconds between an accepted upload and the file showing on the simple page."""
    replace_packages: bool = False  # the repository option "Replace packages by default"
    public: bool = False  # a public repository reads at /public/ without credentials


class Cloudsmith(StandIn):
    name = "Cloudsmith"

    def __init__(
        self, owner: str = "acme", repo: str = "python-private", user: str = "release-bot"
    ) -> None:
        super().__init__(
            [Origin("https", UPLOAD_HOST, 443), Origin("https", DOWNLOAD_HOST, 443)],
            CloudsmithOptions(),
        )
        self.owner, self.repo, self.user = owner, repo, user
        self.default_repo = repo
        self.api_key = "2a6f0c1e9b8d7a6f5e4d3c2b1a0f9e8d7c6b5a49"
        self.entitlement = "kQ3xZ7fakeEntitlement"
        self.auth = ("token", self.api_key)
        self.upload_url = f"https://{UPLOAD_HOST}/{owner}/{repo}/"
        self.simple_url = f"https://{DOWNLOAD_HOST}/basic/{owner}/{repo}/python/simple/"
        self.public_simple_url = f"https://{DOWNLOAD_HOST}/public/{owner}/{repo}/python/simple/"
        self.entitled_simple_url = (
            f"https://{DOWNLOAD_HOST}/{self.entitlement}/{owner}/{repo}/python/simple/"
        )
        self._pending: list[tuple[StoredFile, bool]] = []
        self.sync_failures: list[tuple[str, str]] = []
        """(filename, reason) of uploads the asynchronous sync refused."""

    def reset(self) -> None:
        super().reset()
        with self.lock:
            self._pending.clear()
            self.sync_failures.clear()

    def files(self, project: str, repo: str | None = None) -> dict[str, str]:
        """What is synchronised (listed); pending uploads are not there yet."""
        self._sync()
        return super().files(project, repo)

    def _key_ok(self, request: Request) -> bool:
        basic = request.basic()
        return (
            basic is not None
            and basic[1] == self.api_key
            and basic[0] in ("token", "__token__", self.user)
        )

    def _unauthorized(self) -> Response:
        return Response.json(
            401,
            {"detail": "Authentication credentials were not provided."},
            headers=[www_authenticate("cloudsmith")],
        )

    def _sync(self) -> None:
        """Process uploads whose time came, in upload order."""
        now = time.time()
        with self.lock:
            due = [(f, r) for f, r in self._pending if f.visible_at <= now]
            self._pending = [(f, r) for f, r in self._pending if f.visible_at > now]
            for stored, replace_existing in due:
                store = self.store()
                if stored.filename in store.files and not replace_existing:
                    self.sync_failures.append(
                        (
                            stored.filename,
                            "Sync failed: a package with this filename already "
                            "exists and 'Replace packages' is disabled",
                        )
                    )
                    continue
                store.put(replace(stored, visible_at=0.0))

    def dispatch(self, request: Request) -> Response:
        self._sync()
        if request.origin.host == UPLOAD_HOST:
            if request.path.rstrip("/") != f"/{self.owner}/{self.repo}" or request.method != "POST":
                return Response.json(404, {"detail": "Not found."})
            if not self._key_ok(request):
                return self._unauthorized()
            return self._upload(request)
        mode, _, rest = request.path.lstrip("/").partition("/")
        prefix = f"{self.owner}/{self.repo}/python/simple/"
        if not rest.startswith(prefix):
            return Response.text(404, "Not Found")
        if mode == "public" and not self.options.public:
            return Response.text(404, "Not Found")
        if mode == "basic" and not self._key_ok(request):
            return self._unauthorized()
        if mode not in ("public", "basic", self.entitlement):
            return Response.text(401, "Invalid entitlement token")
        parts = [p for p in rest.removeprefix(prefix).split("/") if p]
        if len(parts) == 2:
            stored = self.store().files.get(parts[1])
            if stored is not None:
                return Response(200, stored.content, "application/octet-stream")
        if len(parts) != 1:
            return Response.text(404, "Not Found")
        return self._simple(request, mode, parts[0])

    def _simple(self, request: Request, mode: str, raw: str) -> Response:
        name = canonicalize_name(raw)
        self.reading(name)
        with self.lock:
            files = self.store().project_files(name)
        if not files:
            return Response.text(404, "Not Found")
        base = f"https://{DOWNLOAD_HOST}/{mode}/{self.owner}/{self.repo}/python/simple/{name}/"
        rows = "".join(
            f'    <a href="{base}{f.filename}#sha256={f.sha256}"'
            + (
                f' data-requires-python="{escape(f.requires_python, "xml")}"'
                if f.requires_python
                else ""
            )
            + f">{f.filename}</a><br/>\n"
            for f in files
        )
        page = (
            f"<!DOCTYPE html>\n<html>\n  <head>\n    <title>Links for {escape(name, 'xml')}"
            f"</title>\n  </head>\n  <body>\n    <h1>Links for {escape(name, 'xml')}</h1>\n"
            f"{rows}  </body>\n</html>\n"
        )
        return Response(200, page.encode(), "text/html; charset=utf-8")

    def _upload(self, request: Request) -> Response:
        form = request.form()
        content = form.file("content")
        if content is None or not form.get("name") or not form.get("version"):
            return Response.json(400, {"detail": "Missing package file or metadata."})
        stored = make_file(
            content.filename,
            content.data,
            name=str(form.get("name")),
            version=str(form.get("version")),
            requires_python=form.get("requires_python") or "",
            fields=form.text_fields(),
        )
        self.fire("before_upload", stored.project)
        stored.visible_at = time.time() + self.options.sync_delay
        with self.lock:
            self._pending.append((stored, self.options.replace_packages))
        if self.options.sync_delay <= 0:
            self._sync()
        return Response(200, b"", None)

    def pending(self) -> list[str]:
        with self.lock:
            return [f.filename for f, _ in self._pending]
