"""Gitea and Forgejo (Codeberg) PyPI package registries.

Sources: ``routers/api/packages/pypi/pypi.go`` — go-gitea/gitea@79104f08 (duplicate → **400**),
a forgejo/forgejo fork at 0248dd9f (creator-signal/fork-forgejo-forgejo, duplicate →
**409 Conflict**: Forgejo differs from Gitea here, and notes §5's "400" is Gitea's); both:
``sha256_digest`` required and compared with the content (400 "hash mismatch"), 400 "invalid
name or version", 201 on success, only name/version/author/description/summary/home page/
license/requires_python kept; ``templates/api/packages/pypi/simple.tmpl`` — go-gitea@926f0c2d
(``#sha256=``, ``data-requires-python`` only when set) and go-gitea@1965d033 (the old malformed
``#sha256-``); ``routers/api/packages/api.go`` ``reqPackageAccess`` (401, realm
"Gitea Package API", plain text; the pypi group routes only ``POST /``, ``files/…`` and
``simple/{id}``: there is no root ``simple/`` page, chi answers "404 page not found");
notes §2 Gitea/Forgejo and §5. HTML only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.support.indexes.base import (
    Origin,
    Request,
    Response,
    StandIn,
    make_file,
    www_authenticate,
)
from tests.support.indexes.pages import escape

__all__ = ["Gitea", "GiteaOptions"]

# pypi.go: what the upload keeps (home page also from a "Homepage" project URL in Forgejo)
# fmt: off
KEPT = frozenset(("name", "version", "author", "description", "long_description", "summary",
                  "home_page", "license", "requires_python"))
# fmt: on
_NAME = re.compile(r"\A(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9.\-_]*[a-zA-Z0-9])\Z")


# pypi.go apiError → ctx.PlainText(status, message): no trailing newline; http.Error adds one.


@dataclass
class GiteaOptions:
    flavour: str = "gitea"
    """"gitea" (current Gitea: duplicate 400), "forgejo" (duplicate 409), "old" (old Gitea
    template with the malformed ``#sha256-<hex>`` fragment, "Package file does exist already")."""
    private_owner: bool = False  # a private user/organization: reads need credentials


class Gitea(StandIn):
    """``Gitea()``; ``Gitea("codeberg.org", flavour="forgejo")`` for Codeberg."""

    def __init__(
        self, host: str = "gitea.example.com", *, owner: str = "acme", flavour: str = "gitea"
    ) -> None:
        self.site = Origin.site(host)
        super().__init__([self.site], GiteaOptions(flavour=flavour))
        self._initial_options = GiteaOptions(flavour=flavour)
        self.name = "Forgejo" if flavour == "forgejo" else "Gitea"
        self.host, self.owner = self.site.host, owner
        self.default_repo = owner
        self.users = {"releaser": "releaser-password"}
        self.tokens = {"8f14e45fceea167a5a36dedd4bea2543fake0001": "releaser"}
        self.auth = ("releaser", next(iter(self.tokens)))
        self.upload_url = f"{self.site.base}/api/packages/{owner}/pypi"
        self.simple_url = f"{self.upload_url}/simple/"

    def _user(self, request: Request) -> str | None:
        """services/auth/basic.go ``Basic.Verify`` (go-gitea@00705da1, Forgejo fork@475a2702):
        the password is looked up as a token first (the user name when the password is empty or
        "x-oauth-basic") and a token authenticates as its owner, whatever user name came with
        it; only then is user name + password tried (``UserSignIn``)."""
        basic = request.basic()
        if basic is None:
            return None
        user, secret = basic
        token = user if secret in ("", "x-oauth-basic") else secret
        owner = self.tokens.get(token)
        if owner is not None:
            return owner
        if self.users.get(user) == secret:
            return user
        return None

    def dispatch(self, request: Request) -> Response:
        base = f"/api/packages/{self.owner}/pypi"
        if not (request.path == base or request.path.startswith(base + "/")):
            return Response.text(404, "404 page not found\n")  # chi: http.Error
        rest = request.path.removeprefix(base).strip("/")
        user = self._user(request)
        needs_write = request.method == "POST"
        if user is None and (needs_write or self.options.private_owner):
            # api.go reqPackageAccess
            return Response.text(
                401,
                "user should have specific permission or be a site admin\n",
                headers=[www_authenticate("Gitea Package API")],
            )
        if needs_write and rest == "":
            return self._upload(request)
        parts = rest.split("/")
        if request.method in ("GET", "HEAD") and len(parts) == 2 and parts[0] == "simple":
            return self._simple(parts[1])
        if request.method in ("GET", "HEAD") and len(parts) == 4 and parts[0] == "files":
            stored = self.store().files.get(parts[3])
            if stored is not None and stored.project == _normalize(parts[1]).lower():
                return Response(200, stored.content, "application/octet-stream")
            return Response.text(404, "package file does not exist")
        return Response.text(404, "404 page not found\n")

    def _simple(self, raw: str) -> Response:
        name = _normalize(raw)
        self.reading(name)
        with self.lock:
            files = [f for f in self.store().files.values() if f.project == name.lower()]
        if not files:
            return Response.text(404, "package does not exist")
        files.sort(key=lambda f: (f.version, f.uploaded))  # strings.Compare on versions
        fragment = "#sha256-" if self.options.flavour == "old" else "#sha256="
        registry = self.upload_url
        body = ""
        for version in dict.fromkeys(f.version for f in files):
            body += "\n\t\t\t\n\t\t\t"
            for f in (f for f in files if f.version == version):
                requires = (
                    f' data-requires-python="{escape(f.requires_python, "go")}"'
                    if f.requires_python
                    else ""
                )
                body += (
                    f'\n\t\t\t\t<a href="{registry}/files/{f.project}/{f.version}/'
                    f'{escape(f.filename, "go")}{fragment}{f.sha256}"{requires}>'
                    f"{escape(f.filename, 'go')}</a><br>\n\t\t\t"
                )
            body += "\n\t\t"
        title = escape(files[0].name, "go")
        opening = (
            f"\t<body>\n\t\t<h1>Links for {title}</h1>\n\t\t"
            if self.options.flavour != "gitea"
            else f"\t<body><h1>Links for {title}</h1>\n\t\t"
        )
        page = (
            f"<!DOCTYPE html>\n<html>\n\t<head>\n\t\t<title>Links for {title}</title>\n"
            f"\t</head>\n{opening}{body}\n\t</body>\n</html>\n"
        )
        return Response(200, page.encode(), "text/html; charset=utf-8")

    def _upload(self, request: Request) -> Response:
        form = request.form()
        content = form.file("content")
        if content is None:
            return Response.text(400, "http: no such file")
        stored = make_file(content.filename, content.data)
        if (form.get("sha256_digest") or "").lower() != stored.sha256:
            return Response.text(400, "hash mismatch")
        name, version = _normalize(form.get("name") or ""), form.get("version") or ""
        if not _NAME.match(name) or not version:
            return Response.text(400, "invalid name or version")
        kept = {k: v for k, v in form.text_fields().items() if k in KEPT}
        stored = make_file(
            content.filename,
            content.data,
            name=name,
            version=version,
            requires_python=kept.get("requires_python", ""),
            fields=kept,
        )
        stored.project = name.lower()  # LowerName
        self.fire("before_upload", stored.project)
        with self.lock:
            if stored.filename in self.store().files:  # ErrDuplicatePackageFile
                flavour = self.options.flavour
                if flavour == "old":
                    return Response.text(400, "Package file does exist already")
                status = 409 if flavour == "forgejo" else 400
                return Response.text(status, "package file already exists")
            self.store().put(stored)
        return Response(201, b"", None)


def _normalize(name: str) -> str:
    """pypi.go's normalizer: "." and "_" become "-" (case is kept, LowerName lower-cases)."""
    return name.replace(".", "-").replace("_", "-")
