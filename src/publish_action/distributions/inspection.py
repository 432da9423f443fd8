"""Inspect every distribution: archive verified through, metadata read and checked, hashed.

Files are inspected in parallel (zlib and hashlib release the GIL), and every problem of every
file is reported in one error before any request is made.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from publish_action.distributions import metadata as core_metadata
from publish_action.distributions.hashing import hash_file
from publish_action.distributions.limits import Problem
from publish_action.distributions.model import Distribution
from publish_action.distributions.sdist import read_sdist
from publish_action.distributions.wheel import read_wheel
from publish_action.errors import DistributionError
from publish_action.redaction import printable


def _name_parts(name: str) -> tuple[str, NormalizedName, Version, str]:
    """(kind, project, version, pyversion) from a distribution's file name."""
    if name.endswith(".whl"):
        project, version, _build, tags = parse_wheel_filename(name)
        return "wheel", project, version, ".".join(sorted({tag.interpreter for tag in tags}))
    project, version = parse_sdist_filename(name)
    return "sdist", project, version, "source"


def _inspect_one(
    path: Path, verify: bool, md5: bool = True
) -> tuple[Distribution | None, list[Problem]]:
    try:
        kind, project, version, pyversion = _name_parts(path.name)
    except (InvalidWheelFilename, InvalidSdistFilename) as exc:
        return None, [Problem(f"invalid file name: {exc}")]
    try:
        if kind == "wheel":
            data, member, problems = read_wheel(path, project, version)
        else:
            data, member, problems = read_sdist(path)
    except OSError as exc:
        return None, [Problem(f"cannot be read ({exc.strerror or exc})")]
    if data is None:
        return None, problems
    raw, more = core_metadata.parse(data, member, project=project, version=version, verify=verify)
    problems += more
    if raw is None or problems:
        return None, problems
    # Hashed once, here: the check compares these, the upload proves it sends these bytes.
    hashes = hash_file(path, md5=md5)
    return Distribution(
        path=path,
        project=project,
        version=version,
        kind=kind,
        size=path.stat().st_size,
        metadata=raw,
        pyversion=pyversion,
        hashes=hashes,
    ), []


def inspect(
    paths: Sequence[Path], *, verify: bool, workers: int = 4, md5: bool = True
) -> tuple[Distribution, ...]:
    """Inspect every file; raise one DistributionError listing every problem found. `md5`:
    also the md5 digest (shown with print-hash; nothing else needs it)."""
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(paths)))) as pool:
        results = list(pool.map(lambda p: _inspect_one(p, verify, md5), paths))
    problems = [
        printable(f"{path.name}: {problem.render()}", one_line=True)
        for path, (_, found) in zip(paths, results, strict=True)
        for problem in found
    ]
    if problems:
        bad = sum(1 for _, found in results if found)
        raise DistributionError(
            f"{bad} of {len(paths)} distribution(s) are invalid; nothing was uploaded",
            details=tuple(problems),
            advice="rebuild them (python -m build) and check the metadata in pyproject.toml; "
            "a file changed after it was built is refused too",
        )
    return tuple(d for d, _ in results if d is not None)
