"""Signing with Sigstore: one certificate from Fulcio, one Rekor v1 entry per file, written to
our own working folder. Sigstore's HTTP sessions have no timeouts of their own, so every call
runs on a daemon thread, bounded by the run's timeout and its cancellation."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from publish_action.attestations.identity import SUFFIX
from publish_action.cancellation import Cancellation
from publish_action.errors import AttestationError

if TYPE_CHECKING:
    from pypi_attestations import Attestation
    from sigstore.models import ClientTrustConfig
    from sigstore.oidc import IdentityToken

    from publish_action.distributions import Distribution
    from publish_action.reporting import Reporter
    from publish_action.settings import Settings


_T = TypeVar("_T")
_R = TypeVar("_R")


class _NoAnswer(Exception):
    pass


def _parallel(
    fn: Callable[[_T], _R],
    items: Sequence[_T],
    *,
    workers: int,
    timeout: float,
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
        return AttestationError(
            f"{what}: no answer in time",
            advice="Sigstore may be slow or down (status.sigstore.dev); "
            "retry the job, or set 'attestations: false'",
        )
    details = _http_details(exc)
    status = details[0].split()[1] if details else ""
    if fulcio and status in ("400", "401", "403"):
        advice = (
            "Fulcio refused the 'sigstore' OIDC token: it must be fresh and come from a "
            "CI identity Fulcio trusts (GitHub Actions, GitLab.com, Google Cloud)"
        )
    else:
        advice = (
            "Sigstore may be down or unreachable from this runner (status.sigstore.dev): "
            "retry the job, or set 'attestations: false' to publish without attestations"
        )
    error = AttestationError(what, details=details, advice=advice)
    error.__cause__ = exc
    return error


def sign_all(
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

    [signer] = _parallel(
        certify, [None], workers=1, timeout=settings.timeout, cancellation=cancellation
    )
    if isinstance(signer, BaseException):
        raise _service_error(
            signer,
            f"Sigstore's certificate authority (Fulcio at {fulcio_url}) did not issue a "
            "signing certificate",
            fulcio=True,
        )

    def sign(dist: Distribution) -> Attestation:
        return Attestation.sign(signer, Subject(name=dist.filename, digest=dist.hashes.sha256))

    results = _parallel(
        sign,
        dists,
        workers=settings.max_parallel,
        timeout=settings.timeout,
        cancellation=cancellation,
    )
    signed: dict[str, Attestation] = {}
    for dist, result in zip(dists, results, strict=True):
        if isinstance(result, BaseException):
            raise _service_error(
                result,
                f"signing {dist.filename} failed: Sigstore's transparency log (Rekor at "
                f"{rekor_url}) did not record the signature",
                fulcio=False,
            )
        signed[dist.filename] = result
    _write(settings.work_dir, signed, reporter)
    return signed


def _write(work_dir: Path, signed: Mapping[str, Attestation], reporter: Reporter) -> None:
    """`<dist>.publish.attestation` in our own folder: never the user's packages-dir."""
    try:
        work_dir.mkdir(parents=True, exist_ok=True)
        for filename, attestation in signed.items():
            path = work_dir / f"{filename}.publish{SUFFIX}"
            path.write_text(attestation.model_dump_json(), encoding="utf-8")
            entry = attestation.verification_material.transparency_entries[0]
            reporter.debug(
                f"attested {filename} → {path} (Rekor log index {entry.get('logIndex', '?')})"
            )
    except OSError as exc:
        raise AttestationError(
            f"cannot write attestations into {work_dir}",
            advice="the working folder must be writable",
        ) from exc
