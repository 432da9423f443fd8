"""After uploading, read the index again: a 2xx is not proof that a file was stored.

devpi has answered 200 to a POST on its `+simple/` URL and stored nothing; some indexes
process uploads asynchronously. Each project's page is read once per round, for a bounded time.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from publish_action.cancellation import Cancellation, Reason
from publish_action.distributions import Distribution
from publish_action.errors import IndexError_, MismatchError
from publish_action.net import Stopped
from publish_action.redaction import display_url
from publish_action.reporting import Reporter
from publish_action.simple_index import IndexClient


@dataclass(frozen=True)
class Missing:
    dist: Distribution
    url: str
    why: str
    listed_as: str = ""  # the hash the index lists, when it lists the file with other bytes

    @property
    def different(self) -> bool:
        return bool(self.listed_as)


def confirm(
    index: IndexClient,
    dists: Sequence[Distribution],
    reporter: Reporter,
    *,
    timeout: float,
    first_round: Sequence[Missing] | None = None,
    cancellation: Cancellation | None = None,
    asynchronous: bool = False,
) -> list[Missing]:
    """Return the uploaded files the index does not show with the expected content.

    `first_round` is the result of a `check_listed` already made (during the uploads). A file
    listed with other bytes is read again only on an `asynchronous` index (Pulp: the last
    upload task wins); elsewhere another job's file is there for good.
    """
    missing = list(first_round) if first_round is not None else check_listed(index, dists)
    deadline = time.monotonic() + timeout
    delay = 0.25

    def pending() -> list[Missing]:
        return [m for m in missing if asynchronous or not m.different]

    while pending() and time.monotonic() + delay <= deadline:
        reporter.debug(
            f"{len(missing)} uploaded file(s) not listed yet; reading again in {delay:.1f} s"
        )
        if cancellation is None:
            time.sleep(delay)
        elif cancellation.wait(delay):
            stop = cancellation.stop
            raise Stopped(stop.reason if stop else Reason.SIGINT)
        settled = [m for m in missing if m not in pending()]
        missing = settled + check_listed(index, [m.dist for m in pending()])
        delay = min(delay * 2, 4.0)
    return missing


def check_listed(index: IndexClient, dists: Sequence[Distribution]) -> list[Missing]:
    """One read of each project's page: which of `dists` it does not list as uploaded."""
    pages = index.projects([d.project for d in dists], phase="confirmation")
    missing = []
    for dist in dists:
        page = pages[dist.project]
        remote = page.find(dist.filename)
        if remote is None:
            missing.append(Missing(dist, page.url, "not listed"))
            continue
        comparison = index.compare(remote, dist, md5_is_enough=True, phase="confirmation")
        if not comparison.identical:
            missing.append(
                Missing(
                    dist,
                    page.url,
                    f"listed with {comparison.remote_label}, expected "
                    f"{comparison.algorithm}={comparison.local}",
                    comparison.remote_label,
                )
            )
    return missing


def different_error(different: Sequence[Missing]) -> MismatchError:
    """Listed, but with other bytes: another job won a race with a different build."""
    return MismatchError(
        f"{len(different)} uploaded file(s) are on the index with different content",
        details=tuple(f"{m.dist.filename}: {m.why} at {display_url(m.url)}" for m in different),
        advice="another build published the same file names concurrently; the release mixes "
        "two builds — publish a new version",
    )


def missing_error(missing: Sequence[Missing], repository_url: str) -> IndexError_:
    details = tuple(f"{m.dist.filename}: {m.why} at {display_url(m.url)}" for m in missing)
    return IndexError_(
        f"{len(missing)} uploaded file(s) do not appear on the index although "
        f"{display_url(repository_url)} accepted them",
        details=details,
        advice="check that 'repository-url' is the upload endpoint (not a simple index URL) "
        "and look at the URLs above; if this index hides or delays uploads on purpose, set "
        "'confirm: false' or a longer 'confirm-timeout'",
    )
