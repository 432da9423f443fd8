"""Which uploads may start now: the ordering rules, as a pure function.

1. At most `slots` uploads are in flight.
2. A project the index does not know yet gets its first file alone (the smallest, so it is
   over quickly): indexes that create a project on its first upload (devpi, PyPI) must never
   see two first uploads race. Where the index keeps no project record (pypiserver), the
   caller passes no first files (`targets.facts`: concurrent_first_uploads); the smallest
   still leads its project (`probe_first`), so a file another job published meanwhile is met
   on the cheapest upload when uploads go one at a time.
3. At most one large file is on the wire: for files that size the index's own CPU and disk
   are the limit, and several bodies at once slowed pypiserver and devpi down (bench/results).
   The next large file starts once the body before it is out, while the index still stores
   that one (a second or so per 100 MB on pypiserver, when the link would otherwise idle).
   Small files keep flowing beside them.
4. Otherwise in plan order.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

LARGE_FILE = 16 * 1024 * 1024


@dataclass(frozen=True)
class Job:
    """What the schedule needs to know about one upload."""

    key: str  # the file name
    project: str
    size: int
    project_is_new: bool


def first_files(jobs: Sequence[Job]) -> dict[str, str]:
    """Project → the file that goes first, alone, for each project new to the index."""
    firsts: dict[str, Job] = {}
    for job in jobs:
        best = firsts.get(job.project)
        if job.project_is_new and (best is None or job.size < best.size):
            firsts[job.project] = job
    return {project: job.key for project, job in firsts.items()}


def probe_first(jobs: Sequence[Job]) -> list[Job]:
    """`jobs` in plan order, but each new project's smallest file moved to the head of that
    project's files."""
    firsts = set(first_files(jobs).values())
    ordered: list[Job] = []
    for job in jobs:
        if job.key in firsts:
            at = next((i for i, o in enumerate(ordered) if o.project == job.project), None)
            ordered.insert(len(ordered) if at is None else at, job)
        else:
            ordered.append(job)
    return ordered


def startable(
    waiting: Sequence[Job],
    running: Collection[Job],
    settled: Collection[str],
    *,
    firsts: Mapping[str, str],
    slots: int,
    large: int | None = None,
    sent: Collection[str] = (),
) -> list[Job]:
    """The jobs of `waiting` to start now, in order.

    `running`: in flight. `settled`: keys of finished jobs. `firsts`: from `first_files`.
    `sent`: keys of running jobs whose body is out (their answer still to come). `large`: the
    size from which a file counts as large (LARGE_FILE).
    """
    large = LARGE_FILE if large is None else large
    chosen: list[Job] = []
    busy = list(running)
    for job in waiting:
        if len(busy) >= slots:
            break
        if _may_start(job, busy, settled, firsts, large, sent):
            chosen.append(job)
            busy.append(job)
    return chosen


def _may_start(
    job: Job,
    busy: Sequence[Job],
    settled: Collection[str],
    firsts: Mapping[str, str],
    large: int,
    sent: Collection[str],
) -> bool:
    first = firsts.get(job.project)
    if first is not None and job.key != first and first not in settled:
        return False  # the project's first file is not through yet
    if job.size < large:
        return True
    on_the_wire = [o for o in busy if o.size >= large and o.key not in sent]
    waiting_for_answers = [o for o in busy if o.size >= large and o.key in sent]
    # One body on the wire, and at most one more large file waiting for its answer.
    return not on_the_wire and len(waiting_for_answers) <= 1
