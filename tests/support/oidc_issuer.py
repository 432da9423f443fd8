"""A local OIDC issuer on loopback: RS256 JWTs with GitHub Actions' and GitLab CI's claim sets.

What it stands for (faithful where our code and the index stand-in can observe it):

* **GitHub Actions' ID-token request endpoint**, the URL a job with `id-token: write` finds in
  ``ACTIONS_ID_TOKEN_REQUEST_URL`` (``https://pipelines…actions.githubusercontent.com/…/idtoken
  ?api-version=2.0``). ``GET`` it with ``Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN``
  and an optional ``audience`` query parameter; the answer is ``{"count": N, "value": <jwt>}``.
  Without ``audience`` the token's ``aud`` is ``https://github.com/<owner>`` (GitHub's default).
  A wrong or missing bearer token is refused (401). GitHub's tokens last 5 minutes.
* **The issuer's discovery document and keys**: ``/.well-known/openid-configuration`` names
  ``jwks_uri``; Warehouse fetches the JWKS from there to verify signatures. The ``iss`` claim is
  the real issuer URL (``https://token.actions.githubusercontent.com``, ``https://gitlab.com``);
  the index stand-in is told which loopback server answers for it.
* **GitLab CI/CD's ``id_tokens:``**: GitLab signs one JWT per declared variable when the job
  starts and puts it in the job's environment (``PYPI_ID_TOKEN`` for ``aud: pypi``); the same
  value for the whole job. `gitlab_environ()` builds such an environment. GitLab's tokens last as
  long as the job may (here 1 hour) and have ``nbf`` a few seconds before ``iat``.

Every JWT has a unique ``jti``, ``iat``, ``nbf`` and ``exp``. Claim sets follow GitHub's and
GitLab's documented payloads (`github_claims`, `gitlab_claims`). Loopback only.

Typical use::

    with OidcIssuer.github() as issuer:
        environ = issuer.github_environ()   # GITHUB_ACTIONS, ACTIONS_ID_TOKEN_REQUEST_* ...
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.support.loopback import LoopbackServer

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

__all__ = [
    "GITHUB_ISSUER",
    "GITLAB_ISSUER",
    "IssuerRequest",
    "OidcIssuer",
    "github_claims",
    "gitlab_claims",
]

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
GITLAB_ISSUER = "https://gitlab.com"
GITHUB_TOKEN_PATH = (
    "/00000000-0000-0000-0000-000000000000/_apis/distributedtask/hubs/Actions/plans/"
    "1b7a2a7c-0000-4000-8000-000000000001/jobs/2c8b3b8d-0000-4000-8000-000000000002/idtoken"
)
_KEYS: dict[str, rsa.RSAPrivateKey] = {}
_KEYS_LOCK = threading.Lock()


def _key(name: str) -> rsa.RSAPrivateKey:
    """One RSA key per issuer name per test run (generating keys is the slow part)."""
    with _KEYS_LOCK:
        if name not in _KEYS:
            _KEYS[name] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return _KEYS[name]


def github_claims(
    *,
    repository: str = "octo-org/sampleproject",
    workflow: str = "release.yml",
    ref: str = "refs/tags/v1.0.0",
    sha: str = "5f1c2b3a4d5e6f708192a3b4c5d6e7f8091a2b3c",
    event_name: str = "push",
    environment: str | None = "pypi",
    called_workflow: str | None = None,
) -> dict[str, Any]:
    """GitHub Actions' claims (without aud/iat/nbf/exp/jti), as its docs list them.

    ``called_workflow`` ("owner/repo/.github/workflows/file.yml@ref") makes the job run in a
    reusable workflow: ``job_workflow_ref`` names it, ``workflow_ref`` the caller.
    """
    owner = repository.split("/", 1)[0]
    workflow_ref = f"{repository}/.github/workflows/{workflow}@{ref}"
    ref_type = "tag" if ref.startswith("refs/tags/") else "branch"
    subject = (
        f"repo:{repository}:environment:{environment}"
        if environment
        else f"repo:{repository}:ref:{ref}"
    )
    claims: dict[str, Any] = {
        "sub": subject,
        "ref": ref,
        "sha": sha,
        "repository": repository,
        "repository_owner": owner,
        "repository_owner_id": "65432",
        "repository_id": "123456789",
        "repository_visibility": "public",
        "actor": "octocat",
        "actor_id": "583231",
        "run_id": "9876543210",
        "run_number": "42",
        "run_attempt": "1",
        "runner_environment": "github-hosted",
        "workflow": "Release",
        "head_ref": "",
        "base_ref": "",
        "event_name": event_name,
        "ref_type": ref_type,
        "ref_protected": "false",
        "workflow_ref": workflow_ref,
        "workflow_sha": sha,
        "job_workflow_ref": called_workflow or workflow_ref,
        "job_workflow_sha": sha,
        "check_run_id": "31415926535",
        "iss": GITHUB_ISSUER,
    }
    if environment:
        claims["environment"] = environment
        claims["environment_node_id"] = "EN_kwDOAbCdEf8AAAABcDeFgH"
    return claims


def gitlab_claims(
    *,
    project_path: str = "octo-group/sampleproject",
    ci_config_path: str = ".gitlab-ci.yml",
    ref: str = "v1.0.0",
    ref_type: str = "tag",
    sha: str = "714a629c0b401fdce83e847fc9589983fc6f46bc",
    environment: str | None = "pypi",
    pipeline_source: str = "push",
) -> dict[str, Any]:
    """GitLab CI/CD's ID-token claims (without aud/iat/nbf/exp/jti), as its docs list them."""
    namespace = project_path.rsplit("/", 1)[0]
    ref_path = f"refs/tags/{ref}" if ref_type == "tag" else f"refs/heads/{ref}"
    claims: dict[str, Any] = {
        "namespace_id": "72",
        "namespace_path": namespace,
        "project_id": "20",
        "project_path": project_path,
        "user_id": "1",
        "user_login": "sample-user",
        "user_email": "sample-user@example.com",
        "user_access_level": "maintainer",
        "pipeline_id": "574",
        "pipeline_source": pipeline_source,
        "job_id": "302",
        "ref": ref,
        "ref_type": ref_type,
        "ref_path": ref_path,
        "ref_protected": "true",
        "runner_id": 12270857,
        "runner_environment": "gitlab-hosted",
        "sha": sha,
        "project_visibility": "public",
        "ci_config_ref_uri": f"gitlab.com/{project_path}//{ci_config_path}@{ref_path}",
        "ci_config_sha": sha,
        "iss": GITLAB_ISSUER,
        "sub": f"project_path:{project_path}:ref_type:{ref_type}:ref:{ref}",
    }
    if environment:
        claims.update(
            environment=environment,
            environment_protected="false",
            deployment_tier="production",
            environment_action="start",
        )
    return claims


@dataclass(frozen=True)
class IssuerRequest:
    method: str
    path: str
    query: Mapping[str, str]
    authorized: bool


@dataclass
class OidcIssuer:
    """One issuer (one signing key) served on 127.0.0.1; start it with ``with issuer:``."""

    issuer: str
    claims: dict[str, Any]
    lifetime: int
    nbf_skew: int = 0
    request_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    issued: list[str] = field(default_factory=list)
    """Every JWT signed, in order (tests assert none shows up in output)."""
    requests: list[IssuerRequest] = field(default_factory=list)
    fail_with: tuple[int, str] | None = None
    """Answer token requests with this (status, body) instead: scripted outages/refusals."""
    answer_body: str | None = None
    """Answer token requests 200 with this raw body (malformed answers)."""
    delay: float = 0.0
    """Seconds to wait before answering a token request (a slow or hanging service)."""
    url: str = ""
    """``http://127.0.0.1:PORT/`` once started."""
    _server: LoopbackServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def github(cls, **claims: Any) -> OidcIssuer:
        return cls(GITHUB_ISSUER, github_claims(**claims), lifetime=300)

    @classmethod
    def gitlab(cls, **claims: Any) -> OidcIssuer:
        return cls(GITLAB_ISSUER, gitlab_claims(**claims), lifetime=3600, nbf_skew=5)

    # -- keys and tokens -----------------------------------------------------------------

    @property
    def kid(self) -> str:
        public = _key(self.issuer).public_key().public_numbers()
        digest = public.n.to_bytes(256, "big")[:12]
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def jwks(self) -> dict[str, Any]:
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(_key(self.issuer).public_key(), as_dict=True)
        jwk.update(kid=self.kid, use="sig", alg="RS256")
        return {"keys": [jwk]}

    def issue(
        self,
        audience: str | list[str],
        *,
        claims: Mapping[str, Any] | None = None,
        lifetime: int | None = None,
        now: float | None = None,
        sign_with: str | None = None,
    ) -> str:
        """A signed JWT for ``audience`` with this issuer's claims (or ``claims``).

        ``sign_with`` names another key (a forged token: right shape, wrong signature).
        """
        issued_at = int(time.time() if now is None else now)
        payload = dict(self.claims if claims is None else claims)
        payload.update(
            aud=audience,
            jti=str(uuid.uuid4()),
            iat=issued_at,
            nbf=issued_at - self.nbf_skew,
            exp=issued_at + (self.lifetime if lifetime is None else lifetime),
        )
        key = _key(sign_with or self.issuer)
        token = jwt.encode(payload, key, algorithm="RS256", headers={"kid": self.kid})
        with self._lock:
            self.issued.append(token)
        return token

    # -- environments a CI job would have --------------------------------------------------

    @property
    def token_request_url(self) -> str:
        return f"{self.url.rstrip('/')}{GITHUB_TOKEN_PATH}?api-version=2.0"

    def github_environ(self, **extra: str) -> dict[str, str]:
        """What a GitHub Actions job with `id-token: write` sees (plus ``extra``)."""
        c = self.claims
        environ = {
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "ACTIONS_ID_TOKEN_REQUEST_URL": self.token_request_url,
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": self.request_token,
            "GITHUB_REPOSITORY": str(c.get("repository", "")),
            "GITHUB_REPOSITORY_OWNER": str(c.get("repository_owner", "")),
            "GITHUB_WORKFLOW_REF": str(c.get("workflow_ref", "")),
            "GITHUB_EVENT_NAME": str(c.get("event_name", "")),
            "GITHUB_REF": str(c.get("ref", "")),
            "GITHUB_SHA": str(c.get("sha", "")),
            "GITHUB_RUN_ID": str(c.get("run_id", "")),
        }
        environ.update(extra)
        return environ

    def gitlab_environ(
        self, audiences: tuple[str, ...] = ("pypi",), **extra: str
    ) -> dict[str, str]:
        """What a GitLab job with ``id_tokens: {<AUD>_ID_TOKEN: {aud: <aud>}}`` sees."""
        c = self.claims
        environ = {
            "CI": "true",
            "GITLAB_CI": "true",
            "CI_SERVER_URL": "https://gitlab.com",
            "CI_PROJECT_PATH": str(c.get("project_path", "")),
            "CI_COMMIT_SHA": str(c.get("sha", "")),
            "CI_COMMIT_REF_NAME": str(c.get("ref", "")),
            "CI_PIPELINE_SOURCE": str(c.get("pipeline_source", "")),
            "CI_CONFIG_PATH": ".gitlab-ci.yml",
        }
        for audience in audiences:
            environ[_gitlab_variable(audience)] = self.issue(audience)
        environ.update(extra)
        return environ

    # -- the server --------------------------------------------------------------------------

    def __enter__(self) -> OidcIssuer:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                issuer._handle(self)

        self._server = LoopbackServer(Handler)
        self.url = self._server.url
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()

    @contextmanager
    def running(self) -> Iterator[OidcIssuer]:
        with self:
            yield self

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        auth = handler.headers.get("Authorization", "")
        scheme, _, credential = auth.partition(" ")
        authorized = scheme.lower() == "bearer" and secrets.compare_digest(
            credential.strip(), self.request_token
        )
        with self._lock:
            self.requests.append(IssuerRequest("GET", parts.path, query, authorized))
        if parts.path == "/.well-known/openid-configuration":
            _reply(
                handler,
                200,
                {
                    "issuer": self.issuer,
                    "jwks_uri": f"{self.url}.well-known/jwks",
                    "subject_types_supported": ["public", "pairwise"],
                    "response_types_supported": ["id_token"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "claims_supported": sorted({*self.claims, "aud", "exp", "iat", "nbf", "jti"}),
                },
            )
            return
        if parts.path == "/.well-known/jwks":
            _reply(handler, 200, self.jwks())
            return
        if parts.path != GITHUB_TOKEN_PATH:
            _reply(handler, 404, {"message": "Not Found"})
            return
        if self.delay:
            time.sleep(self.delay)
        if not authorized:
            _reply(handler, 401, {"message": "Unauthorized: bad or missing bearer token"})
            return
        if "api-version" not in query:
            _reply(handler, 400, {"message": "api-version query parameter is required"})
            return
        if self.fail_with is not None:
            status, body = self.fail_with
            _reply_raw(handler, status, body.encode(), "application/json")
            return
        if self.answer_body is not None:
            _reply_raw(handler, 200, self.answer_body.encode(), "application/json")
            return
        owner = str(self.claims.get("repository_owner", ""))
        audience = query.get("audience") or f"https://github.com/{owner}"
        _reply(handler, 200, {"count": len(self.issued) + 1, "value": self.issue(audience)})


def _gitlab_variable(audience: str) -> str:
    import re

    return re.sub(r"[^A-Z0-9_]|^[^A-Z_]", "_", audience.upper()) + "_ID_TOKEN"


def _reply(handler: BaseHTTPRequestHandler, status: int, data: object) -> None:
    _reply_raw(handler, status, json.dumps(data).encode(), "application/json")


def _reply_raw(handler: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", ctype)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
