"""Helpers shared by the tests of this package."""

from __future__ import annotations

from publish_action.distributions.hashing import Hashes
from publish_action.reporting import FileOutcome, Status

HASHES = Hashes("a" * 64, "b" * 64, "c" * 32)


def outcome(status: Status, message: str = "") -> FileOutcome:
    return FileOutcome("demo-1.0.tar.gz", "demo", "1.0", 2_500_000, status, HASHES, 0.5, message)
