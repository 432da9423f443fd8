"""What a run did, file by file: the outcomes every reporter shows and the report records."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from publish_action.distributions.hashing import Hashes
from publish_action.errors import PublishError

if TYPE_CHECKING:
    from publish_action.distributions import Distribution


class Status(Enum):
    UPLOADED = "uploaded"
    SKIPPED_IDENTICAL = "skipped-identical"
    SKIPPED_EXISTING = "skipped-existing"
    MISMATCH = "mismatch"
    FAILED = "failed"
    WOULD_UPLOAD = "would-upload"  # dry-run
    NOT_ATTEMPTED = "not-attempted"  # an earlier failure stopped the run first
    INTERRUPTED = "interrupted"  # the run was stopped while this file was being sent

    @property
    def ok(self) -> bool:
        return self in (
            Status.UPLOADED,
            Status.SKIPPED_IDENTICAL,
            Status.SKIPPED_EXISTING,
            Status.WOULD_UPLOAD,
        )


@dataclass(frozen=True)
class FileOutcome:
    filename: str
    project: str
    version: str
    size: int
    status: Status
    hashes: Hashes
    seconds: float = 0.0
    message: str = ""  # the index's own words, or why this outcome
    remote_hash: str = ""  # "algorithm=hex" of the index's copy, when it differs

    @classmethod
    def of(
        cls,
        dist: Distribution,
        status: Status,
        seconds: float = 0.0,
        message: str = "",
        remote: str = "",
    ) -> FileOutcome:
        """The outcome of one distribution."""
        return cls(
            filename=dist.filename,
            project=dist.project,
            version=str(dist.version),
            size=dist.size,
            status=status,
            hashes=dist.hashes,
            seconds=seconds,
            message=message,
            remote_hash=remote,
        )


@dataclass(frozen=True)
class RunResult:
    outcomes: tuple[FileOutcome, ...]
    exit_code: int
    seconds: float
    dry_run: bool = False
    error: PublishError | None = None
    repository_url: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    report_path: Path | None = None  # where the JSON report was written, if it was
    # A dry run that got as far as the credentials: whether the index proved them, and how
    # (or why it could not). None otherwise.
    credentials_verified: bool | None = None
    credentials_note: str = ""

    def count(self, *statuses: Status) -> int:
        return sum(1 for o in self.outcomes if o.status in statuses)


@dataclass(frozen=True)
class Transfer:
    """Where the uploads stand, for a live display: bytes through of the planned total (a
    finished file counts whole, whatever its outcome) and each file in flight."""

    files: int  # uploads planned
    done: int  # uploads finished
    total: int  # bytes planned
    sent: int  # bytes through so far
    in_flight: tuple[tuple[str, int, int], ...] = ()  # (file name, bytes sent, size)
    over: bool = False  # the uploads are over: the display goes


def human_size(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")  # pragma: no cover
