"""PEP 740 attestations: sign every distribution with Sigstore, verify each attestation exactly as
the index will, and hand the upload step one JSON array per file.

An identity problem (reusable workflow, another repository or workflow) is found here, before the
first upload, instead of as a 400 half-way through a release. `sigstore` and `pypi_attestations`
are imported inside the functions that need them: together they cost about a second of start-up,
and most runs never attest.
"""

from __future__ import annotations

from publish_action.attestations.identity import (
    KNOWN_PREDICATES,
    PUBLISH_PREDICATE,
    OidcIdentity,
    TrustedPublisherIdentity,
    describe,
    identity_from_claims,
)
from publish_action.attestations.prepare import prepare
from publish_action.attestations.verify import verify_attestation

__all__ = [
    "KNOWN_PREDICATES",
    "PUBLISH_PREDICATE",
    "OidcIdentity",
    "TrustedPublisherIdentity",
    "describe",
    "identity_from_claims",
    "prepare",
    "verify_attestation",
]
