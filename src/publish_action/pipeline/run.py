"""Orders the stages and turns every ending of a run into its result.

`publish` never raises for a failure: it returns the run's result, with the ledger's record of
every file kept whatever happened (a stop, a bug).
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

from publish_action import __version__
from publish_action.acceptance import refusals_against_pages, refusals_before_check
from publish_action.cancellation import Cancellation, Reason, Stopped
from publish_action.errors import InternalError, PublishError, RunStopped, rerun_note
from publish_action.ledger import Ledger
from publish_action.net import Net, NetSettings
from publish_action.pipeline import dry_run, stages
from publish_action.pipeline.state import RunState
from publish_action.plan import Action, mismatch_error
from publish_action.redaction import Redactor, display_url
from publish_action.reporting import FileOutcome, Reporter, RunResult, Status
from publish_action.simple_index import READS_IN_FLIGHT

if TYPE_CHECKING:
    from publish_action.ci import CiEnvironment
    from publish_action.settings import Settings


def publish(
    settings: Settings,
    reporter: Reporter,
    *,
    ci_env: CiEnvironment,
    environ: Mapping[str, str],
    redactor: Redactor,
    trust_config: object | None = None,
    cancellation: Cancellation | None = None,
) -> RunResult:
    """Run the whole job; every failure comes back as `RunResult.error`, never raised.

    `ci_env`: the CI this runs in; `environ`: only for the HTTP layer (proxies, TLS)."""
    ledger = Ledger(reporter, hold_uploads=settings.confirm and settings.index_url is not None)
    run = RunState(settings, reporter, ledger, cancellation or Cancellation(), ci_env)
    try:
        with _deadline(run):
            _pipeline(run, environ=environ, redactor=redactor, trust_config=trust_config)
    except Stopped as stopped:
        return run.result(
            _stopped(run, RunStopped(stopped.reason, f"the run stopped: {stopped.reason.value}"))
        )
    except RunStopped as error:
        return run.result(_stopped(run, error))
    except PublishError as error:
        run.ledger.not_attempted(run.dists, "not sent: the run stopped before uploading it")
        return run.result(error)
    except Exception as exc:  # noqa: BLE001 - a bug: keep the record, say so, exit 1
        return run.result(
            InternalError(
                f"unexpected internal error: {type(exc).__name__}: {exc}",
                advice="this is a bug in publish-action; please report it with the output above",
                traceback=traceback.format_exc(),
            )
        )
    return run.result(None)


@contextmanager
def _deadline(run: RunState) -> Iterator[None]:
    timer = threading.Timer(
        run.settings.deadline, run.cancellation.request, args=(Reason.DEADLINE,)
    )
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def _stopped(run: RunState, error: RunStopped) -> RunStopped:
    """A stopped run says what is on the index now and what is not."""
    run.ledger.not_attempted(run.dists, "not sent: the run was stopped")
    message = error.message
    if error.reason is Reason.DEADLINE:
        message = (
            f"the run passed its deadline ({run.settings.deadline:g} s, input "
            "'deadline') and was stopped"
        )
    groups = (
        ("uploaded before the stop", (Status.UPLOADED,)),
        ("already on the index", (Status.SKIPPED_IDENTICAL, Status.SKIPPED_EXISTING)),
        ("cut off mid-upload (see each file's line)", (Status.INTERRUPTED,)),
        ("not uploaded", (Status.NOT_ATTEMPTED, Status.WOULD_UPLOAD)),
    )
    details = [
        f"{label}: {', '.join(names)}"
        for label, statuses in groups
        if (names := run.ledger.names(*statuses))
    ]
    return RunStopped(
        error.reason,
        message,
        details=tuple(details) or ("nothing was uploaded",),
        advice=f"re-run the job: {rerun_note(run.settings.index_url is not None)}",
    )


def _pipeline(
    run: RunState, *, environ: Mapping[str, str], redactor: Redactor, trust_config: object | None
) -> None:
    settings, reporter = run.settings, run.reporter
    reporter.info(f"publish-action {__version__} → {display_url(settings.repository_url)}")
    since = time.monotonic()
    run.dists = stages.distributions(settings, reporter)
    run.ledger.expect(d.filename for d in run.dists)
    since = run.lap("inspect", since)
    net_settings = NetSettings(
        timeout=settings.timeout,
        retries=settings.retries,
        ca_bundle=settings.ca_bundle,
        pool=settings.max_parallel + READS_IN_FLIGHT,
        deadline=run.started + settings.deadline,
    )
    # 'verbose': every request and its answer, one line each, through the reporter.
    trace = reporter.debug if settings.verbose else None
    with Net(net_settings, environ=environ, cancellation=run.cancellation, trace=trace) as net:
        reporter.debug(f"TLS: trusting {net.trust.source}")
        stages.target(run, net)
        settings = run.settings
        run.ledger.hold_until_confirmed(settings.confirm and settings.index_url is not None)
        refusals_before_check(
            run.dists,
            settings.index.facts,
            max_file_size=settings.max_file_size,
            verify_metadata=settings.verify_metadata,
            reporter=reporter,
        )
        index = stages.index_client(settings, reporter, net)
        plan = stages.check(run, index)
        since = run.lap("check", since)
        mismatch = mismatch_error(plan, display_url(settings.index_url or ""))
        if mismatch is not None:
            run.ledger.not_attempted(
                [s.dist for s in plan.uploads], "not sent: the run stopped on a mismatch"
            )
            raise mismatch
        refusals_against_pages([s.dist for s in plan.uploads], run.pages, settings.index.facts)
        if not plan.uploads:
            reporter.info("nothing to upload: every file is already on the index")
            stages.attestations_left_alone(run)
            return
        # A dry run gets its credentials too (minting a token proves trusted publishing
        # works), but signs nothing: a signature would be logged publicly for good. The
        # attestations already in packages-dir are verified as in a real run.
        credentials, publisher = stages.credentials(run, net, redactor)
        since = run.lap("credentials", since)
        if settings.dry_run:
            stages.attestations(
                run, net, plan.uploads, publisher, trust_config, redactor, sign=False
            )
            verified = run.credentials_check = dry_run.verify_credentials(run, net, publisher)
            for step in plan.uploads:
                why = "would overwrite the index's copy" if step.action is Action.OVERWRITE else ""
                run.ledger.record(FileOutcome.of(step.dist, Status.WOULD_UPLOAD, message=why))
            for line in dry_run.statement(run, verified):
                reporter.info(line)
            return
        attestations = stages.attestations(
            run, net, plan.uploads, publisher, trust_config, redactor
        )
        since = run.lap("attestations", since)
        run.raise_if_stopped()
        first_reads = stages.upload(run, net, index, plan, credentials, attestations)
        since = run.lap("upload", since)
        stages.confirm_uploads(run, index, plan, first_reads)
        run.lap("confirm", since)
