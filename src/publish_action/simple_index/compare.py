"""Deciding "same bytes or not" from the hashes an index lists."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from publish_action.distributions import Distribution
    from publish_action.simple_index.page import RemoteFile

# Strongest first; md5 alone is not trusted to decide a skip.
STRONG = ("sha256", "sha512", "sha384", "blake2b_256", "sha224")


@dataclass(frozen=True)
class Comparison:
    identical: bool
    algorithm: str  # "sha256", ...
    local: str
    remote: str

    @property
    def remote_label(self) -> str:
        return f"{self.algorithm}={self.remote}"


def by_listed_hash(
    remote: RemoteFile, local: Distribution, *, md5_is_enough: bool = False
) -> Comparison | None:
    """The comparison by the strongest hash the index lists; None when it lists none that may
    decide (then the bytes must be downloaded).

    md5 may not decide a skip (collisions are cheap), but after our own upload it is enough to
    confirm the index holds what we sent, without downloading it again.
    """
    algorithms = (*STRONG, "md5") if md5_is_enough else STRONG
    for algorithm in algorithms:
        theirs = remote.hashes.get(algorithm)
        if theirs:
            ours = local_digest(local, algorithm)
            return Comparison(ours == theirs, algorithm, ours, theirs)
    return None


def local_digest(dist: Distribution, algorithm: str) -> str:
    known = dist.hashes.get(algorithm)
    if known:
        return known
    digest = hashlib.new(algorithm)
    with dist.path.open("rb") as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()
