"""Uploads through the legacy upload API: streamed, retried, in parallel, never fail-open.

When an upload's fate is unclear (refused as existing, dropped connection after retries), the
index is read again: identical there now means another job won the race; different is a
mismatch. The server's text alone never decides that a file "already exists".
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from publish_action.errors import (
    AuthError,
    DistributionError,
    IndexError_,
    MismatchError,
    PublishError,
    RunStopped,
)
from publish_action.multipart import ContentChanged, MultipartBody
from publish_action.net import (
    TRANSIENT_STATUSES,
    Answer,
    NetError,
    Stopped,
    index_error,
    retry_after,
    same_origin,
)
from publish_action.plan import Action, Step
from publish_action.redaction import display_url
from publish_action.report import FileOutcome, Status

if TYPE_CHECKING:
    from publish_action.cancellation import Cancellation
    from publish_action.credentials import CredentialSource
    from publish_action.distributions import Distribution
    from publish_action.indexes import IndexProfile
    from publish_action.net import Net
    from publish_action.report import Reporter
    from publish_action.simple_index import IndexClient

# RawMetadata key → legacy upload form field, as twine and uv send them.
_FORM_NAMES = {
    "platforms": "platform",
    "supported_platforms": "supported_platform",
    "license_files": "license_file",
}
_PROGRESS_EVERY = 10.0
LARGE_FILE = 16 * 1024 * 1024
_ANSWER_LIMIT = 1024 * 1024  # an upload's answer is a message; more is cut off

AfterProject = Callable[[Sequence["Distribution"]], object]


def form_fields(dist: Distribution, attestations: str | None) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = [
        (":action", "file_upload"),
        ("protocol_version", "1"),
        ("filetype", dist.filetype),
        ("pyversion", dist.pyversion),
        ("sha256_digest", dist.hashes.sha256),
        ("blake2_256_digest", dist.hashes.blake2b_256),
        ("md5_digest", dist.hashes.md5),
    ]
    for key, value in dist.metadata.items():
        name = _FORM_NAMES.get(key, key)
        if isinstance(value, str):
            fields.append((name, value))
        elif isinstance(value, dict):
            fields.extend((name, f"{label}, {url}") for label, url in value.items())
        elif isinstance(value, list) and key == "keywords":
            fields.append((name, ", ".join(value)))
        elif isinstance(value, list):
            fields.extend((name, str(item)) for item in value)
    if attestations is not None:
        fields.append(("attestations", attestations))
    return fields


@dataclass(frozen=True)
class UploadResult:
    outcome: FileOutcome
    error: PublishError | None = None


class _InFlight:
    def __init__(self, filename: str, total: int) -> None:
        self.filename = filename
        self.total = total
        self.sent = 0
        self.start = time.monotonic()
        self.retried = False  # an earlier attempt may have been stored with its answer lost


class Uploader:
    def __init__(
        self,
        net: Net,
        *,
        repository_url: str,
        profile: IndexProfile,
        credentials: CredentialSource,
        index: IndexClient | None,
        reporter: Reporter,
        max_parallel: int,
        attestations: Mapping[str, str] | None = None,
        cancellation: Cancellation | None = None,
    ) -> None:
        self._net = net
        self._cancellation = cancellation
        self._url = repository_url
        self._profile = profile
        self._credentials = credentials
        self._index = index
        self._reporter = reporter
        self._retries = net.settings.retries
        self._max_parallel = max_parallel
        self._attestations = attestations or {}
        self._in_flight: dict[str, _InFlight] = {}
        self._sent_whole: dict[str, bool] = {}  # per file: did its last body go out whole
        self._large_slot = threading.Semaphore(1)
        self._lock = threading.Lock()
        self._stop = threading.Event()

    # -- orchestration ---------------------------------------------------------------------

    def upload_all(
        self, steps: Sequence[Step], *, after_project: AfterProject | None = None
    ) -> list[UploadResult]:
        """Upload in parallel; a project new to the index gets its first file alone.

        `after_project(dists)` runs in the pool as soon as every file of a project is
        uploaded (the confirmation read), overlapping with other projects' uploads; its
        exceptions are the caller's to handle. All bookkeeping happens in this thread.
        """
        leaders, followers = _leaders(steps)
        results: dict[str, UploadResult] = {}
        pending = Counter(step.dist.project for step in steps)
        monitor = threading.Thread(target=self._monitor, daemon=True)
        monitor.start()
        try:
            with ThreadPoolExecutor(max_workers=self._max_parallel) as pool:
                uploads = {pool.submit(self._guarded, step): step for step in leaders}
                extras: set[Future[object]] = set()
                while uploads or extras:
                    running: list[Future[Any]] = [*uploads, *extras]
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        if future in extras:
                            extras.discard(future)
                            future.result()  # only a bug raises here
                            continue
                        step = uploads.pop(future)
                        result = future.result()  # only a bug raises here
                        assert isinstance(result, UploadResult)
                        results[step.dist.filename] = result
                        self._reporter.file_done(result.outcome)
                        for follower in followers.pop(step.dist.filename, []):
                            uploads[pool.submit(self._guarded, follower)] = follower
                        pending[step.dist.project] -= 1
                        if pending[step.dist.project] == 0 and after_project is not None:
                            done = [s.dist for s in steps if s.dist.project == step.dist.project
                                    and results[s.dist.filename].outcome.status
                                    is Status.UPLOADED]
                            if done and not self._stop.is_set():
                                extras.add(pool.submit(after_project, done))
        finally:
            self._stop.set()
        return [results[s.dist.filename] for s in steps]

    def _guarded(self, step: Step) -> UploadResult:
        """Upload one file; the first failure stops files not yet started (set here, in the
        worker, so that even a single worker never starts the next one)."""
        if self._cancellation is not None and self._cancellation.is_set():
            self._stop.set()
            return UploadResult(file_outcome(step.dist, Status.NOT_ATTEMPTED, 0.0,
                                             "not sent: the run was stopped"))
        if self._stop.is_set():
            return UploadResult(file_outcome(step.dist, Status.NOT_ATTEMPTED, 0.0, "an earlier "
                                             "file failed, so this one was not sent"))
        result = self._upload_or_error(step)
        if result.error is not None:
            self._stop.set()
        return result

    def _upload_or_error(self, step: Step) -> UploadResult:
        start = time.monotonic()
        step.dist.hashes  # noqa: B018 - hashed here, outside the large-file slot, in parallel
        # Large files go one at a time: the index's CPU and disk are the limit for them, and
        # several at once measurably slow pypiserver and devpi down (see bench/results).
        slot = self._large_slot if step.dist.size >= LARGE_FILE else contextlib.nullcontext()
        try:
            with slot:
                return self.upload_one(step)
        except PublishError as error:
            status = Status.MISMATCH if isinstance(error, MismatchError) else Status.FAILED
            outcome = file_outcome(step.dist, status, time.monotonic() - start, error.message)
            return UploadResult(outcome, error)
        except Stopped as stopped:
            return self._interrupted(step, start, stopped)

    def _monitor(self) -> None:
        while not self._stop.wait(_PROGRESS_EVERY):
            with self._lock:
                flights = list(self._in_flight.values())
            now = time.monotonic()
            for flight in flights:
                if now - flight.start >= _PROGRESS_EVERY:
                    self._reporter.in_flight(flight.filename, flight.sent, flight.total,
                                             now - flight.start)

    # -- one file ----------------------------------------------------------------------------

    def upload_one(self, step: Step) -> UploadResult:
        dist = step.dist
        start = time.monotonic()
        flight = _InFlight(dist.filename, dist.size)
        with self._lock:
            self._in_flight[dist.filename] = flight
        try:
            answer = self._post_following_redirects(dist, flight)
        except ContentChanged as changed:
            raise DistributionError(
                f"{changed.path} changed after it was checked ({changed.what}); the upload was "
                "cut off before its end, so the index did not store it",
                advice="something rewrote packages-dir during the run (a second build?); "
                "rebuild once and re-run (files already uploaded are skipped)",
            ) from None
        except OSError as exc:  # the file vanished after it was inspected
            raise DistributionError(
                f"{dist.path} could not be read while uploading it ({exc.strerror or exc})",
                advice="something changed packages-dir during the run; rebuild and re-run "
                "(files already uploaded are skipped)",
            ) from exc
        except NetError as exc:
            return self._after_unknown_fate(step, start, exc, ours=True)
        finally:
            with self._lock:
                self._in_flight.pop(dist.filename, None)
        seconds = time.monotonic() - start
        status = answer.status
        if 200 <= status < 300:
            return UploadResult(file_outcome(dist, Status.UPLOADED, seconds))
        message = answer.message()
        self._reporter.debug(f"POST {dist.filename} → {status} {message}")
        # 403 too: some indexes (Artifactory) answer it for "exists, may not overwrite".
        if status in (400, 403, 409) and self._index is not None:
            recheck = self._recheck(step, seconds, ours=flight.retried,
                                    answer=f"HTTP {status}: {message}")
            if recheck is not None:
                return recheck
        if status in TRANSIENT_STATUSES:
            # The index may have stored the file before failing to answer: that was ours.
            return self._after_unknown_fate(step, start, None, ours=True,
                                            message=f"HTTP {status}: {message}")
        raise self._refusal(dist, status, message)

    def _interrupted(self, step: Step, start: float, stopped: Stopped) -> UploadResult:
        flight_done = self._sent_whole.get(step.dist.filename, False)
        if flight_done:
            note = ("the run was stopped while waiting for the index's answer: the file may "
                    "be on the index; a re-run checks and skips it if so")
        else:
            note = ("the run was stopped while sending it: the upload was cut off before its "
                    "end, so the index did not store it")
        outcome = file_outcome(step.dist, Status.INTERRUPTED, time.monotonic() - start, note)
        return UploadResult(outcome, RunStopped(stopped.reason, f"the run stopped: "
                                                               f"{stopped.reason.value}"))

    def _post_following_redirects(self, dist: Distribution, flight: _InFlight) -> Answer:
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
                    f"set 'repository-url' to the upload endpoint itself "
                    f"(perhaps {display_url(target)}); credentials are never sent to "
                    "another origin and an upload is never silently re-sent"
                    if not same_origin(url, target)
                    else f"set 'repository-url' to {display_url(target)}"
                ),
            )
        raise IndexError_(f"too many redirects uploading {dist.filename}")

    def _post(self, url: str, dist: Distribution, flight: _InFlight) -> Answer:
        renewed = [False]
        fields = form_fields(dist, self._attestations.get(dist.filename))

        def attempt() -> Answer:
            credentials = self._credentials.current()
            body = MultipartBody(fields, file_field="content", path=dist.path, size=dist.size,
                                 sha256=dist.hashes.sha256,
                                 progress=lambda sent: setattr(flight, "sent", sent))
            headers = {"Content-Type": body.content_type, "Content-Length": str(body.length)}
            auth = (credentials.username, credentials.password) if credentials else None
            try:
                answer = self._net.fetch("POST", url, limit=_ANSWER_LIMIT, truncate=True,
                                         headers=headers, auth=auth, content=body)
            finally:
                self._sent_whole[dist.filename] = body.complete
            if answer.status in (401, 403) and not renewed[0] and credentials:
                renewed[0] = True
                fresh = self._credentials.renew()
                if fresh is not None and fresh != credentials:
                    self._reporter.debug(f"POST {dist.filename} → {answer.status}; "
                                         "renewed credentials, retrying")
                    return attempt()
            return answer

        def transient(answer: Answer) -> float | None:
            if answer.status in TRANSIENT_STATUSES:
                return retry_after(answer.headers, 1.0)
            return None

        def on_retry(why: str, delay: float) -> None:
            flight.retried = True
            self._reporter.warning(f"upload interrupted ({why}); retrying in {delay:.1f} s",
                                   filename=dist.filename)

        return self._net.retrying(url, attempt, answer_of=lambda a: a, transient=transient,
                                  on_retry=on_retry, kind="upload")

    def _recheck(
        self, step: Step, seconds: float, *, ours: bool, answer: str = ""
    ) -> UploadResult | None:
        """Read the index again after an unclear answer; None when the file is not there."""
        assert self._index is not None
        dist = step.dist
        page = self._index.project(dist.project, phase="upload")
        remote = page.find(dist.filename)
        if remote is None:
            return None
        comparison = self._index.compare(remote, dist, phase="upload")
        if comparison.identical and ours:
            note = "stored by an earlier attempt whose answer was lost"
            return UploadResult(file_outcome(dist, Status.UPLOADED, seconds, note))
        if comparison.identical:
            note = "already on the index: it appeared after the check (another job won the race)"
            return UploadResult(file_outcome(dist, Status.SKIPPED_IDENTICAL, seconds, note))
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
        outcome = file_outcome(
            dist, Status.MISMATCH, seconds, error.message, comparison.remote_label
        )
        return UploadResult(outcome, error)

    def _after_unknown_fate(
        self, step: Step, start: float, exc: NetError | None, *, ours: bool,
        message: str = "",
    ) -> UploadResult:
        seconds = time.monotonic() - start
        if self._index is not None:
            recheck = self._recheck(step, seconds, ours=ours)
            if recheck is not None:
                return recheck
        what = f"sending {step.dist.filename} to {display_url(self._url)}"
        if exc is not None:
            error = index_error("upload", exc, what=what)
        else:
            error = IndexError_(
                f"upload: {what}: no success after {self._retries + 1} attempts ({message})",
                advice="the index may be down or overloaded; re-run the job: files already "
                "uploaded are skipped",
            )
        outcome = file_outcome(step.dist, Status.FAILED, seconds, error.message)
        return UploadResult(outcome, error)

    def _refusal(self, dist: Distribution, status: int, message: str) -> PublishError:
        where = display_url(self._url)
        if status in (401, 403):
            return AuthError(
                f"{where} refused the upload of {dist.filename}: HTTP {status} ({message})",
                advice=f"{self._profile.kind.value}: {self._profile.auth_hint}"
                + ("; HTTP 403 can also mean the account may not upload to this project"
                   if status == 403 else ""),
            )
        advice = {
            405: "'repository-url' looks like a read-only (simple index) URL; use the upload "
            "endpoint",
            413: "the file is larger than the index accepts; on PyPI, ask for a file size "
            "limit increase (https://pypi.org/help/#file-size-limit)",
        }.get(status, "the index's message above says why; fix the distribution or the "
              "index settings and re-run (files already uploaded are skipped)")
        return IndexError_(
            f"{where} refused {dist.filename}: HTTP {status} ({message})", advice=advice
        )


def _leaders(steps: Sequence[Step]) -> tuple[list[Step], dict[str, list[Step]]]:
    """The first (smallest) file of each project new to the index goes alone."""
    leaders: list[Step] = []
    followers: dict[str, list[Step]] = {}
    by_project: dict[str, list[Step]] = {}
    for step in steps:
        if step.project_is_new:
            by_project.setdefault(step.dist.project, []).append(step)
        else:
            leaders.append(step)
    for group in by_project.values():
        group.sort(key=lambda s: s.dist.size)
        leaders.append(group[0])
        followers[group[0].dist.filename] = group[1:]
    order = {s.dist.filename: i for i, s in enumerate(steps)}
    leaders.sort(key=lambda s: order[s.dist.filename])
    return leaders, followers


def file_outcome(
    dist: Distribution, status: Status, seconds: float = 0.0, message: str = "",
    remote: str = "",
) -> FileOutcome:
    """The reported outcome of one distribution."""
    return FileOutcome(
        filename=dist.filename,
        project=dist.project,
        version=str(dist.version),
        size=dist.size,
        status=status,
        hashes=dist.hashes,
        seconds=seconds,
        message=message,
        remote_hash=remote,
    )

