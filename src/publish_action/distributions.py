"""Find, inspect and validate the distributions in packages-dir, before any request is made.

Metadata is read from inside the archive without unpacking it, parsed and validated with
`packaging.metadata`, and every problem in every file is reported together.
"""

from __future__ import annotations

import tarfile
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from packaging.metadata import ExceptionGroup, InvalidMetadata, Metadata, RawMetadata, parse_email
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from publish_action.errors import DistributionError, InputError
from publish_action.hashing import Hashes, hash_file

_MAX_METADATA_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Distribution:
    path: Path
    project: NormalizedName
    version: Version
    kind: str  # "wheel" or "sdist"
    size: int
    metadata: RawMetadata
    pyversion: str  # "source" for sdists, the wheel's python tag otherwise
    known_hashes: Hashes | None = field(default=None, compare=False, repr=False)

    @property
    def hashes(self) -> Hashes:
        """Digests, computed on first use: files to upload are hashed by the upload worker,
        so one file hashes while another is sent (600 MB take ~1 s to hash here)."""
        if self.known_hashes is None:
            object.__setattr__(self, "known_hashes", hash_file(self.path))
        assert self.known_hashes is not None
        return self.known_hashes

    @property
    def filename(self) -> str:
        return self.path.name

    @property
    def filetype(self) -> str:
        return "bdist_wheel" if self.kind == "wheel" else "sdist"


@dataclass(frozen=True)
class Discovery:
    distributions: tuple[Path, ...]
    ignored: tuple[Path, ...]


def _is_distribution(name: str) -> bool:
    return name.endswith((".whl", ".tar.gz", ".zip"))


def discover(packages_dir: Path) -> Discovery:
    if not packages_dir.is_dir():
        what = "is not a folder" if packages_dir.exists() else "does not exist"
        raise InputError(
            f"packages-dir {packages_dir} {what}",
            advice="build first (python -m build) or set 'packages-dir' to where the "
            "wheels and sdists are",
        )
    entries = sorted(packages_dir.iterdir())
    dists = tuple(p for p in entries if p.is_file() and _is_distribution(p.name))
    ignored = tuple(p for p in entries if p not in dists)
    if not dists:
        listing = ", ".join(p.name + ("/" if p.is_dir() else "") for p in entries) or "nothing"
        raise InputError(
            f"no wheels or sdists in {packages_dir} (it holds: {listing})",
            advice="build the distributions first, or point 'packages-dir' at them",
        )
    return Discovery(dists, ignored)


class _Inspection:
    """Inspects one file, collecting problems instead of stopping at the first."""

    def __init__(self, path: Path, verify: bool) -> None:
        self.path = path
        self.verify = verify
        self.problems: list[str] = []

    def run(self) -> Distribution | None:
        parsed = self._parse_filename()
        if parsed is None:
            return None
        kind, project, version, pyversion = parsed
        raw_bytes = self._read_metadata(kind)
        if raw_bytes is None:
            return None
        raw = self._parse_metadata(raw_bytes)
        if raw is None:
            return None
        self._check_identity(raw, project, version)
        if self.problems:
            return None
        return Distribution(
            path=self.path,
            project=project,
            version=version,
            kind=kind,
            size=self.path.stat().st_size,
            metadata=raw,
            pyversion=pyversion,
        )

    def _parse_filename(self) -> tuple[str, NormalizedName, Version, str] | None:
        name = self.path.name
        try:
            if name.endswith(".whl"):
                project, version, _build, tags = parse_wheel_filename(name)
                pyversions = sorted({tag.interpreter for tag in tags})
                return "wheel", project, version, ".".join(pyversions)
            project, version = parse_sdist_filename(name)
        except (InvalidWheelFilename, InvalidSdistFilename) as exc:
            self.problems.append(f"invalid file name: {exc}")
            return None
        return "sdist", project, version, "source"

    def _read_metadata(self, kind: str) -> bytes | None:
        try:
            if kind == "wheel" or self.path.name.endswith(".zip"):
                return self._from_zip(kind)
            return self._from_tar()
        except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError, zlib.error) as exc:
            self.problems.append(f"cannot read the archive ({exc or type(exc).__name__})")
            return None

    def _from_zip(self, kind: str) -> bytes | None:
        with zipfile.ZipFile(self.path) as archive:
            suffix = ".dist-info/METADATA" if kind == "wheel" else "/PKG-INFO"
            names = [n for n in archive.namelist() if n.count("/") == 1 and n.endswith(suffix)]
            if len(names) != 1:
                self._missing(suffix.lstrip("/"), names)
                return None
            info = archive.getinfo(names[0])
            if info.file_size > _MAX_METADATA_BYTES:
                self.problems.append(f"{names[0]} is larger than 16 MiB")
                return None
            return archive.read(info)

    def _from_tar(self) -> bytes | None:
        with tarfile.open(self.path, mode="r:*") as archive:
            for member in archive:
                if member.name.count("/") == 1 and member.name.endswith("/PKG-INFO"):
                    stream = archive.extractfile(member)
                    if stream is None:
                        break
                    return stream.read(_MAX_METADATA_BYTES)
        self._missing("PKG-INFO", [])
        return None

    def _missing(self, what: str, found: Sequence[str]) -> None:
        extra = f" (found {len(found)}: {', '.join(found)})" if found else ""
        self.problems.append(f"no single top-level {what} in the archive{extra}")

    def _parse_metadata(self, data: bytes) -> RawMetadata | None:
        raw, unparsed = parse_email(data)
        if not self.verify:
            if "name" not in raw or "version" not in raw:
                self.problems.append("metadata lacks Name or Version")
                return None
            return raw
        for header in sorted(unparsed):
            if header.lower() in _TOLERATED_UNKNOWN:
                continue
            self.problems.append(f"metadata field {header!r} is unknown or malformed")
        try:
            Metadata.from_raw(raw, validate=True)
        except ExceptionGroup as group:
            for exc in _flatten(group.exceptions):
                self.problems.append(_describe(exc))
            return None
        return raw

    def _check_identity(self, raw: RawMetadata, project: NormalizedName, version: Version) -> None:
        meta_name = raw.get("name", "")
        if canonicalize_name(meta_name) != project:
            self.problems.append(
                f"file name says project {project!r} but metadata Name is {meta_name!r}"
            )
        meta_version = raw.get("version", "")
        try:
            same = Version(meta_version) == version
        except ValueError:
            same = False
        if not same:
            self.problems.append(
                f"file name says version {version} but metadata Version is {meta_version!r}"
            )


# Some backends write headers the core-metadata spec doesn't list; indexes ignore them.
_TOLERATED_UNKNOWN = {"license-file", "license-files"}


def _flatten(excs: Iterable[Exception]) -> Iterable[Exception]:
    for exc in excs:
        if isinstance(exc, ExceptionGroup):
            yield from _flatten(exc.exceptions)
        else:
            yield exc


def _describe(exc: Exception) -> str:
    if isinstance(exc, InvalidMetadata) and exc.field not in str(exc):
        return f"metadata field {exc.field!r}: {exc}"
    return f"metadata: {exc}"


def inspect(paths: Sequence[Path], *, verify: bool, workers: int = 4) -> tuple[Distribution, ...]:
    """Inspect every file; raise one DistributionError listing every problem found."""

    def one(path: Path) -> tuple[Distribution | None, list[str]]:
        inspection = _Inspection(path, verify)
        return inspection.run(), inspection.problems

    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(paths)))) as pool:
        results = list(pool.map(one, paths))
    problems = [
        f"{path.name}: {text}"
        for path, (_, texts) in zip(paths, results, strict=True)
        for text in texts
    ]
    if problems:
        count = len({p.split(":", 1)[0] for p in problems})
        raise DistributionError(
            f"{count} of {len(paths)} distribution(s) are invalid; nothing was uploaded",
            details=tuple(problems),
            advice="rebuild them (python -m build) and check the metadata in pyproject.toml",
        )
    return tuple(d for d, _ in results if d is not None)

