"""How Warehouse writes its answers: pyramid error bodies and the simple detail page.

* Errors (``forklift/utils.py`` ``_exc_with_message``): the message is also the reason phrase.
  400/308/410 have no template in ``warehouse/templates``, so ``httpexception_view``
  falls back to pyramid's default body, chosen from ``Accept`` between text/html and
  application/json, else text/plain; the JSON is ``{"message", "code", "title"}`` with ``code``
  the full status line (uv ``extract_error_message`` reads it) — notes §2 PyPI. The upload
  403s come out the same way (twine --verbose in pypa/packaging-problems #887).
* Simple pages (``api/simple.py``, ``packaging/utils.py`` ``_simple_detail``,
  ``templates/api/simple/detail.html``): API version 1.4, ``#sha256=`` on every link,
  ``data-requires-python``, ``data-dist-info-metadata``/``data-core-metadata`` for wheels with a
  readable METADATA, ``data-provenance`` when attestations are kept; ``X-PyPI-Last-Serial``,
  ``Cache-Control: max-age=600, public`` and ``Vary: Accept``.
"""

from __future__ import annotations

import datetime
import json
from typing import TYPE_CHECKING, Any

from packaging.version import Version

from tests.support.indexes.base import Response, StoredFile
from tests.support.indexes.pages import PEP691_JSON, escape, negotiate
from tests.support.indexes.warehouse_rules import metadata_sha256

if TYPE_CHECKING:
    from tests.support.indexes.warehouse import Warehouse

__all__ = ["error", "simple_html", "simple_index", "simple_json"]

# pyramid.httpexceptions: title and explanation per status
_PYRAMID = {
    308: ("Permanent Redirect", "The resource has been moved to"),
    400: (
        "Bad Request",
        "The server could not comply with the request since it is either "
        "malformed or otherwise incorrect.",
    ),
    403: ("Forbidden", "Access was denied to this resource."),
    410: ("Gone", "This resource is no longer available.  No forwarding address is given."),
}
_SIMPLE_HEADERS = [
    ("Cache-Control", "max-age=600, public"),
    ("Vary", "Accept"),
    ("Access-Control-Allow-Origin", "*"),
]


def error(status: int, message: str, accept: str, *, location: str | None = None) -> Response:
    """pyramid's default body for an HTTPException whose detail is ``message``."""
    title, explanation = _PYRAMID[status]
    status_line = f"{status} {message}"
    headers = [("Location", location)] if location else []
    if status == 308 and location:
        explanation = f"{explanation} {location}; you should be redirected automatically."
    kind = negotiate(accept, ["text/html", "application/json"]) or "text/plain"
    if kind == "application/json":
        body = f"{explanation}\n\n\n{message}\n"
        data = {"message": body, "code": status_line, "title": title}
        return Response(status, json.dumps(data).encode(), "application/json", message, headers)
    if kind == "text/html":
        # as twine --verbose shows it (pypa/packaging-problems #887, setuptools #1809)
        body = f"{escape(explanation)}<br/><br/>\n{escape(message)}\n\n"
        page = (
            f"<html>\n <head>\n  <title>{escape(status_line)}</title>\n </head>\n <body>\n"
            f"  <h1>{escape(status_line)}</h1>\n  {body}\n </body>\n</html>"
        )
        return Response(status, page.encode(), "text/html; charset=UTF-8", message, headers)
    text = f"{status_line}\n\n{explanation}\n\n\n{message}\n"
    return Response(status, text.encode(), "text/plain; charset=UTF-8", message, headers)


def simple_index(names: list[str], serial: int) -> Response:
    """templates/api/simple/index.html; ``api/simple.py`` ``simple_index`` sets
    ``X-PyPI-Last-Serial`` (the latest journal id) on the root page too."""
    links = "".join(f'<a href="/simple/{n}/">{escape(n)}</a>\n    ' for n in names)
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n  <head>\n'
        '    <meta name="pypi:repository-version" content="1.4">\n'
        f"    <title>Simple index</title>\n  </head>\n  <body>\n    {links}</body>\n</html>\n"
    )
    return Response(
        200,
        page.encode(),
        "text/html; charset=utf-8",
        None,
        [*_SIMPLE_HEADERS, ("X-PyPI-Last-Serial", str(serial))],
    )


def _file_entry(index: Warehouse, stored: StoredFile) -> dict[str, Any]:
    core = metadata_sha256(stored)
    provenance = None
    if stored.filename in index.attestations:
        provenance = (
            f"https://{index.web_host}/integrity/{stored.project}/{stored.version}/"
            f"{stored.filename}/provenance"
        )
    uploaded = datetime.datetime.fromtimestamp(stored.uploaded, datetime.timezone.utc)
    return {
        "filename": stored.filename,
        "url": index.file_url(stored),
        "hashes": {"sha256": stored.sha256},
        "requires-python": stored.requires_python or None,
        "size": len(stored.content),
        "upload-time": uploaded.replace(tzinfo=None).isoformat() + "Z",
        "yanked": False,
        "data-dist-info-metadata": {"sha256": core} if core else False,
        "core-metadata": {"sha256": core} if core else False,
        "provenance": provenance,
    }


def _context(index: Warehouse, name: str, files: list[StoredFile]) -> dict[str, Any]:
    ordered = sorted(files, key=lambda f: (Version(f.version), f.filename))
    return {
        "meta": {"api-version": "1.4", "_last-serial": index.serial},
        "name": name,
        "project-status": {"status": "active"},
        "versions": sorted({f.version for f in files}, key=Version),
        "files": [_file_entry(index, f) for f in ordered],
    }


def simple_json(index: Warehouse, name: str, files: list[StoredFile]) -> Response:
    body = json.dumps(_context(index, name, files)) + "\n"  # the json-with-newline renderer
    return Response(
        200,
        body.encode(),
        PEP691_JSON,
        None,
        [*_SIMPLE_HEADERS, ("X-PyPI-Last-Serial", str(index.serial))],
    )


def simple_html(index: Warehouse, name: str, files: list[StoredFile]) -> Response:
    context = _context(index, name, files)
    links = []
    for file in context["files"]:
        attrs = ""
        if file["requires-python"]:
            attrs += f'data-requires-python="{escape(file["requires-python"])}" '
        if file["core-metadata"]:
            digest = file["core-metadata"]["sha256"]
            attrs += (
                f'data-dist-info-metadata="sha256={digest}" data-core-metadata="sha256={digest}"'
            )
        if file["provenance"]:
            attrs += f' data-provenance="{escape(file["provenance"])}"'
        links.append(
            f'<a href="{escape(file["url"])}#sha256={file["hashes"]["sha256"]}" '
            f"{attrs}>{escape(file['filename'])}</a><br />\n    "
        )
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n  <head>\n'
        '    <meta name="pypi:repository-version" content="1.4">\n'
        '    <meta name="pypi:project-status" content="active">\n'
        f"    <title>Links for {escape(name)}</title>\n  </head>\n  <body>\n"
        f"    <h1>Links for {escape(name)}</h1>\n    {''.join(links)}</body>\n</html>\n"
        f"<!--SERIAL {index.serial}-->"
    )
    return Response(
        200,
        page.encode(),
        "text/html; charset=utf-8",
        None,
        [*_SIMPLE_HEADERS, ("X-PyPI-Last-Serial", str(index.serial))],
    )
