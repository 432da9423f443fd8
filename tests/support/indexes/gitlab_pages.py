"""How GitLab writes its PyPI answers.

Sources (gitlabhq/gitlabhq): ``app/presenters/packages/pypi/simple_presenter_base.rb`` and
``simple_package_versions_presenter.rb`` (an indented ``<<-HTML`` heredoc; links
``…/packages/pypi/files/<sha256>/<file>#sha256=<sha256>`` joined with nothing between them;
``data-requires-python`` always present, ERB-escaped, empty when unset; the title is the first
package's name as uploaded), ``simple_package_versions_json_presenter.rb`` (PEP 691 behind the
``pypi_pep_691_json`` flag: api-version 1.0, the normalized name, the same URLs with their
fragment), ``lib/api/pypi_packages.rb`` (``json_format_requested?``, ``Vary: Accept``), Grape's
``render_api_error!`` (``{"message": "<status> <text>"}``) and
``lib/api/helpers/packages/basic_auth_helpers.rb`` (the realm), ``simple_index_presenter.rb``
(the root page ``get 'simple'``: the same heredoc titled with the project's name, one link per
package to ``…/simple/<normalized name>`` with the package's name as text, none when empty).
"""

from __future__ import annotations

from packaging.utils import canonicalize_name

from tests.support.indexes.messages import Response, www_authenticate
from tests.support.indexes.pages import PEP691_JSON, escape
from tests.support.indexes.store import StoredFile

__all__ = ["index_page", "message", "package_html", "package_json", "unauthorized", "wants_json"]

_LATEST_JSON = "application/vnd.pypi.simple.latest+json"


def message(status: int, text: str) -> Response:
    return Response.json(status, {"message": text}, compact=True)


def unauthorized() -> Response:
    return Response.json(
        401,
        {"message": "401 Unauthorized"},
        compact=True,
        headers=[www_authenticate("GitLab Packages Registry")],
    )


def wants_json(accept: str) -> bool:
    """pypi_packages.rb json_format_requested?: any Accept entry starting with a PEP 691 type."""
    return any(t.strip().startswith((PEP691_JSON, _LATEST_JSON)) for t in accept.split(","))


def _url(base: str, stored: StoredFile) -> str:
    sha = stored.listed_sha256 or ""  # the client's sha256_digest; empty when it sent none
    return f"{base}/packages/pypi/files/{sha}/{stored.filename}#sha256={sha}"


def package_html(base: str, name: str, files: list[StoredFile], *, vary: bool) -> Response:
    anchors = "".join(
        f'<a href="{_url(base, f)}" data-requires-python="'
        f'{escape(f.requires_python, "erb")}">{f.filename}</a>'
        for f in files
    )
    page = (
        f"        <!DOCTYPE html>\n        <html>\n          <head>\n"
        f"            <title>Links for {escape(name, 'erb')}</title>\n"
        f"          </head>\n          <body>\n"
        f"            <h1>Links for {escape(name, 'erb')}</h1>\n"
        f"            {anchors}\n          </body>\n        </html>\n"
    )
    headers = [("Vary", "Accept")] if vary else []  # present_pypi_html_with_vary
    return Response(200, page.encode(), "text/html; charset=utf-8", None, headers)


def package_json(base: str, name: str, files: list[StoredFile]) -> Response:
    entries = [
        {
            "filename": f.filename,
            "url": _url(base, f),
            "hashes": {"sha256": f.listed_sha256},
            **({"requires-python": f.requires_python} if f.requires_python else {}),
        }
        for f in files
    ]
    return Response.json(
        200,
        {"meta": {"api-version": "1.0"}, "name": name, "files": entries},
        content_type=f"{PEP691_JSON}; charset=utf-8",
        headers=[("Vary", "Accept")],
        compact=True,
    )


def index_page(base: str, title: str, packages: list[tuple[str, str]]) -> Response:
    """SimpleIndexPresenter: ``package_link`` per package (``each_batch``), joined with nothing;
    the URL is ``expose_url`` of the simple package path (absolute, no trailing slash)."""
    anchors = "".join(
        f'<a href="{base}/packages/pypi/simple/{canonicalize_name(name)}" '
        f'data-requires-python="{escape(requires, "erb")}">{name}</a>'
        for name, requires in packages
    )
    page = (
        f"        <!DOCTYPE html>\n        <html>\n          <head>\n"
        f"            <title>Links for {escape(title, 'erb')}</title>\n"
        f"          </head>\n          <body>\n"
        f"            <h1>Links for {escape(title, 'erb')}</h1>\n"
        f"            {anchors}\n          </body>\n        </html>\n"
    )
    return Response(200, page.encode(), "text/html; charset=utf-8")
