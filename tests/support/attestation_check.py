"""What PyPI does with the `attestations` form field of an upload, for index stand-ins.

It stands for Warehouse's `IntegrityService.parse_attestations` (warehouse/attestations/
services.py, reached from `forklift/legacy.py`): the field must be a non-empty JSON array of at
most two PEP 740 attestations, one per predicate type, and each must pass the real
`pypi_attestations.Attestation.verify` against the identity of the trusted publisher that
minted the upload token. Any failure is a 400 "Invalid attestations supplied during upload:
<message>"; `verify_upload_attestations` returns the <message> (Warehouse's
`AttestationUploadError`), the index stand-in adds the prefix. This module is an independent
oracle: it uses no publish-action code.

PyPI verifies against the public Sigstore instance after a TUF refresh. Here the verifier's
trust root is the one passed in (a stand-in's), or the production root shipped inside the
`sigstore` wheel, never a download.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from importlib import resources
from typing import Any

__all__ = [
    "PRODUCTION_TRUSTED_ROOT",
    "identity_from_claims",
    "production_trust_config",
    "production_trusted_root",
    "trust_config_json",
    "upload_verifier",
    "verify_upload_attestations",
]

PRODUCTION_TRUSTED_ROOT = "https%3A%2F%2Ftuf-repo-cdn.sigstore.dev/trusted_root.json"
_PATCH_LOCK = threading.Lock()

UploadVerifier = Callable[[Any, str, bytes, str], "str | None"]


def production_trusted_root() -> Any:
    """The Sigstore production trusted root embedded in the `sigstore` package (no TUF)."""
    from sigstore.models import TrustedRoot

    resource = resources.files("sigstore._store").joinpath(PRODUCTION_TRUSTED_ROOT)
    with resources.as_file(resource) as path:
        return TrustedRoot.from_file(str(path))


def _production_json(name: str) -> Any:
    resource = resources.files("sigstore._store").joinpath(
        PRODUCTION_TRUSTED_ROOT.replace("trusted_root.json", name)
    )
    return json.loads(resource.read_text(encoding="utf-8"))


def trust_config_json(*trusted_roots: Mapping[str, Any], signing_config: Any = None) -> str:
    """A client trust config trusting every root given (their CAs, logs and CT logs merged),
    signing with `signing_config` (default: production's services, never contacted offline)."""
    merged: dict[str, Any] = {"mediaType": trusted_roots[0]["mediaType"]}
    for key in ("tlogs", "certificateAuthorities", "ctlogs", "timestampAuthorities"):
        merged[key] = [item for root in trusted_roots for item in root.get(key, [])]
    return json.dumps(
        {
            "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
            "trustedRoot": merged,
            "signingConfig": signing_config or _production_json("signing_config.v0.2.json"),
        }
    )


def production_trust_config() -> Any:
    """The production `ClientTrustConfig` as the `sigstore` wheel ships it (no TUF refresh):
    what the product verifies real attestations with, offline."""
    from sigstore.models import ClientTrustConfig

    return ClientTrustConfig.from_json(trust_config_json(_production_json("trusted_root.json")))


def identity_from_claims(claims: Mapping[str, Any]) -> Any:
    """The `attestation_identity` Warehouse's trusted publisher models derive from a token."""
    from pypi_attestations import GitHubPublisher, GitLabPublisher, GooglePublisher

    issuer = claims.get("iss")
    if issuer == "https://token.actions.githubusercontent.com":
        workflow_path = str(claims["job_workflow_ref"]).split("@", 1)[0]
        return GitHubPublisher(
            repository=str(claims["repository"]),
            workflow=workflow_path.rsplit("/", 1)[-1],
            environment=claims.get("environment") or None,
        )
    if issuer == "https://gitlab.com":
        config = str(claims["ci_config_ref_uri"])
        return GitLabPublisher(
            repository=str(claims["project_path"]),
            workflow_filepath=config.split("//", 1)[1].rsplit("@", 1)[0],
            environment=claims.get("environment") or None,
        )
    if issuer == "https://accounts.google.com":
        return GooglePublisher(email=str(claims["email"]))
    return None  # ActiveState and others: no attestation identity


def _publisher(identity: Any) -> Any:
    """A `pypi_attestations` publisher from what the caller knows about the minting publisher.

    Accepted: such a publisher; the token's claims (a mapping); or a configured trusted
    publisher with `kind` ("GitHub"/"GitLab"), `repository`, `workflow` and `environment`
    (`pypi_standin.PublisherIdentity`), which is what Warehouse builds the identity from.
    """
    from pypi_attestations import GitHubPublisher, GitLabPublisher, GooglePublisher

    if isinstance(identity, GitHubPublisher | GitLabPublisher | GooglePublisher):
        return identity
    if isinstance(identity, Mapping):
        return identity_from_claims(identity)
    kind = str(getattr(identity, "kind", "")).lower()
    environment = getattr(identity, "environment", None) or None
    if kind == "github":
        return GitHubPublisher(
            repository=identity.repository, workflow=identity.workflow, environment=environment
        )
    if kind == "gitlab":
        return GitLabPublisher(
            repository=identity.repository,
            workflow_filepath=identity.workflow,
            environment=environment,
        )
    return None


@contextmanager
def _verifier_with(trusted_root: Any) -> Iterator[None]:
    """Route `Verifier.production()` (all `Attestation.verify` can use) to `trusted_root`.

    Test-only use of a private name, on purpose: `Attestation.verify` has no public way to take
    a trusted root, and the point here is to run pypi-attestations' own verification unchanged
    against the stand-in's root. The product never does this (see attestations/verify.py)."""
    import pypi_attestations._impl as impl
    from sigstore.verify import Verifier

    class _Routed(Verifier):
        @classmethod
        def production(cls, *, offline: bool = False) -> Verifier:
            return Verifier(trusted_root=trusted_root)

    with _PATCH_LOCK:
        # The private module does not re-export `Verifier`: reach it by name, not attribute.
        original = getattr(impl, "Verifier")  # noqa: B009
        setattr(impl, "Verifier", _Routed)  # noqa: B010
        try:
            yield
        finally:
            setattr(impl, "Verifier", original)  # noqa: B010


def verify_upload_attestations(
    identity: Any,
    filename: str,
    file_bytes: bytes,
    attestations_json_text: str,
    *,
    trusted_root: Any = None,
) -> str | None:
    """None when PyPI would accept the field, else the message of its 400 (without the
    "Invalid attestations supplied during upload: " prefix, which the caller adds).

    `identity` is the minting publisher (see `_publisher`), or None when the upload did not use
    trusted publishing.
    """
    from pydantic import TypeAdapter, ValidationError
    from pypi_attestations import Attestation, AttestationType, Distribution, VerificationError

    if identity is None:
        return "Attestations are only supported when using Trusted Publishing"
    publisher = _publisher(identity)
    if publisher is None:
        name = (
            identity.get("iss")
            if isinstance(identity, Mapping)
            else getattr(identity, "kind", identity)
        )
        return f"Attestations are not currently supported with {name} publishers"
    try:
        attestations = TypeAdapter(list[Attestation]).validate_json(attestations_json_text)
    except ValidationError as exc:
        return f"Malformed attestations: {exc}"
    if not attestations:
        return "Malformed attestations: an empty attestation set is not permitted"
    supported = {AttestationType.PYPI_PUBLISH_V1, AttestationType.SLSA_PROVENANCE_V1}
    if len(attestations) > len(supported):
        return f"A maximum of {len(supported)} attestations per file are supported"
    distribution = Distribution(name=filename, digest=hashlib.sha256(file_bytes).hexdigest())
    root = trusted_root if trusted_root is not None else production_trusted_root()
    seen: set[str] = set()
    with _verifier_with(root):
        for attestation in attestations:
            try:
                predicate_type, _ = attestation.verify(publisher, distribution)
            except VerificationError as exc:
                return (
                    f"Could not verify the uploaded artifact using the included attestation: {exc}"
                )
            except Exception as exc:  # noqa: BLE001 - Warehouse reports any other error too
                return f"Unknown error while trying to verify included attestations: {exc}"
            if predicate_type not in {t.value for t in supported}:
                return f"Attestation with unsupported predicate type: {predicate_type}"
            if predicate_type in seen:
                return (
                    "Multiple attestations for the same file with the same "
                    f"predicate type ({predicate_type}) are not supported"
                )
            seen.add(predicate_type)
    return None


def upload_verifier(trusted_root: Any) -> UploadVerifier:
    """`verify_upload_attestations` bound to a trust root: the PyPI stand-in's hook."""
    return functools.partial(verify_upload_attestations, trusted_root=trusted_root)
