"""JFrog Artifactory PyPI repositories: a local one, a remote (PyPI) one and a virtual of both.

Sources: notes §2 Artifactory and §5; uv #7917 and twine #1251 (the 403 JSON and its two
wordings); uv's JFrog guide (empty user name + token works, ``__token__`` gives 401); pipenv
#4516 (page layout: ``rel="internal" >``, local links ``../../<name>/<version>/<file>``, remote
links ``../../packages/packages/<blake2 path>/<file>#sha256=``; old local pages had ``#md5=``).
Unconfirmed (chosen as the most plausible): the 200 on upload, the 401/404 bodies, where
``data-requires-python`` sits, an identical re-upload being refused like a different one.

URLs: upload ``https://<host>/artifactory/api/pypi/<repo>``, simple ``…/<repo>/simple/<name>/``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from packaging.utils import canonicalize_name

from tests.support.indexes.base import (
    Origin,
    Request,
    Response,
    StandIn,
    make_file,
    www_authenticate,
)
from tests.support.indexes.pages import escape

__all__ = ["Artifactory", "ArtifactoryOptions"]


@dataclass
class ArtifactoryOptions:
    hash_fragment: str = "sha256"  # "md5": local pages before ~2021 (pipenv #4516)
    message_style: str = "all"
    """"all": "...delete/overwrite all artifacts under '…'" (twine #1251, current);
    "artifact": "...delete/overwrite artifact '…'" (uv #7917, older)."""
    anonymous_read: bool = False  # Artifactory's "allow anonymous access" (off by default)


@dataclass
class _User:
    password: str
    delete: bool = False  # the DELETE permission that lets a deploy overwrite


class Artifactory(StandIn):
    name = "Artifactory"
    default_repo = "pypi-local"
    VIRTUAL, REMOTE = "pypi-virtual", "pypi-remote"

    def __init__(self, host: str = "acme.jfrog.io") -> None:
        self.site = Origin.site(host)
        super().__init__([self.site], ArtifactoryOptions())
        self.host = self.site.host
        self.users: dict[str, _User] = {"ci-deployer": _User("cmVmdGtuOjAxOjE3MDAwMDAwMDA")}
        self.tokens: dict[str, str] = {
            "eyJ2ZXIiOiIyIiwidHlwIjoiSldUIn0.fake-access-token": "ci-deployer"
        }
        self.token = next(iter(self.tokens))
        self.auth = ("ci-deployer", self.token)
        self.base = f"{self.site.base}/artifactory/api/pypi/"
        self.upload_url = f"{self.base}pypi-local"
        self.simple_url = f"{self.base}pypi-local/simple/"
        self.virtual_simple_url = f"{self.base}{self.VIRTUAL}/simple/"

    def grant_delete(self, user: str, allowed: bool = True) -> None:
        with self.lock:
            self.users[user].delete = allowed

    def _user(self, request: Request) -> str | Response | None:
        basic = request.basic()
        if basic is None:
            return None
        user, secret = basic
        owner = self.tokens.get(secret)
        if owner is not None and user in ("", owner):
            return owner  # an access token with an empty user name or its owner's name
        found = self.users.get(user)
        if found is not None and found.password == secret:
            return user
        return _errors(401, "Bad credentials", [www_authenticate("Artifactory Realm")])

    def dispatch(self, request: Request) -> Response:
        prefix = "/artifactory/api/pypi/"
        if not request.path.startswith(prefix):
            return _errors(404, "Not Found")
        repo, _, rest = request.path.removeprefix(prefix).partition("/")
        if repo not in (self.default_repo, self.VIRTUAL, self.REMOTE):
            return _errors(404, f"Repository '{repo}' not found")
        user = self._user(request)
        if isinstance(user, Response):
            return user
        if user is None and (request.method == "POST" or not self.options.anonymous_read):
            return _errors(
                401, "Authentication is required", [www_authenticate("Artifactory Realm")]
            )
        if request.method == "POST" and rest.strip("/") == "":
            if repo == self.REMOTE:
                return _errors(405, "Remote repositories cannot be deployed to")
            return self._upload(request, user or "anonymous")
        if request.method in ("GET", "HEAD") and rest.startswith("simple/"):
            return self._simple(repo, rest.removeprefix("simple/").strip("/"))
        if request.method in ("GET", "HEAD") and rest.startswith("packages/"):
            filename = rest.rsplit("/", 1)[-1]
            for member in (self.default_repo, self.REMOTE):
                stored = self.store(member).files.get(filename)
                if stored is not None:
                    return Response(200, stored.content, "application/octet-stream")
        return _errors(404, "Not Found")

    def _simple(self, repo: str, raw: str) -> Response:
        name = canonicalize_name(raw)
        self.reading(name)
        members = [self.default_repo, self.REMOTE] if repo == self.VIRTUAL else [repo]
        rows, seen = [], set()
        with self.lock:
            for member in members:
                for stored in self.store(member).project_files(name):
                    if stored.filename in seen:
                        continue
                    seen.add(stored.filename)
                    if member == self.REMOTE:
                        b2 = stored.blake2_256
                        href = (
                            f"../../packages/packages/{b2[:2]}/{b2[2:4]}/{b2[4:]}/"
                            f"{stored.filename}#sha256={stored.sha256}"
                        )
                    else:
                        fragment = self.options.hash_fragment
                        digest = stored.md5 if fragment == "md5" else stored.sha256
                        href = (
                            f"../../{stored.project}/{stored.version}/{stored.filename}"
                            f"#{fragment}={digest}"
                        )
                    requires = (
                        f' data-requires-python="{escape(stored.requires_python, "xml")}"'
                        if stored.requires_python
                        else ""
                    )
                    rows.append(
                        f'<a href="{href}" rel="internal"{requires} >{stored.filename}</a><br/>\n'
                    )
        if not rows:
            return _errors(404, f"Package '{raw}' not found")
        page = (
            f"<!DOCTYPE html>\n<html>\n<head><title>Links for {escape(raw, 'xml')}</title>\n"
            f"</head>\n<body>\n<h1>Links for {escape(raw, 'xml')}</h1>\n{''.join(rows)}"
            "</body>\n</html>"
        )
        return Response(200, page.encode(), "text/html;charset=utf-8")

    def _upload(self, request: Request, user: str) -> Response:
        form = request.form()
        content = form.file("content")
        if content is None or not form.get("name") or not form.get("version"):
            return _errors(400, "Missing package content or metadata")
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
            store = self.store()  # a virtual repository deploys to its default local one
            if stored.filename in store.files and not self.users[user].delete:
                path = f"{self.default_repo}:{stored.project}/{stored.version}/{stored.filename}"
                what = (
                    f"all artifacts under '{path}'"
                    if self.options.message_style == "all"
                    else f"artifact '{path}'"
                )
                return _errors(
                    403,
                    f"Not enough permissions to delete/overwrite {what} (user: "
                    f"'{user}' needs DELETE permission).",
                )
            store.put(stored)  # with DELETE permission: a silent overwrite (notes §2)
        return Response(200, b"", None)


def _errors(status: int, message: str, headers: list[tuple[str, str]] | None = None) -> Response:
    """Artifactory's error JSON, in the Jackson pretty-printed layout it is known to send."""
    body = (
        f'{{\n  "errors" : [ {{\n    "status" : {status},\n    "message" : '
        f"{json.dumps(message)}\n  }} ]\n}}"
    )
    return Response(status, body.encode(), "application/json", None, headers or [])
