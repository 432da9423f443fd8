"""AWS CodeArtifact PyPI repositories.

Sources: notes §2 AWS CodeArtifact — "Packages overview → Overwriting package assets" (an asset
re-published with an identical checksum succeeds, different content is a 409 Conflict), "Quotas
in AWS CodeArtifact" (150 assets per package version, not adjustable), user ``aws`` with a
``get-authorization-token`` token (12 h), reads need auth; pex #3224 (sha256 in the simple page,
file URLs ``…/<repo>/simple/<name>/<version>/<file>``); DeytaHQ/khora #495 (409 on re-runs).
Unconfirmed, chosen: the asset-quota answer is 402 with CodeArtifact's
ServiceQuotaExceededException (the HTTP status its API documents for that exception); the 409
and 401 bodies; 200 on a fresh upload; the exact page layout (relative ``<version>/<file>``).

URLs: ``https://<domain>-<account>.d.codeartifact.<region>.amazonaws.com/pypi/<repo>/`` (upload)
and ``…/pypi/<repo>/simple/<name>/``.
"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.utils import canonicalize_name

from tests.support.indexes.base import Origin, Request, Response, StandIn, make_file
from tests.support.indexes.pages import escape

__all__ = ["CodeArtifact", "CodeArtifactOptions"]


@dataclass
class CodeArtifactOptions:
    max_assets_per_version: int = 150
    token_expired: bool = False  # the 12-hour token ran out


class CodeArtifact(StandIn):
    name = "AWS CodeArtifact"

    def __init__(
        self,
        domain: str = "acme",
        account: str = "111122223333",
        region: str = "eu-west-1",
        repo: str = "python-releases",
    ) -> None:
        self.host = f"{domain}-{account}.d.codeartifact.{region}.amazonaws.com"
        super().__init__([Origin("https", self.host, 443)], CodeArtifactOptions())
        self.repo = self.default_repo = repo
        self.token = "eyJ2ZXIiOjEsImlzdSI6MTcwMDAwMDAwMCwiZW5jIjoiQTEyOEdDTSJ9.fake"
        self.auth = ("aws", self.token)
        self.upload_url = f"https://{self.host}/pypi/{repo}/"
        self.simple_url = f"{self.upload_url}simple/"

    def dispatch(self, request: Request) -> Response:
        base = f"/pypi/{self.repo}/"
        if not (request.path + "/").startswith(base):
            return Response.json(404, {"error": "Repository not found"})
        basic = request.basic()
        if basic != ("aws", self.token) or self.options.token_expired:
            return Response.json(
                401,
                {"error": "Unauthorized"},
                headers=[("WWW-Authenticate", 'Basic realm="codeartifact"')],
            )
        rest = (request.path + "/")[len(base) :].strip("/")
        if request.method == "POST" and rest == "":
            return self._upload(request)
        if request.method in ("GET", "HEAD") and rest.startswith("simple/"):
            parts = rest.removeprefix("simple/").split("/")
            if len(parts) == 1:
                return self._simple(parts[0])
            stored = self.store().files.get(parts[-1])
            if stored is not None:
                return Response(200, stored.content, "application/octet-stream")
        return Response.json(404, {"error": "Not found"})

    def _simple(self, raw: str) -> Response:
        name = canonicalize_name(raw)
        self.reading(name)
        with self.lock:
            files = self.store().project_files(name)
        if not files:
            return Response.json(404, {"error": f"Package {raw} not found"})
        rows = "".join(
            f'<a href="{f.version}/{f.filename}#sha256={f.sha256}"'
            + (
                f' data-requires-python="{escape(f.requires_python, "xml")}"'
                if f.requires_python
                else ""
            )
            + f">{f.filename}</a><br/>\n"
            for f in files
        )
        page = (
            f"<!DOCTYPE html>\n<html>\n<head><title>Links for {escape(name, 'xml')}</title>"
            f"</head>\n<body>\n<h1>Links for {escape(name, 'xml')}</h1>\n{rows}</body>\n"
            "</html>\n"
        )
        return Response(200, page.encode(), "text/html; charset=utf-8")

    def _upload(self, request: Request) -> Response:
        form = request.form()
        content = form.file("content")
        if content is None or not form.get("name") or not form.get("version"):
            return Response.json(400, {"error": "Missing package content or metadata"})
        stored = make_file(
            content.filename,
            content.data,
            name=str(form.get("name")),
            version=str(form.get("version")),
            requires_python=form.get("requires_python") or "",
            fields=form.text_fields(),
        )
        self.fire("before_upload", stored.project)
        with self.lock:
            store = self.store()
            existing = store.files.get(stored.filename)
            if existing is not None:
                if existing.sha256 == stored.sha256:
                    return Response(200, b"", None)  # identical checksum: succeeds, no change
                return Response.json(
                    409,
                    {
                        "error": f"Asset {stored.filename} already exists in "
                        f"package version {stored.name} "
                        f"{stored.version} with different content"
                    },
                )
            assets = sum(
                1
                for f in store.files.values()
                if f.project == stored.project and f.version == stored.version
            )
            if assets >= self.options.max_assets_per_version:
                return Response.json(
                    402,
                    {
                        "__type": "ServiceQuotaExceededException",
                        "message": f"Package version {stored.name} {stored.version} has reached "
                        f"the maximum of {self.options.max_assets_per_version} assets",
                    },
                )
            store.put(stored)
        return Response(200, b"", None)
