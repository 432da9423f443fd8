"""PyPI and TestPyPI (Warehouse) at their real hosts: upload, simple pages, file hosting.

Sources: pypi/warehouse at 6b62157 (Aug 2026) — ``forklift/legacy.py`` (upload order and texts,
see ``warehouse_rules.py``), ``forklift/decorators.py`` + ``accounts/security_policy.py`` +
``macaroons/security_policy.py`` (auth), ``forklift/__init__.py`` (the 308 on ``/legacy``, the
``/legacy/`` catch-all), ``api/simple.py`` + ``packaging/utils.py`` +
``templates/api/simple/detail.html`` (pages, see ``warehouse_pages.py``), ``views.py``
(``/simple`` → 301, the plain-text 404); notes §2 PyPI and §5.

Hosts: PyPI ``upload.pypi.org`` (upload), ``pypi.org`` (simple), ``files.pythonhosted.org``;
TestPyPI ``test.pypi.org`` (upload and simple), ``test-files.pythonhosted.org``.
Trusted publishing and verified attestations live in ``tests/support/pypi_standin.py``; this
stand-in authenticates API tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.utils import canonicalize_name

from tests.support.indexes.base import Origin, Request, Response, StandIn, StoredFile, make_file
from tests.support.indexes.pages import PEP691_JSON, negotiate
from tests.support.indexes.warehouse_pages import error, simple_html, simple_index, simple_json
from tests.support.indexes.warehouse_rules import (
    DUPLICATE_OK,
    HELP,
    attestation_problem,
    check_description,
    check_digests,
    check_form,
    check_new_file,
    wheel_metadata,
)

__all__ = ["PYPI_TOKEN", "TESTPYPI_TOKEN", "Warehouse", "WarehouseOptions"]

MIB = 1024 * 1024
PYPI_TOKEN = "pypi-AgEIcHlwaS5vcmcCJGZha2UtdG9rZW4tZm9yLXRlc3RzAAIqWzMsIjEyMyJdAAAGIFRFU1Q"
TESTPYPI_TOKEN = "pypi-AgENdGVzdC5weXBpLm9yZwIkZmFrZS10b2tlbi1mb3ItdGVzdHMAAipbMywiNDU2Il0"
_GONE = {
    "submit": "Project pre-registration is no longer required or supported, upload your files "
    "instead.",
    "submit_pkg_info": "Project pre-registration is no longer required or supported, upload "
    "your files instead.",
    "doc_upload": "Uploading documentation is no longer supported, we recommend using "
    "https://readthedocs.org/.",
}


@dataclass
class WarehouseOptions:
    file_size_limit: int = 100 * MIB  # warehouse/constants.py MAX_FILESIZE — notes §2 PyPI
    max_release_age_days: float = 14  # legacy.py MAXIMUM_AGE_FOR_NEW_UPLOADS_DAYS (#19727)
    check_archives: bool = True
    """Refuse content that is not a zip (wheel) / gzip (sdist), like _is_valid_dist_file."""
    trusted_publisher: bool = False
    """Pretend the token came from trusted publishing: attestations are parsed and kept (not
    verified: that is pypi_standin.py). Off, any attestations get a 400 (services.py)."""
    notes_user_message: bool = False
    """Answer a user other than __token__ with notes §5's "Invalid or non-existent
    authentication information" rather than the source's "Username/Password authentication is
    no longer supported" (accounts/security_policy.py). Both are 403s."""


class Warehouse(StandIn):
    """``Warehouse()`` is PyPI, ``Warehouse(test=True)`` is TestPyPI."""

    def __init__(self, *, test: bool = False, token: str | None = None) -> None:
        self.test = test
        self.name = "TestPyPI" if test else "PyPI"
        self.upload_host = "test.pypi.org" if test else "upload.pypi.org"
        self.web_host = "test.pypi.org" if test else "pypi.org"
        self.files_host = "test-files.pythonhosted.org" if test else "files.pythonhosted.org"
        hosts = dict.fromkeys([self.upload_host, self.web_host, self.files_host])
        super().__init__([Origin("https", h, 443) for h in hosts], WarehouseOptions())
        self.token = token or (TESTPYPI_TOKEN if test else PYPI_TOKEN)
        self.upload_url = f"https://{self.upload_host}/legacy/"
        self.simple_url = f"https://{self.web_host}/simple/"
        self.auth = ("__token__", self.token)
        self.tokens: dict[str, frozenset[str] | None] = {self.token: None}
        """API tokens: None is user-scoped (may create projects), else the projects allowed."""
        self.serial = 0
        self.attestations: dict[str, str] = {}

    def add_token(self, token: str, projects: list[str] | None = None) -> None:
        """Accept another token; with ``projects`` it is project-scoped."""
        with self.lock:
            self.tokens[token] = (
                frozenset(canonicalize_name(p) for p in projects) if projects else None
            )

    def delete(self, filename: str) -> None:
        """Delete a file; its name stays used forever (Warehouse's Filename table)."""
        with self.lock:
            self.store().files.pop(filename)
            self.store().deleted.add(filename)

    def reset(self) -> None:
        super().reset()
        with self.lock:
            self.serial = 0
            self.tokens = {self.token: None}
            self.attestations.clear()

    def file_url(self, stored: StoredFile) -> str:
        b2 = stored.blake2_256  # the storage path is the blake2 digest (PATH_HASHER)
        return f"https://{self.files_host}/packages/{b2[:2]}/{b2[2:4]}/{b2[4:]}/{stored.filename}"

    # -- routing ---------------------------------------------------------------------------------

    def dispatch(self, request: Request) -> Response:
        host, path, accept = request.origin.host, request.path, request.header("accept")
        if host == self.files_host:
            return self._file(path)
        if host == self.upload_host and path == "/legacy" and request.method == "POST":
            # missing_trailing_slash_redirect; the Location is made absolute
            # (tests/functional/forklift/test_legacy.py test_incorrect_post_redirect)
            return error(
                308,
                "An upload was attempted to /legacy but the expected upload URL "
                "is /legacy/ (with a trailing slash)",
                accept,
                location=f"https://{host}/legacy/",
            )
        if host == self.upload_host and path == "/legacy/" and request.method == "POST":
            action = request.form().get(":action") or _query_action(request.query)
            if action == "file_upload":
                return self._upload(request)
            if action in _GONE:
                return error(410, _GONE[action], accept)
        if host == self.upload_host and path in ("/", "/legacy/"):
            # the forklift index and the /legacy/ catch-all render upload.html with a 200:
            # a GET, or a POST without a known :action, stores nothing (uv #17126)
            return Response.text(
                200,
                "<html><body><h1>Upload</h1></body></html>",
                content_type="text/html; charset=UTF-8",
            )
        if host == self.web_host and (path == "/simple" or path.startswith("/simple/")):
            return self._simple(request)
        return Response.text(404, "404 Not Found")

    # -- reading ---------------------------------------------------------------------------------

    def _simple(self, request: Request) -> Response:
        path = request.path
        if path == "/simple" or (path.count("/") == 2 and not path.endswith("/")):
            # views.py: notfound_view_config(append_slash=HTTPMovedPermanently)
            return Response.redirect(301, f"https://{self.web_host}{path}/")
        raw = path.removeprefix("/simple/").rstrip("/")
        if not raw:
            with self.lock:
                return simple_index(sorted(self.store().projects()), self.serial)
        self.reading(raw)
        name = canonicalize_name(raw)
        with self.lock:
            if name not in self.store().projects() or "/" in raw:
                # views.py: the lightweight plain-text 404 for /simple/
                return Response.text(404, "404 Not Found", content_type="text/plain")
            if raw != name:  # api/simple.py simple_detail — notes §2 PyPI
                return Response.redirect(301, f"https://{self.web_host}/simple/{name}/")
            files = self.store().project_files(name)
            offers = ["text/html", "application/vnd.pypi.simple.v1+html", PEP691_JSON]
            if negotiate(request.header("accept"), offers) == PEP691_JSON:
                return simple_json(self, name, files)
            return simple_html(self, name, files)

    def _file(self, path: str) -> Response:
        filename = path.removesuffix(".metadata").rsplit("/", 1)[-1]
        with self.lock:
            stored = self.store().files.get(filename)
        if stored is None or not self.file_url(stored).endswith(path.removesuffix(".metadata")):
            return Response.text(404, "Not Found")
        if path.endswith(".metadata"):  # PEP 658 metadata next to the wheel
            metadata = wheel_metadata(stored)
            if metadata is None:
                return Response.text(404, "Not Found")
            return Response(200, metadata, "binary/octet-stream")
        return Response(200, stored.content, "binary/octet-stream")

    # -- uploading -------------------------------------------------------------------------------

    def _authenticate(self, request: Request) -> frozenset[str] | Response | None:
        """The token's project scope (None: user-scoped), or the 403."""
        accept = request.header("accept")
        basic = request.basic()
        if basic is not None and basic[0] != "__token__" and not self.options.notes_user_message:
            # accounts/security_policy.py BasicAuthSecurityPolicy — any other user name
            return error(
                403,
                "Username/Password authentication is no longer supported. Migrate"
                f" to API Tokens or Trusted Publishers instead. See {HELP}"
                f"#apitoken and {HELP}#trusted-publishers",
                accept,
            )
        secret = basic[1].strip() if basic and basic[0] == "__token__" else request.bearer()
        with self.lock:
            known = (secret or "") in self.tokens
            scope = self.tokens.get(secret or "")
        if not known:
            # decorators.py ensure_uploads_allowed: no identity → 403 (no Basic challenge)
            return error(
                403,
                "Invalid or non-existent authentication information. See "
                f"{HELP}#invalid-auth for more information.",
                accept,
            )
        return scope

    def _upload(self, request: Request) -> Response:
        accept = request.header("accept")
        scope = self._authenticate(request)
        if isinstance(scope, Response):
            return scope
        form = request.form()
        problem = check_form(form)
        if problem:
            return error(400, problem, accept)
        content = form.file("content")
        assert content is not None
        name, version = str(form.get("name")), str(form.get("version"))
        project = canonicalize_name(name)
        self.fire("before_upload", project)
        if scope is not None and project not in scope:
            return error(
                403,
                f"Invalid API Token: project-scoped token is not valid for project: {name!r}",
                accept,
            )
        if len(content.data) > self.options.file_size_limit:
            return error(
                400,
                f"File too large. Limit for project {name!r} is "
                f"{self.options.file_size_limit // MIB} MB. See https://docs.pypi."
                "org/project-management/storage-limits#requesting-a-file-size-"
                "limit-increase for more information.",
                accept,
            )
        problem = check_description(form)
        if problem:
            return error(400, problem, accept)
        stored = make_file(
            content.filename,
            content.data,
            name=name,
            version=version,
            requires_python=form.get("requires_python") or "",
            fields=form.text_fields(),
        )
        with self.lock:
            problem = check_digests(form, stored) or check_new_file(
                self.store(),
                stored,
                form.get("filetype") or "",
                max_age_days=self.options.max_release_age_days,
                check_archives=self.options.check_archives,
            )
            if problem == DUPLICATE_OK:
                return Response(200, b"", "text/html; charset=UTF-8")
            if problem:
                return error(400, problem, accept)
            attestations = form.get("attestations")
            if attestations is not None:
                problem = attestation_problem(
                    attestations, trusted_publisher=self.options.trusted_publisher
                )
                if problem:
                    return error(
                        400, f"Invalid attestations supplied during upload: {problem}", accept
                    )
                self.attestations[stored.filename] = attestations
            self.store().put(stored)
            self.serial += 1
        return Response(200, b"", "text/html; charset=UTF-8")


def _query_action(query: str) -> str | None:
    from urllib.parse import parse_qs

    return next(iter(parse_qs(query).get(":action", [])), None)
