"""What the target index will refuse, found before the first upload.

A refusal half-way through a release leaves it half-published. What the index's row says it
refuses — a Metadata-Version, a file over its size limit, a release with too many files, new
files on an old PyPI release — stops the run (exit 3) while nothing has been sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from publish_action.errors import DistributionError

if TYPE_CHECKING:
    from publish_action.distributions import Distribution
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
    dists: Sequence[Distribution], facts: IndexFacts, *, max_file_size: int | None
) -> None:
    """Metadata-Version and file size, from the files alone. `max_file_size` (bytes) replaces
    the index's known limit when given (a project's raised limit on PyPI)."""
    problems: list[str] = []
    accepted = facts.metadata_versions
    for dist in dists:
        version = str(dist.metadata.get("metadata_version", ""))
        if accepted is not None and version not in accepted:
            problems.append(
                f"{dist.filename}: field Metadata-Version is {version}, which {facts.name} "
                f"does not accept (it accepts {', '.join(sorted(accepted))})"
            )
    limit = max_file_size if max_file_size is not None else facts.limits.max_file_size
    too_big = [d for d in dists if limit is not None and d.size > limit]
    for dist in too_big:
        problems.append(
            f"{dist.filename} is {dist.size / _MIB:.1f} MiB, over {_limit_label(limit, facts)}"
        )
    if not problems:
        return
    advice = []
    if len(too_big) < len(problems):
        advice.append(_METADATA_ADVICE)
    if too_big:
        advice.append(
            "make the file smaller (leave data out of the wheel), or, if the index raised "
            "this project's limit, give the new one with 'max-file-size' (e.g. '250MB')"
        )
    raise DistributionError(
        f"{facts.name} would refuse {len(problems)} file(s); nothing was uploaded",
        details=tuple(problems),
        advice="; ".join(advice),
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
