"""File digests computed in one streaming pass: memory stays flat whatever the file size."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Hashes:
    sha256: str
    blake2b_256: str
    # Only when shown (print-hash): md5 decides nothing here, no index needs it sent, and it
    # is the slowest of the three (~0.2 s per 100 MB); a comparison that needs it computes it.
    md5: str | None = None

    def get(self, algorithm: str) -> str | None:
        return {"sha256": self.sha256, "blake2b_256": self.blake2b_256, "md5": self.md5}.get(
            algorithm
        )


def hash_file(path: Path, *, md5: bool = True) -> Hashes:
    sha256 = hashlib.sha256()
    blake2 = hashlib.blake2b(digest_size=32)
    legacy = hashlib.md5(usedforsecurity=False) if md5 else None
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            sha256.update(chunk)
            blake2.update(chunk)
            if legacy is not None:
                legacy.update(chunk)
    return Hashes(sha256.hexdigest(), blake2.hexdigest(), legacy.hexdigest() if legacy else None)
