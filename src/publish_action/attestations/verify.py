"""Verifying each attestation exactly as the index will, before the first upload."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from publish_action.attestations.diagnose import identity_mismatch, signature_failure, signer_of
from publish_action.attestations.identity import KNOWN_PREDICATES, describe, policy_for
from publish_action.errors import AttestationError

if TYPE_CHECKING:
    from cryptography.x509 import Certificate
    from pypi_attestations import Attestation
    from sigstore.models import ClientTrustConfig, TrustedRoot
    from sigstore.verify import Verifier
    from sigstore.verify.policy import VerificationPolicy

    from publish_action.attestations.identity import Publisher
    from publish_action.distributions import Distribution
    from publish_action.reporting import Reporter

_INTOTO_PAYLOAD = "application/vnd.in-toto+json"
_STATEMENT_V1 = "https://in-toto.io/Statement/v1"


def verify_all(
    config: ClientTrustConfig,
    identity: Publisher | None,
    dists: Sequence[Distribution],
    signed: Mapping[str, Attestation],
    extra: Mapping[str, list[Path]],
    index: str,
    reporter: Reporter,
    *,
    quiet: bool = False,
) -> dict[str, str]:
    """Every attestation of every file, as the index will check it: `signed` (this run's) and
    `extra` (packages-dir's). `identity` is the trusted publisher the index checks them against;
    None when no publisher is known (an upload with configured credentials to an index that
    takes attestations): then the signature, the log entry and the statement are verified, and
    the signer is reported, not judged. `quiet`: no line saying what was verified (a first
    pass, before signing)."""
    from sigstore.verify import Verifier

    verifier = Verifier(trusted_root=config.trusted_root)
    failures: list[tuple[str, AttestationError]] = []
    arrays: dict[str, str] = {}
    signers: dict[str, None] = {}
    count = 0
    for dist in dists:
        try:
            sha256 = dist.hashes.sha256  # what inspection hashed: what will be sent
            candidates: list[tuple[str, bytes | Attestation]] = []
            if dist.filename in signed:
                candidates.append(
                    (f"the attestation signed for {dist.filename}", signed[dist.filename])
                )
            candidates += [
                (f"{p.name} (from packages-dir)", p.read_bytes())
                for p in extra.get(dist.filename, [])
            ]
        except OSError as exc:
            raise AttestationError(
                f"cannot read {exc.filename or dist.path} to verify its attestations",
                advice="nothing was uploaded",
            ) from exc
        objects: list[Any] = []
        seen: dict[str, str] = {}
        for source, attestation in candidates:
            try:
                predicate = verify_attestation(
                    attestation,
                    identity=identity,
                    filename=dist.filename,
                    sha256=sha256,
                    verifier=verifier,
                    index=index,
                    source=source,
                )
            except AttestationError as error:
                failures.append((dist.filename, error))
                continue
            if predicate in seen:
                failures.append(
                    (
                        dist.filename,
                        AttestationError(
                            f"{source} and {seen[predicate]} are both "
                            f"{KNOWN_PREDICATES[predicate]} attestations; the index accepts "
                            "one per kind",
                            advice="remove one of them from packages-dir",
                        ),
                    )
                )
                continue
            seen[predicate] = source
            objects.append(
                json.loads(attestation)
                if isinstance(attestation, bytes)
                else attestation.model_dump(mode="json")
            )
            if identity is None:
                signers[signer_of(attestation)] = None
            count += 1
        if objects:  # an empty array is refused: a file without attestations sends none
            arrays[dist.filename] = json.dumps(objects)
    if failures:
        first_name, first = failures[0]
        same = [
            name for name, e in failures[1:] if e.message.replace(name, first_name) == first.message
        ]
        others = [f"{name}: {e.message}" for name, e in failures[1:] if name not in same]
        if same:
            others.insert(0, f"the same for {', '.join(same)}")
        raise AttestationError(
            first.message,
            details=(*first.details, *others),
            advice=first.advice + "; nothing was uploaded",
        ) from first.__cause__
    if not quiet:
        _report(reporter, count, len(arrays), identity, list(signers), index)
    return arrays


def _report(
    reporter: Reporter,
    count: int,
    files: int,
    identity: Publisher | None,
    signers: list[str],
    index: str,
) -> None:
    if identity is not None:
        reporter.info(
            f"attestations: {count} verified for {files} file(s) against the "
            f"trusted publisher {index} checks them with ({describe(identity)})"
        )
    elif count:
        reporter.info(
            f"attestations: {count} verified for {files} file(s): the signature, its "
            "transparency log entry and the file name and sha256 they attest; signed by "
            f"{'; '.join(signers)}. No trusted publisher vouches for this upload, so {index} "
            "decides itself whether it trusts that signer"
        )


class _AnySigner:
    """No publisher to hold the certificate to: every identity passes, and is reported.
    (sigstore's own `UnsafeNoOp` logs a warning on every use.)"""

    def verify(self, cert: Certificate) -> None:
        return None


class _Recording:
    """Runs a publisher's policy and remembers whether it was the policy that failed."""

    def __init__(self, inner: VerificationPolicy | _AnySigner) -> None:
        self.inner = inner
        self.failure: BaseException | None = None

    def verify(self, cert: Certificate) -> None:
        try:
            self.inner.verify(cert)
        except Exception as exc:
            self.failure = exc
            raise


def verify_attestation(
    attestation: str | bytes | Attestation,
    *,
    identity: Publisher | None,
    filename: str,
    sha256: str,
    trusted_root: TrustedRoot | None = None,
    verifier: Verifier | None = None,
    index: str = "the index",
    source: str = "",
) -> str:
    """Verify one attestation as the index does on upload; return its predicate type.

    The checks are those of `pypi_attestations.Attestation.verify` (certificate chain, SCT,
    publisher policy, transparency log entry, DSSE signature, then the statement's single
    subject against the file name and sha256), but against the trust root this run signed with
    instead of a fresh TUF download. Raises `AttestationError` saying what does not match.
    """
    from pypi_attestations import Attestation
    from sigstore.errors import VerificationError
    from sigstore.verify import Verifier

    what = source or f"the attestation for {filename}"
    try:
        model = (
            attestation
            if isinstance(attestation, Attestation)
            else Attestation.model_validate_json(attestation)
        )
        bundle = model.to_bundle()
    except Exception as exc:
        raise AttestationError(
            f"{what} is not a valid PEP 740 attestation", advice="remove or regenerate the file"
        ) from exc
    if verifier is None:
        if trusted_root is None:
            raise TypeError("pass trusted_root or verifier")
        verifier = Verifier(trusted_root=trusted_root)
    policy = _Recording(policy_for(identity) if identity is not None else _AnySigner())
    try:
        payload_type, payload = verifier.verify_dsse(bundle, policy)
    except Exception as exc:
        if policy.failure is not None and identity is not None:
            raise identity_mismatch(what, identity, model, index) from exc
        raise signature_failure(what, exc, isinstance(exc, VerificationError)) from exc
    return _check_statement(what, payload_type, payload, filename, sha256)


def _check_statement(
    what: str, payload_type: str, payload: bytes, filename: str, sha256: str
) -> str:
    def fail(message: str, advice: str = "remove or regenerate the file") -> AttestationError:
        return AttestationError(f"{what} {message}", advice=advice)

    if payload_type != _INTOTO_PAYLOAD:
        raise fail(f"has payload type {payload_type}, not an in-toto statement")
    try:
        statement = json.loads(payload)
        subjects = statement["subject"]
        kind = statement["_type"]
        predicate = statement["predicateType"]
    except (ValueError, TypeError, KeyError) as exc:
        raise fail("does not hold a valid in-toto statement") from exc
    if kind != _STATEMENT_V1 or not isinstance(subjects, list) or len(subjects) != 1:
        raise fail("must attest exactly one file with an in-toto v1 statement")
    subject = subjects[0] if isinstance(subjects[0], dict) else {}
    name = subject.get("name")
    if not isinstance(name, str) or _dist_key(name) != _dist_key(filename):
        raise fail(f"attests file {name!r}, not {filename}")
    digests = subject.get("digest")
    attested = digests.get("sha256") if isinstance(digests, dict) else None
    if attested != sha256:
        raise fail(
            f"does not match {filename}: it attests sha256 {attested}, the file has {sha256}",
            advice="the file changed after it was attested, or the attestation belongs to "
            "another build of it: rebuild and attest again, or remove the stale attestation",
        )
    if predicate not in KNOWN_PREDICATES:
        raise fail(f"has predicate type {predicate}, which the index does not accept")
    return str(predicate)


def _dist_key(name: str) -> tuple[object, ...] | None:
    """A file name's parsed parts, so spelling variants of one name compare equal."""
    from packaging.utils import parse_sdist_filename, parse_wheel_filename

    try:
        if name.endswith(".whl"):
            return tuple(parse_wheel_filename(name))
        if name.endswith((".tar.gz", ".zip")):
            return tuple(parse_sdist_filename(name))
    except ValueError:
        return None
    return None
