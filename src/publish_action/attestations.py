"""PEP 740 attestations: sign every distribution with Sigstore, verify each attestation exactly as
the index will, and hand the upload step one JSON array per file.

An identity problem (reusable workflow, another repository or workflow) is found here, before the
first upload, instead of as a 400 half-way through a release. `sigstore` and `pypi_attestations`
are imported inside the functions that need them: together they cost about a second of start-up,
and most runs never attest.
"""

from __future__ import annotations

import hashlib
import json
import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from publish_action.cancellation import Cancellation
from publish_action.errors import AttestationError, InputError
from publish_action.settings import Attestations
from publish_action.targets import IndexKind

if TYPE_CHECKING:
    from cryptography.x509 import Certificate
    from pypi_attestations import Attestation, GitHubPublisher, GitLabPublisher, GooglePublisher
    from sigstore.models import ClientTrustConfig, TrustedRoot
    from sigstore.oidc import IdentityToken
    from sigstore.sign import Signer
    from sigstore.verify import Verifier
    from sigstore.verify.policy import VerificationPolicy

    from publish_action.distributions import Distribution
    from publish_action.redaction import Redactor
    from publish_action.reporting import Reporter
    from publish_action.settings import Settings

    Publisher = GitHubPublisher | GitLabPublisher | GooglePublisher

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

PUBLISH_PREDICATE = "https://docs.pypi.org/attestations/publish/v1"
KNOWN_PREDICATES = {
    PUBLISH_PREDICATE: "publish",
    "https://slsa.dev/provenance/v1": "SLSA provenance",
}
MAX_PER_FILE = len(KNOWN_PREDICATES)  # PyPI: at most one attestation per predicate type

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
GITLAB_ISSUER = "https://gitlab.com"
GOOGLE_ISSUER = "https://accounts.google.com"
_ISSUER_KIND = {GITHUB_ISSUER: "GitHub", GITLAB_ISSUER: "GitLab", GOOGLE_ISSUER: "Google"}

# Fulcio certificate extensions (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md).
_OID_ISSUER = "1.3.6.1.4.1.57264.1.8"
_OID_BUILD_SIGNER_URI = "1.3.6.1.4.1.57264.1.9"  # GitHub: job_workflow_ref (what ran)
_OID_SOURCE_REPOSITORY_URI = "1.3.6.1.4.1.57264.1.12"
_OID_BUILD_CONFIG_URI = "1.3.6.1.4.1.57264.1.18"  # GitHub: workflow_ref (the top-level caller)

_INTOTO_PAYLOAD = "application/vnd.in-toto+json"
_STATEMENT_V1 = "https://in-toto.io/Statement/v1"
_SUFFIX = ".attestation"

_REUSABLE_ADVICE = (
    "PyPI does not accept attestations made in a reusable workflow yet: set 'attestations: "
    "false' on this step to publish without them, or run the publish step in the top-level "
    "workflow and register that workflow as the trusted publisher"
)


class OidcIdentity(Protocol):
    """What attestations need from trusted publishing: the CI and the OIDC token's claims.

    `trusted_publishing.TrustedPublisher` satisfies it; the claims are the decoded (unverified)
    payload of the token the index accepted, so they name the publisher the index matched.
    """

    @property
    def ci(self) -> object: ...  # a name, or an object with a `name`

    @property
    def claims(self) -> Mapping[str, object]: ...


@dataclass(frozen=True)
class TrustedPublisherIdentity:
    """A plain `OidcIdentity`: `ci` names the CI for messages ("GitHub Actions", "GitLab CI/CD")."""

    ci: str
    claims: Mapping[str, object]


# -- the publisher identity the index checks against ------------------------------------------


def _claim(claims: Mapping[str, object], name: str, ci: str) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not value:
        raise AttestationError(
            f"the {ci} OIDC token has no {name!r} claim, which names the trusted publisher "
            "attestations are checked against",
            advice="set 'attestations: false' to publish without attestations",
        )
    return value


def _kind(claims: Mapping[str, object]) -> str | None:
    return _ISSUER_KIND.get(str(claims.get("iss", "")))


def identity_from_claims(claims: Mapping[str, object], *, ci: str = "") -> Publisher:
    """The publisher the index will verify attestations against, built from the token's claims.

    These are the identities PyPI derives from its trusted publishers: GitHub repository and
    workflow file (from `job_workflow_ref`, what the publisher was matched on), GitLab project
    and CI configuration file, Google service account.
    """
    from pypi_attestations import GitHubPublisher, GitLabPublisher, GooglePublisher

    kind = _kind(claims)
    ci = ci or kind or "CI"
    if kind == "GitHub":
        repository = _claim(claims, "repository", ci)
        path = _claim(claims, "job_workflow_ref", ci).split("@", 1)[0]
        _, _, workflow = path.partition("/.github/workflows/")
        if not workflow:
            raise AttestationError(
                f"cannot tell the workflow file from job_workflow_ref {path!r}",
                advice="set 'attestations: false' to publish without attestations",
            )
        environment = claims.get("environment")
        return GitHubPublisher(
            repository=repository,
            workflow=workflow,
            environment=environment if isinstance(environment, str) and environment else None,
        )
    if kind == "GitLab":
        project = _claim(claims, "project_path", ci)
        config_ref = _claim(claims, "ci_config_ref_uri", ci)  # host/project//path@ref
        filepath = config_ref.split("//", 1)[-1].rsplit("@", 1)[0]
        environment = claims.get("environment")
        return GitLabPublisher(
            repository=project,
            workflow_filepath=filepath,
            environment=environment if isinstance(environment, str) and environment else None,
        )
    if kind == "Google":
        return GooglePublisher(email=_claim(claims, "email", ci))
    raise AttestationError(
        f"no index accepts attestations from OIDC issuer {claims.get('iss')!r}",
        advice="attestations work with GitHub Actions, GitLab.com and Google Cloud trusted "
        "publishers; set 'attestations: false'",
    )


def describe(identity: Publisher) -> str:
    """One line naming a publisher identity, for messages."""
    from pypi_attestations import GitHubPublisher, GitLabPublisher

    if isinstance(identity, GitHubPublisher):
        text = f"GitHub repository {identity.repository}, workflow {identity.workflow}"
    elif isinstance(identity, GitLabPublisher):
        text = f"GitLab project {identity.repository}, CI file {identity.workflow_filepath}"
    else:
        return f"Google service account {identity.email}"
    return f"{text}, environment {identity.environment}" if identity.environment else text


def _check_reusable_workflow(claims: Mapping[str, object], index: str) -> None:
    """Fail before signing when the job runs in a reusable workflow: the index would reject it.

    The trusted publisher was matched on `job_workflow_ref` (the reusable workflow), but Fulcio
    writes `workflow_ref` (the calling workflow) into the certificate's Build Config URI, which
    is what the index compares. Catching it here also keeps a doomed signature out of the public
    transparency log; self-verification would find the same mismatch after signing.
    """
    caller, called = claims.get("workflow_ref"), claims.get("job_workflow_ref")
    if not isinstance(caller, str) or not isinstance(called, str):
        return
    caller_path, called_path = caller.split("@", 1)[0], called.split("@", 1)[0]
    if caller_path == called_path:
        return
    repository = str(claims.get("repository", ""))
    raise AttestationError(
        f"attestations would be rejected by {index}: this job runs in the reusable workflow "
        f"{called_path}, called from {caller_path}",
        details=(
            f"{index} checks attestations against its trusted publisher: workflow "
            f"{called_path.rsplit('/', 1)[-1]} in {repository} (the token's job_workflow_ref)",
            f"but Sigstore certifies the calling workflow {caller_path.rsplit('/', 1)[-1]} "
            "(the token's workflow_ref)",
        ),
        advice=_REUSABLE_ADVICE,
    )


# -- prepare: the pipeline step ----------------------------------------------------------------


def prepare(
    settings: Settings,
    reporter: Reporter,
    dists: Sequence[Distribution],
    publisher: OidcIdentity | None,
    *,
    environ: Mapping[str, str],
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
        reporter.info("attestations: off (they need trusted publishing, and this run uses "
                      "configured credentials)")
        return {}
    if not forced and not settings.index.is_pypi:
        reporter.info(f"attestations: off ({settings.index.kind.value} is not known to accept "
                      "PEP 740 attestations; set 'attestations: true' to send them)")
        return {}
    claims, ci = publisher.claims, _ci_name(publisher)
    if _kind(claims) is None:
        issuer = claims.get("iss")
        if forced:
            raise AttestationError(
                f"cannot attest as a {ci} trusted publisher (OIDC issuer {issuer}): "
                "PyPI verifies attestations only from GitHub Actions, GitLab.com and Google "
                "Cloud publishers",
                advice="set 'attestations: auto' or 'false'",
            )
        reporter.info(f"attestations: off ({index} does not accept attestations from "
                      f"{ci} trusted publishers, OIDC issuer {issuer})")
        return {}

    identity = identity_from_claims(claims, ci=ci)
    _check_reusable_workflow(claims, index)
    extra = _packages_dir_attestations(settings.packages_dir, dists)
    config = _load_trust_config(trust_config)
    token = _sigstore_token(environ, settings.timeout, ci, redactor, cancellation)
    reporter.info(f"attestations: signing {len(dists)} file(s) as {describe(identity)}")
    signed = _sign_all(config, token, dists, settings, reporter, cancellation)
    return _verify_all(config, identity, dists, signed, extra, index, reporter)


def _packages_dir_attestations(
    packages_dir: Path, dists: Sequence[Distribution]
) -> dict[str, list[Path]]:
    """`<dist>.<kind>.attestation` files the user put next to the distributions."""
    names = sorted((d.filename for d in dists), key=len, reverse=True)
    found: dict[str, list[Path]] = {}
    for path in sorted(packages_dir.iterdir()):
        if not path.is_file() or not path.name.endswith(_SUFFIX):
            continue
        stem = path.name[: -len(_SUFFIX)]
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
    environ: Mapping[str, str], timeout: float, ci: str, redactor: Redactor | None,
    cancellation: Cancellation | None,
) -> IdentityToken:
    """The second ambient OIDC token, audience `sigstore`, for Fulcio's signing certificate."""
    from sigstore.oidc import IdentityToken

    from publish_action import oidc

    general = ("the job that mints the upload token must also be able to get a token with "
               "audience 'sigstore'; or set 'attestations: false'")
    try:
        found = oidc.ambient_token("sigstore", environ, timeout=timeout,
                                   cancellation=cancellation)
    except oidc.AmbientTokenError as exc:
        advice = general
        if exc.problem is oidc.Problem.MISSING_TOKEN:
            variable = oidc.gitlab_variable("sigstore")
            advice = (f"declare a second ID token in the job's .gitlab-ci.yml, next to the one "
                      f"for the index: 'id_tokens: {variable}: aud: sigstore'; or set "
                      "'attestations: false'")
        elif exc.problem is oidc.Problem.PERMISSION:
            advice = "the job needs 'permissions: id-token: write'; " + general
        # Its message is ours; the cause worth showing is the one under it (from `id`).
        raise AttestationError(
            f"could not get an OIDC token for Sigstore (audience 'sigstore'): {exc.message}",
            advice=advice,
        ) from exc.__cause__
    if redactor is not None:
        redactor.add(found.jwt)
    try:
        return IdentityToken(found.jwt)
    except Exception as exc:
        raise AttestationError(
            f"the OIDC token {found.ci.name} gave for Sigstore is not usable",
            advice="it must be a fresh JWT with audience 'sigstore'; " + general,
        ) from exc


def _ci_name(publisher: OidcIdentity) -> str:
    ci = publisher.ci
    return str(getattr(ci, "name", ci))


# -- signing -----------------------------------------------------------------------------------

_T = TypeVar("_T")
_R = TypeVar("_R")


class _NoAnswer(Exception):
    pass


def _parallel(
    fn: Callable[[_T], _R], items: Sequence[_T], *, workers: int, timeout: float,
    cancellation: Cancellation | None = None,
) -> list[_R | BaseException]:
    """Run `fn` over `items` on daemon threads: each result, or the exception it raised.

    When nothing finishes for `timeout` seconds the unfinished items get `_NoAnswer`: sigstore's
    HTTP sessions have no timeout of their own, and a daemon thread stuck on a dead connection
    must not keep the process alive, which a ThreadPoolExecutor's would.
    """
    results: list[_R | BaseException] = [_NoAnswer() for _ in items]
    pending = iter(enumerate(items))
    lock = threading.Lock()
    done: queue.Queue[int] = queue.Queue()

    def work() -> None:
        while True:
            with lock:
                nxt = next(pending, None)
            if nxt is None:
                return
            position, item = nxt
            try:
                results[position] = fn(item)
            except Exception as exc:  # noqa: BLE001 - handed back to the caller, who wraps it
                results[position] = exc
            done.put(position)

    for _ in range(max(1, min(workers, len(items)))):
        threading.Thread(target=work, daemon=True, name="publish-action-sigstore").start()
    for _ in items:
        waited = 0.0
        while True:
            if cancellation is not None:
                cancellation.raise_if_set()
            try:
                done.get(timeout=min(0.2, timeout - waited))
                break
            except queue.Empty:
                waited += 0.2
                if waited >= timeout:
                    with lock:
                        return list(results)
    with lock:
        return list(results)


def _http_details(exc: BaseException) -> tuple[str, ...]:
    """The HTTP status and server message buried in a cause chain (sigstore drops Fulcio's)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        response = getattr(current, "response", None)
        status = getattr(response, "status_code", None)
        if isinstance(status, int):
            text = str(getattr(response, "text", "") or "").strip()
            try:
                body = json.loads(text)
                text = str(body.get("message", text)) if isinstance(body, dict) else text
            except ValueError:
                pass
            url = getattr(response, "url", "")
            return (f"HTTP {status} from {url}: {text[:300] or '(empty body)'}",)
        current = current.__cause__ or current.__context__
    return ()


def _service_error(exc: BaseException, what: str, fulcio: bool) -> AttestationError:
    if isinstance(exc, _NoAnswer):
        return AttestationError(f"{what}: no answer in time",
                                advice="Sigstore may be slow or down (status.sigstore.dev); "
                                "retry the job, or set 'attestations: false'")
    details = _http_details(exc)
    status = details[0].split()[1] if details else ""
    if fulcio and status in ("400", "401", "403"):
        advice = ("Fulcio refused the 'sigstore' OIDC token: it must be fresh and come from a "
                  "CI identity Fulcio trusts (GitHub Actions, GitLab.com, Google Cloud)")
    else:
        advice = ("Sigstore may be down or unreachable from this runner (status.sigstore.dev): "
                  "retry the job, or set 'attestations: false' to publish without attestations")
    error = AttestationError(what, details=details, advice=advice)
    error.__cause__ = exc
    return error


def _sign_all(
    config: ClientTrustConfig,
    token: IdentityToken,
    dists: Sequence[Distribution],
    settings: Settings,
    reporter: Reporter,
    cancellation: Cancellation | None = None,
) -> dict[str, Attestation]:
    from pypi_attestations import Attestation
    from pypi_attestations import Distribution as Subject
    from sigstore.sign import Signer, SigningContext

    try:
        signing = config.signing_config
        fulcio = signing.get_fulcio()
        rekor = signing.get_tlogs()[0]
    except Exception as exc:
        raise AttestationError(
            "Sigstore's signing configuration offers no usable certificate authority or "
            "Rekor v1 transparency log",
            advice="attestations need a Rekor v1 log (PEP 740 cannot carry Rekor v2 entries "
            "yet): update publish-action, or set 'attestations: false'",
        ) from exc
    # No timestamp authority: the attestation format drops RFC 3161 timestamps (the Rekor v1
    # entry's signed entry timestamp gives the signing time), so asking for one is wasted time.
    context = SigningContext(
        fulcio=fulcio, rekor=rekor, trusted_root=config.trusted_root, tsa_clients=[]
    )
    fulcio_url = fulcio.url
    rekor_url = str(getattr(rekor, "url", "?")).removesuffix("/api/v1")

    def certify(_: None) -> Signer:
        return Signer(token, context, cache=True)  # asks Fulcio for the certificate now

    [signer] = _parallel(certify, [None], workers=1, timeout=settings.timeout,
                         cancellation=cancellation)
    if isinstance(signer, BaseException):
        raise _service_error(
            signer, f"Sigstore's certificate authority (Fulcio at {fulcio_url}) did not issue a "
            "signing certificate", fulcio=True)

    def sign(dist: Distribution) -> Attestation:
        return Attestation.sign(signer, Subject(name=dist.filename, digest=dist.hashes.sha256))

    results = _parallel(sign, dists, workers=settings.max_parallel, timeout=settings.timeout,
                        cancellation=cancellation)
    signed: dict[str, Attestation] = {}
    for dist, result in zip(dists, results, strict=True):
        if isinstance(result, BaseException):
            raise _service_error(
                result, f"signing {dist.filename} failed: Sigstore's transparency log (Rekor at "
                f"{rekor_url}) did not record the signature", fulcio=False)
        signed[dist.filename] = result
    _write(settings.work_dir, signed, reporter)
    return signed


def _write(work_dir: Path, signed: Mapping[str, Attestation], reporter: Reporter) -> None:
    """`<dist>.publish.attestation` in our own folder: never the user's packages-dir."""
    try:
        work_dir.mkdir(parents=True, exist_ok=True)
        for filename, attestation in signed.items():
            path = work_dir / f"{filename}.publish{_SUFFIX}"
            path.write_text(attestation.model_dump_json(), encoding="utf-8")
            entry = attestation.verification_material.transparency_entries[0]
            reporter.debug(f"attested {filename} → {path} (Rekor log index "
                           f"{entry.get('logIndex', '?')})")
    except OSError as exc:
        raise AttestationError(f"cannot write attestations into {work_dir}",
                               advice="the working folder must be writable") from exc


# -- verification ------------------------------------------------------------------------------


def _verify_all(
    config: ClientTrustConfig,
    identity: Publisher,
    dists: Sequence[Distribution],
    signed: Mapping[str, Attestation],
    extra: Mapping[str, list[Path]],
    index: str,
    reporter: Reporter,
) -> dict[str, str]:
    from sigstore.verify import Verifier

    verifier = Verifier(trusted_root=config.trusted_root)
    failures: list[tuple[str, AttestationError]] = []
    arrays: dict[str, str] = {}
    count = 0
    for dist in dists:
        try:
            sha256 = _sha256(dist.path)
            candidates: list[tuple[str, bytes | Attestation]] = [
                (f"the attestation signed for {dist.filename}", signed[dist.filename])]
            candidates += [(f"{p.name} (from packages-dir)", p.read_bytes())
                           for p in extra.get(dist.filename, [])]
        except OSError as exc:
            raise AttestationError(f"cannot read {exc.filename or dist.path} to verify its "
                                   "attestations", advice="nothing was uploaded") from exc
        objects: list[Any] = []
        seen: dict[str, str] = {}
        for source, attestation in candidates:
            try:
                predicate = verify_attestation(
                    attestation, identity=identity, filename=dist.filename, sha256=sha256,
                    verifier=verifier, index=index, source=source,
                )
            except AttestationError as error:
                failures.append((dist.filename, error))
                continue
            if predicate in seen:
                failures.append((dist.filename, AttestationError(
                    f"{source} and {seen[predicate]} are both {KNOWN_PREDICATES[predicate]} "
                    "attestations; the index accepts one per kind",
                    advice="remove one of them from packages-dir")))
                continue
            seen[predicate] = source
            objects.append(json.loads(attestation) if isinstance(attestation, bytes)
                           else attestation.model_dump(mode="json"))
            count += 1
        arrays[dist.filename] = json.dumps(objects)
    if failures:
        first_name, first = failures[0]
        same = [name for name, e in failures[1:]
                if e.message.replace(name, first_name) == first.message]
        others = [f"{name}: {e.message}" for name, e in failures[1:] if name not in same]
        if same:
            others.insert(0, f"the same for {', '.join(same)}")
        raise AttestationError(
            first.message, details=(*first.details, *others),
            advice=first.advice + "; nothing was uploaded",
        ) from first.__cause__
    reporter.info(f"attestations: {count} verified for {len(dists)} file(s) against the "
                  f"trusted publisher {index} checks them with ({describe(identity)})")
    return arrays


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


class _Recording:
    """Runs a publisher's policy and remembers whether it was the policy that failed."""

    def __init__(self, inner: VerificationPolicy) -> None:
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
    identity: Publisher,
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
        model = (attestation if isinstance(attestation, Attestation)
                 else Attestation.model_validate_json(attestation))
        bundle = model.to_bundle()
    except Exception as exc:
        raise AttestationError(f"{what} is not a valid PEP 740 attestation",
                               advice="remove or regenerate the file") from exc
    if verifier is None:
        if trusted_root is None:
            raise TypeError("pass trusted_root or verifier")
        verifier = Verifier(trusted_root=trusted_root)
    # A private method, but the one place the index's policy for a publisher is defined.
    policy = _Recording(identity._as_policy())
    try:
        payload_type, payload = verifier.verify_dsse(bundle, policy)
    except Exception as exc:
        if policy.failure is not None:
            raise _identity_mismatch(what, identity, model, index) from exc
        raise _signature_failure(what, exc, isinstance(exc, VerificationError)) from exc
    return _check_statement(what, payload_type, payload, filename, sha256)


def _check_statement(what: str, payload_type: str, payload: bytes, filename: str,
                     sha256: str) -> str:
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


def _signature_failure(what: str, exc: BaseException, verification: bool) -> AttestationError:
    text = str(exc)
    if "log entry" in text or "inclusion" in text or "checkpoint" in text:
        return AttestationError(
            f"{what} has a transparency log entry that does not verify",
            advice="the Rekor response was corrupted or the entry altered: retry the job; if it "
            "persists, check status.sigstore.dev",
        )
    if "certificate chain" in text or "SCT" in text:
        return AttestationError(
            f"{what} was not signed with a certificate from the Sigstore instance the index "
            "trusts",
            advice="the index accepts only attestations signed with the public production "
            "Sigstore instance (not staging or a private one): remove or regenerate the file",
        )
    if not verification:
        return AttestationError(f"{what} could not be verified",
                                advice="remove or regenerate the file")
    return AttestationError(f"{what} does not verify: {text}",
                            advice="remove or regenerate the file")


def _cert_claims(model: Attestation) -> dict[str, str]:
    try:
        return model.certificate_claims
    except Exception:  # noqa: BLE001 - diagnosis only: fall back to the generic message
        return {}


def _after(uri: str, prefix: str) -> str:
    return uri[len(prefix):] if uri.startswith(prefix) else uri


def _identity_mismatch(
    what: str, identity: Publisher, model: Attestation, index: str
) -> AttestationError:
    """Say which part of the certificate's identity differs from the trusted publisher."""
    from pypi_attestations import GitHubPublisher, GitLabPublisher

    claims = _cert_claims(model)
    expected = describe(identity)
    advice = (
        "attestations in packages-dir must be signed by the publishing workflow itself: remove "
        "it, or sign it there" if "packages-dir" in what else
        "the 'sigstore' OIDC token and the upload token must come from the same job, the one "
        "registered as the trusted publisher"
    )
    rejected = f"{what} would be rejected by {index}"
    if isinstance(identity, GitHubPublisher):
        issuer, host, repository = GITHUB_ISSUER, "https://github.com/", identity.repository
    elif isinstance(identity, GitLabPublisher):
        issuer, host, repository = GITLAB_ISSUER, "https://gitlab.com/", identity.repository
    else:
        issuer, host, repository = GOOGLE_ISSUER, "", ""
    actual_issuer = claims.get(_OID_ISSUER, "")
    if actual_issuer and actual_issuer != issuer:
        return AttestationError(
            f"{rejected}: it was signed by an identity from {actual_issuer}, but the trusted "
            f"publisher is {expected}", advice=advice)
    if not host:
        return AttestationError(
            f"{rejected}: its certificate is not for {expected} ({_san(model)})", advice=advice)
    repo_uri = claims.get(_OID_SOURCE_REPOSITORY_URI, "")
    if repo_uri and repo_uri != host + repository:
        return AttestationError(
            f"{rejected}: it was signed in repository {_after(repo_uri, host)}, but the trusted "
            f"publisher is repository {repository} ({expected})", advice=advice)
    config = claims.get(_OID_BUILD_CONFIG_URI, "")
    signer = claims.get(_OID_BUILD_SIGNER_URI, "")
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
            advice=_REUSABLE_ADVICE,
        )
    if config:
        workflow = (config_path.rsplit("/", 1)[-1] if isinstance(identity, GitHubPublisher)
                    else config_path.split("//", 1)[-1])
        return AttestationError(
            f"{rejected}: it was signed by workflow {workflow} ({config_path}), but the trusted "
            f"publisher is {expected}", advice=advice)
    return AttestationError(f"{rejected}: its certificate does not match {expected}",
                            advice=advice)


def _san(model: Attestation) -> str:
    from cryptography import x509

    try:
        cert = x509.load_der_x509_certificate(model.verification_material.certificate)
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        return "signed by " + ", ".join(str(v) for v in names.get_values_for_type(
            x509.RFC822Name) + names.get_values_for_type(x509.UniformResourceIdentifier))
    except Exception:  # noqa: BLE001 - diagnosis only
        return "certificate unreadable"
