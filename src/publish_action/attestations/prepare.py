"""The pipeline step: decide whether this run attests, then sign, write and self-verify."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from publish_action.attestations.identity import (
    MAX_PER_FILE,
    SUFFIX,
    OidcIdentity,
    check_reusable_workflow,
    ci_name,
    describe,
    identity_from_claims,
    issuer_kind,
)
from publish_action.attestations.sign import sign_all
from publish_action.attestations.verify import verify_all
from publish_action.cancellation import Cancellation
from publish_action.errors import AttestationError, InputError
from publish_action.settings import Attestations
from publish_action.targets import IndexKind

if TYPE_CHECKING:
    from sigstore.models import ClientTrustConfig
    from sigstore.oidc import IdentityToken

    from publish_action.ci import CiEnvironment
    from publish_action.distributions import Distribution
    from publish_action.net import Net
    from publish_action.redaction import Redactor
    from publish_action.reporting import Reporter
    from publish_action.settings import Settings


def prepare(
    settings: Settings,
    reporter: Reporter,
    dists: Sequence[Distribution],
    publisher: OidcIdentity | None,
    *,
    ci_env: CiEnvironment,
    net: Net,
    trust_config: object | None = None,
    redactor: Redactor | None = None,
    cancellation: Cancellation | None = None,
) -> dict[str, str]:
    """Sign, write and self-verify attestations for `dists` (the files about to be uploaded).

    Returns filename → JSON array text for the upload's `attestations` form field; empty when
    attestations are off. `trust_config` (a `sigstore.models.ClientTrustConfig`) replaces the
    public Sigstore instance: tests pass a local stand-in's; user input never reaches it.
    Raises `InputError` for `attestations: true` without trusted publishing and
    `AttestationError` for everything else; nothing has been uploaded when it raises.
    """
    if settings.attestations is Attestations.FALSE or not dists:
        return {}
    forced = settings.attestations is Attestations.TRUE
    known = settings.index.kind is not IndexKind.UNKNOWN
    index = settings.index.kind.value if known else "the index"
    if publisher is None:
        if forced:
            raise InputError(
                "'attestations: true' needs trusted publishing, but this run uploads with "
                "configured credentials",
                advice="attestations are signed with the CI's OIDC identity: enable trusted "
                "publishing (and remove the password), or set 'attestations: auto' or 'false'",
            )
        reporter.info(
            "attestations: off (they need trusted publishing, and this run uses "
            "configured credentials)"
        )
        return {}
    if not forced and not settings.index.is_pypi:
        reporter.info(
            f"attestations: off ({settings.index.kind.value} is not known to accept "
            "PEP 740 attestations; set 'attestations: true' to send them)"
        )
        return {}
    claims, ci = publisher.claims, ci_name(publisher)
    if issuer_kind(claims) is None:
        issuer = claims.get("iss")
        if forced:
            raise AttestationError(
                f"cannot attest as a {ci} trusted publisher (OIDC issuer {issuer}): "
                "PyPI verifies attestations only from GitHub Actions, GitLab.com and Google "
                "Cloud publishers",
                advice="set 'attestations: auto' or 'false'",
            )
        reporter.info(
            f"attestations: off ({index} does not accept attestations from "
            f"{ci} trusted publishers, OIDC issuer {issuer})"
        )
        return {}

    identity = identity_from_claims(claims, ci=ci)
    check_reusable_workflow(claims, index)
    extra = _packages_dir_attestations(dists)
    config = _load_trust_config(trust_config)
    token = _sigstore_token(ci_env, net, settings.timeout, redactor, cancellation)
    reporter.info(f"attestations: signing {len(dists)} file(s) as {describe(identity)}")
    signed = sign_all(config, token, dists, settings, reporter, cancellation)
    return verify_all(config, identity, dists, signed, extra, index, reporter)


def _packages_dir_attestations(dists: Sequence[Distribution]) -> dict[str, list[Path]]:
    """`<dist>.<kind>.attestation` files the user put next to the distributions: in
    packages-dir, or beside each of the files given as arguments."""
    found: dict[str, list[Path]] = {}
    folders = sorted({d.path.parent for d in dists})
    for path in sorted(p for folder in folders for p in folder.iterdir()):
        if not path.is_file() or not path.name.endswith(SUFFIX):
            continue
        beside = (d.filename for d in dists if d.path.parent == path.parent)
        names = sorted(beside, key=len, reverse=True)
        stem = path.name[: -len(SUFFIX)]
        owner = next((n for n in names if stem.startswith(n + ".")), None)
        if owner is None:
            continue
        if stem[len(owner) + 1 :] == "publish":
            raise AttestationError(
                f"{path.name} in packages-dir would be a second publish attestation for {owner}",
                advice="this run signs its own publish attestation and the index accepts one "
                "per kind: remove the file (an earlier step or tool wrote it) or rename it",
            )
        found.setdefault(owner, []).append(path)
    for owner, paths in found.items():
        if len(paths) + 1 > MAX_PER_FILE:
            raise AttestationError(
                f"too many attestations for {owner}: {', '.join(p.name for p in paths)} in "
                f"packages-dir plus this run's publish attestation",
                advice=f"the index accepts at most {MAX_PER_FILE} per file, one per predicate "
                "type: keep at most one extra attestation file per distribution",
            )
    return found


def _load_trust_config(injected: object | None) -> ClientTrustConfig:
    from sigstore.models import ClientTrustConfig

    if injected is None:
        try:
            config = ClientTrustConfig.production()
        except Exception as exc:
            raise AttestationError(
                "could not load Sigstore's trust root (the TUF update from "
                "tuf-repo-cdn.sigstore.dev failed)",
                advice="check that this runner reaches tuf-repo-cdn.sigstore.dev and that HOME "
                "(or XDG_DATA_HOME and XDG_CACHE_HOME) is writable; or set 'attestations: false'",
            ) from exc
    elif isinstance(injected, ClientTrustConfig):
        config = injected
    else:
        raise TypeError(f"trust_config must be a ClientTrustConfig, not {type(injected).__name__}")
    # Rekor v1, on purpose: a PEP 740 attestation carries the transparency log entry but has no
    # field for RFC 3161 timestamps. Rekor v2 entries have no integrated time or signed entry
    # timestamp and rely on such a timestamp for the signing time, so an attestation made with
    # v2 could never be verified. (pypi-attestations' own CLI pins v1 for the same reason.)
    config.force_tlog_version = 1
    return config


def _sigstore_token(
    ci_env: CiEnvironment,
    net: Net,
    timeout: float,
    redactor: Redactor | None,
    cancellation: Cancellation | None,
) -> IdentityToken:
    """The second ambient OIDC token, audience `sigstore`, for Fulcio's signing certificate."""
    from sigstore.oidc import IdentityToken

    from publish_action import ci

    try:
        found = ci.ambient_token(
            "sigstore", ci_env, net, timeout=timeout, cancellation=cancellation
        )
    except ci.AmbientTokenError as exc:
        raise AttestationError(
            f"could not get an OIDC token for Sigstore (audience 'sigstore'): {exc.message}",
            advice=f"{ci.advice_for(exc, 'sigstore')}; the job that mints the upload token "
            "must also get one for Sigstore, or set 'attestations: false'",
        ) from exc.__cause__
    if redactor is not None:
        redactor.add(found.jwt)
    try:
        return IdentityToken(found.jwt)
    except Exception as exc:
        raise AttestationError(
            f"the OIDC token {found.ci.name} gave for Sigstore is not usable",
            advice="it must be a fresh JWT with audience 'sigstore', from the job that mints "
            "the upload token; or set 'attestations: false'",
        ) from exc
