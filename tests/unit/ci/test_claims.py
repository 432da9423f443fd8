"""ci/claims.py: decoding a token's claims and the identity they name."""

from __future__ import annotations

import base64

import pytest

from publish_action import ci
from publish_action.ci import Identity
from publish_action.ci.claims import decode_claims
from tests.support.oidc_issuer import GITHUB_ISSUER


def test_claims_and_the_identity_they_name() -> None:
    assert ci.ci_for_issuer(GITHUB_ISSUER) is ci.GITHUB
    assert ci.ci_for_issuer("https://elsewhere.example") is ci.UNKNOWN
    with pytest.raises(ValueError, match="not a JWT"):
        ci.decode_claims("a.b")
    with pytest.raises(ValueError, match="not a JSON object"):
        ci.decode_claims("eyJhbGciOiJSUzI1NiJ9.WzFd.sig")  # payload [1]
    called = "octo/x/.github/workflows/release.yml@refs/tags/v1"
    direct = Identity(
        "GitHub Actions",
        "github",
        {
            "repository": "octo/x",
            "job_workflow_ref": called,
            "workflow_ref": called,
            "environment": "pypi",
        },
    )
    assert (direct.repository, direct.workflow, direct.environment) == (
        "octo/x",
        "release.yml",
        "pypi",
    )
    assert direct.reusable_workflow is None
    reusable = Identity(
        "GitHub Actions",
        "github",
        {"job_workflow_ref": called, "workflow_ref": "octo/x/.github/workflows/ci.yml@refs/x"},
    )
    assert reusable.reusable_workflow == (
        "octo/x/.github/workflows/release.yml",
        "octo/x/.github/workflows/ci.yml",
    )
    gitlab = Identity(
        "GitLab CI/CD",
        "gitlab",
        {"project_path": "g/p", "ci_config_ref_uri": "gitlab.com/g/p//.gitlab-ci.yml@refs/x"},
    )
    assert (gitlab.repository, gitlab.workflow) == ("g/p", ".gitlab-ci.yml")


def _jwt(payload: bytes) -> str:
    body = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
    return f"eyJhbGciOiJub25lIn0.{body}.sig"


def test_decode_claims_reads_the_payload_unverified_and_refuses_what_is_not_a_jwt() -> None:
    assert decode_claims(_jwt(b'{"iss": "https://gitlab.com", "n": 1}')) == {
        "iss": "https://gitlab.com",
        "n": 1,
    }
    for bad, why in (
        ("not-a-jwt", "not a JWT"),
        ("a.b.c.d", "not a JWT"),
        (_jwt(b"{not json"), "not a JWT"),
        (_jwt(b"[1, 2]"), "not a JSON object"),
    ):
        with pytest.raises(ValueError, match=why):
            decode_claims(bad)
