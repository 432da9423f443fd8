"""attestations/identity.py: the trusted publisher built from the token's claims, and the
reusable-workflow check made before anything is signed."""

from __future__ import annotations

from typing import Any

import pytest

from publish_action.distributions import Distribution
from tests.support.oidc_issuer import OidcIssuer
from tests.support.sigstore_standin import SigstoreStandIn
from tests.unit.attestations.harness import (
    Run,
    github_claims,
    gitlab_claims,
    google_claims,
    oracle,
    publisher,
    token,
)


@pytest.mark.parametrize(
    ("claims", "ci"), [(gitlab_claims(), "GitLab CI/CD"), (google_claims(), "Google Cloud")]
)
def test_gitlab_and_google_identities(
    run: Run,
    dists: list[Distribution],
    standin: SigstoreStandIn,
    issuer: OidcIssuer,
    claims: dict[str, Any],
    ci: str,
) -> None:
    environ = {"GITLAB_CI": "true", "SIGSTORE_ID_TOKEN": token(claims)}
    arrays = run(dists, publisher(claims, ci), environ=environ)
    for dist in dists:
        assert oracle(standin, claims, dist, arrays[dist.filename]) is None
    expected = (
        "GitLab project group/pkg, CI file .gitlab-ci.yml"
        if ci.startswith("GitLab")
        else "Google service account publisher@proj.iam.gserviceaccount.com"
    )
    assert expected in run.reporter.lines[-1]


def test_reusable_workflow_is_refused_before_signing(
    run: Run,
    dists: list[Distribution],
    standin: SigstoreStandIn,
) -> None:
    claims = github_claims(workflow="publish.yml", caller="release.yml")
    run.issuer.claims = claims
    error = run.fails(dists, publisher(claims))
    assert error.message == (
        "attestations would be rejected by pypi.org: this job runs in the reusable workflow "
        "octo/pkg/.github/workflows/publish.yml, called from "
        "octo/pkg/.github/workflows/release.yml"
    )
    assert error.details == (
        "pypi.org checks attestations against its trusted publisher: workflow publish.yml in "
        "octo/pkg (the token's job_workflow_ref)",
        "but Sigstore certifies the calling workflow release.yml (the token's workflow_ref)",
    )
    assert "set 'attestations: false'" in error.advice
    assert standin.requests == []  # nothing went to Sigstore's public log
