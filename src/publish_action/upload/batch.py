"""Uploading a plan's files in parallel: one executor, the rules of `schedule`, nothing else.

The loop runs in the caller's thread: it starts what the schedule allows, waits for the next
upload to end, hands each result to `on_result` (the pipeline's ledger), starts a project's
confirmation read as soon as all its files are through (it overlaps other uploads), tells the
reporter where the uploads stand every `TICK` (a terminal's live bar; nothing else listens), and
every `PROGRESS_EVERY` seconds without news reports the uploads in flight as plain lines (CI
logs). After a failure or a stop nothing new starts; uploads in flight finish (a stop cuts them
off after its grace period).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any

from publish_action.reporting.results import FileOutcome, Status, Transfer
from publish_action.upload.schedule import Job, first_files, probe_first, startable
from publish_action.upload.uploader import Uploader, UploadResult

if TYPE_CHECKING:
    from publish_action.cancellation import Cancellation
    from publish_action.distributions import Distribution
    from publish_action.plan import Step
    from publish_action.reporting import Reporter

PROGRESS_EVERY = 10.0
TICK = 0.25  # a live bar's updates: four wake-ups a second cost nothing measurable
READ_WORKERS = 4  # confirmation reads of finished projects, at once

OnResult = Callable[["Step", UploadResult], None]
AfterProject = Callable[[Sequence["Distribution"]], object]


def upload_all(
    uploader: Uploader,
    steps: Sequence[Step],
    *,
    slots: int,
    reporter: Reporter,
    on_result: OnResult,
    after_project: AfterProject | None = None,
    cancellation: Cancellation | None = None,
    first_alone: bool = True,
) -> list[UploadResult]:
    """Upload every step; results in plan order. `after_project`'s exceptions are the
    caller's (it runs in the pool, its future is awaited here and re-raised)."""
    jobs = {step.dist.filename: step for step in steps}
    plan = [Job(s.dist.filename, s.dist.project, s.dist.size, s.project_is_new) for s in steps]
    firsts = first_files(plan) if first_alone else {}
    waiting = probe_first(plan)
    left = Counter(job.project for job in plan)
    results: dict[str, UploadResult] = {}
    sizes = {job.key: job.size for job in plan}
    total = sum(sizes.values())

    def transfer(*, over: bool = False) -> Transfer:
        flights = tuple((f.filename, f.sent, f.total) for f in uploader.flights())
        through = sum(sizes[key] for key in results) + sum(sent for _, sent, _ in flights)
        return Transfer(len(plan), len(results), total, min(through, total), flights, over)

    stopping = False
    last_news = time.monotonic()
    try:
        # Confirmation reads run beside the uploads, never in an upload's slot.
        with ThreadPoolExecutor(max_workers=slots + READ_WORKERS) as pool:
            running: dict[Future[UploadResult], Job] = {}
            reads: set[Future[object]] = set()
            reporter.progress(transfer())
            while waiting or running or reads:
                stopping = stopping or (cancellation is not None and cancellation.is_set())
                if stopping:
                    for job in waiting:
                        _skip(jobs[job.key], results, on_result, cancellation)
                    waiting = []
                bodies = _start(uploader, pool, jobs, waiting, running, results, firsts, slots)
                pending: list[Future[Any]] = [*running, *reads, *bodies]
                done, _ = wait(pending, timeout=TICK, return_when=FIRST_COMPLETED)
                now = time.monotonic()
                if done - set(bodies):
                    last_news = now
                elif now - last_news >= PROGRESS_EVERY:
                    _progress(uploader, reporter)
                    last_news = now
                for read in reads & done:
                    reads.discard(read)
                    read.result()
                for upload in [f for f in running if f in done]:
                    job = running.pop(upload)
                    result = upload.result()
                    results[job.key] = result
                    on_result(jobs[job.key], result)
                    stopping = stopping or result.error is not None
                    left[job.project] -= 1
                    if left[job.project] == 0 and after_project is not None and not stopping:
                        uploaded = [
                            jobs[j.key].dist
                            for j in plan
                            if j.project == job.project
                            and results[j.key].outcome.status is Status.UPLOADED
                        ]
                        if uploaded:
                            reads.add(pool.submit(after_project, uploaded))
                reporter.progress(transfer())
    finally:
        # Whatever happened, a live display goes before anything else is printed.
        reporter.progress(transfer(over=True))
    return [results[step.dist.filename] for step in steps]


def _start(
    uploader: Uploader,
    pool: ThreadPoolExecutor,
    jobs: Mapping[str, Step],
    waiting: list[Job],
    running: dict[Future[UploadResult], Job],
    results: Mapping[str, UploadResult],
    firsts: Mapping[str, str],
    slots: int,
) -> list[Future[None]]:
    """Starts what the schedule allows now; returns the bodies still going out, whose end
    wakes the loop too while files wait (the next large file may start then)."""
    flights = {f.filename: f for f in uploader.flights()}
    sent = {key for key, f in flights.items() if f.body_out.done()}
    for job in startable(
        waiting, list(running.values()), results, firsts=firsts, slots=slots, sent=sent
    ):
        waiting.remove(job)
        running[pool.submit(uploader.upload, jobs[job.key])] = job
    if not waiting:
        return []
    return [f.body_out for key, f in flights.items() if key not in sent]


def _skip(
    step: Step,
    results: dict[str, UploadResult],
    on_result: OnResult,
    cancellation: Cancellation | None,
) -> None:
    why = (
        "not sent: the run was stopped"
        if cancellation is not None and cancellation.is_set()
        else "an earlier file failed, so this one was not sent"
    )
    result = UploadResult(FileOutcome.of(step.dist, Status.NOT_ATTEMPTED, 0.0, why))
    results[step.dist.filename] = result
    on_result(step, result)


def _progress(uploader: Uploader, reporter: Reporter) -> None:
    now = time.monotonic()
    for flight in uploader.flights():
        if now - flight.start >= PROGRESS_EVERY:
            reporter.in_flight(flight.filename, flight.sent, flight.total, now - flight.start)
