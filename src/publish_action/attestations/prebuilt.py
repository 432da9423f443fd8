"""Attestations already in packages-dir: `<file>.<kind>.attestation` beside a distribution, as
`pypi-attestations sign`, uv, gh-action-pypi-publish or an earlier job write them.

Each goes with the file its name starts with, and only with that file: the statement inside
must name that file and its sha256 (checked in `verify`, with the signature). A
`<file>.publish.attestation` stands for this run's own publish attestation: the file is not
signed again (the index takes one attestation per kind). Attestation files for files this run
does not upload (already on the index, or not here) are left alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from publish_action.attestations.identity import MAX_PER_FILE, SUFFIX
from publish_action.errors import AttestationError

if TYPE_CHECKING:
    from publish_action.distributions import Distribution
    from publish_action.reporting import Reporter

PUBLISH_SUFFIX = f".publish{SUFFIX}"


@dataclass(frozen=True)
class Prebuilt:
    by_file: dict[str, list[Path]]  # distribution file name → its attestation files
    unmatched: tuple[Path, ...] = ()  # attestation files of no file this run uploads

    def __bool__(self) -> bool:
        return bool(self.by_file)

    @property
    def paths(self) -> list[Path]:
        return [path for paths in self.by_file.values() for path in paths]

    def has_publish(self, filename: str) -> bool:
        return any(p.name == filename + PUBLISH_SUFFIX for p in self.by_file.get(filename, []))

    def names(self) -> str:
        return ", ".join(p.name for p in self.paths)


def find(dists: Sequence[Distribution], folders: Iterable[Path] = ()) -> Prebuilt:
    """The attestation files beside `dists` (the files about to be uploaded), and those of
    no file among them in `folders` (where the run's other distributions are: packages-dir,
    or the folders of the files given as arguments). Each goes with the file of its folder
    whose name it starts with: one of the same name in another folder is not its own."""
    found: dict[str, list[Path]] = {}
    unmatched: list[Path] = []
    for folder in sorted(set(folders) | {d.path.parent for d in dists}):
        names = sorted(
            (d.filename for d in dists if d.path.parent == folder), key=len, reverse=True
        )
        try:
            entries = sorted(folder.iterdir())
        except OSError as exc:
            raise AttestationError(
                f"cannot list {folder} for attestation files",
                advice="nothing was uploaded; check the folder's permissions",
            ) from exc
        for path in entries:
            if not path.name.endswith(SUFFIX) or not path.is_file():
                continue
            stem = path.name[: -len(SUFFIX)]
            owner = next((n for n in names if stem.startswith(n + ".")), None)
            if owner is None:
                unmatched.append(path)
            else:
                found.setdefault(owner, []).append(path)
    return Prebuilt(found, tuple(unmatched))


def report_left_alone(reporter: Reporter, paths: Sequence[Path]) -> None:
    """Verbose only: an attestation of a file not uploaded is neither read nor sent (the index
    takes attestations only with their file's upload)."""
    for path in paths:
        reporter.debug(
            f"attestations: {path.name} in packages-dir left alone: its file is not uploaded "
            "by this run (already on the index, or not in packages-dir)"
        )


def all_in(folders: Iterable[Path]) -> tuple[Path, ...]:
    """Every attestation file in `folders`; none when one cannot be listed (nothing is read
    from it then)."""
    try:
        return find((), folders).unmatched
    except AttestationError:
        return ()


def check_count(prebuilt: Prebuilt, signing: set[str]) -> None:
    """At most one attestation per kind reaches the index: two files, plus ours, is too many."""
    for owner, paths in prebuilt.by_file.items():
        ours = 1 if owner in signing else 0
        if len(paths) + ours > MAX_PER_FILE:
            also = " plus this run's publish attestation" if ours else ""
            raise AttestationError(
                f"too many attestations for {owner}: {', '.join(p.name for p in paths)} in "
                f"packages-dir{also}",
                advice=f"the index accepts at most {MAX_PER_FILE} per file, one per predicate "
                "type: keep at most one attestation file per kind for each distribution",
            )


def not_sent_without_publisher(prebuilt: Prebuilt, index: str, why: str) -> str:
    """The index takes attestations only with a trusted publisher's token: the files are
    uploaded without them (as twine and gh-action-pypi-publish do with a token), and the line
    says what is lost: no index takes an attestation for a file already uploaded."""
    return (
        f"attestations: not sent: {index} accepts attestations only from a trusted publisher, "
        f"and {why}; {prebuilt.names()} stay here and the files are uploaded without them "
        "(an index never takes an attestation for a file already uploaded). To keep them, "
        "publish with trusted publishing from the workflow that signed them"
    )
