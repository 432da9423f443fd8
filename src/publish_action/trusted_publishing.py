"""Trusted publishing: a short-lived upload token minted from the CI's OIDC identity.

The exchange is PyPI's, on the upload URL's scheme and host:

1. `GET /_/oidc/audience` → `{"audience": ...}` (403: switched off; 404: not offered);
2. an OIDC token for that audience from the CI (`oidc.ambient_token`);
3. `POST /_/oidc/mint-token` with `{"token": <jwt>}` → `{"success": true, "token": ...,
   "expires": ...}`, used with user `__token__`; 422 `{"errors": [{code, description}]}` when
   the index refuses.

Upload tokens expire (PyPI: 15 minutes) and OIDC tokens are single-use, so `TrustedPublisher`
mints a fresh pair when the token is about to expire or the index refuses it. Every token is
handed to the Redactor the moment it is received (on GitHub that masks it in the log).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit

from publish_action import oidc
from publish_action.errors import TrustedPublishingError
from publish_action.net import TRANSIENT_STATUSES, Answer, NetError, retry_after
from publish_action.settings import Credentials, Settings, TrustedPublishing
from publish_action.targets import IndexKind, IndexProfile

if TYPE_CHECKING:
    from publish_action.net import Net
    from publish_action.redaction import Redactor
    from publish_action.reporting import Reporter

__all__ = ["Identity", "IndexExchange", "TrustedPublisher", "obtain"]

RENEW_MARGIN = 60.0  # seconds before `expires` at which a fresh token is minted
AUDIENCE_PATH = "/_/oidc/audience"
MINT_PATH = "/_/oidc/mint-token"
UPLOAD_USER = "__token__"
MISSING = "MISSING"
_ANSWER_LIMIT = 1024 * 1024

# The claims that say which job this is, per CI: shown when the index refuses the token.
_SHOWN_CLAIMS = {
    "github": ("repository", "workflow_ref", "job_workflow_ref", "ref", "environment",
               "event_name", "sub"),
    "gitlab": ("project_path", "ci_config_ref_uri", "ref_path", "environment",
               "pipeline_source", "sub"),
    "google": ("email", "sub"),
}
_DEFAULT_SHOWN = ("iss", "sub")
_GITHUB_WORKFLOW = re.compile(r"/\.github/workflows/([^/@]+)@")
_GITLAB_WORKFLOW = re.compile(r"//(.*[^/]\.ya?ml)@")
# Answers that mean "no trusted publishing here" (a redirect is never followed: the endpoint
# must answer on the upload URL's own origin; 401: the index wants credentials instead).
_NOT_SUPPORTED = frozenset({301, 302, 303, 307, 308, 401, 404, 405, 410, 501})


def obtain(
    settings: Settings,
    reporter: Reporter,
    *,
    projects: Sequence[str],
    environ: Mapping[str, str],
    net: Net,
    redactor: Redactor,
) -> TrustedPublisher | None:
    """A trusted publisher with its first upload token, or None when it does not apply.

    None: mode `never`; mode `auto` with a password configured; mode `auto` and the index
    does not offer trusted publishing (one info line says so). Raises `TrustedPublishingError`.
    """
    mode = settings.trusted_publishing
    if mode is TrustedPublishing.NEVER:
        return None
    if mode is TrustedPublishing.AUTO and settings.upload_credentials is not None:
        reporter.debug("trusted publishing: not tried, a password is configured")
        return None
    exchange = IndexExchange(net, settings.repository_url, reporter=reporter)
    try:
        audience = exchange.audience()
    except _NotOffered as not_offered:
        if mode is TrustedPublishing.ALWAYS:
            raise TrustedPublishingError(
                f"trusted publishing: {exchange.host} does not offer trusted publishing "
                f"({not_offered})",
                advice="check 'repository-url'; for an index without trusted publishing, set "
                "'password' and 'trusted-publishing: auto' (or 'never')",
            ) from None
        how = "with the configured credentials" if settings.upload_credentials else (
            "without credentials")
        reporter.info(f"trusted publishing: not used, {exchange.host} does not offer it "
                      f"({not_offered}); uploading {how}")
        return None
    if settings.upload_credentials is not None:
        reporter.info("trusted publishing: 'always', so the configured password is not used")
    publisher = TrustedPublisher(
        exchange,
        audience=audience,
        environ=environ,
        redactor=redactor,
        reporter=reporter,
        projects=projects,
        index=settings.index,
        oidc_timeout=min(settings.timeout, oidc.DEFAULT_TIMEOUT),
    )
    publisher.current()
    return publisher


@dataclass(frozen=True)
class Identity:
    """Who the index minted the token for: the CI and its token's claims (NOT verified)."""

    ci: str  # "GitHub Actions"
    ci_key: str  # "github", "gitlab", "google", "buildkite", "circleci", "unknown"
    claims: Mapping[str, Any]
    audience: str
    origin: str  # scheme://host[:port] of the upload URL, where /_/oidc/ lives

    @property
    def issuer(self) -> str:
        return str(self.claims.get("iss", ""))

    @property
    def repository(self) -> str | None:
        """GitHub `repository` or GitLab `project_path`."""
        name = "project_path" if self.ci_key == "gitlab" else "repository"
        value = self.claims.get(name)
        return str(value) if value else None

    @property
    def workflow(self) -> str | None:
        """The workflow file a publisher names: from `job_workflow_ref` (GitHub, what PyPI
        matches) or `ci_config_ref_uri` (GitLab)."""
        if self.ci_key == "github":
            match = _GITHUB_WORKFLOW.search(str(self.claims.get("job_workflow_ref", "")))
        elif self.ci_key == "gitlab":
            match = _GITLAB_WORKFLOW.search(str(self.claims.get("ci_config_ref_uri", "")))
        else:
            return None
        return match.group(1) if match else None

    @property
    def environment(self) -> str | None:
        value = self.claims.get("environment")
        return str(value) if value else None

    @property
    def reusable_workflow(self) -> bool:
        """GitHub: the job runs in a reusable workflow (`workflow_ref != job_workflow_ref`)."""
        caller = self.claims.get("workflow_ref")
        called = self.claims.get("job_workflow_ref")
        return self.ci_key == "github" and bool(caller and called) and caller != called


class _NotOffered(Exception):
    """The index does not speak the trusted-publishing protocol (e.g. 404)."""


class IndexExchange:
    """The index's trusted-publishing endpoints (`/_/oidc/`), on the upload URL's origin."""

    def __init__(self, net: Net, upload_url: str, *, reporter: Reporter) -> None:
        parts = urlsplit(upload_url)
        host = parts.hostname or ""
        host = f"[{host}]" if ":" in host else host
        netloc = f"{host}:{parts.port}" if parts.port else host
        self.origin = f"{parts.scheme}://{netloc}"
        self.host = netloc
        self.audience_url = self.origin + AUDIENCE_PATH
        self.mint_url = self.origin + MINT_PATH
        self._net = net
        self.cancellation = net.cancellation
        self._reporter = reporter

    def audience(self) -> str:
        """The audience the index wants; raises `_NotOffered` or `TrustedPublishingError`."""
        response = self._send("GET", self.audience_url, what="audience request")
        status = response.status
        self._reporter.debug(f"GET {self.audience_url} → {status}")
        if status == 403 and _json_message(response):
            raise TrustedPublishingError(
                f"trusted publishing: {self.host} has trusted publishing switched off "
                f"(GET {AUDIENCE_PATH} answered 403: {_reason(response)})",
                advice="the index's administrators disabled it (PyPI does so during incidents: "
                "https://pypi.org/help/#admin-intervention); retry later, or publish with an "
                "API token in 'password'",
            )
        if status in _NOT_SUPPORTED or status == 403:  # 403 without Warehouse's JSON
            raise _NotOffered(f"GET {AUDIENCE_PATH} answered {status}")
        if status != 200:
            raise TrustedPublishingError(
                f"trusted publishing: {self.host} answered the audience request with "
                f"unexpected HTTP {status} (GET {self.audience_url}: {_reason(response)})",
                advice="the index may be down or misconfigured; re-run the job later",
            )
        try:
            data = response.json()
        except ValueError:
            if "json" not in response.headers.get("content-type", ""):
                raise _NotOffered(f"GET {AUDIENCE_PATH} answered a non-JSON page") from None
            data = None
        audience = data.get("audience") if isinstance(data, dict) else None
        if not isinstance(audience, str) or not audience:
            raise TrustedPublishingError(
                f"trusted publishing: {self.host} gave a malformed answer to the audience "
                f"request (GET {self.audience_url}): expected {{\"audience\": \"...\"}}, got "
                f"{_snippet(response.text())}",
                advice="the index's trusted-publishing endpoint is broken; re-run later, or "
                "publish with an API token in 'password'",
            )
        return audience

    def mint(self, jwt: str) -> Answer:
        """One POST of the OIDC token (no retries: a retry needs a fresh OIDC token)."""
        return self._net.fetch("POST", self.mint_url, limit=_ANSWER_LIMIT, truncate=True,
                               headers={"Content-Type": "application/json",
                                        "Accept": "application/json"},
                               content=json.dumps({"token": jwt}).encode())

    def retrying(self, attempt: Callable[[], Answer], *, what: str) -> Answer:
        """Retry `attempt` through the run's HTTP layer; unreachable: TrustedPublishingError."""

        def on_retry(why: str, delay: float) -> None:
            self._reporter.warning(f"trusted publishing: {what} to {self.host} failed ({why}); "
                                   f"retrying in {delay:.1f} s")

        try:
            return self._net.retrying(self.origin, attempt, answer_of=lambda a: a,
                                      transient=_transient, on_retry=on_retry, kind="token")
        except NetError as exc:
            raise TrustedPublishingError(
                f"trusted publishing: could not reach {self.host} for the {what}: {exc.message}",
                advice="check 'repository-url' and the network; re-run the job",
            ) from exc

    def _send(self, method: str, url: str, *, what: str) -> Answer:
        return self.retrying(
            lambda: self._net.fetch(method, url, limit=_ANSWER_LIMIT, truncate=True), what=what)


class TrustedPublisher:
    """A `CredentialSource` whose upload tokens are minted from the CI's OIDC identity.

    `current()` mints a fresh token when the one held expires within `RENEW_MARGIN` seconds;
    `renew()` mints one after the index refused the held token. Thread-safe: uploads in
    parallel share one token and one mint at a time.
    """

    def __init__(
        self,
        exchange: IndexExchange,
        *,
        audience: str,
        environ: Mapping[str, str],
        redactor: Redactor,
        reporter: Reporter,
        projects: Sequence[str],
        index: IndexProfile,
        oidc_timeout: float = oidc.DEFAULT_TIMEOUT,
    ) -> None:
        self._exchange = exchange
        self.audience = audience
        self._environ = environ
        self._redactor = redactor
        self._reporter = reporter
        self._projects = tuple(projects)
        self._index = index
        self._oidc_timeout = oidc_timeout
        self._lock = threading.Lock()
        self._credentials: Credentials | None = None
        self._expires: float | None = None
        self._minted_at = 0.0
        self._spent_jtis: set[str] = set()
        self._identity: Identity | None = None
        self.mints = 0

    # -- the identity ------------------------------------------------------------------------

    @property
    def identity(self) -> Identity:
        if self._identity is None:
            raise RuntimeError("no token minted yet")
        return self._identity

    @property
    def ci(self) -> str:
        return self.identity.ci

    @property
    def claims(self) -> Mapping[str, Any]:
        return self.identity.claims

    @property
    def origin(self) -> str:
        return self._exchange.origin

    @property
    def expires(self) -> float | None:
        """Unix time the held upload token expires (None: the index did not say)."""
        return self._expires

    # -- CredentialSource --------------------------------------------------------------------

    def current(self) -> Credentials:
        with self._lock:
            if self._credentials is None or self._expiring():
                self._mint()
            assert self._credentials is not None
            return self._credentials

    def renew(self) -> Credentials:
        with self._lock:
            # Parallel uploads refused together: the first one renews, the others reuse it.
            if self._credentials is None or time.monotonic() - self._minted_at > 2.0:
                self._mint()
            assert self._credentials is not None
            return self._credentials

    def _expiring(self) -> bool:
        return self._expires is not None and time.time() >= self._expires - RENEW_MARGIN

    # -- minting -----------------------------------------------------------------------------

    def _mint(self) -> None:
        first = self._credentials is None
        if not first:
            self._reporter.info("trusted publishing: the upload token expires soon or was "
                                "refused; minting a fresh one")

        last_token: list[oidc.AmbientToken] = []

        def attempt() -> Answer:
            token = self._ambient()
            last_token[:] = [token]
            return self._exchange.mint(token.jwt)

        # Each retry gets a fresh OIDC token: the index accepts one only once.
        response = self._exchange.retrying(attempt, what="token exchange")
        token = last_token[0]
        self._accept(response, token)
        if first:
            self._announce(token)

    def _ambient(self) -> oidc.AmbientToken:
        try:
            token = oidc.ambient_token(self.audience, self._environ, timeout=self._oidc_timeout,
                                       cancellation=self._exchange.cancellation)
        except oidc.AmbientTokenError as exc:
            # Its message already says what `id` said (translated where `id` misleads).
            raise _identity_error(exc, self.audience) from None
        # Registered before anything else can print it (on GitHub this masks it).
        self._redactor.add(token.jwt)
        if token.jti and token.jti in self._spent_jtis:
            raise TrustedPublishingError(
                f"trusted publishing: the upload token expired and {token.ci.name} gave the "
                f"same OIDC token again ({token.source}), which the index accepts only once",
                advice=(
                    f"{token.ci.name} issues one ID token per job: keep each publishing job "
                    "under the upload token's lifetime (PyPI: 15 minutes), e.g. publish "
                    "fewer or smaller files per job"
                ),
            )
        if self._identity is None:
            self._identity = Identity(
                ci=token.ci.name, ci_key=token.ci.key, claims=dict(token.claims),
                audience=self.audience, origin=self._exchange.origin,
            )
            if self._identity.reusable_workflow:
                self._reporter.warning(_reusable_warning(self._identity))
        return token

    def _accept(self, response: Answer, token: oidc.AmbientToken) -> None:
        status = response.status
        host = self._exchange.host
        try:
            data = response.json()
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("token"), str):
            # First, whatever else is wrong with the answer.
            self._redactor.add_credentials("__token__", data["token"])
        self._reporter.debug(f"POST {self._exchange.mint_url} → {status}")
        if status == 422 and isinstance(data, dict) and isinstance(data.get("errors"), list):
            raise self._refused(status, data["errors"], token)
        if status != 200:
            raise TrustedPublishingError(
                f"trusted publishing: {host} gave an unexpected answer to the token exchange "
                f"(POST {MINT_PATH} → HTTP {status}: {_reason(response)})",
                advice="this suggests a problem on the index (configuration or downtime); "
                "wait a few minutes and re-run the job",
            )
        minted = data.get("token") if isinstance(data, dict) else None
        expires = data.get("expires") if isinstance(data, dict) else None
        success = data.get("success") if isinstance(data, dict) else None
        if (not isinstance(minted, str) or not minted or success is False
                or (expires is not None and not isinstance(expires, (int, float)))):
            raise TrustedPublishingError(
                f"trusted publishing: {host} gave a malformed answer to the token exchange "
                f"(POST {MINT_PATH} → 200, expected {{\"success\": true, \"token\": ..., "
                f"\"expires\": ...}}): {_snippet(self._redactor(response.text()))}",
                advice="this suggests a problem on the index; wait a few minutes and re-run",
            )
        self._credentials = Credentials(UPLOAD_USER, minted)
        self._expires = float(expires) if expires is not None else None
        self._minted_at = time.monotonic()
        if token.jti:
            self._spent_jtis.add(token.jti)
        self.mints += 1

    def _announce(self, token: oidc.AmbientToken) -> None:
        identity = self.identity
        who = identity.repository or str(identity.claims.get("sub", "?"))
        extra = [f"workflow {identity.workflow}"] if identity.workflow else []
        if identity.environment:
            extra.append(f"environment {identity.environment}")
        ref = identity.claims.get("ref")
        if ref:
            extra.append(f"ref {ref}")
        until = ""
        if self._expires is not None:
            until = "; valid until " + time.strftime("%H:%M:%S UTC", time.gmtime(self._expires))
        details = f" ({', '.join(extra)})" if extra else ""
        self._reporter.info(
            f"trusted publishing: {self._exchange.host} minted an upload token for the "
            f"{token.ci.name} identity {who}{details}{until}"
        )

    def _refused(self, status: int, errors: list[Any], token: oidc.AmbientToken) -> \
            TrustedPublishingError:
        identity = self.identity
        codes: list[str] = []
        details: list[str] = []
        for error in errors:
            code = str(error.get("code", "?")) if isinstance(error, dict) else "?"
            text = str(error.get("description", "")) if isinstance(error, dict) else str(error)
            codes.append(code)
            details.append(f"{code}: {self._redactor(text)}")
        details.append(f"claims of the {token.ci.name} OIDC token (decoded for display only, "
                       f"not verified; {MISSING} = absent):")
        shown = _SHOWN_CLAIMS.get(token.ci.key, _DEFAULT_SHOWN)
        details.extend(f"  {name}: {token.claims.get(name, MISSING)}" for name in shown)
        if identity.reusable_workflow:
            details.append("this job runs in a reusable workflow; PyPI matches the publisher "
                           "against job_workflow_ref (the called workflow)")
        links = publisher_links(self._index, self._projects, identity)
        details.extend(links)
        return TrustedPublishingError(
            f"trusted publishing: {self._exchange.host} refused to mint an upload token for "
            f"this {token.ci.name} identity (POST {MINT_PATH} → HTTP {status})",
            details=tuple(details),
            advice=_refusal_advice(codes, identity, self._projects, self._exchange.host,
                                   token.ci.name),
        )


# -- messages ----------------------------------------------------------------------------------


def _identity_error(exc: oidc.AmbientTokenError, audience: str) -> TrustedPublishingError:
    """The OIDC failure, with the fix chosen by its cause."""
    problem = exc.problem
    message = f"trusted publishing: {exc.message}"
    details: tuple[str, ...] = ()
    gitlab_var = oidc.gitlab_variable(audience)
    if problem is oidc.Problem.NO_IDENTITY:
        details = ("what each supported CI needs:",
                   *(f"  {line}" for line in oidc.what_each_ci_needs(audience)))
        advice = ("publish from one of these CIs, set up as above; or give an API token in "
                  "'password' (trusted-publishing: auto uses it)")
    elif problem is oidc.Problem.FORK_PULL_REQUEST:
        advice = ("publish from an event a fork cannot trigger: `push` of a tag, `release`, or "
                  "`workflow_dispatch` (and never `pull_request_target`, which PyPI refuses)")
    elif problem is oidc.Problem.PERMISSION:
        advice = ("add `permissions: id-token: write` to the publishing job (a job-level "
                  "`permissions:` replaces the workflow's); in `docker run`, pass "
                  "-e ACTIONS_ID_TOKEN_REQUEST_URL -e ACTIONS_ID_TOKEN_REQUEST_TOKEN")
    elif problem is oidc.Problem.MISSING_TOKEN:
        advice = (f"declare it in the job: `id_tokens:` → `{gitlab_var}:` → `aud: {audience}`;"
                  f" in `docker run`, pass -e GITLAB_CI -e {gitlab_var}")
    elif problem is oidc.Problem.WRONG_AUDIENCE:
        advice = (f"this index expects audience {audience!r}"
                  + (f": set `aud: {audience}` for {gitlab_var} in `id_tokens:`"
                     if exc.ci is oidc.GITLAB else ""))
    elif problem in (oidc.Problem.UNREACHABLE, oidc.Problem.TIMEOUT):
        advice = ("the CI's token service did not answer; re-run the job (in a container, "
                  f"check it can reach {exc.tried})")
    elif problem is oidc.Problem.TOOL:
        advice = "check that the CI's agent tool works in this job (the error above is its own)"
    else:
        advice = "re-run the job; if it persists, the CI's token service is misbehaving"
    return TrustedPublishingError(message, advice=advice, details=details)


def _refusal_advice(codes: Sequence[str], identity: Identity, projects: Sequence[str],
                    host: str, ci: str) -> str:
    if "invalid-publisher" in codes or "invalid-pending-publisher" in codes:
        values = _publisher_values(identity)
        fields = ", ".join(f"{k} {v}" for k, v in values.items()) or "this CI's identity"
        names = ", ".join(projects) or "your project"
        if "invalid-pending-publisher" in codes:
            return (f"a pending publisher exists but the project is already on {host}: add the "
                    f"publisher to the project itself ({names}): {fields}")
        return f"add a trusted publisher on {host} for {names} matching this run: {fields}"
    if "invalid-reuse-token" in codes:
        return "the OIDC token was already used (a retried exchange?); re-run the job"
    if "invalid-token" in codes:
        return ("the index could not verify the OIDC token (signature, audience, expiry): check "
                "the runner's clock, then re-run the job")
    if "not-enabled" in codes:
        return (f"{host} has switched off trusted publishing from {ci}; publish with an API "
                "token in 'password' until it is back")
    if "invalid-payload" in codes:
        return (f"{host} could not use the token (issuer {identity.issuer or MISSING}): it may "
                f"not accept tokens from {ci}")
    return "the index refused the token; check its trusted-publisher settings"


def _publisher_values(identity: Identity) -> dict[str, str]:
    values: dict[str, str] = {}
    if identity.ci_key == "github":
        owner, _, repo = (identity.repository or "").partition("/")
        values = {"owner": owner, "repository": repo, "workflow": identity.workflow or ""}
    elif identity.ci_key == "gitlab":
        namespace, _, project = (identity.repository or "").rpartition("/")
        values = {"namespace": namespace, "project": project,
                  "top-level pipeline file": identity.workflow or ""}
    elif identity.ci_key == "google":
        values = {"email": str(identity.claims.get("email", ""))}
    values = {k: v for k, v in values.items() if v}
    if values and identity.environment:
        values["environment"] = identity.environment
    return values


def _prefill(identity: Identity) -> dict[str, str] | None:
    """Query parameters Warehouse's project publishing page pre-fills its forms from."""
    if identity.ci_key == "github" and identity.repository and identity.workflow:
        owner, _, repo = identity.repository.partition("/")
        params = {"provider": "github", "owner": owner, "repository": repo,
                  "workflow_filename": identity.workflow}
    elif identity.ci_key == "gitlab" and identity.repository and identity.workflow:
        namespace, _, project = identity.repository.rpartition("/")
        params = {"provider": "gitlab", "namespace": namespace, "project": project,
                  "workflow_filepath": identity.workflow}
    elif identity.ci_key == "google" and identity.claims.get("email"):
        params = {"provider": "google", "email": str(identity.claims["email"])}
    else:
        return None
    if identity.environment and identity.ci_key != "google":
        params["environment"] = identity.environment
    return params


def publisher_links(index: IndexProfile, projects: Sequence[str], identity: Identity) -> \
        tuple[str, ...]:
    """On pypi.org / test.pypi.org: where to configure the publisher, pre-filled."""
    if index.kind is IndexKind.PYPI:
        base = "https://pypi.org"
    elif index.kind is IndexKind.TESTPYPI:
        base = "https://test.pypi.org"
    else:
        return ()
    pending = f"{base}/manage/account/publishing/"
    params = _prefill(identity)
    if params is None:
        return (f"trusted publishers are configured at {pending} (new project) or on each "
                "project's publishing settings page",)
    query = urlencode(params)
    lines = ["configure the publisher (pre-filled) for an existing project:"]
    lines.extend(
        f"  {base}/manage/project/{quote(project, safe='')}/settings/publishing/?{query}"
        for project in projects
    )
    lines.append(f"for a project not yet on {base.removeprefix('https://')}: add a pending "
                 f"publisher with the same values at {pending}")
    return tuple(lines)


def _reusable_warning(identity: Identity) -> str:
    caller = identity.claims.get("workflow_ref")
    called = identity.claims.get("job_workflow_ref")
    return (
        f"trusted publishing: this job runs in a reusable workflow ({called}, called from "
        f"{caller}). PyPI matches trusted publishers against the called workflow "
        f"('{identity.workflow or '?'}' in {identity.repository or '?'}) and supports this "
        "only incidentally; PEP 740 attestations name the calling workflow, so PyPI will not "
        "verify them against that publisher. Publishing from the top-level workflow avoids both."
    )


def _json_message(response: Answer) -> str:
    """Warehouse's `{"message": ...}` body, if that is what the answer is."""
    try:
        data = response.json()
    except ValueError:
        return ""
    message = data.get("message") if isinstance(data, dict) else None
    return message if isinstance(message, str) else ""


def _reason(response: Answer) -> str:
    """The index's own words, without a repeated status code."""
    return response.message().removeprefix(f"{response.status} ")


def _transient(answer: Answer) -> float | None:
    if answer.status in TRANSIENT_STATUSES:
        return retry_after(answer.headers, 1.0)
    return None


def _snippet(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return repr(text[:limit] + ("…" if len(text) > limit else "")) if text else "an empty body"
