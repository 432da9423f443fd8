"""Gemfury: push to ``push.fury.io``, read from ``pypi.fury.io``. Mostly unconfirmed.

Sources: notes §1/§5 (push ``https://push.fury.io/<account>/`` with the push token as the user
name and no password, or Basic), uv #4887 (Gemfury's simple pages carry ``#md5=`` hashes).
Unconfirmed, chosen and documented here: the read URL ``https://pypi.fury.io/<account>/<name>/``
with a read (deploy) token as the Basic user name; 200 "ok" on push; a file name pushed again
(identical or not) is refused with 409 ``{"error": "This version already exists"}``; 401 with a
Basic challenge for a missing or wrong token; anonymous reads only for public accounts.
"""

from __future__ import annotations

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

__all__ = ["Gemfury", "GemfuryOptions"]

PUSH_HOST, READ_HOST = "push.fury.io", "pypi.fury.io"


@dataclass
class GemfuryOptions:
    public: bool = False


class Gemfury(StandIn):
    name = "Gemfury"

    def __init__(self, account: str = "acme") -> None:
        super().__init__(
            [Origin("https", PUSH_HOST, 443), Origin("https", READ_HOST, 443)], GemfuryOptions()
        )
        self.account = self.default_repo = account
        self.push_token = "push-Tk3fakeGemfuryPushToken"
        self.read_token = "read-Qz7fakeGemfuryDeployToken"
        self.auth = (self.push_token, "")
        self.upload_url = f"https://{PUSH_HOST}/{account}/"
        self.simple_url = f"https://{READ_HOST}/{account}/"

    def _token(self, request: Request) -> str | None:
        basic = request.basic()
        if basic is None:
            return None
        return basic[0] if basic[0] and not basic[1] else basic[1] or None

    def _unauthorized(self) -> Response:
        return Response.json(401, {"error": "Unauthorized"}, headers=[www_authenticate("Gemfury")])

    def dispatch(self, request: Request) -> Response:
        token = self._token(request)
        parts = [p for p in request.path.split("/") if p]
        if not parts or parts[0] != self.account:
            return Response.json(404, {"error": "Not found"})
        if request.origin.host == PUSH_HOST:
            if request.method != "POST" or len(parts) != 1:
                return Response.json(404, {"error": "Not found"})
            if token != self.push_token:
                return self._unauthorized()
            return self._push(request)
        if not self.options.public and token not in (self.read_token, self.push_token):
            return self._unauthorized()
        if len(parts) == 2:
            return self._simple(parts[1])
        if len(parts) == 3:
            stored = self.store().files.get(parts[2])
            if stored is not None:
                return Response(200, stored.content, "application/octet-stream")
        return Response.json(404, {"error": "Not found"})

    def _simple(self, raw: str) -> Response:
        name = canonicalize_name(raw)
        self.reading(name)
        with self.lock:
            files = self.store().project_files(name)
        if not files:
            return Response.text(404, "Not Found")
        rows = "".join(
            f'<a href="https://{READ_HOST}/{self.account}/{name}/{f.filename}'
            f'#md5={f.md5}"'
            + (
                f' data-requires-python="{escape(f.requires_python, "xml")}"'
                if f.requires_python
                else ""
            )
            + f">{f.filename}</a><br>\n"
            for f in files
        )
        page = (
            f"<!DOCTYPE html>\n<html><head><title>Links for {escape(name, 'xml')}</title>"
            f"</head><body><h1>Links for {escape(name, 'xml')}</h1>\n{rows}</body></html>\n"
        )
        return Response(200, page.encode(), "text/html; charset=utf-8")

    def _push(self, request: Request) -> Response:
        form = request.form()
        content = form.file("content")
        if content is None:
            return Response.json(400, {"error": "No package file"})
        stored = make_file(
            content.filename,
            content.data,
            name=form.get("name") or None,
            version=form.get("version") or None,
            requires_python=form.get("requires_python") or "",
            fields=form.text_fields(),
        )
        self.fire("before_upload", stored.project)
        with self.lock:
            if stored.filename in self.store().files:
                return Response.json(409, {"error": "This version already exists"})
            self.store().put(stored)
        return Response.text(200, "ok")
