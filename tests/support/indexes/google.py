"""Google Artifact Registry, Python repositories (``<region>-python.pkg.dev``).

Sources: notes §2 Google Artifact Registry and §5; twine #816 / PR #823 and #1007 (a duplicate is
400 with the bare reason "Bad Request" and "Requested entity already exists." in the body, also
for identical content per §5); uv #9778 (user ``__token__`` gets 401: GAR expects
``oauth2accesstoken``); uv PR #14251 (the simple index is the upload URL plus ``simple/``);
bazel-contrib/rules_python #3709 and #3826 (GAR serves no PEP 503 root page: ``…/simple/``
is a 404, authenticated or not, while per-package pages answer).
Unconfirmed, chosen: a wrong user name or secret is a 401 like uv #9778's (not a 403); valid
credentials without write access get a 403 in Google's permission wording; the 401 challenge
and page layout; 200 on a fresh upload.

URLs: upload ``https://<region>-python.pkg.dev/<project>/<repo>/``, simple ``…/<repo>/simple/``.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from packaging.utils import canonicalize_name

from tests.support.indexes.base import Origin, Request, Response, StandIn, make_file
from tests.support.indexes.pages import escape

__all__ = ["GoogleArtifactRegistry", "GoogleOptions"]

ACCESS_TOKEN_USER = "oauth2accesstoken"
KEY_USER = "_json_key_base64"


@dataclass
class GoogleOptions:
    writable: bool = True  # the identity holds artifactregistry.repositories.uploadArtifacts


class GoogleArtifactRegistry(StandIn):
    name = "Google Artifact Registry"

    def __init__(
        self, region: str = "us-central1", project: str = "acme-prod", repo: str = "python-internal"
    ) -> None:
        self.host = f"{region}-python.pkg.dev"
        super().__init__([Origin("https", self.host, 443)], GoogleOptions())
        self.project, self.repo = project, repo
        self.default_repo = repo
        self.access_token = "ya29.a0AfB_fake-access-token"
        self.key_json = json.dumps({"type": "service_account", "project_id": project})
        self.key_base64 = base64.b64encode(self.key_json.encode()).decode()
        self.auth = (ACCESS_TOKEN_USER, self.access_token)
        self.upload_url = f"https://{self.host}/{project}/{repo}/"
        self.simple_url = f"{self.upload_url}simple/"

    def _authorized(self, request: Request) -> bool:
        basic = request.basic()
        return basic in ((ACCESS_TOKEN_USER, self.access_token), (KEY_USER, self.key_base64))

    def dispatch(self, request: Request) -> Response:
        base = f"/{self.project}/{self.repo}/"
        if not (request.path + "/").startswith(base):
            return Response.text(404, "Not Found\n")
        if not self._authorized(request):  # reads need auth too (notes §2)
            return Response.text(
                401,
                "Unauthenticated request.\n",
                headers=[("WWW-Authenticate", f'Basic realm="https://{self.host}"')],
            )
        rest = (request.path + "/")[len(base) :].rstrip("/")
        if request.method == "POST" and rest == "":
            return self._upload(request)
        if request.method in ("GET", "HEAD") and rest.startswith("simple/"):
            return self._simple(rest.removeprefix("simple/"))
        if request.method in ("GET", "HEAD") and rest.count("/") == 1:
            stored = self.store().files.get(rest.split("/")[1])
            if stored is not None:
                return Response(200, stored.content, "application/octet-stream")
        return Response.text(404, "Not Found\n")

    def _simple(self, raw: str) -> Response:
        name = canonicalize_name(raw)
        self.reading(name)
        with self.lock:
            files = self.store().project_files(name)
        if not files:
            return Response.text(404, "Not Found\n")
        rows = "".join(
            f'    <a href="{self.upload_url}{f.project}/{f.filename}#sha256={f.sha256}"'
            + (
                f' data-requires-python="{escape(f.requires_python, "xml")}"'
                if f.requires_python
                else ""
            )
            + f">{f.filename}</a><br>\n"
            for f in files
        )
        page = (
            f"<html>\n  <head>\n    <title>Links for {escape(name, 'xml')}</title>\n"
            f"  </head>\n  <body>\n    <h1>Links for {escape(name, 'xml')}</h1>\n{rows}"
            "  </body>\n</html>\n"
        )
        return Response(200, page.encode(), "text/html; charset=utf-8")

    def _upload(self, request: Request) -> Response:
        if not self.options.writable:
            return Response.text(
                403,
                f"Permission 'artifactregistry.repositories.uploadArtifacts'"
                f" denied on resource 'projects/{self.project}/locations/"
                f"-/repositories/{self.repo}' (or it may not exist).\n",
            )
        form = request.form()
        content = form.file("content")
        if content is None or not form.get("name"):
            return Response.text(400, "Missing content.\n")
        stored = make_file(
            content.filename,
            content.data,
            name=str(form.get("name")),
            version=str(form.get("version") or ""),
            requires_python=form.get("requires_python") or "",
            fields=form.text_fields(),
        )
        self.fire("before_upload", stored.project)
        with self.lock:
            if stored.filename in self.store().files:  # identical or not (notes §5)
                return Response.text(
                    400, "Requested entity already exists.\n", reason="Bad Request"
                )
            self.store().put(stored)
        return Response(200, b"", None)
