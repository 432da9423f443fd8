"""The distributions in packages-dir (or the files given as arguments), and what about them
would be unsafe or ambiguous: files that are one distribution to an index under several
spellings, links leaving the folder or leading nowhere, folders and special files named like
distributions."""

from __future__ import annotations

import stat
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from publish_action.distributions.names import file_key, is_distribution_name
from publish_action.errors import DistributionError, InputError
from publish_action.redaction import printable


@dataclass(frozen=True)
class Discovery:
    distributions: tuple[Path, ...]
    ignored: tuple[Path, ...]


def discover(packages_dir: Path) -> Discovery:
    if not packages_dir.is_dir():
        what = "is not a folder" if packages_dir.exists() else "does not exist"
        raise InputError(
            f"packages-dir {packages_dir} {what}",
            advice="build first (python -m build) or set 'packages-dir' to where the "
            "wheels and sdists are",
        )
    root = packages_dir.resolve()
    entries = sorted(packages_dir.iterdir())
    dists: list[Path] = []
    ignored: list[Path] = []
    problems: list[str] = []
    for entry in entries:
        if not is_distribution_name(entry.name):
            ignored.append(entry)
            continue
        problem = _problem(entry, root)
        if problem is None:
            dists.append(entry)
        else:
            problems.append(f"{printable(entry.name, one_line=True)}: {problem}")
    problems += _collisions(dists)
    if problems:
        raise DistributionError(
            f"packages-dir {packages_dir} holds {len(problems)} problem(s); nothing was uploaded",
            details=tuple(problems),
            advice="keep exactly one file per distribution in packages-dir, as built (python "
            "-m build writes normalised names), and no links leaving it",
        )
    if not dists:
        listing = ", ".join(
            printable(p.name, one_line=True) + ("/" if p.is_dir() else "") for p in entries
        )
        raise InputError(
            f"no wheels or sdists in {packages_dir} (it holds: {listing or 'nothing'})",
            advice="build the distributions first, or point 'packages-dir' at them",
        )
    return Discovery(tuple(dists), tuple(ignored))


def discover_files(files: Sequence[Path]) -> Discovery:
    """The distributions given as arguments (already expanded and named like distributions,
    see `sources.files`), held to the rules of packages-dir: each file's folder is its root."""
    problems = []
    for path in files:
        problem = _problem(path, path.parent.resolve())
        if problem is not None:
            problems.append(f"{printable(str(path), one_line=True)}: {problem}")
    problems += _collisions(list(files))
    if problems:
        raise DistributionError(
            f"{len(problems)} problem(s) with the files given; nothing was uploaded",
            details=tuple(problems),
            advice="give each distribution once, as built (python -m build writes normalised "
            "names), and no links leaving their folder",
        )
    return Discovery(tuple(files), ())


def _problem(entry: Path, root: Path) -> str | None:
    if printable(entry.name, one_line=True) != entry.name:
        return "control characters in the file name"
    if entry.is_symlink():
        try:
            target = entry.resolve(strict=True)
        except (OSError, RuntimeError):
            return "a link to nothing (dangling)"
        if not target.is_relative_to(root):
            return f"a link to {printable(str(target))}, outside packages-dir"
    try:
        mode = entry.stat().st_mode
    except FileNotFoundError:  # gone since it was named
        return "no such file"
    if stat.S_ISDIR(mode):
        return "a folder named like a distribution"
    if not stat.S_ISREG(mode):
        return "not a regular file (a FIFO, socket or device)"
    return None


def _collisions(dists: list[Path]) -> list[str]:
    groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for path in dists:
        key = file_key(path.name)
        if key[0] != "other":
            groups[key].append(path.name)
    return [
        f"{', '.join(names)}: one distribution to an index (the names normalise to the "
        "same), uploaded twice it would be a mismatch or an overwrite"
        for names in groups.values()
        if len(names) > 1
    ]
