"""The pipeline step: decide whether this run attests, then sign, write and self-verify, and
verify the attestations already in packages-dir that go with the files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from publish_action.attestations import prebuilt
from publish_action.attestations.identity import (
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
from publish_action.errors import AttestationError
from publish_action.settings import Attestations
from publish_action.targets import IndexKind

if TYPE_CHECKING:
    from pypi_attestations import Attestation
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
    sign: bool = True,
    folders: Sequence[Path] = (),
) -> dict[str, str]:
    """Sign, write and self-verify attestations for `dists` (the files about to be uploaded),
    and verify the ones already in packages-dir (`prebuilt`) that go with them.

    Returns filename → JSON array text for the upload's `attestations` form field; empty when
    attestations are off. `trust_config` (a `sigstore.models.ClientTrustConfig`) replaces the
    public Sigstore instance: tests pass a local stand-in's; user input never reaches it.
    `sign=False` (a dry run) verifies the attestations in packages-dir and signs nothing.
    `folders`: where the run's other distributions are (the attestation files there are
    mentioned, at verbose level, as left alone). Without trusted publishing nothing is
    signed, whatever `attestations` says (a note tells so). Raises `AttestationError`;
    nothing has been uploaded when it raises.
    """
    if not dists:
        return {}
    found = prebuilt.find(dists, folders)
    prebuilt.report_left_alone(reporter, found.unmatched)
    if settings.attestations is Attestations.FALSE:
        if found:
            reporter.info(
                f"attestations: off ('attestations: false'): {found.names()} in packages-dir "
                "not sent"
            )
        return {}
    if not sign and not found:
        return {}  # a dry run signs nothing; there is nothing else to verify
    if found:
        return _with_prebuilt(
            settings,
            reporter,
            dists,
            publisher,
            found,
            ci_env=ci_env,
            net=net,
            trust_config=trust_config,
            redactor=redactor,
            cancellation=cancellation,
            sign=sign,
        )
    forced = settings.attestations is Attestations.TRUE
    index = _index_name(settings)
    if publisher is None:
        # As gh-action-pypi-publish, whose `attestations` defaults to true and "only works
        # via Trusted Publishing": a token run goes on, unsigned, and says so.
        reporter.info(
            "attestations: off (they need trusted publishing, and this run uses "
            "configured credentials)"
            + ("; 'attestations: true' takes effect when it publishes that way" if forced else "")
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
    config = _load_trust_config(trust_config)
    token = _sigstore_token(ci_env, net, settings.timeout, redactor, cancellation)
    reporter.info(f"attestations: signing {len(dists)} file(s) as {describe(identity)}")
    signed = sign_all(config, token, dists, settings, reporter, cancellation)
    return verify_all(config, identity, dists, signed, {}, index, reporter)


def _index_name(settings: Settings) -> str:
    known = settings.index.kind is not IndexKind.UNKNOWN
    return settings.index.kind.value if known else "the index"


def _with_prebuilt(
    settings: Settings,
    reporter: Reporter,
    dists: Sequence[Distribution],
    publisher: OidcIdentity | None,
    found: prebuilt.Prebuilt,
    *,
    ci_env: CiEnvironment,
    net: Net,
    trust_config: object | None,
    redactor: Redactor | None,
    cancellation: Cancellation | None,
    sign: bool,
) -> dict[str, str]:
    """Attestations in packages-dir go with their files where the index takes them: verified
    as the index will (against its trusted publisher when one is known), before any upload.
    The files without a publish attestation of their own are signed as usual."""
    facts, forced = settings.index.facts, settings.attestations is Attestations.TRUE
    index = _index_name(settings)
    if not facts.accepts_attestations:
        if not forced:
            # Not sent where they are not known to be kept: pypiserver and devpi take the
            # upload and drop the field (measured, tests/scenarios/test_prebuilt_attestations.py),
            # an unknown index might refuse the file for it.
            reporter.info(
                f"attestations: off ({settings.index.kind.value} is not known to accept PEP 740 "
                f"attestations): {found.names()} in packages-dir not sent, the files are "
                "uploaded without them; set 'attestations: true' to send them anyway"
            )
            return {}
        reporter.info(
            f"attestations: sent as 'attestations: true' asks, although {index} is not known "
            "to keep them"
        )
    kind = issuer_kind(publisher.claims) if publisher is not None else None
    if kind is None and facts.attestations_need_trusted_publisher:
        why = (
            "this run uploads with configured credentials"
            if publisher is None
            else f"its {ci_name(publisher)} trusted publisher (OIDC issuer "
            f"{publisher.claims.get('iss')}) is not one whose attestations it accepts"
        )
        # As gh-action-pypi-publish and twine do with a token: the files go, without them.
        # Loudly: the index will never take an attestation for a file once it is uploaded.
        reporter.warning(prebuilt.not_sent_without_publisher(found, index, why))
        return {}
    identity = (
        identity_from_claims(publisher.claims, ci=ci_name(publisher))
        if publisher is not None and kind is not None
        else None
    )
    signs = identity is not None and (forced or settings.index.is_pypi)
    to_sign = [d for d in dists if signs and not found.has_publish(d.filename)]
    prebuilt.check_count(found, {d.filename for d in to_sign})
    signing = {d.filename for d in to_sign}
    unattested = [d.filename for d in dists if d.filename not in found.by_file.keys() | signing]
    if unattested and forced:
        raise AttestationError(
            f"'attestations: true', but {len(unattested)} file(s) would go without one: "
            + ", ".join(unattested),
            details=(f"in packages-dir: {found.names()}",),
            advice=f"{_why_unsigned(settings, publisher, identity)}: put each file's "
            "attestation beside it, or set 'attestations: auto' to upload those without; "
            "nothing was uploaded",
        )
    if unattested:
        reporter.info(
            f"attestations: {len(unattested)} file(s) without an attestation in packages-dir "
            f"go without ({_why_unsigned(settings, publisher, identity)}): " + ", ".join(unattested)
        )
    config = _load_trust_config(trust_config)
    # Packages-dir's first: a broken one stops the run before anything is signed (a
    # signature is logged publicly for good).
    signs_now = bool(to_sign) and sign
    arrays = verify_all(
        config, identity, dists, {}, found.by_file, index, reporter, quiet=signs_now
    )
    signed: dict[str, Attestation] = {}
    if to_sign and publisher is not None:
        check_reusable_workflow(publisher.claims, index)
    if to_sign and not sign:
        reporter.info(f"attestations: dry run: {len(to_sign)} file(s) would be signed")
    elif to_sign and identity is not None:
        token = _sigstore_token(ci_env, net, settings.timeout, redactor, cancellation)
        reporter.info(f"attestations: signing {len(to_sign)} file(s) as {describe(identity)}")
        signed = sign_all(config, token, to_sign, settings, reporter, cancellation)
    if signed:
        arrays = verify_all(config, identity, dists, signed, found.by_file, index, reporter)
    return arrays


def _why_unsigned(
    settings: Settings, publisher: OidcIdentity | None, identity: object | None
) -> str:
    if publisher is None:
        return "this run signs only with trusted publishing, and it uses configured credentials"
    if identity is None:
        return (
            "this run signs only as a GitHub Actions, GitLab.com or Google Cloud trusted publisher"
        )
    return f"'attestations: auto' signs only for PyPI and TestPyPI, not {_index_name(settings)}"


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
