"""Sending one distribution through the legacy upload API, and deciding what became of it.

Streamed, retried, never fail-open: when an upload's fate is unclear (refused as existing, a
lost answer after the retries), the index is read again: identical there now means an earlier
attempt or another job stored it; different is a mismatch. The server's text alone never
decides that a file "already exists".
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING

from publish_action.cancellation import Stopped
from publish_action.credentials import with_renewal
from publish_action.errors import (
    DistributionError,
    IndexError_,
    MismatchError,
    PublishError,
    RunStopped,
    rerun_note,
)
from publish_action.net import (
    TRANSIENT_STATUSES,
    Answer,
    NetError,
    index_error,
    retry_after,
    same_origin,
)
from publish_action.plan import Action, Step
from publish_action.redaction import display_url
from publish_action.reporting.results import FileOutcome, Status
from publish_action.upload.form import form_fields
from publish_action.upload.multipart import ContentChanged, MultipartBody
from publish_action.upload.refusal import refusal

if TYPE_CHECKING:
    from publish_action.credentials import CredentialSource
    from publish_action.distributions import Distribution
    from publish_action.net import Net
    from publish_action.reporting import Reporter
    from publish_action.settings import Credentials
    from publish_action.simple_index import IndexClient
    from publish_action.targets import IndexProfile

_ANSWER_LIMIT = 1024 * 1024  # an upload's answer is a message; more is cut off


@dataclass(frozen=True)
class UploadResult:
    outcome: FileOutcome
    error: PublishError | None = None


class Flight:
    """One upload in progress: what the progress lines show."""

    def __init__(self, filename: str, total: int) -> None:
        self.filename = filename
        self.total = total
        self.sent = 0
        self.start = time.monotonic()
        self.retried = False  # an earlier attempt may have been stored with its answer lost
        self.whole = False  # the last attempt's body went out whole (the index may have it)
        # Done once the body is out (the answer still to come): the batch starts the next
        # large file then.
        self.body_out: Future[None] = Future()

    def progress(self, sent: int) -> None:
        self.sent = sent
        if sent >= self.total and not self.body_out.done():
            self.body_out.set_result(None)


class Uploader:
    """Uploads to one endpoint; thread-safe (one `upload` per file, several at once)."""

    def __init__(
        self,
        net: Net,
        *,
        repository_url: str,
        profile: IndexProfile,
        credentials: CredentialSource,
        index: IndexClient | None,
        reporter: Reporter,
        attestations: Mapping[str, str] | None = None,
        settle_time: float = 0.0,
    ) -> None:
        self._net = net
        self._url = repository_url
        self._profile = profile
        self._credentials = credentials
        self._index = index
        self._reporter = reporter
        self._attestations = attestations or {}
        # An asynchronous index (Pulp) refuses a duplicate before it lists the first copy:
        # its page is read again for this long before "not there" is believed.
        self._settle = settle_time if profile.facts.asynchronous else 0.0
        self._flights: dict[str, Flight] = {}
        self._lock = threading.Lock()

    def flights(self) -> list[Flight]:
        with self._lock:
            return list(self._flights.values())

    def upload(self, step: Step) -> UploadResult:
        """The file's outcome; a failure is the outcome's error, never raised (but a bug)."""
        start = time.monotonic()
        flight = Flight(step.dist.filename, step.dist.size)
        with self._lock:
            self._flights[flight.filename] = flight
        try:
            return self._upload(step, flight)
        except PublishError as error:
            status = Status.MISMATCH if isinstance(error, MismatchError) else Status.FAILED
            outcome = FileOutcome.of(step.dist, status, time.monotonic() - start, error.message)
            return UploadResult(outcome, error)
        except Stopped as stopped:
            return _interrupted(step, flight, stopped)
        finally:
            with self._lock:
                self._flights.pop(flight.filename, None)

    def _upload(self, step: Step, flight: Flight) -> UploadResult:
        dist = step.dist
        try:
            answer = self._post_following_redirects(dist, flight)
        except ContentChanged as changed:
            raise DistributionError(
                f"{changed.path} changed after it was checked ({changed.what}); the upload was "
                "cut off before its end, so the index did not store it",
                advice="something rewrote packages-dir during the run (a second build?); "
                f"rebuild once and re-run ({rerun_note(self._index is not None)})",
            ) from None
        except OSError as exc:  # the file vanished after it was inspected
            raise DistributionError(
                f"{dist.path} could not be read while uploading it ({exc.strerror or exc})",
                advice="something changed packages-dir during the run; rebuild and re-run "
                f"({rerun_note(self._index is not None)})",
            ) from exc
        except NetError as exc:
            return self._after_unknown_fate(step, flight, exc)
        seconds = time.monotonic() - flight.start
        if 200 <= answer.status < 300:
            return UploadResult(FileOutcome.of(dist, Status.UPLOADED, seconds))
        message = answer.message()
        self._reporter.debug(f"{dist.filename}: the index answered HTTP {answer.status}: {message}")
        # 403 too: some indexes (Artifactory) answer it for "exists, may not overwrite".
        if answer.status in (400, 403, 409) and self._index is not None:
            recheck = self._recheck(
                step, seconds, ours=flight.retried, answer=f"HTTP {answer.status}: {message}"
            )
            if recheck is not None:
                return recheck
        if answer.status in TRANSIENT_STATUSES:
            # The index may have stored the file before failing to answer: that was ours.
            return self._after_unknown_fate(
                step, flight, None, message=f"HTTP {answer.status}: {message}"
            )
        raise refusal(
            dist,
            answer.status,
            message,
            where=display_url(self._url),
            facts=self._profile.facts,
            sent=self._credentials.describe(),
            checks=self._index is not None,
        )

    def _post_following_redirects(self, dist: Distribution, flight: Flight) -> Answer:
        url = self._url
        for _ in range(3):
            answer = self._post(url, dist, flight)
            if not answer.is_redirect:
                return answer
            target = answer.location
            if answer.status in (307, 308) and same_origin(url, target):
                self._reporter.warning(
                    f"the index redirected the upload from {display_url(url)} to "
                    f"{display_url(target)}; re-sent there. Set 'repository-url' to "
                    f"{display_url(target)} to avoid the detour"
                )
                url = target
                continue
            raise IndexError_(
                f"the index answered the upload of {dist.filename} with a redirect "
                f"(HTTP {answer.status}) to {display_url(target)}; not followed",
                advice=(
                    f"set 'repository-url' to the upload endpoint itself (perhaps "
                    f"{display_url(target)}); credentials are never sent to another "
                    "origin and an upload is never silently re-sent"
                    if not same_origin(url, target)
                    else f"set 'repository-url' to {display_url(target)}"
                ),
            )
        raise IndexError_(f"too many redirects uploading {dist.filename}")

    def _post(self, url: str, dist: Distribution, flight: Flight) -> Answer:
        fields = form_fields(dist, self._attestations.get(dist.filename))

        def send(credentials: Credentials | None) -> Answer:
            body = MultipartBody(
                fields,
                file_field="content",
                path=dist.path,
                size=dist.size,
                sha256=dist.hashes.sha256,
                progress=flight.progress,
            )
            headers = {"Content-Type": body.content_type, "Content-Length": str(body.length)}
            auth = (credentials.username, credentials.password) if credentials else None
            try:
                return self._net.fetch(
                    "POST",
                    url,
                    limit=_ANSWER_LIMIT,
                    truncate=True,
                    headers=headers,
                    auth=auth,
                    content=body,
                    what=dist.filename,
                )
            finally:
                flight.whole = body.complete

        def attempt() -> Answer:
            answer, renewed = with_renewal(
                self._credentials, send, lambda a: a.status in (401, 403)
            )
            if renewed:
                self._reporter.debug(
                    f"POST {dist.filename}: refused, sent again with renewed credentials"
                )
            return answer

        def on_retry(why: str, delay: float) -> None:
            flight.retried = True
            self._reporter.warning(
                f"upload interrupted ({why}); retrying in {delay:.1f} s", filename=dist.filename
            )

        return self._net.retrying(
            url,
            attempt,
            answer_of=lambda a: a,
            transient=_transient,
            on_retry=on_retry,
            kind="upload",
        )

    def _recheck(
        self, step: Step, seconds: float, *, ours: bool, answer: str = ""
    ) -> UploadResult | None:
        """Read the index again after an unclear answer; None when the file is not there."""
        assert self._index is not None
        dist = step.dist
        remote = self._index.project(dist.project, phase="upload").find(dist.filename)
        until, delay = time.monotonic() + self._settle, 0.5
        while remote is None and time.monotonic() + delay <= until:
            self._net.sleep(delay)
            remote = self._index.project(dist.project, phase="upload").find(dist.filename)
            delay = min(delay * 2, 4.0)
        if remote is None:
            return None
        comparison = self._index.compare(remote, dist, phase="upload")
        if comparison.identical:
            note = (
                "stored by an earlier attempt whose answer was lost"
                if ours
                else "already on the index: it appeared after the check (another job won the race)"
            )
            status = Status.UPLOADED if ours else Status.SKIPPED_IDENTICAL
            return UploadResult(FileOutcome.of(dist, status, seconds, note))
        hashes = f"local {comparison.algorithm}={comparison.local}, index {comparison.remote_label}"
        if step.action is Action.OVERWRITE:
            error = MismatchError(
                f"the index refused to replace {dist.filename}"
                + (f" ({answer})" if answer else ""),
                details=(hashes,),
                advice="this index does not allow overwriting files (devpi: only volatile "
                "indexes; pypiserver: only with --overwrite); publish a new version instead",
            )
        else:
            error = MismatchError(
                f"{dist.filename} appeared on the index during the run with different content",
                details=(hashes,),
                advice="another build published this version concurrently; the release mixes "
                "two builds — publish a new version",
            )
        outcome = FileOutcome.of(
            dist, Status.MISMATCH, seconds, error.message, comparison.remote_label
        )
        return UploadResult(outcome, error)

    def _after_unknown_fate(
        self, step: Step, flight: Flight, exc: NetError | None, *, message: str = ""
    ) -> UploadResult:
        """The retries are spent: read the index to decide (an upload stored but unanswered
        was ours)."""
        seconds = time.monotonic() - flight.start
        if self._index is not None:
            recheck = self._recheck(step, seconds, ours=True)
            if recheck is not None:
                return recheck
        what = f"sending {step.dist.filename} to {display_url(self._url)}"
        if exc is not None:
            error = index_error("upload", exc, what=what, checked=self._index is not None)
        else:
            error = IndexError_(
                f"upload: {what}: no success after {self._net.settings.retries + 1} attempts "
                f"({message})",
                advice="the index may be down or overloaded; re-run the job: "
                + rerun_note(self._index is not None),
            )
        return UploadResult(FileOutcome.of(step.dist, Status.FAILED, seconds, error.message), error)


def _transient(answer: Answer) -> float | None:
    if answer.status in TRANSIENT_STATUSES:
        return retry_after(answer.headers, 1.0)
    return None


def _interrupted(step: Step, flight: Flight, stopped: Stopped) -> UploadResult:
    if flight.whole:
        note = (
            "the run was stopped while waiting for the index's answer: the file may be on "
            "the index; a re-run checks and skips it if so"
        )
    else:
        note = (
            "the run was stopped while sending it: the upload was cut off before its end, "
            "so the index did not store it"
        )
    outcome = FileOutcome.of(step.dist, Status.INTERRUPTED, time.monotonic() - flight.start, note)
    return UploadResult(
        outcome, RunStopped(stopped.reason, f"the run stopped: {stopped.reason.value}")
    )
