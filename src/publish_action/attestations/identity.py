"""The trusted publisher an index verifies attestations against, built from the OIDC token's
claims, and the Sigstore verification policy for it.

The policy is ours, from sigstore's public policy classes, rather than pypi-attestations'
private `_as_policy()`: it checks what PyPI checks (the issuer, the source repository, and the
workflow file in the certificate's Build Config URI at the commit it names).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from publish_action.errors import AttestationError

if TYPE_CHECKING:
    from cryptography.x509 import Certificate
    from pypi_attestations import GitHubPublisher, GitLabPublisher, GooglePublisher
    from sigstore.verify.policy import VerificationPolicy

    Publisher = GitHubPublisher | GitLabPublisher | GooglePublisher

PUBLISH_PREDICATE = "https://docs.pypi.org/attestations/publish/v1"
KNOWN_PREDICATES = {
    PUBLISH_PREDICATE: "publish",
    "https://slsa.dev/provenance/v1": "SLSA provenance",
}
MAX_PER_FILE = len(KNOWN_PREDICATES)  # PyPI: at most one attestation per predicate type

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
GITLAB_ISSUER = "https://gitlab.com"
GOOGLE_ISSUER = "https://accounts.google.com"
_ISSUER_KIND = {GITHUB_ISSUER: "GitHub", GITLAB_ISSUER: "GitLab", GOOGLE_ISSUER: "Google"}

# Fulcio certificate extensions (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md).
OID_ISSUER = "1.3.6.1.4.1.57264.1.8"
OID_BUILD_SIGNER_URI = "1.3.6.1.4.1.57264.1.9"  # GitHub: job_workflow_ref (what ran)
OID_SOURCE_REPOSITORY_URI = "1.3.6.1.4.1.57264.1.12"
OID_BUILD_CONFIG_URI = "1.3.6.1.4.1.57264.1.18"  # GitHub: workflow_ref (the top-level caller)

SUFFIX = ".attestation"

REUSABLE_ADVICE = (
    "PyPI does not accept attestations made in a reusable workflow yet: set 'attestations: "
    "false' on this step to publish without them, or run the publish step in the top-level "
    "workflow and register that workflow as the trusted publisher"
)


class OidcIdentity(Protocol):
    """What attestations need from trusted publishing: the CI and the OIDC token's claims.

    `trusted_publishing.TrustedPublisher` satisfies it; the claims are the decoded (unverified)
    payload of the token the index accepted, so they name the publisher the index matched.
    """

    @property
    def ci(self) -> object: ...  # a name, or an object with a `name`

    @property
    def claims(self) -> Mapping[str, object]: ...


@dataclass(frozen=True)
class TrustedPublisherIdentity:
    """A plain `OidcIdentity`: `ci` names the CI for messages ("GitHub Actions", "GitLab CI/CD")."""

    ci: str
    claims: Mapping[str, object]


def _claim(claims: Mapping[str, object], name: str, ci: str) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not value:
        raise AttestationError(
            f"the {ci} OIDC token has no {name!r} claim, which names the trusted publisher "
            "attestations are checked against",
            advice="set 'attestations: false' to publish without attestations",
        )
    return value


def issuer_kind(claims: Mapping[str, object]) -> str | None:
    return _ISSUER_KIND.get(str(claims.get("iss", "")))


def identity_from_claims(claims: Mapping[str, object], *, ci: str = "") -> Publisher:
    """The publisher the index will verify attestations against, built from the token's claims.

    These are the identities PyPI derives from its trusted publishers: GitHub repository and
    workflow file (from `job_workflow_ref`, what the publisher was matched on), GitLab project
    and CI configuration file, Google service account.
    """
    from pypi_attestations import GitHubPublisher, GitLabPublisher, GooglePublisher

    kind = issuer_kind(claims)
    ci = ci or kind or "CI"
    if kind == "GitHub":
        repository = _claim(claims, "repository", ci)
        path = _claim(claims, "job_workflow_ref", ci).split("@", 1)[0]
        _, _, workflow = path.partition("/.github/workflows/")
        if not workflow:
            raise AttestationError(
                f"cannot tell the workflow file from job_workflow_ref {path!r}",
                advice="set 'attestations: false' to publish without attestations",
            )
        environment = claims.get("environment")
        return GitHubPublisher(
            repository=repository,
            workflow=workflow,
            environment=environment if isinstance(environment, str) and environment else None,
        )
    if kind == "GitLab":
        project = _claim(claims, "project_path", ci)
        config_ref = _claim(claims, "ci_config_ref_uri", ci)  # host/project//path@ref
        filepath = config_ref.split("//", 1)[-1].rsplit("@", 1)[0]
        environment = claims.get("environment")
        return GitLabPublisher(
            repository=project,
            workflow_filepath=filepath,
            environment=environment if isinstance(environment, str) and environment else None,
        )
    if kind == "Google":
        return GooglePublisher(email=_claim(claims, "email", ci))
    raise AttestationError(
        f"no index accepts attestations from OIDC issuer {claims.get('iss')!r}",
        advice="attestations work with GitHub Actions, GitLab.com and Google Cloud trusted "
        "publishers; set 'attestations: false'",
    )


def describe(identity: Publisher) -> str:
    """One line naming a publisher identity, for messages."""
    from pypi_attestations import GitHubPublisher, GitLabPublisher

    if isinstance(identity, GitHubPublisher):
        text = f"GitHub repository {identity.repository}, workflow {identity.workflow}"
    elif isinstance(identity, GitLabPublisher):
        text = f"GitLab project {identity.repository}, CI file {identity.workflow_filepath}"
    else:
        return f"Google service account {identity.email}"
    return f"{text}, environment {identity.environment}" if identity.environment else text


def check_reusable_workflow(claims: Mapping[str, object], index: str) -> None:
    """Fail before signing when the job runs in a reusable workflow: the index would reject it.

    The trusted publisher was matched on `job_workflow_ref` (the reusable workflow), but Fulcio
    writes `workflow_ref` (the calling workflow) into the certificate's Build Config URI, which
    is what the index compares. Catching it here also keeps a doomed signature out of the public
    transparency log; self-verification would find the same mismatch after signing.
    """
    from publish_action.ci import Identity

    reusable = Identity(ci="GitHub Actions", ci_key="github", claims=claims).reusable_workflow
    if issuer_kind(claims) != "GitHub" or reusable is None:
        return
    called_path, caller_path = reusable
    repository = str(claims.get("repository", ""))
    raise AttestationError(
        f"attestations would be rejected by {index}: this job runs in the reusable workflow "
        f"{called_path}, called from {caller_path}",
        details=(
            f"{index} checks attestations against its trusted publisher: workflow "
            f"{called_path.rsplit('/', 1)[-1]} in {repository} (the token's job_workflow_ref)",
            f"but Sigstore certifies the calling workflow {caller_path.rsplit('/', 1)[-1]} "
            "(the token's workflow_ref)",
        ),
        advice=REUSABLE_ADVICE,
    )


def ci_name(publisher: OidcIdentity) -> str:
    ci = publisher.ci
    return str(getattr(ci, "name", ci))


# -- the verification policy --------------------------------------------------------------

_OID_SOURCE_REPOSITORY_DIGEST = "1.3.6.1.4.1.57264.1.13"
_OID_SOURCE_REPOSITORY_REF = "1.3.6.1.4.1.57264.1.14"


def policy_for(identity: Publisher) -> VerificationPolicy:
    """What the index requires of the signing certificate for this publisher."""
    from pypi_attestations import GitHubPublisher, GitLabPublisher
    from sigstore.verify import policy

    if isinstance(identity, GitHubPublisher):
        repo = f"https://github.com/{identity.repository}"
        return _WorkflowPolicy(GITHUB_ISSUER, repo, f"{repo}/.github/workflows/{identity.workflow}")
    if isinstance(identity, GitLabPublisher):
        repo = f"https://gitlab.com/{identity.repository}"
        return _WorkflowPolicy(GITLAB_ISSUER, repo, f"{repo}//{identity.workflow_filepath}")
    return policy.Identity(identity=identity.email, issuer=GOOGLE_ISSUER)


class _WorkflowPolicy:
    """Issuer and source repository must match; the Build Config URI must be the workflow
    file at the ref or commit the certificate itself names (a publisher names no ref)."""

    def __init__(self, issuer: str, repository_uri: str, workflow_uri: str) -> None:
        self._issuer, self._repository, self._workflow = issuer, repository_uri, workflow_uri

    def verify(self, cert: Certificate) -> None:
        from sigstore.errors import VerificationError
        from sigstore.verify import policy

        policy.AllOf(
            [policy.OIDCIssuerV2(self._issuer), policy.OIDCSourceRepositoryURI(self._repository)]
        ).verify(cert)
        config = _extension(cert, OID_BUILD_CONFIG_URI)
        refs = {
            _extension(cert, oid)
            for oid in (_OID_SOURCE_REPOSITORY_REF, _OID_SOURCE_REPOSITORY_DIGEST)
        } - {None}
        if config not in {f"{self._workflow}@{ref}" for ref in refs}:
            raise VerificationError(f"Build Config URI {config!r} is not {self._workflow}@<ref>")


def _extension(cert: Certificate, oid: str) -> str | None:
    """A Fulcio v2 extension's value: a DER UTF8String (tag 12, then its length)."""
    from cryptography import x509

    try:
        raw = cert.extensions.get_extension_for_oid(x509.ObjectIdentifier(oid)).value
    except x509.ExtensionNotFound:
        return None
    data = raw.value if isinstance(raw, x509.UnrecognizedExtension) else b""
    if len(data) < 2 or data[0] != 0x0C:
        return None
    length, start = data[1], 2
    if length & 0x80:  # the long form: the next (length & 0x7f) bytes hold the length
        count = length & 0x7F
        length, start = int.from_bytes(data[2 : 2 + count], "big"), 2 + count
    return data[start : start + length].decode("utf-8", errors="replace")
