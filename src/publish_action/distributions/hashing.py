"""File digests computed in one streaming pass: memory stays flat whatever the file size."""

from __future__ import annotations

import hashlib
from concurrent.futures import CancelledError, Executor, Future
from dataclasses import dataclass
from pathlib import Path

from publish_action.errors import DistributionError

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


class Digests:
    """A file's `Hashes`, perhaps still being computed: inspection starts the hashing and
    moves on, so the check and the uploads begin while the digests are made, and each upload
    waits only for its own file's (for large files the hashing took as long as a second
    before anything was sent). Asked after its executor was shut down with the job
    cancelled, it hashes the file there and then."""

    __slots__ = ("_future", "_md5", "_path")

    def __init__(self, future: Future[Hashes], path: Path, *, md5: bool = False) -> None:
        self._future, self._path, self._md5 = future, path, md5

    @classmethod
    def of(cls, hashes: Hashes, path: Path = Path()) -> Digests:
        done: Future[Hashes] = Future()
        done.set_result(hashes)
        return cls(done, path)

    @classmethod
    def start(cls, path: Path, *, md5: bool, executor: Executor | None) -> Digests:
        """Hashing `path` on `executor`, or here and now without one."""
        if executor is None:
            return cls.of(hash_file(path, md5=md5), path)
        return cls(executor.submit(hash_file, path, md5=md5), path, md5=md5)

    def result(self) -> Hashes:
        try:
            try:
                return self._future.result()
            except CancelledError:
                return hash_file(self._path, md5=self._md5)
        except OSError as exc:
            raise DistributionError(
                f"{self._path.name} cannot be read any more ({exc.strerror or exc})",
                advice="keep packages-dir unchanged while the job runs; re-run it",
            ) from exc
