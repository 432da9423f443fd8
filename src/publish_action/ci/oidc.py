"""An OIDC token from the CI this job runs in: its signed statement of which job is running.

GitHub Actions, GitLab CI/CD, Buildkite and CircleCI are asked here, each the way it documents
(GitHub's token request endpoint, GitLab's `id_tokens:` variable, `buildkite-agent oidc
request-token`, `circleci run oidc get`), through the run's own HTTP layer (time bounds,
retries, cancellation). Anything else goes to `id.detect_credential` (Google Cloud's metadata
server). Why not `id` for all: its public API cannot ask one CI specifically, and it tries
Google Cloud before GitLab and Buildkite, whose runners are often Google Cloud VMs — the token
would name the VM's service account, not the job.

Every failure is one `AmbientTokenError` carrying a `Problem`, so callers (trusted publishing,
attestations) choose their advice by cause (`advice_for`). Nothing here prints.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode, urlsplit

from publish_action.cancellation import Cancellation, Reason, Stopped
from publish_action.ci.claims import decode_claims
from publish_action.ci.environment import (
    BUILDKITE,
    CI,
    CIRCLECI,
    GITHUB,
    GITLAB,
    GOOGLE,
    SUPPORTED,
    UNKNOWN,
    CiEnvironment,
    ci_for_issuer,
    gitlab_variable,
)

if TYPE_CHECKING:
    from publish_action.net import Net

DEFAULT_TIMEOUT = 30.0
_T = TypeVar("_T")


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

    def __init__(self, message: str, *, problem: Problem, ci: CI | None, tried: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.problem = problem
        self.ci = ci
        self.tried = tried


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


def ambient_token(
    audience: str,
    env: CiEnvironment,
    net: Net,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    cancellation: Cancellation | None = None,
) -> AmbientToken:
    """An OIDC token for `audience`; raises `AmbientTokenError` (or `Stopped`)."""
    ci = env.ci
    if ci is GITHUB:
        jwt, source = _github(audience, env, net)
    elif ci is GITLAB:
        jwt, source = _gitlab(audience, env)
    elif ci is BUILDKITE:
        jwt, source = _tool(
            ci,
            ["buildkite-agent", "oidc", "request-token", "--audience", audience],
            timeout,
            cancellation,
        )
    elif ci is CIRCLECI:
        jwt, source = _tool(
            ci,
            ["circleci", "run", "oidc", "get", "--claims", json.dumps({"aud": audience})],
            timeout,
            cancellation,
        )
    else:
        jwt, source = _detect(audience, env, timeout, cancellation)
    claims = _claims(jwt, ci or UNKNOWN, source)
    found = ci or ci_for_issuer(claims.get("iss"))
    if claims.get("aud") != audience:
        raise AmbientTokenError(
            f"{found.name}: the OIDC token is for audience {claims.get('aud')!r}, not "
            f"{audience!r} (from {source})",
            problem=Problem.WRONG_AUDIENCE,
            ci=found,
            tried=source,
        )
    return AmbientToken(jwt, found, source, claims)


def _claims(jwt: str, ci: CI, source: str) -> dict[str, Any]:
    try:
        return decode_claims(jwt)
    except ValueError as exc:
        raise AmbientTokenError(
            f"{ci.name}: the OIDC token is malformed ({exc})",
            problem=Problem.MALFORMED,
            ci=ci,
            tried=source,
        ) from None


def _github(audience: str, env: CiEnvironment, net: Net) -> tuple[str, str]:
    from publish_action.net import NetError, Unreachable

    run = env.github
    said = "GitHub Actions (GITHUB_ACTIONS=true)"
    missing = [
        name
        for name, value in (
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", run.token_request_token if run else ""),
            ("ACTIONS_ID_TOKEN_REQUEST_URL", run.token_request_url if run else ""),
        )
        if not value
    ]
    fork = run.fork_pull_request() if run else None
    if fork is not None and missing:
        raise AmbientTokenError(
            f"{said}: no OIDC token for a pull request from a fork ({fork[0]} → {fork[1]}): "
            "GitHub never gives workflows run for forks' pull requests an OIDC token, even "
            "with `id-token: write`",
            problem=Problem.FORK_PULL_REQUEST,
            ci=GITHUB,
        )
    if missing or run is None:
        raise AmbientTokenError(
            f"{said}: this job may not request an OIDC token ({' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not set)",
            problem=Problem.PERMISSION,
            ci=GITHUB,
        )
    origin = urlsplit(run.token_request_url)
    source = f"ACTIONS_ID_TOKEN_REQUEST_URL ({origin.scheme}://{origin.netloc})"
    joiner = "&" if "?" in run.token_request_url else "?"
    url = run.token_request_url + joiner + urlencode({"audience": audience})
    try:
        answer = net.get(
            url,
            limit=256 * 1024,
            headers={
                "Authorization": f"bearer {run.token_request_token}",
                "Accept": "application/json",
            },
        )
    except NetError as exc:
        timed_out = isinstance(exc, Unreachable) and exc.timed_out
        why = exc.reason if isinstance(exc, Unreachable) else exc.message
        raise AmbientTokenError(
            f"{said}: could not reach {source}: {why}",
            problem=Problem.TIMEOUT if timed_out else Problem.UNREACHABLE,
            ci=GITHUB,
            tried=source,
        ) from exc
    if answer.status != 200:
        raise AmbientTokenError(
            f"{said}: {source} refused: HTTP {answer.status} ({answer.message(limit=300)})",
            problem=Problem.REFUSED,
            ci=GITHUB,
            tried=source,
        )
    try:
        value = answer.json()
    except ValueError:
        value = None
    jwt = value.get("value") if isinstance(value, dict) else None
    if not isinstance(jwt, str) or not jwt:
        raise AmbientTokenError(
            f"{said}: {source} gave no token ({answer.describe()})",
            problem=Problem.MALFORMED,
            ci=GITHUB,
            tried=source,
        )
    return jwt, source


def _gitlab(audience: str, env: CiEnvironment) -> tuple[str, str]:
    variable = gitlab_variable(audience)
    jwt = env.id_tokens.get(variable, "")
    if not jwt:
        raise AmbientTokenError(
            f"GitLab CI/CD (GITLAB_CI=true): no ID token for audience {audience!r}: the "
            f"variable {variable} is not set",
            problem=Problem.MISSING_TOKEN,
            ci=GITLAB,
            tried=variable,
        )
    return jwt, variable


def _tool(
    ci: CI, argv: list[str], timeout: float, cancellation: Cancellation | None
) -> tuple[str, str]:
    source = f"`{' '.join(argv[:4])}`"
    if shutil.which(argv[0]) is None:
        raise AmbientTokenError(
            f"{ci.name}: `{argv[0]}` is not on PATH, and it is what gives a job its OIDC token",
            problem=Problem.TOOL,
            ci=ci,
            tried=source,
        )

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)

    done = _bounded(run, timeout, cancellation, ci, source)
    if done.returncode != 0 or not done.stdout.strip():
        why = " ".join(done.stderr.split())[:300] or f"exit code {done.returncode}"
        raise AmbientTokenError(
            f"{ci.name}: {source} failed: {why}", problem=Problem.TOOL, ci=ci, tried=source
        )
    return done.stdout.strip(), source


def _detect(
    audience: str, env: CiEnvironment, timeout: float, cancellation: Cancellation | None
) -> tuple[str, str]:
    import id as id_lib

    source = "id.detect_credential (Google Cloud's metadata server)"
    try:
        jwt = _bounded(
            lambda: id_lib.detect_credential(audience), timeout, cancellation, GOOGLE, source
        )
    except id_lib.IdentityError as exc:
        raise AmbientTokenError(
            f"{GOOGLE.name}: no OIDC token ({exc})", problem=Problem.FAILED, ci=GOOGLE, tried=source
        ) from exc
    if not jwt:
        raise AmbientTokenError(
            "no OIDC identity: this job does not look like it runs in a CI that can vouch for "
            "it (none of " + ", ".join(c.variable for c in SUPPORTED) + " is set, and this is "
            "not a Google Cloud VM)",
            problem=Problem.NO_IDENTITY,
            ci=None,
        )
    return jwt, source


def _bounded(
    call: Callable[[], _T], timeout: float, cancellation: Cancellation | None, ci: CI, source: str
) -> _T:
    """`call` in a daemon thread, given up after `timeout` or as soon as the run is stopped:
    a tool or a metadata server that hangs must not hold the run (or the process)."""
    box: list[tuple[bool, object]] = []

    def run() -> None:
        try:
            box.append((True, call()))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            box.append((False, exc))

    thread = threading.Thread(target=run, name="publish-action-oidc", daemon=True)
    thread.start()
    waited = 0.0
    while thread.is_alive() and waited < timeout:
        thread.join(0.2)
        waited += 0.2
        if cancellation is not None and cancellation.is_set():
            raise Stopped(cancellation.stop.reason if cancellation.stop else Reason.SIGINT)
    if not box:
        raise AmbientTokenError(
            f"{ci.name}: no OIDC token after {timeout:g} s (asked {source})",
            problem=Problem.TIMEOUT,
            ci=ci,
            tried=source,
        )
    ok, value = box[0]
    if ok:
        return value  # type: ignore[return-value]
    if isinstance(value, subprocess.TimeoutExpired):
        raise AmbientTokenError(
            f"{ci.name}: {source} gave no token after {timeout:g} s",
            problem=Problem.TIMEOUT,
            ci=ci,
            tried=source,
        )
    assert isinstance(value, BaseException)
    raise value
