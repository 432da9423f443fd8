"""Ambient OIDC identity: the CI's signed statement of which job is running, via `id`.

`ambient_token(audience, environ)` asks the CI the job runs in for an OIDC token (a JWT) with
that audience. It wraps the `id` library and fixes what matters to a publisher:

- The CI named by its own variable (`GITHUB_ACTIONS`, `GITLAB_CI`, `BUILDKITE`, `CIRCLECI`) is
  asked first: `id.detect_credential` tries Google Cloud before GitLab, and GitLab.com's
  runners are Google Cloud VMs. Anything else falls back to `id.detect_credential`.
- `id` reads `os.environ`; the mapping we are given is applied to it for the duration of the
  call (only the names whose values differ, under a lock, restored afterwards).
- `id`'s requests can take minutes to fail: the call runs in a daemon thread bounded by
  `timeout`. `id` reports a refused connection as "timed out"; the real reason is recovered.
- Every failure is one `AmbientTokenError` naming the CI, the variable tried and a `Problem`,
  so that callers (trusted publishing, attestations) choose their advice by cause.

`id` is imported lazily: start-up time matters. Nothing here prints.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from publish_action.cancellation import Cancellation, Stopped

DEFAULT_TIMEOUT = 30.0
_T = TypeVar("_T")


@dataclass(frozen=True)
class CI:
    """A CI (or cloud) that can vouch for a job with an OIDC token."""

    key: str
    name: str
    variable: str  # the variable that says "this job runs here"
    detector: str  # the detector's name in `id._internal.oidc.ambient`
    issuers: tuple[str, ...]  # `iss` of its tokens
    id_prefix: str  # how `id` prefixes its messages about it


GITHUB = CI("github", "GitHub Actions", "GITHUB_ACTIONS", "detect_github",
            ("https://token.actions.githubusercontent.com",), "GitHub")
GITLAB = CI("gitlab", "GitLab CI/CD", "GITLAB_CI", "detect_gitlab", ("https://gitlab.com",),
            "GitLab")
BUILDKITE = CI("buildkite", "Buildkite", "BUILDKITE", "detect_buildkite",
               ("https://agent.buildkite.com",), "Buildkite")
CIRCLECI = CI("circleci", "CircleCI", "CIRCLECI", "detect_circleci",
              ("https://oidc.circleci.com",), "CircleCI")
GOOGLE = CI("google", "Google Cloud", "GOOGLE_SERVICE_ACCOUNT_NAME", "detect_gcp",
            ("https://accounts.google.com",), "GCP")
UNKNOWN = CI("unknown", "an unrecognised OIDC provider", "", "", (), "")

# Asked first when their own variable is set, in this order.
KNOWN_FIRST = (GITHUB, GITLAB, BUILDKITE, CIRCLECI)
SUPPORTED = (GITHUB, GITLAB, GOOGLE, BUILDKITE, CIRCLECI)

# Every variable `id`'s detectors read, besides GitLab's `<AUD>_ID_TOKEN`.
_ID_VARIABLES = (
    "GITHUB_ACTIONS",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
    "GOOGLE_SERVICE_ACCOUNT_NAME",
    "BUILDKITE",
    "GITLAB_CI",
    "CIRCLECI",
)


class Problem(Enum):
    """Why no token: callers pick their advice by this."""

    NO_IDENTITY = "no CI identity found"
    PERMISSION = "the job may not request an OIDC token"
    FORK_PULL_REQUEST = "pull request from a fork"
    MISSING_TOKEN = "the ID token variable is not set"  # noqa: S105 - a description
    UNREACHABLE = "the token service could not be reached"
    REFUSED = "the token service refused"
    TOOL = "the CI's token tool failed"
    MALFORMED = "malformed token or answer"
    WRONG_AUDIENCE = "token for another audience"
    TIMEOUT = "no answer in time"
    FAILED = "unexpected failure"


class AmbientTokenError(Exception):
    """No OIDC token. `message` names the CI and what was tried; it never holds a token."""

    def __init__(self, message: str, *, problem: Problem, ci: CI | None, tried: str = "",
                 fork: tuple[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problem = problem
        self.ci = ci
        self.tried = tried
        self.fork = fork  # (head repository, base repository) of a fork's pull request


@dataclass(frozen=True, repr=False)
class AmbientToken:
    """An OIDC token and its claims, decoded *without* verification (display and checks only)."""

    jwt: str
    ci: CI
    source: str  # where it came from: a variable, an endpoint, a tool
    claims: Mapping[str, Any]

    def __repr__(self) -> str:
        return f"AmbientToken(ci={self.ci.name!r}, source={self.source!r}, jwt=***)"

    @property
    def jti(self) -> str | None:
        value = self.claims.get("jti")
        return value if isinstance(value, str) else None


def gitlab_variable(audience: str) -> str:
    """The variable GitLab's `id_tokens:` must define for `audience` (as `id` computes it)."""
    return re.sub(r"[^A-Z0-9_]|^[^A-Z_]", "_", audience.upper()) + "_ID_TOKEN"


def known_ci(environ: Mapping[str, str]) -> CI | None:
    """The CI the job says it runs in, by that CI's own variable."""
    for ci in KNOWN_FIRST:
        if environ.get(ci.variable):
            return ci
    return None


def ci_for_issuer(issuer: object) -> CI:
    for ci in SUPPORTED:
        if issuer in ci.issuers:
            return ci
    return UNKNOWN


def decode_claims(jwt: str) -> dict[str, Any]:
    """The payload of a JWT, NOT verified: for display and sanity checks only."""
    try:
        _, payload, _ = jwt.split(".")
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, binascii.Error) as exc:
        raise ValueError("not a JWT (three base64url parts, a JSON payload)") from exc
    if not isinstance(data, dict):
        raise ValueError("the JWT payload is not a JSON object")
    return data


def github_fork_pull_request(environ: Mapping[str, str]) -> tuple[str, str] | None:
    """(head, base) repositories when this GitHub run is a pull request from a fork."""
    event = environ.get("GITHUB_EVENT_NAME", "")
    if not event.startswith("pull_request") or event == "pull_request_target":
        return None
    path = environ.get("GITHUB_EVENT_PATH")
    if not path:
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        pull = data["pull_request"]
        head = pull["head"]["repo"]
        base = pull["base"]["repo"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    head_name = str(head.get("full_name", "")) if isinstance(head, dict) else ""
    base_name = str(base.get("full_name", "")) if isinstance(base, dict) else ""
    fork = isinstance(head, dict) and head.get("fork") is True
    if fork or (head_name and base_name and head_name.lower() != base_name.lower()):
        return head_name or "a fork", base_name or environ.get("GITHUB_REPOSITORY", "")
    return None


def ambient_token(
    audience: str, environ: Mapping[str, str], *, timeout: float = DEFAULT_TIMEOUT,
    cancellation: Cancellation | None = None,
) -> AmbientToken:
    """An OIDC token for `audience` from the CI this job runs in; raises `AmbientTokenError`
    (or `Stopped` when the run is stopped meanwhile)."""
    ci = known_ci(environ)
    try:
        with _applied(environ, audience):
            found = _bounded(lambda: _detect(audience, ci), timeout, cancellation)
    except Stopped:
        raise
    except _TimedOut:
        where = _said(ci, environ) if ci else "the CIs the `id` library knows"
        raise AmbientTokenError(
            f"{where}: no OIDC token after {timeout:g} s (asked {_tried(ci, audience, environ)})",
            problem=Problem.TIMEOUT, ci=ci, tried=_tried(ci, audience, environ),
        ) from None
    except Exception as exc:  # every failure of a detector becomes ours
        raise _translate(exc, ci, audience, environ) from exc
    if found is None:
        raise AmbientTokenError(
            "no OIDC identity: this job does not look like it runs in a CI that can vouch for "
            "it (none of " + ", ".join(c.variable for c in SUPPORTED) + " is set, and this is "
            "not a Google Cloud VM)",
            problem=Problem.NO_IDENTITY, ci=None,
        )
    jwt, detector_ci = found
    try:
        claims = decode_claims(jwt)
    except ValueError as exc:
        who = detector_ci or ci or UNKNOWN
        raise AmbientTokenError(
            f"{who.name}: the OIDC token is malformed ({exc})", problem=Problem.MALFORMED,
            ci=who, tried=_tried(who, audience, environ),
        ) from None
    found_ci = detector_ci or ci or ci_for_issuer(claims.get("iss"))
    if claims.get("aud") != audience:
        raise AmbientTokenError(
            f"{_said(found_ci, environ)}: the OIDC token is for audience "
            f"{claims.get('aud')!r}, not {audience!r} (from {_tried(found_ci, audience, environ)})",
            problem=Problem.WRONG_AUDIENCE, ci=found_ci, tried=_tried(found_ci, audience, environ),
        )
    return AmbientToken(jwt, found_ci, _tried(found_ci, audience, environ), claims)


def what_each_ci_needs(audience: str) -> tuple[str, ...]:
    """One line per supported CI: what a job there needs to get a token for `audience`."""
    var = gitlab_variable(audience)
    return (
        f"{GITHUB.name}: `permissions: id-token: write` on the publishing job",
        f"{GITLAB.name}: in the job, `id_tokens:` with `{var}: {{aud: {audience}}}`",
        f"{GOOGLE.name}: a service account (the VM's, or GOOGLE_SERVICE_ACCOUNT_NAME to "
        "impersonate one) allowed to create ID tokens",
        f"{BUILDKITE.name}: `buildkite-agent` on PATH (it runs `buildkite-agent oidc "
        f"request-token --audience {audience}`)",
        f"{CIRCLECI.name}: the `circleci` CLI on PATH (it runs `circleci run oidc get`)",
        "in `docker run`, pass the CI's variables through, e.g. -e GITHUB_ACTIONS "
        f"-e ACTIONS_ID_TOKEN_REQUEST_URL -e ACTIONS_ID_TOKEN_REQUEST_TOKEN, or -e GITLAB_CI "
        f"-e {var}",
    )


# -- internals ---------------------------------------------------------------------------


class _TimedOut(Exception):
    pass


_ENV_LOCK = threading.Lock()


@contextmanager
def _applied(environ: Mapping[str, str], audience: str) -> Iterator[None]:
    """Make os.environ show `environ` to `id` (and its tools) for the duration of the call.

    Only names whose values differ are touched, so the usual case (environ is a copy of
    os.environ) changes nothing. Names `id` reads but `environ` lacks are removed.
    """
    names = set(environ) | set(_ID_VARIABLES) | {gitlab_variable(audience)}
    with _ENV_LOCK:
        saved: dict[str, str | None] = {}
        for name in sorted(names):
            want = environ.get(name)
            have = os.environ.get(name)
            if want == have:
                continue
            saved[name] = have
            if want is None:
                del os.environ[name]
            else:
                os.environ[name] = want
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def _bounded(call: Callable[[], _T], timeout: float, cancellation: Cancellation | None) -> _T:
    """Run `call` in a daemon thread; give up (leaving it behind) after `timeout` seconds, or
    as soon as the run is stopped."""
    box: list[tuple[bool, object]] = []

    def run() -> None:
        try:
            box.append((True, call()))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            box.append((False, exc))

    thread = threading.Thread(target=run, name="publish-action-oidc", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while thread.is_alive() and time.monotonic() < deadline:
        thread.join(min(0.2, max(0.0, deadline - time.monotonic())))
        if cancellation is not None:
            cancellation.raise_if_set()
    if thread.is_alive() or not box:
        raise _TimedOut
    ok, value = box[0]
    if not ok:
        assert isinstance(value, BaseException)
        raise value
    return value  # type: ignore[return-value]


def _detect(audience: str, ci: CI | None) -> tuple[str, CI | None] | None:
    import id as id_lib
    from id._internal.oidc import ambient

    if ci is not None:
        detector: Callable[[str], str | None] | None = getattr(ambient, ci.detector, None)
        if detector is not None:
            token = detector(audience)
            if token:
                return token, ci
    token = id_lib.detect_credential(audience)
    return (token, None) if token else None


def _said(ci: CI, environ: Mapping[str, str]) -> str:
    """'GitHub Actions (GITHUB_ACTIONS=true)': the CI, and the variable that named it."""
    value = environ.get(ci.variable) if ci.variable else None
    return f"{ci.name} ({ci.variable}={value})" if value else ci.name


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}" if parts.netloc else "?"


def _tried(ci: CI | None, audience: str, environ: Mapping[str, str]) -> str:
    if ci is GITHUB:
        url = environ.get("ACTIONS_ID_TOKEN_REQUEST_URL")
        return f"ACTIONS_ID_TOKEN_REQUEST_URL ({_origin(url)})" if url else (
            "ACTIONS_ID_TOKEN_REQUEST_URL")
    if ci is GITLAB:
        return gitlab_variable(audience)
    if ci is BUILDKITE:
        return "`buildkite-agent oidc request-token`"
    if ci is CIRCLECI:
        return "`circleci run oidc get`"
    if ci is GOOGLE:
        if environ.get("GOOGLE_SERVICE_ACCOUNT_NAME"):
            return "GOOGLE_SERVICE_ACCOUNT_NAME (impersonation via the metadata server)"
        return "the Google Cloud metadata server"
    return "id.detect_credential"


def _ci_from_message(text: str) -> CI | None:
    for ci in SUPPORTED:
        if text.startswith(ci.id_prefix + ":"):
            return ci
    return None


def _network_reason(exc: BaseException) -> str | None:
    """What really happened under urllib3's MaxRetryError ("timed out" to `id`)."""
    import urllib3.exceptions as u3

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, u3.MaxRetryError):
            reason = current.reason
            if isinstance(reason, u3.NameResolutionError):
                return "its host name could not be resolved"
            if isinstance(reason, u3.NewConnectionError):
                text = str(reason).lower()
                if "refused" in text:
                    return "connection refused"
                return f"could not connect ({reason})"
            if isinstance(reason, (u3.ConnectTimeoutError, u3.ReadTimeoutError)):
                return "timed out"
            return str(reason) if reason else "no answer"
        current = current.__cause__ or current.__context__
    return None


def _translate(
    exc: BaseException, known: CI | None, audience: str, environ: Mapping[str, str]
) -> AmbientTokenError:
    import id as id_lib

    text = str(exc).strip() or type(exc).__name__
    ci = _ci_from_message(text) or known or UNKNOWN
    detail = text.split(":", 1)[1].strip() if _ci_from_message(text) else text
    if len(detail) > 400:  # `id` quotes whole response bodies
        detail = detail[:400] + "…"
    tried = _tried(ci, audience, environ)
    said = _said(ci, environ)

    if isinstance(exc, id_lib.GitHubOidcPermissionCredentialError):
        fork = github_fork_pull_request(environ)
        if fork is not None:
            return AmbientTokenError(
                f"{said}: no OIDC token for a pull request from a fork ({fork[0]} → "
                f"{fork[1]}): GitHub never gives workflows run for forks' pull requests an "
                "OIDC token, even with `id-token: write`",
                problem=Problem.FORK_PULL_REQUEST, ci=GITHUB, tried=tried, fork=fork,
            )
        missing = [v for v in ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL")
                   if not environ.get(v)]
        return AmbientTokenError(
            f"{said}: this job may not request an OIDC token ({' and '.join(missing) or detail}"
            f" {'is' if len(missing) == 1 else 'are'} not set)",
            problem=Problem.PERMISSION, ci=GITHUB, tried=tried,
        )
    if not isinstance(exc, id_lib.IdentityError):
        reason = _network_reason(exc)
        if reason:
            return AmbientTokenError(f"{said}: could not reach {tried}: {reason}",
                                     problem=Problem.UNREACHABLE, ci=ci, tried=tried)
        return AmbientTokenError(
            f"{said}: getting an OIDC token from {tried} failed: {type(exc).__name__}: {text}",
            problem=Problem.FAILED, ci=ci, tried=tried,
        )
    lowered = detail.lower()
    reason = _network_reason(exc)
    if reason is not None or "timed out" in lowered:
        return AmbientTokenError(f"{said}: could not reach {tried}: {reason or 'timed out'}",
                                 problem=Problem.UNREACHABLE, ci=ci, tried=tried)
    if ci is GITLAB and "not found" in lowered:
        return AmbientTokenError(
            f"{said}: no ID token for audience {audience!r}: the variable "
            f"{gitlab_variable(audience)} is not set",
            problem=Problem.MISSING_TOKEN, ci=ci, tried=tried,
        )
    if "audience claim mismatch" in lowered:
        return AmbientTokenError(f"{said}: {detail} (from {tried})",
                                 problem=Problem.WRONG_AUDIENCE, ci=ci, tried=tried)
    if "malformed" in lowered or "missing from response" in lowered:
        return AmbientTokenError(f"{said}: {detail} (from {tried})",
                                 problem=Problem.MALFORMED, ci=ci, tried=tried)
    if "request failed" in lowered:
        return AmbientTokenError(f"{said}: {tried} refused: {detail}",
                                 problem=Problem.REFUSED, ci=ci, tried=tried)
    if ci in (BUILDKITE, CIRCLECI):
        return AmbientTokenError(f"{said}: {detail}", problem=Problem.TOOL, ci=ci, tried=tried)
    return AmbientTokenError(f"{said}: {detail} (from {tried})", problem=Problem.FAILED, ci=ci,
                             tried=tried)
