"""The pipeline: distributions → plan against the index → credentials → attestations → upload
→ confirm. Every problem is found as early as possible, and before the first upload when it can be.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from publish_action import __version__
from publish_action.cancellation import Cancellation, Reason
from publish_action.confirm import Missing, check_listed, confirm, missing_error
from publish_action.credentials import CredentialSource, StaticCredentials
from publish_action.distributions import Distribution, discover, inspect
from publish_action.errors import ExitCode, InternalError, PublishError, RunStopped
from publish_action.net import Net, NetSettings, Stopped, same_origin
from publish_action.plan import Action, Plan, Step, make_plan, mismatch_error
from publish_action.redaction import Redactor, display_url
from publish_action.report import FileOutcome, Reporter, RunResult, Status, human_size
from publish_action.settings import Attestations, Settings, TrustedPublishing
from publish_action.simple_index import Comparison, IndexClient, RemoteFile
from publish_action.upload import Uploader
from publish_action.upload import file_outcome as _outcome

if TYPE_CHECKING:
    from publish_action.trusted_publishing import TrustedPublisher

_PLAN_STATUS = {
    Action.SKIP_IDENTICAL: Status.SKIPPED_IDENTICAL,
    Action.SKIP_EXISTING: Status.SKIPPED_EXISTING,
    Action.MISMATCH: Status.MISMATCH,
    Action.PRESENT: Status.MISMATCH,
}


@dataclass
class _Run:
    settings: Settings
    reporter: Reporter
    cancellation: Cancellation = field(default_factory=Cancellation)
    started: float = field(default_factory=time.monotonic)
    outcomes: dict[str, FileOutcome] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    dists: tuple[Distribution, ...] = ()

    def record(self, outcome: FileOutcome, *, announce: bool = True) -> None:
        self.outcomes[outcome.filename] = outcome
        if announce:
            self.reporter.file_done(outcome)

    def lap(self, name: str, since: float) -> float:
        now = time.monotonic()
        self.timings[name] = now - since
        return now

    def result(self, error: PublishError | None) -> RunResult:
        return RunResult(
            outcomes=tuple(self.outcomes.values()),
            exit_code=int(error.exit_code) if error else int(ExitCode.OK),
            seconds=time.monotonic() - self.started,
            dry_run=self.settings.dry_run,
            error=error,
            repository_url=display_url(self.settings.repository_url),
            timings=dict(self.timings),
        )


def publish(
    settings: Settings,
    reporter: Reporter,
    *,
    environ: Mapping[str, str],
    redactor: Redactor,
    trust_config: object | None = None,
    cancellation: Cancellation | None = None,
) -> RunResult:
    """Run the whole job; every failure comes back as `RunResult.error`, never raised, with
    the record of what happened to each file kept (a bug included)."""
    run = _Run(settings, reporter, cancellation or Cancellation())
    try:
        with _deadline(run):
            _pipeline(run, environ=environ, redactor=redactor, trust_config=trust_config)
    except PublishError as error:
        _not_attempted(run, "not sent: the run was stopped" if isinstance(error, RunStopped)
                       else "not sent: the run stopped before uploading it")
        return run.result(_with_stop_details(run, error))
    except Stopped as stopped:
        return run.result(_stopped(run, stopped.reason))
    except Exception as exc:  # noqa: BLE001 - a bug: keep the record, say so, exit 1
        bug = InternalError(
            f"unexpected internal error: {type(exc).__name__}: {exc}",
            advice="this is a bug in publish-action; please report it with the output above",
            traceback=traceback.format_exc(),
        )
        return run.result(bug)
    return run.result(None)


@contextmanager
def _deadline(run: _Run) -> Iterator[None]:
    timer = threading.Timer(run.settings.deadline, run.cancellation.request,
                            args=(Reason.DEADLINE,))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def _not_attempted(run: _Run, why: str) -> None:
    """Every file the run had not decided about yet: the report lists them all."""
    for dist in run.dists:
        if dist.filename not in run.outcomes:
            run.record(_outcome(dist, Status.NOT_ATTEMPTED, message=why))


def _stopped(run: _Run, reason: Reason) -> PublishError:
    _not_attempted(run, "not sent: the run was stopped")
    return _with_stop_details(run, RunStopped(reason, f"the run stopped: {reason.value}"))


def _with_stop_details(run: _Run, error: PublishError) -> PublishError:
    """A stopped run says what is on the index now and what is not."""
    if not isinstance(error, RunStopped):
        return error
    message = error.message
    if error.reason is Reason.DEADLINE:
        message = (f"the run passed its deadline ({run.settings.deadline:g} s, input "
                   "'deadline') and was stopped")
    groups = (
        ("uploaded before the stop", (Status.UPLOADED,)),
        ("already on the index", (Status.SKIPPED_IDENTICAL, Status.SKIPPED_EXISTING)),
        ("cut off mid-upload (see each file's line)", (Status.INTERRUPTED,)),
        ("not uploaded", (Status.NOT_ATTEMPTED, Status.WOULD_UPLOAD)),
    )
    details = []
    for label, statuses in groups:
        names = [o.filename for o in run.outcomes.values() if o.status in statuses]
        if names:
            details.append(f"{label}: {', '.join(names)}")
    return RunStopped(error.reason, message, details=tuple(details) or ("nothing was uploaded",),
                      advice="re-run the job: files already on the index are checked and "
                      "skipped")


def _pipeline(
    run: _Run, *, environ: Mapping[str, str], redactor: Redactor, trust_config: object | None
) -> None:
    settings, reporter = run.settings, run.reporter
    reporter.info(
        f"publish-action {__version__} → {display_url(settings.repository_url)} "
        f"({settings.index.kind.value})"
    )
    reporter.info(settings.index_url_note)
    since = time.monotonic()
    dists = _distributions(settings, reporter)
    run.dists = dists
    since = run.lap("inspect", since)
    net_settings = NetSettings(timeout=settings.timeout, retries=settings.retries,
                               ca_bundle=settings.ca_bundle, pool=settings.max_parallel + 4,
                               deadline=run.started + settings.deadline)
    with Net(net_settings, environ=environ, cancellation=run.cancellation) as net:
        reporter.debug(f"TLS: trusting {net.trust.source}")
        index = _index_client(settings, reporter, net)
        try:
            plan = _plan(run, dists, index)
        except PublishError as refused:
            refused.details = (*refused.details, "nothing was uploaded")
            raise
        since = run.lap("check", since)
        mismatch = mismatch_error(plan, display_url(settings.index_url or ""))
        if mismatch is not None:
            for step in plan.uploads:
                run.record(_outcome(step.dist, Status.NOT_ATTEMPTED,
                                    message="not sent: the run stopped on a mismatch"))
            raise mismatch
        if not plan.uploads:
            reporter.info("nothing to upload: every file is already on the index")
            return
        # A dry run gets its credentials too (minting a token proves trusted publishing
        # works), but signs nothing: a signature would be logged publicly for good.
        credentials, publisher = _credentials(settings, reporter, net, dists, environ, redactor)
        since = run.lap("credentials", since)
        if settings.dry_run:
            for step in plan.uploads:
                run.record(_outcome(step.dist, Status.WOULD_UPLOAD, message=_why_upload(step)))
            return
        attestations = _attestations(settings, reporter, plan.uploads, publisher, environ,
                                     trust_config, redactor, run.cancellation)
        since = run.lap("attestations", since)
        _raise_if_stopped(run)
        first_reads = _upload(run, net, index, plan, credentials, attestations)
        since = run.lap("upload", since)
        _confirm(run, index, plan, first_reads)
        run.lap("confirm", since)


def _raise_if_stopped(run: _Run) -> None:
    stop = run.cancellation.stop
    if stop is not None:
        raise Stopped(stop.reason)


def _distributions(settings: Settings, reporter: Reporter) -> tuple[Distribution, ...]:
    discovery = discover(settings.packages_dir)
    for path in discovery.ignored:
        reporter.debug(f"ignoring {path.name} (not a wheel or sdist)")
    dists = inspect(discovery.distributions, verify=settings.verify_metadata)
    reporter.info(f"found {len(dists)} distribution(s) in {settings.packages_dir}")
    for dist in dists:
        reporter.info(f"  {dist.filename} ({human_size(dist.size)})")
    return dists


def _index_client(settings: Settings, reporter: Reporter, net: Net) -> IndexClient | None:
    if settings.index_url is None:
        return None
    # Upload credentials go to the check URL only when it is the upload URL's own host.
    credentials = settings.check_credentials
    if not settings.check_credentials_explicit:
        same_host = same_origin(settings.index_url, settings.repository_url)
        credentials = settings.upload_credentials if same_host else None
    return IndexClient.for_profile(net, settings.index_url, reporter, credentials=credentials,
                                   profile=settings.index)


def _plan(run: _Run, dists: Sequence[Distribution], index: IndexClient | None) -> Plan:
    settings, reporter = run.settings, run.reporter
    projects = sorted({d.project for d in dists})
    pages = index.projects(projects, workers=settings.max_parallel) if index else None
    plan = make_plan(dists, pages, settings.on_existing, index.compare if index else _no_compare)
    uploads = len(plan.uploads)
    present = sum(1 for s in plan.steps if s.comparison is not None)
    reporter.info(
        f"checked {len(projects)} project(s): {uploads} file(s) to upload, {present} "
        "already on the index" if index else f"{uploads} file(s) to upload (no index check)"
    )
    for step in plan.steps:
        status = _PLAN_STATUS.get(step.action)
        if step.action is Action.SKIP_EXISTING:
            reporter.warning(
                "same name but different content on the index; skipped because "
                f"on-existing is 'skip' (index {_remote(step)})",
                filename=step.dist.filename,
            )
        if step.action is Action.OVERWRITE:
            reporter.warning(
                "same name but different content on the index; OVERWRITING it because "
                f"on-existing is 'overwrite' (index {_remote(step)})",
                filename=step.dist.filename,
            )
        if status is not None:
            run.record(_outcome(step.dist, status, message=_why_skip(step), remote=_remote(step)))
    return plan


def _no_compare(remote: RemoteFile, dist: Distribution) -> Comparison:
    raise AssertionError("no index, nothing to compare")  # pragma: no cover


def _credentials(
    settings: Settings,
    reporter: Reporter,
    net: Net,
    dists: Sequence[Distribution],
    environ: Mapping[str, str],
    redactor: Redactor,
) -> tuple[CredentialSource, TrustedPublisher | None]:
    if settings.trusted_publishing is TrustedPublishing.NEVER:
        return StaticCredentials(settings.upload_credentials), None
    if settings.upload_credentials and settings.trusted_publishing is TrustedPublishing.AUTO:
        return StaticCredentials(settings.upload_credentials), None
    from publish_action import trusted_publishing

    publisher = trusted_publishing.obtain(
        settings,
        reporter,
        projects=sorted({d.project for d in dists}),
        environ=environ,
        net=net,
        redactor=redactor,
    )
    if publisher is None:
        return StaticCredentials(settings.upload_credentials), None
    return publisher, publisher


def _attestations(
    settings: Settings,
    reporter: Reporter,
    uploads: Sequence[Step],
    publisher: TrustedPublisher | None,
    environ: Mapping[str, str],
    trust_config: object | None,
    redactor: Redactor,
    cancellation: Cancellation,
) -> dict[str, str]:
    if settings.attestations is Attestations.FALSE:
        return {}
    # Cheap to import: sigstore and pypi-attestations load only when signing really runs.
    from publish_action import attestations

    return attestations.prepare(
        settings,
        reporter,
        [step.dist for step in uploads],
        publisher,
        environ=environ,
        trust_config=trust_config,
        redactor=redactor,
        cancellation=cancellation,
    )


def _upload(
    run: _Run,
    net: Net,
    index: IndexClient | None,
    plan: Plan,
    credentials: CredentialSource,
    attestations: Mapping[str, str],
) -> list[tuple[Sequence[Distribution], list[Missing]]]:
    settings = run.settings
    uploader = Uploader(
        net,
        repository_url=settings.repository_url,
        profile=settings.index,
        credentials=credentials,
        index=index,
        reporter=run.reporter,
        max_parallel=settings.max_parallel,
        attestations=attestations,
        cancellation=run.cancellation,
    )
    first_reads: list[tuple[Sequence[Distribution], list[Missing]]] = []
    read_errors: list[PublishError] = []

    def read_back(dists: Sequence[Distribution]) -> None:
        # The first confirmation read of a project overlaps other projects' uploads.
        assert index is not None
        try:
            first_reads.append((dists, check_listed(index, dists)))
        except PublishError as error:
            read_errors.append(error)

    confirming = settings.confirm and index is not None
    results = uploader.upload_all(plan.uploads, after_project=read_back if confirming else None)
    for result in results:
        run.record(result.outcome, announce=False)
    errors = [r.error for r in results if r.error is not None] + read_errors
    # A stop decides the exit code: the other failures are its consequences.
    errors.sort(key=lambda e: not isinstance(e, RunStopped))
    if errors:
        raise errors[0]
    _raise_if_stopped(run)  # stopped while the last uploads finished within their grace
    return first_reads


def _confirm(
    run: _Run,
    index: IndexClient | None,
    plan: Plan,
    first_reads: Sequence[tuple[Sequence[Distribution], list[Missing]]],
) -> None:
    settings, reporter = run.settings, run.reporter
    uploaded = [
        s.dist for s in plan.uploads if run.outcomes[s.dist.filename].status is Status.UPLOADED
    ]
    if not uploaded or not settings.confirm:
        return
    if index is None:
        reporter.info("uploads not confirmed: no index-url is known to read them back")
        return
    read = {d.filename for dists, _ in first_reads for d in dists}
    first = [m for _, missing in first_reads for m in missing]
    first += check_listed(index, [d for d in uploaded if d.filename not in read])
    missing = confirm(index, uploaded, reporter, timeout=settings.confirm_timeout,
                      first_round=first, cancellation=run.cancellation)
    if not missing:
        reporter.info(f"confirmed: the index lists all {len(uploaded)} uploaded file(s)")
        return
    error = missing_error(missing, settings.repository_url)
    if settings.index.is_pypi:
        # PyPI's 200 is transactional; its pages are cached, so absence is only a warning.
        reporter.warning(error.message + " (PyPI's pages are cached; check again shortly)")
        return
    for item in missing:
        old = run.outcomes[item.dist.filename]
        failed = replace(old, status=Status.FAILED, message=f"accepted but {item.why}")
        run.record(failed)
    raise error


def _remote(step: Step) -> str:
    return step.comparison.remote_label if step.comparison else ""


def _why_skip(step: Step) -> str:
    if step.action is Action.PRESENT:
        return "already on the index; on-existing 'error' refuses it"
    if step.action is Action.MISMATCH:
        return "different content on the index"
    if step.action is Action.SKIP_EXISTING:
        return "different content on the index, skipped by name"
    return ""


def _why_upload(step: Step) -> str:
    return "would overwrite the index's copy" if step.action is Action.OVERWRITE else ""
