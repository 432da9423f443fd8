"""attestations/verify.py: self-verification of what was signed, against the stand-in's trust
root and, offline, against real attestations under the production trust root."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from publish_action import attestations
from publish_action.attestations import verify_attestation
from publish_action.distributions import Distribution
from publish_action.errors import AttestationError
from tests.support import attestation_check
from tests.support.oidc_issuer import OidcIssuer
from tests.support.sigstore_standin import FULCIO_OIDS, SigstoreStandIn, sigstore_standin
from tests.unit.attestations.harness import (
    Run,
    github_claims,
    gitlab_claims,
    sign_statement,
)

# Committed with the tests (tests/fixtures/real-attestations/README.md says where each file
# comes from), so these tests always run.
REAL = Path(__file__).resolve().parents[2] / "fixtures" / "real-attestations"


REAL_CASES = {
    "pypi_attestations-0.0.19.tar.gz": ("GitHub", "trailofbits/pypi-attestations", "release.yml"),
    "gitlab_oidc_project-0.0.3.tar.gz": (
        "GitLab",
        "facutuesca/gitlab-oidc-project",
        ".gitlab-ci.yml",
    ),
}


def real_identity(kind: str, repository: str, workflow: str) -> Any:
    from pypi_attestations import GitHubPublisher, GitLabPublisher

    if kind == "GitHub":
        return GitHubPublisher(repository=repository, workflow=workflow)
    return GitLabPublisher(repository=repository, workflow_filepath=workflow)


@pytest.fixture(scope="module")
def production_root() -> Any:
    return attestation_check.production_trusted_root()


def test_the_real_verifier_accepts_the_stand_in_attestation(
    run: Run,
    dists: list[Distribution],
    standin: SigstoreStandIn,
) -> None:
    """sigstore's Verifier, straight: chain, SCT, policy, inclusion proof, checkpoint, SET."""
    from pypi_attestations import Attestation, GitHubPublisher
    from sigstore.verify import Verifier

    from publish_action.attestations.identity import policy_for

    arrays = run(dists[:1])
    model = Attestation.model_validate(json.loads(arrays[dists[0].filename])[0])
    policy = policy_for(GitHubPublisher(repository="octo/pkg", workflow="release.yml"))
    verifier = Verifier(trusted_root=standin.trusted_root())
    payload_type, _ = verifier.verify_dsse(model.to_bundle(), policy)
    assert payload_type == "application/vnd.in-toto+json"


@pytest.mark.parametrize("tamper", ["set", "inclusion-proof", "checkpoint"])
def test_tampered_log_entry(
    run: Run, dists: list[Distribution], standin: SigstoreStandIn, tamper: str
) -> None:
    standin.rekor_tamper = tamper
    error = run.fails(dists)
    assert error.message == (
        "the attestation signed for pkg-1.0.tar.gz has a transparency log "
        "entry that does not verify"
    )
    cause = {
        "set": "SET: invalid inclusion promise",
        "inclusion-proof": "inclusion proof",
        "checkpoint": "checkpoint: invalid signature",
    }[tamper]
    assert cause in error.render()


def test_attestation_from_another_sigstore_instance(
    standin: SigstoreStandIn,
    issuer: OidcIssuer,
) -> None:
    from pypi_attestations import GitHubPublisher

    text = sign_statement(
        standin, issuer, "pkg-1.0.tar.gz", "c" * 64, attestations.PUBLISH_PREDICATE
    )
    identity = GitHubPublisher(repository="octo/pkg", workflow="release.yml")
    with (
        sigstore_standin() as other,
        pytest.raises(
            AttestationError,
            match="not signed with a certificate from the Sigstore instance the index trusts",
        ),
    ):
        verify_attestation(
            text,
            identity=identity,
            filename="pkg-1.0.tar.gz",
            sha256="c" * 64,
            trusted_root=other.trusted_root(),
        )


@pytest.mark.parametrize(
    ("fixture", "claims"),
    [
        ("pypi_attestations-0.0.19.tar.gz.publish.attestation", github_claims()),
        ("gitlab_oidc_project-0.0.3.tar.gz.publish.attestation", gitlab_claims()),
    ],
)
def test_stand_in_certificates_have_the_shape_of_real_ones(
    fixture: str,
    claims: dict[str, Any],
    standin: SigstoreStandIn,
    issuer: OidcIssuer,
) -> None:
    """Golden comparison: the same extensions, criticality and value encodings as Fulcio's."""
    from cryptography import x509
    from pypi_attestations import Attestation

    real = Attestation.model_validate_json((REAL / fixture).read_text())
    ours = Attestation.model_validate_json(
        sign_statement(
            standin, issuer, "pkg-1.0.tar.gz", "c" * 64, attestations.PUBLISH_PREDICATE, claims
        )
    )

    def shape(model: Any) -> list[tuple[str, bool, str]]:
        cert = x509.load_der_x509_certificate(model.verification_material.certificate)
        assert cert.subject == x509.Name([])
        found = []
        for ext in cert.extensions:
            raw = ext.value.value if isinstance(ext.value, x509.UnrecognizedExtension) else b""
            encoding = "utf8" if raw[:1] == b"\x0c" else "raw" if raw else type(ext.value).__name__
            found.append((ext.oid.dotted_string, ext.critical, encoding))
        return sorted(found)

    assert shape(ours) == shape(real)
    assert sorted(ours.certificate_claims) == sorted(real.certificate_claims)
    entry_keys = sorted(real.verification_material.transparency_entries[0])
    assert sorted(ours.verification_material.transparency_entries[0]) == entry_keys


def test_stand_in_maps_claims_like_fulcio(standin: SigstoreStandIn, issuer: OidcIssuer) -> None:
    from pypi_attestations import Attestation

    claims = github_claims(workflow="publish.yml", caller="release.yml")
    model = Attestation.model_validate_json(
        sign_statement(
            standin, issuer, "pkg-1.0.tar.gz", "c" * 64, attestations.PUBLISH_PREDICATE, claims
        )
    )
    got = model.certificate_claims
    assert got[FULCIO_OIDS["build signer uri"]] == (
        "https://github.com/octo/pkg/.github/workflows/publish.yml@refs/tags/v1.0.0"
    )
    assert got[FULCIO_OIDS["build config uri"]] == (
        "https://github.com/octo/pkg/.github/workflows/release.yml@refs/tags/v1.0.0"
    )
    assert got[FULCIO_OIDS["source repository uri"]] == "https://github.com/octo/pkg"
    assert got[FULCIO_OIDS["run invocation uri"]] == (
        "https://github.com/octo/pkg/actions/runs/9876543210/attempts/1"
    )


@pytest.mark.parametrize("filename", sorted(REAL_CASES))
def test_real_attestations_verify_with_their_identity_only(
    filename: str,
    production_root: Any,
) -> None:
    kind, repository, workflow = REAL_CASES[filename]
    data = (REAL / filename).read_bytes()
    text = (REAL / f"{filename}.publish.attestation").read_text()
    sha256 = hashlib.sha256(data).hexdigest()

    def check(identity: Any, digest: str = sha256) -> str:
        return verify_attestation(
            text,
            identity=identity,
            filename=filename,
            sha256=digest,
            trusted_root=production_root,
            index="pypi.org",
        )

    assert check(real_identity(kind, repository, workflow)) == attestations.PUBLISH_PREDICATE

    with pytest.raises(
        AttestationError,
        match=f"signed in repository {repository}, but the "
        "trusted publisher is repository someone/else",
    ):
        check(real_identity(kind, "someone/else", workflow))
    with pytest.raises(AttestationError, match="it was signed by workflow "):
        check(real_identity(kind, repository, "other.yml"))

    changed = bytearray(data)
    changed[len(changed) // 2] ^= 1
    with pytest.raises(AttestationError, match=r"does not match .*: it attests sha256 "):
        check(real_identity(kind, repository, workflow), hashlib.sha256(changed).hexdigest())

    # The PyPI oracle agrees, offline, on the same root.
    identity = real_identity(kind, repository, workflow)
    assert (
        attestation_check.verify_upload_attestations(
            identity, filename, data, f"[{text}]", trusted_root=production_root
        )
        is None
    )
    refused = attestation_check.verify_upload_attestations(
        identity, filename, bytes(changed), f"[{text}]", trusted_root=production_root
    )
    assert refused is not None and "subject does not match distribution digest" in refused


def test_real_provenance_object(production_root: Any) -> None:
    """PyPI's provenance object (what its integrity API serves) names the identity itself."""
    from pypi_attestations import GitHubPublisher, Provenance

    filename = "pypi_attestations-0.0.19.tar.gz"
    provenance = Provenance.model_validate_json((REAL / f"{filename}.provenance").read_text())
    [bundle] = provenance.attestation_bundles
    assert isinstance(bundle.publisher, GitHubPublisher)  # the real one was made on GitHub
    sha256 = hashlib.sha256((REAL / filename).read_bytes()).hexdigest()
    for attestation in bundle.attestations:
        assert verify_attestation(
            attestation,
            identity=bundle.publisher,
            filename=filename,
            sha256=sha256,
            trusted_root=production_root,
        )


def test_stand_in_material_never_passes_as_production(
    standin: SigstoreStandIn,
    issuer: OidcIssuer,
    production_root: Any,
) -> None:
    from pypi_attestations import GitHubPublisher

    text = sign_statement(
        standin, issuer, "pkg-1.0.tar.gz", "c" * 64, attestations.PUBLISH_PREDICATE
    )
    with pytest.raises(AttestationError, match="not signed with a certificate from the Sigstore"):
        verify_attestation(
            text,
            identity=GitHubPublisher(repository="octo/pkg", workflow="release.yml"),
            filename="pkg-1.0.tar.gz",
            sha256="c" * 64,
            trusted_root=production_root,
        )


@pytest.mark.parametrize("filename", sorted(REAL_CASES))
def test_without_a_publisher_real_attestations_still_verify_everything_but_who(
    filename: str, production_root: Any
) -> None:
    """identity=None (configured credentials, an index that takes attestations): the
    certificate chain, the log entry, the signature and the statement are still checked."""
    from publish_action.attestations.diagnose import signer_of

    kind, repository, workflow = REAL_CASES[filename]
    data = (REAL / filename).read_bytes()
    text = (REAL / f"{filename}.publish.attestation").read_text()
    sha256 = hashlib.sha256(data).hexdigest()

    def check(name: str = filename, digest: str = sha256, body: str = text) -> str:
        return verify_attestation(
            body, identity=None, filename=name, sha256=digest, trusted_root=production_root
        )

    assert check() == attestations.PUBLISH_PREDICATE
    host = "https://github.com/" if kind == "GitHub" else "https://gitlab.com/"
    assert signer_of(text).startswith(f"{host}{repository}/")
    assert workflow in signer_of(text)
    with pytest.raises(AttestationError, match="does not match"):
        check(digest="0" * 64)
    with pytest.raises(AttestationError, match="attests file"):
        check(name="other-1.0.tar.gz")
    # A changed signature: the DSSE envelope no longer verifies.
    model = json.loads(text)
    signature = bytearray(base64.b64decode(model["envelope"]["signature"]))
    signature[-1] ^= 1
    model["envelope"]["signature"] = base64.b64encode(bytes(signature)).decode()
    with pytest.raises(AttestationError):
        check(body=json.dumps(model))


def _broken_real(case: str) -> tuple[str, bytes, str]:
    """(attestation text, file bytes, expected message part) for the real GitLab file."""
    filename = "gitlab_oidc_project-0.0.3.tar.gz"
    text = (REAL / f"{filename}.publish.attestation").read_text()
    data = (REAL / filename).read_bytes()
    if case == "another-file":
        other = "pypi_attestations-0.0.19.tar.gz.publish.attestation"
        return (REAL / other).read_text(), data, "attests file 'pypi_attestations-0.0.19.tar.gz'"
    if case == "changed-file":
        return text, data + b"\0", "does not match"
    if case == "junk":
        return "<html>not an attestation</html>", data, "is not a valid PEP 740 attestation"
    model = json.loads(text)
    signature = bytearray(base64.b64decode(model["envelope"]["signature"]))
    signature[-1] ^= 1
    model["envelope"]["signature"] = base64.b64encode(bytes(signature)).decode()
    return json.dumps(model), data, "signature"


@pytest.mark.parametrize("case", ["genuine", "another-file", "changed-file", "junk", "signature"])
def test_the_verdict_on_real_attestations_is_pypi_attestations_own(
    case: str, production_root: Any
) -> None:
    """Whatever the product says of an attestation in packages-dir, pypi-attestations' public
    `Attestation.verify` (the index's check, tests/support/attestation_check.py) says too, on
    the same production root: accepted both, or refused both."""
    filename = "gitlab_oidc_project-0.0.3.tar.gz"
    identity = real_identity(*REAL_CASES[filename])
    if case == "genuine":
        text = (REAL / f"{filename}.publish.attestation").read_text()
        data, expected = (REAL / filename).read_bytes(), ""
    else:
        text, data, expected = _broken_real(case)
    sha256 = hashlib.sha256(data).hexdigest()
    oracle = attestation_check.verify_upload_attestations(
        identity, filename, data, f"[{text}]", trusted_root=production_root
    )
    for who in (identity, None):  # against the publisher, and without one
        if case == "genuine":
            assert oracle is None
            assert (
                verify_attestation(
                    text,
                    identity=who,
                    filename=filename,
                    sha256=sha256,
                    trusted_root=production_root,
                )
                == attestations.PUBLISH_PREDICATE
            )
            continue
        assert oracle is not None
        with pytest.raises(AttestationError) as info:
            verify_attestation(
                text, identity=who, filename=filename, sha256=sha256, trusted_root=production_root
            )
        if who is None or case != "another-file":  # against the publisher: who signed it first
            assert expected in info.value.message, info.value.message
