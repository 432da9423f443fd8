"""The stages of a run, in order: each takes the run's state, reports what it does, records
each file's outcome in the ledger and raises a `PublishError` to stop the run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from publish_action.confirm import Missing, check_listed, confirm, different_error, missing_error
from publish_action.credentials import CredentialSource, StaticCredentials
from publish_action.distributions import Distribution, discover, discover_files, inspect
from publish_action.errors import PublishError, RunStopped
from publish_action.net import Net, same_origin
from publish_action.plan import Action, Plan, Step, make_plan
from publish_action.redaction import Redactor
from publish_action.reporting import FileOutcome, Reporter, Status, human_size
from publish_action.settings import Credentials, Settings, TrustedPublishing
from publish_action.simple_index import IndexClient
from publish_action.targets import IndexKind
from publish_action.targets.identify import identify
from publish_action.upload import Uploader, UploadResult, upload_all

if TYPE_CHECKING:
    from publish_action.pipeline.state import RunState
    from publish_action.trusted_publishing import TrustedPublisher

_PLAN_STATUS = {
    Action.SKIP_IDENTICAL: Status.SKIPPED_IDENTICAL,
    Action.SKIP_EXISTING: Status.SKIPPED_EXISTING,
    Action.MISMATCH: Status.MISMATCH,
    Action.PRESENT: Status.MISMATCH,
}
_WHY_PLANNED = {
    Action.PRESENT: "already on the index; on-existing 'error' refuses it",
    Action.MISMATCH: "different content on the index",
    Action.SKIP_EXISTING: "different content on the index, skipped by name",
}


def target(run: RunState, net: Net) -> None:
    """Which index this is (asking it once when its URL shape is shared), and its check URL."""
    settings = run.settings
    given = settings.index_url if settings.index_url_given else None
    identified = identify(
        settings.index,
        settings.repository_url,
        net,
        credentials=settings.upload_credentials,
        given_index_url=given,
    )
    profile = identified.profile
    if given is None:
        note = profile.derivation
        settings = replace(settings, index=profile, index_url=profile.simple_url)
    else:
        known = profile.kind is not IndexKind.UNKNOWN
        note = settings.index_url_note + (f" ({profile.facts.name})" if known else "")
        settings = replace(settings, index=profile)
    run.settings = replace(settings, index_url_note=note)
    run.reporter.info(note)
    for warning in identified.warnings:
        run.reporter.warning(warning)


def distributions(settings: Settings, reporter: Reporter) -> tuple[Distribution, ...]:
    if settings.files:
        discovery, where = discover_files(settings.files), "among the files given"
    else:
        discovery, where = discover(settings.packages_dir), f"in {settings.packages_dir}"
    for path in discovery.ignored:
        reporter.debug(f"ignoring {path.name} (not a wheel or sdist)")
    dists = inspect(
        discovery.distributions, verify=settings.verify_metadata, md5=settings.print_hash
    )
    reporter.info(f"found {len(dists)} distribution(s) {where}")
    for dist in dists:
        reporter.info(f"  {dist.filename} ({human_size(dist.size)})")
    return dists


def reads_with_upload_credentials(settings: Settings) -> bool:
    """Upload credentials go to the check URL when it is the upload URL's own host, or the
    derived check URL on the index's documented download host (Cloudsmith, Gemfury)."""
    if settings.index_url is None:
        return False
    if same_origin(settings.index_url, settings.repository_url):
        return True
    return settings.index.facts.check_credentials_cross_host and not settings.index_url_given


def index_client(settings: Settings, reporter: Reporter, net: Net) -> IndexClient | None:
    if settings.index_url is None:
        return None
    credentials, sent = read_credentials(settings)
    return IndexClient.for_profile(
        net,
        settings.index_url,
        reporter,
        credentials=credentials,
        profile=settings.index,
        sent=sent,
        derived=not settings.index_url_given,
    )


def read_credentials(settings: Settings) -> tuple[Credentials | None, str]:
    """The check's credentials, and how a refusal names them (never the secret)."""
    if settings.check_credentials_explicit and settings.check_credentials:
        return settings.check_credentials, f"check-user: {settings.check_credentials.describe()}"
    upload = settings.upload_credentials
    if upload is not None and reads_with_upload_credentials(settings):
        return upload, f"the upload credentials ({upload.describe()})"
    if upload is not None:
        return None, ("no credentials: the upload credentials only go to the upload URL's host")
    return None, "no credentials"


def check(run: RunState, index: IndexClient | None) -> Plan:
    settings, reporter, dists = run.settings, run.reporter, run.dists
    projects = sorted({d.project for d in dists})
    try:
        pages = index.projects(projects) if index else None
        plan = make_plan(dists, pages, settings.on_existing, index.compare if index else None)
    except PublishError as refused:
        raise refused.with_details("nothing was uploaded") from refused.__cause__
    run.pages = pages or {}
    reporter.info(
        _checked_line(len(projects), plan)
        if index
        else f"{len(plan.uploads)} file(s) to upload (no index check)"
    )
    for step in plan.steps:
        remote = step.comparison.remote_label if step.comparison else ""
        if step.action in (Action.SKIP_EXISTING, Action.OVERWRITE):
            what = (
                "skipped because on-existing is 'skip'"
                if step.action is Action.SKIP_EXISTING
                else "OVERWRITING it because on-existing is 'overwrite'"
            )
            reporter.warning(
                f"same name but different content on the index; {what} (index {remote})",
                filename=step.dist.filename,
            )
        status = _PLAN_STATUS.get(step.action)
        if status is not None:
            run.ledger.record(
                FileOutcome.of(
                    step.dist, status, message=_WHY_PLANNED.get(step.action, ""), remote=remote
                )
            )
    return plan


def _checked_line(projects: int, plan: Plan) -> str:
    """Every file counted once, by what the plan does with it: the numbers add up to the
    files found, and a file the run refuses is never counted as "already on the index"."""
    count = {action: len(plan.with_action(action)) for action in Action}
    overwrite = count[Action.OVERWRITE]
    line = (
        f"checked {projects} project(s): {len(plan.uploads)} file(s) to upload"
        + (f" ({overwrite} overwriting a different file)" if overwrite else "")
        + f", {count[Action.SKIP_IDENTICAL]} already on the index"
    )
    extras = [
        (count[Action.MISMATCH], "different on the index"),
        (count[Action.SKIP_EXISTING], "different on the index, skipped by name"),
        (count[Action.PRESENT], "identical on the index but refused by on-existing 'error'"),
    ]
    return line + "".join(f", {n} {what}" for n, what in extras if n)


def credentials(
    run: RunState, net: Net, redactor: Redactor
) -> tuple[CredentialSource, TrustedPublisher | None]:
    settings = run.settings
    static = StaticCredentials(settings.upload_credentials)
    if settings.trusted_publishing is TrustedPublishing.NEVER or (
        settings.upload_credentials and settings.trusted_publishing is TrustedPublishing.AUTO
    ):
        return static, None
    from publish_action import trusted_publishing

    publisher = trusted_publishing.obtain(
        settings,
        run.reporter,
        projects=sorted({d.project for d in run.dists}),
        ci_env=run.ci_env,
        net=net,
        redactor=redactor,
    )
    return (static, None) if publisher is None else (publisher, publisher)


def attestations(
    run: RunState,
    net: Net,
    uploads: Sequence[Step],
    publisher: TrustedPublisher | None,
    trust_config: object | None,
    redactor: Redactor,
    *,
    sign: bool = True,
) -> dict[str, str]:
    """The attestations to upload with each file; `sign=False` (a dry run) only verifies the
    ones in packages-dir (with 'attestations: false', only noted as not sent)."""
    # Cheap to import: sigstore and pypi-attestations load only when signing really runs.
    from publish_action import attestations

    return attestations.prepare(
        run.settings,
        run.reporter,
        [step.dist for step in uploads],
        publisher,
        ci_env=run.ci_env,
        net=net,
        trust_config=trust_config,
        redactor=redactor,
        cancellation=run.cancellation,
        sign=sign,
        folders=_folders(run),
    )


def attestations_left_alone(run: RunState) -> None:
    """No file is uploaded: any attestation files beside the distributions stay unsent
    (verbose: otherwise nothing is said, and the attestation modules need not load)."""
    if not run.settings.verbose:
        return
    from publish_action.attestations import prebuilt

    prebuilt.report_left_alone(run.reporter, prebuilt.all_in(_folders(run)))


def _folders(run: RunState) -> list[Path]:
    """Where the distributions are: packages-dir, or the folders of the files given."""
    return sorted({dist.path.parent for dist in run.dists})


FirstReads = list[tuple[Sequence[Distribution], list[Missing]]]


def upload(
    run: RunState,
    net: Net,
    index: IndexClient | None,
    plan: Plan,
    credentials: CredentialSource,
    attestations: Mapping[str, str],
) -> FirstReads:
    settings = run.settings
    uploader = Uploader(
        net,
        repository_url=settings.repository_url,
        profile=settings.index,
        credentials=credentials,
        index=index,
        reporter=run.reporter,
        attestations=attestations,
        settle_time=settings.confirm_timeout,
    )
    first_reads: FirstReads = []
    read_errors: list[PublishError] = []

    def read_back(dists: Sequence[Distribution]) -> None:
        # The first confirmation read of a project overlaps other projects' uploads.
        assert index is not None
        try:
            missing = check_listed(index, dists)
        except PublishError as error:
            read_errors.append(error)
            return
        first_reads.append((dists, missing))
        absent = {m.dist.filename for m in missing}
        run.ledger.confirmed(d.filename for d in dists if d.filename not in absent)

    def on_result(step: Step, result: UploadResult) -> None:
        run.ledger.record(result.outcome)

    confirming = settings.confirm and index is not None
    results = upload_all(
        uploader,
        plan.uploads,
        slots=settings.max_parallel,
        reporter=run.reporter,
        on_result=on_result,
        after_project=read_back if confirming else None,
        cancellation=run.cancellation,
        first_alone=not settings.index.facts.concurrent_first_uploads,
    )
    errors = [r.error for r in results if r.error is not None] + read_errors
    # A stop decides the exit code: the other failures are its consequences.
    errors.sort(key=lambda e: not isinstance(e, RunStopped))
    if errors:
        raise errors[0].with_details(*(f"and: {e.message}" for e in errors[1:]))
    run.raise_if_stopped()  # stopped while the last uploads finished within their grace
    return first_reads


def confirm_uploads(
    run: RunState, index: IndexClient | None, plan: Plan, first_reads: FirstReads
) -> None:
    settings, reporter = run.settings, run.reporter
    uploaded = [
        s.dist for s in plan.uploads if run.ledger.status(s.dist.filename) is Status.UPLOADED
    ]
    if not uploaded or not settings.confirm:
        return
    if index is None:
        reporter.info("uploads not confirmed: no index-url is known to read them back")
        return
    read = {d.filename for dists, _ in first_reads for d in dists}
    first = [m for _, missing in first_reads for m in missing]
    first += check_listed(index, [d for d in uploaded if d.filename not in read])
    missing = confirm(
        index,
        uploaded,
        reporter,
        timeout=settings.confirm_timeout,
        first_round=first,
        cancellation=run.cancellation,
        asynchronous=settings.index.facts.asynchronous,
    )
    absent = {m.dist.filename for m in missing}
    run.ledger.confirmed(d.filename for d in uploaded if d.filename not in absent)
    if not missing:
        reporter.info(f"confirmed: the index lists all {len(uploaded)} uploaded file(s)")
        return
    for item in missing:
        if item.different:
            run.ledger.unconfirmed(item.dist.filename, item.why, listed_as=item.listed_as)
    different = [m for m in missing if m.different]
    missing = [m for m in missing if not m.different]
    if different:
        for item in missing:
            run.ledger.unconfirmed(item.dist.filename, item.why)
        raise different_error(different).with_details(
            *(f"also not listed: {m.dist.filename}" for m in missing)
        )
    error = missing_error(missing, settings.repository_url)
    if settings.index.is_pypi:
        # PyPI's 200 is transactional; its pages are cached, so absence is only a warning.
        reporter.warning(error.message + " (PyPI's pages are cached; check again shortly)")
        run.ledger.confirmed(absent)
        return
    for item in missing:
        run.ledger.unconfirmed(item.dist.filename, item.why)
    raise error
