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
    md5: str

    def get(self, algorithm: str) -> str | None:
        return {"sha256": self.sha256, "blake2b_256": self.blake2b_256, "md5": self.md5}.get(
            algorithm
        )


def hash_file(path: Path) -> Hashes:
    sha256 = hashlib.sha256()
    blake2 = hashlib.blake2b(digest_size=32)
    md5 = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            sha256.update(chunk)
            blake2.update(chunk)
            md5.update(chunk)
    return Hashes(sha256.hexdigest(), blake2.hexdigest(), md5.hexdigest())
