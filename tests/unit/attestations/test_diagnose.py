"""attestations/diagnose.py: why an attestation would be rejected, in the user's terms."""

from __future__ import annotations

import hashlib

import pytest

from publish_action import attestations
from publish_action.attestations import verify_attestation
from publish_action.distributions import Distribution
from publish_action.errors import AttestationError
from tests.support import attestation_check
from tests.support.oidc_issuer import OidcIssuer
from tests.support.sigstore_standin import SigstoreStandIn
from tests.unit.attestations.harness import (
    Run,
    github_claims,
    google_claims,
    publisher,
    sign_statement,
    token,
)


def test_reusable_workflow_found_by_verification(
    standin: SigstoreStandIn,
    issuer: OidcIssuer,
) -> None:
    """Self-verification names the cause too: the certificate's build config is the caller."""
    from pypi_attestations import GitHubPublisher

    content = b"the distribution"
    sha256 = hashlib.sha256(content).hexdigest()
    claims = github_claims(workflow="publish.yml", caller="release.yml")
    text = sign_statement(
        standin, issuer, "pkg-1.0.tar.gz", sha256, attestations.PUBLISH_PREDICATE, claims
    )
    identity = GitHubPublisher(repository="octo/pkg", workflow="publish.yml")
    with pytest.raises(AttestationError) as caught:
        verify_attestation(
            text,
            identity=identity,
            filename="pkg-1.0.tar.gz",
            sha256=sha256,
            trusted_root=standin.trusted_root(),
            index="pypi.org",
        )
    error = caught.value
    assert error.message == (
        "the attestation for pkg-1.0.tar.gz would be rejected by pypi.org: "
        "it was signed in a reusable workflow"
    )
    assert error.details == (
        "the certificate names the calling workflow octo/pkg/.github/workflows/release.yml "
        "(workflow_ref)",
        "the reusable workflow that ran is octo/pkg/.github/workflows/publish.yml "
        "(job_workflow_ref)",
        "pypi.org checks it against its trusted publisher: GitHub repository octo/pkg, "
        "workflow publish.yml",
    )
    assert "Build Config URI" in error.render()  # the library's own words, as the cause
    refused = attestation_check.verify_upload_attestations(
        identity, "pkg-1.0.tar.gz", content, f"[{text}]", trusted_root=standin.trusted_root()
    )
    assert refused is not None and "does not match expected Trusted Publisher" in refused


def test_wrong_repository(run: Run, dists: list[Distribution], standin: SigstoreStandIn) -> None:
    """The Sigstore token names another repository than the publisher the index matched."""
    run.issuer.claims = github_claims(repository="octo/other")
    error = run.fails(dists)
    assert error.message == (
        "the attestation signed for pkg-1.0.tar.gz would be rejected by pypi.org: it was signed "
        "in repository octo/other, but the trusted publisher is repository octo/pkg (GitHub "
        "repository octo/pkg, workflow release.yml)"
    )
    assert error.details == ("the same for pkg-1.0-py3-none-any.whl",)
    assert error.advice.startswith(
        "the 'sigstore' OIDC token and the upload token must come from the same job"
    )
    assert "OIDCSourceRepositoryURI" in error.render()


def test_wrong_workflow(run: Run, dists: list[Distribution]) -> None:
    run.issuer.claims = github_claims(workflow="ci.yml")
    error = run.fails(dists)
    assert error.message.startswith(
        "the attestation signed for pkg-1.0.tar.gz would be rejected by pypi.org: it was signed "
        "by workflow ci.yml (octo/pkg/.github/workflows/ci.yml), but the trusted publisher is "
        "GitHub repository octo/pkg, workflow release.yml"
    )


def test_wrong_google_account(run: Run, dists: list[Distribution], issuer: OidcIssuer) -> None:
    other = token(google_claims("someone-else@proj.iam.gserviceaccount.com"))
    error = run.fails(
        dists,
        publisher(google_claims(), "Google Cloud"),
        environ={"GITLAB_CI": "true", "SIGSTORE_ID_TOKEN": other},
    )
    assert "its certificate is not for Google service account publisher@" in error.message
    assert "someone-else@proj" in error.message


def test_signer_of_names_the_workflow_or_the_subject(
    standin: SigstoreStandIn, issuer: OidcIssuer
) -> None:
    from publish_action.attestations.diagnose import signer_of

    text = sign_statement(
        standin, issuer, "pkg-1.0.tar.gz", "0" * 64, attestations.PUBLISH_PREDICATE
    )
    assert signer_of(text) == (
        "https://github.com/octo/pkg/.github/workflows/release.yml@refs/tags/v1.0.0"
    )
    google = sign_statement(
        standin,
        issuer,
        "pkg-1.0.tar.gz",
        "0" * 64,
        attestations.PUBLISH_PREDICATE,
        google_claims(),
    )
    assert signer_of(google) == "publisher@proj.iam.gserviceaccount.com"
    assert signer_of("not json") == "an unreadable certificate"
