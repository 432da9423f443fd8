"""What the target index will refuse, found before the first upload.

A refusal half-way through a release leaves it half-published. What the index's row says it
refuses — a Metadata-Version, a file over its size limit, a release with too many files, new
files on an old PyPI release, and on PyPI a README that does not render, a classifier it does
not know, a file name or version it does not take — stops the run (exit 3) while nothing has
been sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from publish_action.errors import DistributionError

if TYPE_CHECKING:
    from publish_action.distributions import Distribution
    from publish_action.metadata_rules import Finding
    from publish_action.reporting import Reporter
    from publish_action.simple_index import ProjectPage
    from publish_action.targets import IndexFacts

_MIB = 1024 * 1024

_METADATA_ADVICE = (
    "build with a Metadata-Version the index accepts: hatchling: `core-metadata-version = "
    '"2.1"` under [tool.hatch.build.targets.wheel] and [tool.hatch.build.targets.sdist]; '
    "setuptools writes 2.4 when a license expression or `license-files` is used, and 2.2 or "
    "2.1 otherwise; maturin, flit and poetry choose it from the fields used. Or upgrade the "
    "index"
)


def metadata_version_advice(dist: Distribution) -> str:
    """For a refusal that names the Metadata-Version: which field, and what changes it."""
    version = dist.metadata.get("metadata_version", "?")
    return f"{dist.filename} has Metadata-Version {version}: {_METADATA_ADVICE}"


def refusals_before_check(
    dists: Sequence[Distribution],
    facts: IndexFacts,
    *,
    max_file_size: int | None,
    verify_metadata: bool = False,
    reporter: Reporter | None = None,
) -> None:
    """Metadata-Version and file size, from the files alone. `max_file_size` (bytes) replaces
    the index's known limit when given (a project's raised limit on PyPI).

    With `verify_metadata`, also what an index validating metadata refuses (`metadata_rules`):
    refused here where the index's row says it validates (PyPI, TestPyPI); elsewhere a README
    that would not render and unknown or deprecated classifiers are warnings (the same files
    often go to PyPI later), and PyPI's own rules (local versions, file names, platform tags)
    are debug lines: private indexes take them.
    """
    problems: list[tuple[str, str]] = []  # (file, what the index refuses)
    accepted = facts.metadata_versions
    for dist in dists:
        version = str(dist.metadata.get("metadata_version", ""))
        if accepted is not None and version not in accepted:
            problems.append(
                (
                    dist.filename,
                    f"{dist.filename}: field Metadata-Version is {version}, which {facts.name} "
                    f"does not accept (it accepts {', '.join(sorted(accepted))})",
                )
            )
    limit = max_file_size if max_file_size is not None else facts.limits.max_file_size
    too_big = [d for d in dists if limit is not None and d.size > limit]
    for dist in too_big:
        problems.append(
            (
                dist.filename,
                f"{dist.filename} is {dist.size / _MIB:.1f} MiB, over {_limit_label(limit, facts)}",
            )
        )
    versions_refused = len(problems) - len(too_big)
    found = _metadata_findings(dists) if verify_metadata else []
    if facts.validates_metadata:
        problems += [(f.filename, f.render()) for f in found]
    elif reporter is not None:
        _warn(found, facts, reporter)
    if not problems:
        return
    advice = []
    if versions_refused:
        advice.append(_METADATA_ADVICE)
    if too_big:
        advice.append(
            "make the file smaller (leave data out of the wheel), or, if the index raised "
            "this project's limit, give the new one with 'max-file-size' (e.g. '250MB')"
        )
    if found and facts.validates_metadata:
        advice.append(
            "fix each field named in pyproject.toml (or setup.py) and rebuild; these are "
            f"{facts.name}'s own upload checks, made here so that no file of the release is "
            f"sent. If {facts.name} takes one after all (a classifier or platform tag newer "
            "than this publish-action), 'verify-metadata: false' skips them"
        )
    files = len({name for name, _ in problems})
    raise DistributionError(
        f"{facts.name} would refuse {files} file(s); nothing was uploaded",
        details=tuple(text for _, text in problems),
        advice="; ".join(advice),
    )


def _metadata_findings(dists: Sequence[Distribution]) -> list[Finding]:
    from publish_action.metadata_rules import findings

    return [found for dist in dists for found in findings(dist)]


def _warn(found: Sequence[Finding], facts: IndexFacts, reporter: Reporter) -> None:
    for finding in found:
        if finding.pypi_only:
            reporter.debug(f"{finding.render()} (PyPI would refuse it; {facts.name} may not)")
        else:
            reporter.warning(
                f"{finding.field}: {finding.text} ({facts.name} does not check it; PyPI would "
                "refuse the file)",
                filename=finding.filename,
            )


def refusals_against_pages(
    uploads: Sequence[Distribution],
    pages: Mapping[str, ProjectPage],
    facts: IndexFacts,
    *,
    now: datetime | None = None,
) -> None:
    """Files per version and the age of a release, from what the index already lists."""
    problems: list[str] = []
    limits = facts.limits
    for (project, version), new in _by_release(uploads).items():
        page = pages.get(project)
        listed = (
            [f for f in page.files.values() if _version_of(f.filename) == version]
            if (page is not None)
            else []
        )
        cap = limits.max_files_per_version
        if cap is not None and len(listed) + len(new) > cap:
            problems.append(
                f"{project} {version}: {len(listed)} file(s) on the index and {len(new)} to "
                f"upload, over {facts.name}'s {cap} files per version"
            )
        days = limits.new_files_within_days
        first = min((t for f in listed if (t := _parsed(f.upload_time))), default=None)
        if days is not None and first is not None:
            age = (now or datetime.now(timezone.utc)) - first
            if age > timedelta(days=days):
                problems.append(
                    f"{project} {version} was released {age.days} days ago; {facts.name} "
                    f"refuses new files on releases older than {days} days "
                    f"({', '.join(d.filename for d in new)})"
                )
    if problems:
        raise DistributionError(
            f"{facts.name} would refuse this release; nothing was uploaded",
            details=tuple(problems),
            advice="publish a new version with all its files",
        )


def _limit_label(limit: int | None, facts: IndexFacts) -> str:
    known = facts.limits.max_file_size
    size = f"{(limit or 0) / _MIB:g} MiB"
    return f"{facts.name}'s limit of {size}" if limit == known else f"the limit of {size}"


def _by_release(dists: Sequence[Distribution]) -> dict[tuple[str, str], list[Distribution]]:
    releases: dict[tuple[str, str], list[Distribution]] = {}
    for dist in dists:
        releases.setdefault((dist.project, str(dist.version)), []).append(dist)
    return releases


def _version_of(filename: str) -> str | None:
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    try:
        if filename.endswith(".whl"):
            return str(parse_wheel_filename(filename)[1])
        return str(parse_sdist_filename(filename)[1])
    except (InvalidSdistFilename, InvalidWheelFilename):
        return None


def _parsed(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
