"""Azure Artifacts feeds (``pkgs.dev.azure.com`` and the legacy ``<org>.pkgs.visualstudio.com``).

Sources: notes §2 Azure and §5; astral-sh/ruff #10378 and uv #2414 (Mar 2024: a 400 whose
reason is "Bad Request - Metadata version '2.3' is unsupported. Supported versions are:
1.0,1.1,1.2,2.0,2.1. (DevOps Activity ID: …)" and whose body is the JSON ``$id``/``message``/
``typeName``/``typeKey``/``errorCode``/``eventId``); Azure/azure-sdk-for-python #9286 and uv
#7860 (a duplicate is **409** "Conflict - The feed 'f' already contains file 'x' in package
'p v'." with such a JSON body — this settles the status the notes call unconfirmed); uv #7860
(``…/pypi/upload`` without the slash works; any user name with a PAT).
Unconfirmed, chosen: the 409's typeName/typeKey, the 401 challenge, 200 on a fresh upload, the
simple page layout and its ``#sha256=`` (``pypi/download/<name>/<version>/<file>`` links), and a
deleted file staying refused with the same 409 ("feed versions are immutable", notes §2).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from packaging.utils import canonicalize_name

from tests.support.indexes.base import Origin, Request, Response, StandIn, make_file
from tests.support.indexes.pages import escape

__all__ = ["AzureArtifacts", "AzureOptions"]

_NS = "Microsoft.VisualStudio.Services.Packaging.Shared.WebApi"


@dataclass
class AzureOptions:
    supported_metadata_versions: tuple[str, ...] = ("1.0", "1.1", "1.2", "2.0", "2.1")
    """The set Azure answered with in Mar 2024; today's set is unconfirmed (notes §2)."""
    public_feed: bool = False  # public feeds (in public projects) read anonymously


class AzureArtifacts(StandIn):
    name = "Azure Artifacts"

    def __init__(
        self, org: str = "acme", project: str | None = "platform", feed: str = "python-internal"
    ) -> None:
        legacy = f"{org}.pkgs.visualstudio.com"
        super().__init__(
            [Origin("https", "pkgs.dev.azure.com", 443), Origin("https", legacy, 443)],
            AzureOptions(),
        )
        self.org, self.project, self.feed = org, project, feed
        self.default_repo = feed
        self.pat = "fakepat5r2xkq3j7v4m6n8b1c0d9e2f4g6h8j0k2l4m6n8p0q2r4"
        self.auth = ("build-agent", self.pat)
        scope = f"/{project}" if project else ""
        self.feed_path = f"{scope}/_packaging/{feed}/pypi"
        self.upload_url = f"https://pkgs.dev.azure.com/{org}{self.feed_path}/upload/"
        self.simple_url = f"https://pkgs.dev.azure.com/{org}{self.feed_path}/simple/"
        self.legacy_upload_url = f"https://{legacy}{self.feed_path}/upload/"
        self.legacy_simple_url = f"https://{legacy}{self.feed_path}/simple/"
        self.deleted: set[str] = set()

    def delete(self, filename: str) -> None:
        with self.lock:
            self.store().files.pop(filename)
            self.deleted.add(filename)

    def reset(self) -> None:
        super().reset()
        with self.lock:
            self.deleted.clear()

    def dispatch(self, request: Request) -> Response:
        path = request.path
        if request.origin.host == "pkgs.dev.azure.com":
            path = path.removeprefix(f"/{self.org}")
        m = re.fullmatch(re.escape(self.feed_path) + r"/(upload|simple|download)(/.*)?", path)
        if m is None:
            return _fault(
                404,
                "Not Found",
                f"The feed with ID '{self.feed}' doesn't exist.",
                "FeedIdNotFoundException",
            )
        basic = request.basic()
        authorized = basic is not None and basic[1] == self.pat  # any user name with the PAT
        if not authorized and not (self.options.public_feed and request.method == "GET"):
            return Response(
                401,
                b"",
                None,
                None,
                [
                    (
                        "WWW-Authenticate",
                        "Bearer authorization_uri=https://login.microsoftonline.com/"
                        '00000000-0000-0000-0000-000000000000, Basic realm="https://pkgsprodweu1.pkgs.'
                        'visualstudio.com/", TFS-Federated',
                    )
                ],
            )
        action, rest = m.group(1), (m.group(2) or "").strip("/")
        if action == "download":
            return self._download(path)
        if action == "upload" and request.method == "POST" and not rest:
            return self._upload(request)
        if action == "simple" and request.method in ("GET", "HEAD") and rest:
            return self._simple(request, rest)
        if action == "simple" and request.method == "POST":  # a common mistake (uv #7860)
            return _fault(
                405,
                "Method Not Allowed",
                "The requested resource does not support http method 'POST'.",
                "MethodNotAllowedException",
            )
        return _fault(
            404, "Not Found", "The requested resource was not found.", "NotFoundException"
        )

    def _download(self, path: str) -> Response:
        stored = self.store().files.get(path.rsplit("/", 1)[-1])
        if stored is None:
            return _fault(
                404, "Not Found", "The requested file was not found.", "PackageNotFoundException"
            )
        return Response(200, stored.content, "application/octet-stream")

    def _simple(self, request: Request, raw: str) -> Response:
        name = canonicalize_name(raw)
        self.reading(name)
        with self.lock:
            files = self.store().project_files(name)
        if not files:
            return _fault(
                404,
                "Not Found",
                f"The package '{name}' wasn't found in feed '{self.feed}'.",
                "PackageNotFoundException",
            )
        base = request.origin.base + (
            f"/{self.org}" if request.origin.host == "pkgs.dev.azure.com" else ""
        )
        rows = "".join(
            f'<a href="{base}{self.feed_path}/download/{f.project}/{f.version}/{f.filename}'
            f'#sha256={f.sha256}"'
            + (
                f' data-requires-python="{escape(f.requires_python, "xml")}"'
                if f.requires_python
                else ""
            )
            + f">{f.filename}</a><br />\n"
            for f in files
        )
        page = (
            f"<!DOCTYPE html>\n<html><head><title>Links for {escape(name, 'xml')}</title>"
            f"</head><body><h1>Links for {escape(name, 'xml')}</h1>\n{rows}</body></html>"
        )
        return Response(200, page.encode(), "text/html; charset=utf-8")

    def _upload(self, request: Request) -> Response:
        form = request.form()
        content = form.file("content")
        if content is None or not form.get("name") or not form.get("version"):
            return _fault(
                400, "Bad Request", "The package is missing its content.", "InvalidPackageException"
            )
        metadata_version = form.get("metadata_version") or ""
        supported = self.options.supported_metadata_versions
        if metadata_version not in supported:
            return _fault(
                400,
                "Bad Request",
                f"Metadata version '{metadata_version}' is "
                f"unsupported. Supported versions are: "
                f"{','.join(supported)}.",
                "InvalidPackageException",
            )
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
            if stored.filename in self.store().files or stored.filename in self.deleted:
                # identical or not: feed versions are immutable — notes §2; 409 per uv #7860
                return _fault(
                    409,
                    "Conflict",
                    f"The feed '{self.feed}' already contains file "
                    f"'{stored.filename}' in package "
                    f"'{stored.project} {stored.version}'.",
                    "PackageExistsException",
                )
            self.store().put(stored)
        return Response(200, b"", None)


def _fault(status: int, phrase: str, message: str, type_key: str) -> Response:
    """Azure DevOps' error: the message in the reason phrase with an activity ID, and JSON."""
    activity = str(uuid.uuid4()).upper()
    return Response.json(
        status,
        {
            "$id": "1",
            "innerException": None,
            "message": message,
            "typeName": f"{_NS}.Exceptions.{type_key}, {_NS}",
            "typeKey": type_key,
            "errorCode": 0,
            "eventId": 3000,
        },
        compact=True,
        content_type="application/json; charset=utf-8",
        reason=f"{phrase} - {message} (DevOps Activity ID: {activity})",
    )
