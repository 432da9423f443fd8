"""A local stand-in for PyPI (Warehouse) on loopback: trusted publishing, uploads, simple pages.

What it stands for, endpoint by endpoint (Warehouse behaviour as of 2026, see
``warehouse/oidc/views.py``, ``warehouse/oidc/services.py``, ``warehouse/forklift/legacy.py``):

* ``GET /_/oidc/audience`` → ``{"audience": "pypi"}``; 403 ``{"message": "Trusted publishing
  functionality not enabled"}`` when switched off (``audience_status`` scripts others).
* ``POST /_/oidc/mint-token`` (also the legacy alias ``/_/oidc/github/mint-token``) with
  ``{"token": <jwt>}``, checked in Warehouse's order: the payload (``invalid-payload``), an
  unverified peek at ``iss`` (``invalid-payload`` "malformed JWT" / "unknown trusted publishing
  issuer"), the per-issuer kill switch (``not-enabled``), the signature against the issuer's
  JWKS found through its discovery document, RS256 only, ``aud`` the single audience
  (``strict_aud``), ``iss``/``iat``/``exp``/``aud`` required, ``nbf`` checked, 30 s leeway
  (``invalid-token`` "malformed or invalid token"), a pending publisher whose project already
  exists (``invalid-pending-publisher``), the publisher matched from the claims
  (``invalid-publisher``: GitHub by repository + workflow file from ``job_workflow_ref`` +
  environment if configured, ``job_workflow_ref`` ending in ``@ref`` or ``@sha``,
  ``pull_request_target`` refused; GitLab by ``project_path`` + the file in
  ``ci_config_ref_uri``, ending in ``@ref_path`` or ``@sha``), and the single-use ``jti``
  (``invalid-reuse-token``). Success: 200 ``{"success": true, "token": "pypi-…", "expires":
  now + token_lifetime}`` (PyPI: 900 s); failure: 422 ``{"message": "Token request failed",
  "errors": [{"code", "description"}]}``. A minted token is scoped to its publisher's projects.
* ``POST /legacy/``: the legacy upload API with basic auth ``__token__:<minted token>`` only;
  403 "Invalid API Token: …" for unknown/expired/out-of-scope tokens; the digest is checked;
  a file name already stored with other content → 400 "File already exists …" (in the status
  line, as PyPI does); the identical file again → 200. ``attestations`` (a JSON array) is
  checked as Warehouse does (non-empty, at most 2) and handed to ``attestation_verifier``
  (returns an error text → 400 "Invalid attestations supplied during upload: <text>").
* ``GET /simple/<project>/``: PEP 691 JSON or PEP 503 HTML by ``Accept``, sha256 in both,
  non-normalised names redirected (301); ``GET /files/<name>`` serves the bytes;
  ``GET /integrity/<project>/<version>/<file>/provenance`` the stored attestations.

Not modelled: rate limits, macaroon caveat internals, metadata validation, project creation
rules beyond "exists or not". Every request is recorded (method, path, form field names).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import quote, urlsplit

import jwt
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from tests.support.loopback import LoopbackServer
from tests.support.oidc_issuer import GITHUB_ISSUER, GITLAB_ISSUER, OidcIssuer

__all__ = [
    "AttestationVerifier",
    "MintedToken",
    "PublisherIdentity",
    "PyPIStandIn",
    "RecordedRequest",
    "StoredFile",
    "TrustedPublisherConfig",
]

_PEP691 = "application/vnd.pypi.simple.v1+json"
_LEEWAY = 30
_SERVICE_NAMES = {GITHUB_ISSUER: "github", GITLAB_ISSUER: "gitlab"}
_INVALID_AUTH = (
    "Invalid or non-existent authentication information. See "
    "https://pypi.org/help/#invalid-auth for more information."
)


@dataclass(frozen=True)
class TrustedPublisherConfig:
    """A trusted publisher as configured on PyPI's publishing page.

    GitHub: ``repository`` "owner/name", ``workflow`` the file name in .github/workflows.
    GitLab: ``repository`` the project path "namespace/project", ``workflow`` the top-level
    pipeline file path. ``pending_project`` makes it a pending publisher that creates the project.
    """

    kind: str  # "github" | "gitlab"
    repository: str
    workflow: str
    environment: str | None = None
    projects: tuple[str, ...] = ()
    pending_project: str | None = None


@dataclass(frozen=True)
class PublisherIdentity:
    """What the index verifies attestations against (Warehouse's ``attestation_identity``)."""

    kind: str  # "GitHub" | "GitLab"
    repository: str
    workflow: str
    environment: str | None
    claims: Mapping[str, Any]  # of the OIDC token the upload token was minted from


AttestationVerifier = Callable[[PublisherIdentity, str, bytes, str], "str | None"]


@dataclass(frozen=True)
class MintedToken:
    token: str
    publisher: TrustedPublisherConfig
    projects: frozenset[str]
    expires: int
    claims: Mapping[str, Any]


@dataclass(frozen=True)
class StoredFile:
    filename: str
    project: str
    version: str
    content: bytes
    sha256: str
    attestations: str | None = None
    identity: PublisherIdentity | None = None


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    status: int
    fields: tuple[str, ...] = ()
    """Form field names of a multipart upload, in order."""
    user: str | None = None


class _InvalidPublisherError(Exception):
    pass


@dataclass
class PyPIStandIn:
    """Start with ``with PyPIStandIn(...) as index:``; configure before or during a test."""

    audience: str = "pypi"
    token_lifetime: int = 900
    publishers: list[TrustedPublisherConfig] = field(default_factory=list)
    issuers: dict[str, str] = field(default_factory=dict)
    """Trusted issuers: ``iss`` → base URL of the loopback server serving its discovery doc."""
    disabled_issuers: set[str] = field(default_factory=set)
    audience_status: int | None = None
    """Answer the audience request with this status (403 = switched off, 404, 500...)."""
    mint_answer: tuple[int, str, str] | None = None
    """Answer every mint with (status, content type, body): malformed or unexpected answers."""
    existing_projects: set[str] = field(default_factory=set)
    attestation_verifier: AttestationVerifier | None = None
    files: dict[str, StoredFile] = field(default_factory=dict)
    minted: list[MintedToken] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    url: str = ""
    _used_jtis: dict[str, int] = field(default_factory=dict)
    _jwks: dict[str, jwt.PyJWKSet] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _server: LoopbackServer | None = None

    # -- configuration -------------------------------------------------------------------

    def trust(self, issuer: OidcIssuer) -> None:
        """Accept tokens from this (started) issuer, as PyPI accepts GitHub's and GitLab's."""
        self.issuers[issuer.issuer] = issuer.url

    def add_publisher(self, publisher: TrustedPublisherConfig) -> None:
        with self._lock:
            self.publishers.append(publisher)

    @property
    def upload_url(self) -> str:
        return f"{self.url}legacy/"

    @property
    def index_url(self) -> str:
        return f"{self.url}simple/"

    @property
    def minted_tokens(self) -> list[str]:
        with self._lock:
            return [m.token for m in self.minted]

    def paths(self, method: str | None = None) -> list[str]:
        with self._lock:
            return [r.path for r in self.requests if method in (None, r.method)]

    # -- the server ------------------------------------------------------------------------

    def __enter__(self) -> PyPIStandIn:
        index = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                index._dispatch(self)

            do_POST = do_HEAD = do_GET

        self._server = LoopbackServer(Handler)
        self.url = self._server.url
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()

    def _dispatch(self, h: BaseHTTPRequestHandler) -> None:
        path = urlsplit(h.path).path
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        method = h.command
        fields: tuple[str, ...] = ()
        user = _basic_user(h.headers.get("Authorization", ""))
        if method == "GET" and path == "/_/oidc/audience":
            status, ctype, out, reason = self._audience()
        elif method == "POST" and path in ("/_/oidc/mint-token", "/_/oidc/github/mint-token"):
            status, ctype, out, reason = self._mint(body)
        elif method == "POST" and path == "/legacy/":
            form = _parse_form(h.headers.get("Content-Type", ""), body)
            fields = tuple(name for name, _ in form)
            status, ctype, out, reason = self._upload(h.headers.get("Authorization", ""), form)
        elif method in ("GET", "HEAD") and path.startswith("/simple/"):
            status, ctype, out, reason = self._simple(path, h.headers.get("Accept", ""))
        elif method in ("GET", "HEAD") and path.startswith("/files/"):
            status, ctype, out, reason = self._download(path)
        elif method == "GET" and path.startswith("/integrity/"):
            status, ctype, out, reason = self._provenance(path)
        else:
            status, ctype, out, reason = 404, "text/plain", b"Not Found", None
        with self._lock:
            self.requests.append(RecordedRequest(method, path, status, fields, user))
        location = None
        if status == 301:
            location, out = out.decode(), b""
        h.send_response(status, reason)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(out)))
        if location:
            h.send_header("Location", location)
        if path.startswith("/simple/"):
            # Warehouse sends its serial with every simple page (and on HEAD).
            h.send_header("X-PyPI-Last-Serial", str(len(self.files)))
        h.end_headers()
        if method != "HEAD":
            h.wfile.write(out)

    # -- trusted publishing --------------------------------------------------------------

    def _audience(self) -> tuple[int, str, bytes, str | None]:
        status = self.audience_status or 200
        if status == 403:
            return _json(403, {"message": "Trusted publishing functionality not enabled"})
        if status != 200:
            return status, "text/html", b"<html><body><h1>Not Found</h1></body></html>", None
        return _json(200, {"audience": self.audience})

    def _mint(self, body: bytes) -> tuple[int, str, bytes, str | None]:
        if self.mint_answer is not None:
            status, ctype, text = self.mint_answer
            return status, ctype, text.encode(), None
        try:
            payload = json.loads(body)
            token = payload["token"]
            if not isinstance(token, str) or set(payload) != {"token"}:
                raise TypeError("token must be a string")
        except (ValueError, KeyError, TypeError) as exc:
            return _invalid("invalid-payload", f"1 validation error for TokenPayload: {exc}")
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
            issuer = unverified["iss"]
        except (jwt.PyJWTError, KeyError, TypeError):
            return _invalid("invalid-payload", "malformed JWT")
        if issuer not in self.issuers:
            return _invalid("invalid-payload", "unknown trusted publishing issuer")
        service = _SERVICE_NAMES.get(issuer, "custom")
        if issuer in self.disabled_issuers:
            return _invalid(
                "not-enabled", f"{service} trusted publishing functionality not enabled"
            )
        claims = self._verify(token, issuer)
        if claims is None:
            return _invalid("invalid-token", "malformed or invalid token")
        with self._lock:
            pending = self._find(claims, service, pending=True)
            if isinstance(pending, TrustedPublisherConfig):
                assert pending.pending_project is not None
                name = canonicalize_name(pending.pending_project)
                if name in self._projects():
                    self.publishers.remove(pending)
                    return _invalid(
                        "invalid-pending-publisher", "valid token, but project already exists"
                    )
                self.existing_projects.add(name)
                self.publishers.remove(pending)
                self.publishers.append(
                    TrustedPublisherConfig(
                        pending.kind,
                        pending.repository,
                        pending.workflow,
                        pending.environment,
                        projects=(name,),
                    )
                )
            found = self._find(claims, service, pending=False)
            if isinstance(found, str):
                return _invalid(
                    "invalid-publisher", f"valid token, but no corresponding publisher ({found})"
                )
            jti = str(claims.get("jti", ""))
            if jti:
                if jti in self._used_jtis:
                    return _invalid("invalid-reuse-token", "invalid token: already used")
                self._used_jtis[jti] = int(claims["exp"]) + _LEEWAY + 5
            now = int(time.time())
            minted = "pypi-" + base64.urlsafe_b64encode(
                b"\x02\x01\x08pypi.org" + secrets.token_bytes(48)
            ).decode().rstrip("=")
            record = MintedToken(
                minted,
                found,
                frozenset(canonicalize_name(p) for p in found.projects),
                now + self.token_lifetime,
                claims,
            )
            self.minted.append(record)
        return _json(200, {"success": True, "token": minted, "expires": record.expires})

    def _verify(self, token: str, issuer: str) -> dict[str, Any] | None:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            keys = self._keys(issuer)
            key = next((k for k in keys.keys if kid is None or k.key_id == kid), None)
            if key is None:
                return None
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=["RS256"],
                audience=self.audience,
                issuer=issuer,
                leeway=_LEEWAY,
                options={
                    "require": ["iss", "iat", "exp", "aud"],
                    "strict_aud": True,
                    "verify_signature": True,
                    "verify_aud": True,
                    "verify_iat": True,
                    "verify_exp": True,
                    "verify_nbf": True,
                    "verify_iss": True,
                },
            )
        except (jwt.PyJWTError, OSError, ValueError, KeyError):
            return None
        return claims

    def _keys(self, issuer: str) -> jwt.PyJWKSet:
        """The issuer's JWKS, found through its discovery document (cached, as Warehouse does)."""
        with self._lock:
            cached = self._jwks.get(issuer)
        if cached is not None:
            return cached
        base = self.issuers[issuer]
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only
        with opener.open(f"{base}.well-known/openid-configuration", timeout=10) as r:
            jwks_uri = json.load(r)["jwks_uri"]
        if urlsplit(jwks_uri).hostname != "127.0.0.1":
            raise ValueError("jwks_uri must stay on loopback")
        with opener.open(jwks_uri, timeout=10) as r:
            keys = jwt.PyJWKSet.from_dict(json.load(r))
        with self._lock:
            self._jwks[issuer] = keys
        return keys

    def _find(
        self, claims: Mapping[str, Any], service: str, *, pending: bool
    ) -> TrustedPublisherConfig | str:
        """A matching publisher, or why none matched (Warehouse's `find_publisher`)."""
        candidates = [
            p
            for p in self.publishers
            if p.kind == service and (p.pending_project is not None) == pending
        ]
        if service == "github":
            return _match_github(candidates, claims)
        if service == "gitlab":
            return _match_gitlab(candidates, claims)
        return "Publisher with matching claims was not found"

    def _projects(self) -> set[str]:
        return {f.project for f in self.files.values()} | {
            canonicalize_name(p) for p in self.existing_projects
        }

    # -- uploads ---------------------------------------------------------------------------

    def _token_for(self, authorization: str, project: str) -> MintedToken | tuple[int, str]:
        scheme, _, encoded = authorization.partition(" ")
        if scheme.lower() != "basic":
            return 403, _INVALID_AUTH
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return 403, _INVALID_AUTH
        record = next((m for m in self.minted if m.token == password), None)
        if user != "__token__" or record is None:
            return 403, _INVALID_AUTH
        if time.time() > record.expires:
            return 403, "Invalid API Token: token is expired"
        if project not in record.projects:
            return 403, f"Invalid API Token: OIDC scoped token is not valid for project '{project}'"
        return record

    def _upload(
        self, authorization: str, form: list[tuple[str, bytes | tuple[str, bytes]]]
    ) -> tuple[int, str, bytes, str | None]:
        values = {name: v for name, v in form if isinstance(v, bytes)}
        content = next((v for name, v in form if name == "content" and isinstance(v, tuple)), None)
        if values.get(":action") != b"file_upload" or content is None:
            return _error(400, "Invalid value for action/content. Error: missing")
        filename, data = content
        name = canonicalize_name(values.get("name", b"").decode())
        version = values.get("version", b"").decode()
        try:
            project, file_version = _project_of(filename)
        except ValueError as exc:
            return _error(400, f"Invalid distribution file. {exc}")
        if project != name or str(file_version) != version:
            return _error(400, f"Start filename for {name!r} with {name.replace('-', '_')!r}.")
        with self._lock:
            token = self._token_for(authorization, project)
        if isinstance(token, tuple):
            return _error(*token)
        digest = hashlib.sha256(data).hexdigest()
        given = values.get("sha256_digest", b"").decode().lower()
        if given and given != digest:
            return _error(
                400,
                "The digest supplied does not match a digest calculated from the uploaded file.",
            )
        identity = PublisherIdentity(
            kind={"github": "GitHub", "gitlab": "GitLab"}[token.publisher.kind],
            repository=token.publisher.repository,
            workflow=token.publisher.workflow,
            environment=token.publisher.environment,
            claims=token.claims,
        )
        attestations = values.get("attestations")
        text = attestations.decode() if attestations is not None else None
        if text is not None:
            problem = self._check_attestations(identity, filename, data, text)
            if problem:
                return _error(400, f"Invalid attestations supplied during upload: {problem}")
        with self._lock:
            existing = self.files.get(filename)
            if existing is not None:
                if existing.sha256 == digest:
                    return 200, "text/plain", b"OK", None
                blake = hashlib.blake2b(existing.content, digest_size=32).hexdigest()
                return _error(
                    400,
                    f"File already exists ({filename!r}, with blake2_256 hash "
                    f"{blake!r}). See https://pypi.org/help/#file-name-reuse for "
                    "more information.",
                )
            self.files[filename] = StoredFile(
                filename, project, version, data, digest, text, identity if text else None
            )
        return 200, "text/plain", b"OK", None

    def _check_attestations(
        self, identity: PublisherIdentity, filename: str, data: bytes, text: str
    ) -> str | None:
        try:
            parsed = json.loads(text)
        except ValueError as exc:
            return f"Malformed attestations: {exc}"
        if not isinstance(parsed, list):
            return "Malformed attestations: expected a JSON array"
        if not parsed:
            return "an empty attestation set is not permitted"
        if len(parsed) > 2:
            return "A maximum of 2 attestations per file are supported"
        if self.attestation_verifier is not None:
            return self.attestation_verifier(identity, filename, data, text)
        return None

    # -- reading -----------------------------------------------------------------------------

    def _simple(self, path: str, accept: str) -> tuple[int, str, bytes, str | None]:
        parts = [p for p in path.split("/") if p]
        if len(parts) == 1:
            return self._simple_root(accept)
        if len(parts) != 2:
            return 404, "text/plain", b"Not Found", None
        raw = parts[1]
        name = canonicalize_name(raw)
        if raw != name:
            return 301, "text/plain", f"/simple/{name}/".encode(), None
        with self._lock:
            files = sorted(
                (f for f in self.files.values() if f.project == name), key=lambda f: f.filename
            )
            exists = name in self._projects()
        if not exists:
            return 404, "text/plain", b"Not Found", None
        if _PEP691 in accept:
            data = {
                "meta": {"api-version": "1.1"},
                "name": name,
                "files": [
                    {
                        "filename": f.filename,
                        "url": f"/files/{quote(f.filename)}",
                        "hashes": {"sha256": f.sha256},
                        "size": len(f.content),
                        "yanked": False,
                        "provenance": (
                            f"{self.url}integrity/{name}/{f.version}/{f.filename}/provenance"
                            if f.attestations
                            else None
                        ),
                    }
                    for f in files
                ],
                "versions": sorted({f.version for f in files}),
            }
            return 200, _PEP691, json.dumps(data).encode(), None
        links = "".join(
            f'<a href="/files/{quote(f.filename)}#sha256={f.sha256}">{html.escape(f.filename)}'
            "</a><br />\n"
            for f in files
        )
        page = (
            f'<!DOCTYPE html><html><head><meta name="pypi:repository-version" '
            f'content="1.1"><title>Links for {name}</title></head><body>'
            f"<h1>Links for {name}</h1>\n{links}</body></html>"
        )
        return 200, "text/html; charset=utf-8", page.encode(), None

    def _simple_root(self, accept: str) -> tuple[int, str, bytes, str | None]:
        """Warehouse's `/simple/`: every project, PEP 691 JSON or HTML by Accept."""
        with self._lock:
            names = sorted(self._projects())
        if _PEP691 in accept:
            data = {
                "meta": {"api-version": "1.1", "_last-serial": len(self.files)},
                "projects": [{"name": n} for n in names],
            }
            return 200, _PEP691, json.dumps(data).encode(), None
        links = "".join(f'<a href="/simple/{n}/">{n}</a>\n' for n in names)
        page = (
            '<!DOCTYPE html><html><head><meta name="pypi:repository-version" content="1.1">'
            f"<title>Simple index</title></head><body>\n{links}</body></html>"
        )
        return 200, "text/html; charset=utf-8", page.encode(), None

    def _download(self, path: str) -> tuple[int, str, bytes, str | None]:
        from urllib.parse import unquote

        with self._lock:
            stored = self.files.get(unquote(path.removeprefix("/files/")))
        if stored is None:
            return 404, "text/plain", b"Not Found", None
        return 200, "application/octet-stream", stored.content, None

    def _provenance(self, path: str) -> tuple[int, str, bytes, str | None]:
        parts = [p for p in path.split("/") if p]
        filename = parts[3] if len(parts) == 5 else ""
        with self._lock:
            stored = self.files.get(filename)
        if stored is None or not stored.attestations or stored.identity is None:
            return _json(404, {"message": f"No provenance available for {filename}"})
        publisher = {
            "kind": stored.identity.kind,
            "repository": stored.identity.repository,
            "workflow": stored.identity.workflow,
            "environment": stored.identity.environment,
        }
        data = {
            "version": 1,
            "attestation_bundles": [
                {"publisher": publisher, "attestations": json.loads(stored.attestations)}
            ],
        }
        return _json(200, data)


# -- publisher matching (warehouse/oidc/models/github.py, gitlab.py) -------------------------

_GITHUB_WORKFLOW = re.compile(r"(?<=/\.github/workflows/)([^/@]+)(?=@)")
_GITLAB_WORKFLOW = re.compile(r"(?<=//)(.*[^/]\.(yml|yaml))(?=@)")


def _match_github(
    candidates: list[TrustedPublisherConfig], claims: Mapping[str, Any]
) -> TrustedPublisherConfig | str:
    for name in (
        "repository",
        "repository_owner",
        "repository_owner_id",
        "job_workflow_ref",
        "jti",
        "event_name",
        "ref",
        "sha",
    ):
        if name not in claims:
            return f"Missing claim {name!r}"
    match = _GITHUB_WORKFLOW.search(str(claims["job_workflow_ref"]))
    workflow = match.group(1) if match else ""
    repository = str(claims["repository"]).lower()
    environment = str(claims.get("environment") or "")
    found = [
        p
        for p in candidates
        if p.repository.lower() == repository
        and p.workflow == workflow
        and (not p.environment or p.environment.lower() == environment.lower())
    ]
    if not found:
        return "Publisher with matching claims was not found"
    publisher = found[0]
    base = f"{publisher.repository}/.github/workflows/{publisher.workflow}"
    expected = {f"{base}@{claims['ref']}", f"{base}@{claims['sha']}"}
    if claims["job_workflow_ref"] not in expected:
        return (
            f"The job_workflow_ref claim does not match, expecting one of "
            f"{sorted(expected)!r}, got {claims['job_workflow_ref']!r}"
        )
    if claims["event_name"] == "pull_request_target":
        return "Publishing from a workflow invoked via 'pull_request_target' is not supported."
    return publisher


def _match_gitlab(
    candidates: list[TrustedPublisherConfig], claims: Mapping[str, Any]
) -> TrustedPublisherConfig | str:
    for name in ("project_path", "ci_config_ref_uri", "jti", "ref_path", "sha"):
        if name not in claims:
            return f"Missing claim {name!r}"
    match = _GITLAB_WORKFLOW.search(str(claims["ci_config_ref_uri"]))
    workflow = match.group(1) if match else ""
    project_path = str(claims["project_path"]).lower()
    environment = str(claims.get("environment") or "")
    found = [
        p
        for p in candidates
        if p.repository.lower() == project_path
        and p.workflow == workflow
        and (not p.environment or p.environment == environment)
    ]
    if not found:
        return "Publisher with matching claims was not found"
    publisher = found[0]
    base = f"gitlab.com/{publisher.repository}//{publisher.workflow}"
    expected = {f"{base}@{claims['ref_path']}", f"{base}@{claims['sha']}"}
    if claims["ci_config_ref_uri"] not in expected:
        return (
            f"The ci_config_ref_uri claim does not match, expecting one of "
            f"{sorted(expected)!r}, got {claims['ci_config_ref_uri']!r}"
        )
    return publisher


# -- helpers -----------------------------------------------------------------------------------


def _json(status: int, data: object) -> tuple[int, str, bytes, str | None]:
    return status, "application/json", json.dumps(data).encode(), None


def _invalid(code: str, description: str) -> tuple[int, str, bytes, str | None]:
    return _json(
        422,
        {"message": "Token request failed", "errors": [{"code": code, "description": description}]},
    )


def _error(status: int, message: str) -> tuple[int, str, bytes, str | None]:
    # Warehouse puts the reason in the status line and repeats it in an HTML body.
    body = (
        f"<html><head><title>{status} {html.escape(message)}</title></head><body>"
        f"<h1>{status} {html.escape(message)}</h1></body></html>"
    )
    return status, "text/html; charset=utf-8", body.encode(), message


def _basic_user(authorization: str) -> str | None:
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        return base64.b64decode(encoded).decode().partition(":")[0]
    except ValueError:
        return None


def _project_of(filename: str) -> tuple[str, str]:
    try:
        if filename.endswith(".whl"):
            name, version, *_ = parse_wheel_filename(filename)
        else:
            name, version = parse_sdist_filename(filename)
    except (InvalidWheelFilename, InvalidSdistFilename) as exc:
        raise ValueError(str(exc)) from None
    return str(name), str(version)


def _parse_form(content_type: str, body: bytes) -> list[tuple[str, bytes | tuple[str, bytes]]]:
    """multipart/form-data → [(name, value bytes | (filename, bytes))], in order."""
    if not content_type.startswith("multipart/form-data"):
        return []
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    out: list[tuple[str, bytes | tuple[str, bytes]]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            payload = b""
        filename = part.get_filename()
        out.append((str(name), (str(filename), payload) if filename else payload))
    return out
