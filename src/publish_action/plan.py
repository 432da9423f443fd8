"""Decide, per file, what to do given what the index already holds and the on-existing policy."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from publish_action.distributions import Distribution
from publish_action.errors import MismatchError
from publish_action.settings import OnExisting
from publish_action.simple_index import Comparison, ProjectPage, RemoteFile


class Action(Enum):
    UPLOAD = "upload"
    SKIP_IDENTICAL = "skip-identical"
    SKIP_EXISTING = "skip-existing"  # policy `skip`: same name, different content
    OVERWRITE = "overwrite"
    MISMATCH = "mismatch"  # same name, different content: stops the run
    PRESENT = "present"  # policy `error`: identical but refused anyway


@dataclass(frozen=True)
class Step:
    dist: Distribution
    action: Action
    comparison: Comparison | None = None
    project_is_new: bool = False  # the index has no page for the project yet

    @property
    def uploads(self) -> bool:
        return self.action in (Action.UPLOAD, Action.OVERWRITE)


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]

    def with_action(self, *actions: Action) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.action in actions)

    @property
    def uploads(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.uploads)


Comparer = Callable[[RemoteFile, Distribution], Comparison]


def make_plan(
    dists: Sequence[Distribution],
    pages: Mapping[str, ProjectPage] | None,
    policy: OnExisting,
    compare: Comparer | None,
) -> Plan:
    """`pages` (and `compare`) are None when no index can be read: everything is planned for
    upload."""
    steps = []
    for dist in dists:
        page = pages.get(dist.project) if pages is not None else None
        remote = page.find(dist.filename) if page else None
        is_new = pages is not None and (page is None or not page.found or not page.files)
        if remote is None:
            steps.append(Step(dist, Action.UPLOAD, project_is_new=is_new))
            continue
        assert compare is not None  # a page was read, so there is an index to compare with
        comparison = compare(remote, dist)
        steps.append(Step(dist, _decide(policy, comparison.identical), comparison))
    return Plan(tuple(steps))


def _decide(policy: OnExisting, identical: bool) -> Action:
    if policy is OnExisting.ERROR:
        return Action.PRESENT if identical else Action.MISMATCH
    if identical:
        return Action.SKIP_IDENTICAL
    return {
        OnExisting.SKIP_IDENTICAL: Action.MISMATCH,
        OnExisting.SKIP: Action.SKIP_EXISTING,
        OnExisting.OVERWRITE: Action.OVERWRITE,
    }[policy]


def mismatch_error(plan: Plan, index_url: str) -> MismatchError | None:
    """One error listing every conflicting file with both hashes, or None."""
    bad = plan.with_action(Action.MISMATCH, Action.PRESENT)
    if not bad:
        return None
    details = []
    for step in bad:
        assert step.comparison is not None
        c = step.comparison
        if step.action is Action.PRESENT:
            details.append(f"{step.dist.filename}: already on the index (identical)")
        else:
            details.append(
                f"{step.dist.filename}: local {c.algorithm}={c.local}, index {c.remote_label}"
            )
    mismatched = len(plan.with_action(Action.MISMATCH))
    if mismatched:
        message = (
            f"{mismatched} file(s) are already on {index_url} with different content; "
            "nothing was uploaded"
        )
        advice = (
            "the release would mix two builds. Publish a new version, or delete the stale "
            "files from dist/ if they are left from an earlier build. To skip by name "
            "instead, set 'on-existing: skip'; on a private index that allows it, "
            "'on-existing: overwrite' replaces them"
        )
    else:
        message = (
            f"{len(bad)} file(s) are already on {index_url} and 'on-existing: error' refuses "
            "that; nothing was uploaded"
        )
        advice = "use 'on-existing: skip-identical' to let re-runs skip identical files"
    return MismatchError(message, details=tuple(details), advice=advice)
