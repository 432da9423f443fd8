"""A distribution as the rest of the run sees it: verified, parsed, hashed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from packaging.metadata import RawMetadata
from packaging.utils import NormalizedName
from packaging.version import Version

from publish_action.distributions.hashing import Hashes


@dataclass(frozen=True)
class Distribution:
    path: Path
    project: NormalizedName
    version: Version
    kind: str  # "wheel" or "sdist"
    size: int
    metadata: RawMetadata
    pyversion: str  # "source" for sdists, the wheel's python tag otherwise
    hashes: Hashes  # of the bytes inspected: the upload checks it sends the same ones

    @property
    def filename(self) -> str:
        return self.path.name

    @property
    def filetype(self) -> str:
        return "bdist_wheel" if self.kind == "wheel" else "sdist"
