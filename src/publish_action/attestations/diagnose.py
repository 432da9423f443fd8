"""Saying why an attestation does not verify: which part of the certificate's identity differs
from the trusted publisher, or what in the signature failed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from publish_action.attestations.identity import (
    GITHUB_ISSUER,
    GITLAB_ISSUER,
    GOOGLE_ISSUER,
    OID_BUILD_CONFIG_URI,
    OID_BUILD_SIGNER_URI,
    OID_ISSUER,
    OID_SOURCE_REPOSITORY_URI,
    REUSABLE_ADVICE,
    describe,
)
from publish_action.errors import AttestationError

if TYPE_CHECKING:
    from pypi_attestations import Attestation

    from publish_action.attestations.identity import Publisher


def signature_failure(what: str, exc: BaseException, verification: bool) -> AttestationError:
    text = str(exc)
    if "log entry" in text or "inclusion" in text or "checkpoint" in text:
        return AttestationError(
            f"{what} has a transparency log entry that does not verify",
            advice="the Rekor response was corrupted or the entry altered: retry the job; if it "
            "persists, check status.sigstore.dev",
        )
    if "certificate chain" in text or "SCT" in text:
        return AttestationError(
            f"{what} was not signed with a certificate from the Sigstore instance the index trusts",
            advice="the index accepts only attestations signed with the public production "
            "Sigstore instance (not staging or a private one): remove or regenerate the file",
        )
    if not verification:
        return AttestationError(
            f"{what} could not be verified", advice="remove or regenerate the file"
        )
    return AttestationError(
        f"{what} does not verify: {text}", advice="remove or regenerate the file"
    )


def _cert_claims(model: Attestation) -> dict[str, str]:
    try:
        return model.certificate_claims
    except Exception:  # noqa: BLE001 - diagnosis only: fall back to the generic message
        return {}


def _after(uri: str, prefix: str) -> str:
    return uri[len(prefix) :] if uri.startswith(prefix) else uri


def identity_mismatch(
    what: str, identity: Publisher, model: Attestation, index: str
) -> AttestationError:
    """Say which part of the certificate's identity differs from the trusted publisher."""
    from pypi_attestations import GitHubPublisher, GitLabPublisher

    claims = _cert_claims(model)
    expected = describe(identity)
    advice = (
        "attestations in packages-dir must be signed by the publishing workflow itself: remove "
        "it, or sign it there"
        if "packages-dir" in what
        else "the 'sigstore' OIDC token and the upload token must come from the same job, the one "
        "registered as the trusted publisher"
    )
    rejected = f"{what} would be rejected by {index}"
    if isinstance(identity, GitHubPublisher):
        issuer, host, repository = GITHUB_ISSUER, "https://github.com/", identity.repository
    elif isinstance(identity, GitLabPublisher):
        issuer, host, repository = GITLAB_ISSUER, "https://gitlab.com/", identity.repository
    else:
        issuer, host, repository = GOOGLE_ISSUER, "", ""
    actual_issuer = claims.get(OID_ISSUER, "")
    if actual_issuer and actual_issuer != issuer:
        return AttestationError(
            f"{rejected}: it was signed by an identity from {actual_issuer}, but the trusted "
            f"publisher is {expected}",
            advice=advice,
        )
    if not host:
        return AttestationError(
            f"{rejected}: its certificate is not for {expected} ({_san(model)})", advice=advice
        )
    repo_uri = claims.get(OID_SOURCE_REPOSITORY_URI, "")
    if repo_uri and repo_uri != host + repository:
        return AttestationError(
            f"{rejected}: it was signed in repository {_after(repo_uri, host)}, but the trusted "
            f"publisher is repository {repository} ({expected})",
            advice=advice,
        )
    config = claims.get(OID_BUILD_CONFIG_URI, "")
    signer = claims.get(OID_BUILD_SIGNER_URI, "")
    config_path = _after(config, host).split("@", 1)[0]
    if isinstance(identity, GitHubPublisher) and config and signer and config != signer:
        return AttestationError(
            f"{rejected}: it was signed in a reusable workflow",
            details=(
                f"the certificate names the calling workflow {config_path} (workflow_ref)",
                f"the reusable workflow that ran is {_after(signer, host).split('@', 1)[0]} "
                "(job_workflow_ref)",
                f"{index} checks it against its trusted publisher: {expected}",
            ),
            advice=REUSABLE_ADVICE,
        )
    if config:
        workflow = (
            config_path.rsplit("/", 1)[-1]
            if isinstance(identity, GitHubPublisher)
            else config_path.split("//", 1)[-1]
        )
        return AttestationError(
            f"{rejected}: it was signed by workflow {workflow} ({config_path}), but the trusted "
            f"publisher is {expected}",
            advice=advice,
        )
    return AttestationError(f"{rejected}: its certificate does not match {expected}", advice=advice)


def _san(model: Attestation) -> str:
    from cryptography import x509

    try:
        cert = x509.load_der_x509_certificate(model.verification_material.certificate)
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        return "signed by " + ", ".join(
            str(v)
            for v in names.get_values_for_type(x509.RFC822Name)
            + names.get_values_for_type(x509.UniformResourceIdentifier)
        )
    except Exception:  # noqa: BLE001 - diagnosis only
        return "certificate unreadable"


def signer_of(attestation: str | bytes | Attestation) -> str:
    """Who signed it, as its certificate says: the workflow file at its ref (GitHub, GitLab),
    else the certificate's subject (an e-mail for Google). For messages, never a decision."""
    from pypi_attestations import Attestation

    try:
        model = (
            attestation
            if isinstance(attestation, Attestation)
            else Attestation.model_validate_json(attestation)
        )
    except Exception:  # noqa: BLE001 - diagnosis only
        return "an unreadable certificate"
    config = _cert_claims(model).get(OID_BUILD_CONFIG_URI, "")
    return config or _san(model).removeprefix("signed by ")
