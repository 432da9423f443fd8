"""GitLab's PyPI package registry (gitlab.com or a self-managed host).

Sources (gitlabhq/gitlabhq, code index): ``lib/api/pypi_packages.rb`` (routes, declared params,
size limit, 201), ``lib/api/helpers/packages/basic_auth_helpers.rb`` (401 realm,
``unauthorized_or!``), ``lib/api/helpers/packages/dependency_proxy_helpers.rb`` (forwarding),
``app/services/packages/pypi/create_package_service.rb`` (file_sha256 = the client's
``sha256_digest``), ``app/presenters/packages/pypi/simple_*`` (pages); notes §2 GitLab and §5.

URLs: upload ``https://<host>/api/v4/projects/<id>/packages/pypi``, simple
``…/packages/pypi/simple/<name>/``, group (read only)
``/api/v4/groups/<id>/-/packages/pypi/simple/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from packaging.utils import canonicalize_name

from tests.support.indexes.base import (
    Origin,
    Request,
    Response,
    StandIn,
    StoredFile,
    make_file,
)
from tests.support.indexes.gitlab_pages import (
    index_page,
    message,
    package_html,
    package_json,
    unauthorized,
    wants_json,
)

__all__ = ["GitLab", "GitLabOptions", "GitLabProject"]

GIB = 1024**3
JOB_USER = "gitlab-ci-token"
# pypi_packages.rb: the declared upload params; everything else (attestations too) is dropped
# fmt: off
DECLARED = frozenset(("name", "version", "requires_python", "md5_digest", "sha256_digest",
                      "metadata_version", "author_email", "description",
                      "description_content_type", "summary", "keywords"))
# fmt: on
_SHA256 = re.compile(r"\A[0-9a-f]{64}\Z", re.IGNORECASE)  # Gitlab::Regex.sha256_regex


@dataclass
class GitLabOptions:
    forwarding: bool = True
    """``pypi_package_requests_forwarding`` (on by default): an unknown package on a simple
    page is redirected to pypi.org — notes §2 GitLab, uv #17334/#19594."""
    max_file_size: int = 3 * GIB  # plan limit pypi_max_file_size (MR !40410)
    pep691: bool = False  # feature flag pypi_pep_691_json (off by default)
    fips: bool = False  # FIPS instances refuse a missing sha256_digest with 422
    anonymous_private_status: int = 401
    """What an anonymous read of a private project gets. The code (``unauthorized_or!``) gives
    401 with the realm; set 404 to model the brief's claim (not found in the source)."""


@dataclass
class GitLabProject:
    id: int
    path: str
    group: int | None = None
    public: bool = False


@dataclass
class _Credential:
    user: str | None  # None: any user name (personal access tokens over Basic)
    projects: set[int] | None = None  # None: every project
    write: bool = True


@dataclass
class _Package:
    name: str  # as the first upload spelled it
    version: str
    files: dict[str, StoredFile] = field(default_factory=dict)


class GitLab(StandIn):
    name = "GitLab"

    def __init__(
        self,
        host: str = "gitlab.example.com",
        *,
        project_id: int = 42,
        project_path: str = "acme/demo",
        group_id: int = 7,
        public: bool = False,
        job_token: str = "glcbt-64_fakeJobToken",  # noqa: S107 - a fake token
    ) -> None:
        self.site = Origin.site(host)
        super().__init__([self.site], GitLabOptions())
        self.host = self.site.host
        self.projects: dict[int, GitLabProject] = {}
        self.credentials: dict[str, _Credential] = {}
        self.add_project(project_id, project_path, group=group_id, public=public)
        self.job_token = job_token
        self.add_credential(job_token, user=JOB_USER)
        self.project_id, self.group_id = project_id, group_id
        self.upload_url = self.project_upload_url(project_id)
        self.simple_url = f"{self.upload_url}/simple/"
        self.group_simple_url = f"{self.site.base}/api/v4/groups/{group_id}/-/packages/pypi/simple/"
        self.auth = (JOB_USER, job_token)
        self._packages: dict[tuple[int, str, str], _Package] = {}

    def project_upload_url(self, project_id: int) -> str:
        return f"{self.site.base}/api/v4/projects/{project_id}/packages/pypi"

    def add_project(
        self, project_id: int, path: str, *, group: int | None = None, public: bool = False
    ) -> None:
        with self.lock:
            self.projects[project_id] = GitLabProject(project_id, path, group, public)

    def add_credential(
        self, token: str, *, user: str | None, projects: set[int] | None = None, write: bool = True
    ) -> None:
        """``user``: the name that must come with the token (job token ``gitlab-ci-token``,
        a deploy token its own name); None accepts any name, as for personal access tokens."""
        with self.lock:
            self.credentials[token] = _Credential(user, projects, write)

    def reset(self) -> None:
        super().reset()
        with self.lock:
            self._packages.clear()

    # -- inspection (repo = project id) -----------------------------------------------------

    def files(self, project: str, repo: str | None = None) -> dict[str, str]:
        pid = int(repo) if repo else self.project_id
        name = canonicalize_name(project)
        with self.lock:
            return {
                f.filename: f.sha256
                for (p, n, _), pkg in self._packages.items()
                if p == pid and n == name
                for f in pkg.files.values()
            }

    def content(self, filename: str, repo: str | None = None) -> bytes:
        pid = int(repo) if repo else self.project_id
        with self.lock:
            return next(
                pkg.files[filename].content
                for (p, _, _), pkg in self._packages.items()
                if p == pid and filename in pkg.files
            )

    def seed(
        self,
        filename: str,
        content: bytes,
        *,
        repo: str | None = None,
        age_days: float = 0.0,
        **extra: object,
    ) -> StoredFile:
        stored = make_file(filename, content)
        stored.listed_sha256 = str(extra.get("listed_sha256", stored.sha256))
        with self.lock:
            key = (int(repo) if repo else self.project_id, stored.project, stored.version)
            self._packages.setdefault(key, _Package(stored.name, stored.version)).files[
                filename
            ] = stored
        return stored

    # -- routing ------------------------------------------------------------------------------

    def dispatch(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        m = re.fullmatch(r"/api/v4/(projects|groups)/([^/]+)(/-)?/packages/pypi(/.*)?", path)
        if m is None or (m.group(1) == "projects") == bool(m.group(3)):
            return message(404, "404 Not Found")
        kind, ident, rest = m.group(1), m.group(2), m.group(4) or ""
        if not ident.isdigit():
            return message(404, f"404 {kind[:-1].title()} Not Found")
        scope = self._scope(kind, int(ident))
        if scope is None:
            return message(404, f"404 {kind[:-1].title()} Not Found")
        user = self._user(request)
        if isinstance(user, Response):
            return user
        if kind == "projects" and request.method == "POST" and rest == "":
            return self._upload(request, int(ident), user)
        if request.method not in ("GET", "HEAD"):
            return message(405, "405 Method Not Allowed")
        denied = self._read_denied(scope, user)
        if denied is not None:
            return denied
        if rest.startswith("/files/"):
            return self._download(scope, rest)
        if rest == "/simple" or rest.startswith("/simple/"):  # get 'simple' and 'simple/*name'
            return self._simple(request, kind, int(ident), scope, rest.removeprefix("/simple")[1:])
        return message(404, "404 Not Found")

    def _scope(self, kind: str, ident: int) -> list[int] | None:
        with self.lock:
            if kind == "projects":
                return [ident] if ident in self.projects else None
            members = [p.id for p in self.projects.values() if p.group == ident]
            return members or None

    def _user(self, request: Request) -> _Credential | Response | None:
        """The credential, None for anonymous, or the 401 for bad credentials."""
        basic = request.basic()
        if basic is None:
            return None
        with self.lock:
            found = self.credentials.get(basic[1])
        if found is None or (found.user is not None and found.user != basic[0]):
            return unauthorized()
        return found

    def _read_denied(self, scope: list[int], user: _Credential | None) -> Response | None:
        readable = [
            p
            for p in scope
            if self.projects[p].public
            or (user is not None and (user.projects is None or p in user.projects))
        ]
        if readable:
            return None
        if user is None:  # basic_auth_helpers.rb unauthorized_or! { not_found! }
            if self.options.anonymous_private_status == 404:
                return message(404, "404 Project Not Found")
            return unauthorized()
        return message(404, "404 Project Not Found")

    # -- reading ------------------------------------------------------------------------------

    def _packages_for(self, scope: list[int], name: str) -> list[tuple[int, _Package]]:
        with self.lock:
            return [
                (p, pkg)
                for (p, n, _), pkg in self._packages.items()
                if p in scope and n == canonicalize_name(name) and pkg.files
            ]

    def _simple(
        self, request: Request, kind: str, ident: int, scope: list[int], raw: str
    ) -> Response:
        base = f"{self.site.base}/api/v4/{kind}/{ident}{'/-' if kind == 'groups' else ''}"
        if not raw:
            with self.lock:
                title = (
                    self.projects[ident].path.rsplit("/", 1)[-1]
                    if kind == "projects"
                    else f"group-{ident}"  # the group's name: groups have none here
                )
            return index_page(base, title, self._index_entries(scope))
        self.reading(raw)
        packages = self._packages_for(scope, raw)
        if not packages:
            if self.options.forwarding:  # dependency_proxy_helpers.rb registry_url
                target = f"https://pypi.org/simple/{raw}/"
                return Response.redirect(
                    302,
                    target,
                    content_type="text/plain",
                    body=f"This resource has been moved temporarily to {target}.".encode(),
                )
            return message(404, "404 Package Not Found")
        files = [f for _, pkg in packages for f in pkg.files.values()]
        if self.options.pep691 and wants_json(request.header("accept")):
            return package_json(base, canonicalize_name(raw), files)
        return package_html(base, packages[0][1].name, files, vary=self.options.pep691)

    def _index_entries(self, scope: list[int]) -> list[tuple[str, str]]:
        """(name as uploaded, requires_python) per package (version) with files, in order."""
        with self.lock:
            return [
                (pkg.name, next(iter(pkg.files.values())).requires_python)
                for (p, _, _), pkg in sorted(self._packages.items())
                if p in scope and pkg.files
            ]

    def _download(self, scope: list[int], rest: str) -> Response:
        _, _, sha, filename = rest.split("/", 3)
        with self.lock:
            for (p, _, _), pkg in self._packages.items():
                stored = pkg.files.get(filename)
                if p in scope and stored is not None and (stored.listed_sha256 or "") == sha:
                    return Response(200, stored.content, "application/octet-stream")
        return message(404, "404 Package Not Found")

    # -- uploading ------------------------------------------------------------------------------

    def _upload(self, request: Request, project_id: int, user: _Credential | None) -> Response:
        form = request.form()
        content = form.file("content")
        missing = [
            n
            for n, ok in (
                ("content", content is not None),
                ("name", form.get("name")),
                ("version", form.get("version")),
            )
            if not ok
        ]
        if missing:  # Grape params validation runs before the endpoint
            return Response.json(400, {"error": ", ".join(f"{n} is missing" for n in missing)})
        sha = form.get("sha256_digest")
        if sha is not None and not _SHA256.match(sha):
            return Response.json(400, {"error": "sha256_digest is invalid"})
        denied = self._read_denied([project_id], user)
        if denied is not None:
            return denied
        if user is None:
            return unauthorized()
        if not user.write or (user.projects is not None and project_id not in user.projects):
            return message(403, "403 Forbidden")
        assert content is not None
        if len(content.data) > self.options.max_file_size:
            return message(400, "400 Bad request - File is too large")
        if self.options.fips and not sha:
            return message(422, "422 Unprocessable Entity")
        name, version = str(form.get("name")), str(form.get("version"))
        self.fire("before_upload", name)
        kept = {k: v for k, v in form.text_fields().items() if k in DECLARED}
        stored = make_file(
            content.filename,
            content.data,
            name=name,
            version=version,
            requires_python=kept.get("requires_python", ""),
            fields=kept,
        )
        stored.listed_sha256 = sha  # file_sha256: params[:sha256_digest], not recomputed
        with self.lock:
            key = (project_id, canonicalize_name(name), version)
            package = self._packages.setdefault(key, _Package(name, version))
            if content.filename in package.files:
                # Packages::PackageFile validates file_name uniqueness per package — notes §2
                return message(
                    400, "400 Bad request - Validation failed: File name has already been taken"
                )
            package.files[content.filename] = stored
        return message(201, "201 Created")
