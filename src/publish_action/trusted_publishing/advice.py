"""What trusted publishing says when it fails: the fix for each cause, the claims worth
showing, and links that pre-fill PyPI's publisher form."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote, urlencode

from publish_action import ci
from publish_action.errors import TrustedPublishingError
from publish_action.targets import IndexKind, IndexProfile

MISSING = "MISSING"
# The claims that say which job this is, per CI: shown when the index refuses the token.
_SHOWN_CLAIMS = {
    "github": (
        "repository",
        "workflow_ref",
        "job_workflow_ref",
        "ref",
        "environment",
        "event_name",
        "sub",
    ),
    "gitlab": (
        "project_path",
        "ci_config_ref_uri",
        "ref_path",
        "environment",
        "pipeline_source",
        "sub",
    ),
    "google": ("email", "sub"),
}
_DEFAULT_SHOWN = ("iss", "sub")


def shown_claims(ci_key: str) -> tuple[str, ...]:
    return _SHOWN_CLAIMS.get(ci_key, _DEFAULT_SHOWN)


def identity_error(exc: ci.AmbientTokenError, audience: str) -> TrustedPublishingError:
    """No OIDC token for the index, with the fix chosen by its cause."""
    details: tuple[str, ...] = ()
    if exc.problem is ci.Problem.NO_IDENTITY:
        details = (
            "what each supported CI needs:",
            *(f"  {line}" for line in ci.what_each_ci_needs(audience)),
        )
    return TrustedPublishingError(
        f"trusted publishing: {exc.message}", details=details, advice=ci.advice_for(exc, audience)
    )


def refusal_advice(
    codes: Sequence[str], identity: ci.Identity, projects: Sequence[str], host: str, ci: str
) -> str:
    if "invalid-publisher" in codes or "invalid-pending-publisher" in codes:
        values = _publisher_values(identity)
        fields = ", ".join(f"{k} {v}" for k, v in values.items()) or "this CI's identity"
        names = ", ".join(projects) or "your project"
        if "invalid-pending-publisher" in codes:
            return (
                f"a pending publisher exists but the project is already on {host}: add the "
                f"publisher to the project itself ({names}): {fields}"
            )
        return f"add a trusted publisher on {host} for {names} matching this run: {fields}"
    if "invalid-reuse-token" in codes:
        return "the OIDC token was already used (a retried exchange?); re-run the job"
    if "invalid-token" in codes:
        return (
            "the index could not verify the OIDC token (signature, audience, expiry): check "
            "the runner's clock, then re-run the job"
        )
    if "not-enabled" in codes:
        return (
            f"{host} has switched off trusted publishing from {ci}; publish with an API "
            "token in 'password' until it is back"
        )
    if "invalid-payload" in codes:
        return (
            f"{host} could not use the token (issuer {identity.issuer or MISSING}): it may "
            f"not accept tokens from {ci}"
        )
    return "the index refused the token; check its trusted-publisher settings"


def _publisher_values(identity: ci.Identity) -> dict[str, str]:
    values: dict[str, str] = {}
    if identity.ci_key == "github":
        owner, _, repo = (identity.repository or "").partition("/")
        values = {"owner": owner, "repository": repo, "workflow": identity.workflow or ""}
    elif identity.ci_key == "gitlab":
        namespace, _, project = (identity.repository or "").rpartition("/")
        values = {
            "namespace": namespace,
            "project": project,
            "top-level pipeline file": identity.workflow or "",
        }
    elif identity.ci_key == "google":
        values = {"email": str(identity.claims.get("email", ""))}
    values = {k: v for k, v in values.items() if v}
    if values and identity.environment:
        values["environment"] = identity.environment
    return values


def _prefill(identity: ci.Identity) -> dict[str, str] | None:
    """Query parameters Warehouse's project publishing page pre-fills its forms from."""
    if identity.ci_key == "github" and identity.repository and identity.workflow:
        owner, _, repo = identity.repository.partition("/")
        params = {
            "provider": "github",
            "owner": owner,
            "repository": repo,
            "workflow_filename": identity.workflow,
        }
    elif identity.ci_key == "gitlab" and identity.repository and identity.workflow:
        namespace, _, project = identity.repository.rpartition("/")
        params = {
            "provider": "gitlab",
            "namespace": namespace,
            "project": project,
            "workflow_filepath": identity.workflow,
        }
    elif identity.ci_key == "google" and identity.claims.get("email"):
        params = {"provider": "google", "email": str(identity.claims["email"])}
    else:
        return None
    if identity.environment and identity.ci_key != "google":
        params["environment"] = identity.environment
    return params


def publisher_links(
    index: IndexProfile, projects: Sequence[str], identity: ci.Identity
) -> tuple[str, ...]:
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
        return (
            f"trusted publishers are configured at {pending} (new project) or on each "
            "project's publishing settings page",
        )
    query = urlencode(params)
    lines = ["configure the publisher (pre-filled) for an existing project:"]
    lines.extend(
        f"  {base}/manage/project/{quote(project, safe='')}/settings/publishing/?{query}"
        for project in projects
    )
    lines.append(
        f"for a project not yet on {base.removeprefix('https://')}: add a pending "
        f"publisher with the same values at {pending}"
    )
    return tuple(lines)


def reusable_warning(identity: ci.Identity) -> str:
    caller = identity.claims.get("workflow_ref")
    called = identity.claims.get("job_workflow_ref")
    return (
        f"trusted publishing: this job runs in a reusable workflow ({called}, called from "
        f"{caller}). PyPI matches trusted publishers against the called workflow "
        f"('{identity.workflow or '?'}' in {identity.repository or '?'}) and supports this "
        "only incidentally; PEP 740 attestations name the calling workflow, so PyPI will not "
        "verify them against that publisher. Publishing from the top-level workflow avoids both."
    )
