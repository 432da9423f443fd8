"""The in-memory file store every stand-in keeps: files by name, with their real hashes."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename

__all__ = ["Store", "StoredFile", "make_file", "project_version"]


@dataclass
class StoredFile:
    filename: str
    project: str
    """Normalized project name (PEP 503)."""
    name: str
    """The project name as the client spelled it."""
    version: str
    content: bytes
    sha256: str
    md5: str
    blake2_256: str
    uploaded: float
    requires_python: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    """Form fields the index kept (each index drops what it does not store)."""
    listed_sha256: str | None = None
    """The sha256 the index lists, when not the real one (GitLab lists the client's value)."""
    visible_at: float = 0.0
    """Asynchronous indexes: not listed before this time."""

    @property
    def shown_sha256(self) -> str:
        return self.sha256 if self.listed_sha256 is None else self.listed_sha256


def project_version(filename: str) -> tuple[str, str]:
    """Normalized project name and version from a wheel or sdist file name."""
    if filename.endswith(".whl"):
        name, version, *_ = parse_wheel_filename(filename)
    else:
        name, version = parse_sdist_filename(filename)
    return str(name), str(version)


def make_file(
    filename: str,
    content: bytes,
    *,
    name: str | None = None,
    version: str | None = None,
    uploaded: float | None = None,
    **extra: Any,
) -> StoredFile:
    """A StoredFile with the real hashes of ``content``."""
    try:
        project, parsed_version = project_version(filename)
    except ValueError:
        project, parsed_version = canonicalize_name(name or filename), version or "0"
    return StoredFile(
        filename=filename,
        project=canonicalize_name(name) if name else project,
        name=name or project,
        version=version or parsed_version,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        md5=hashlib.md5(content, usedforsecurity=False).hexdigest(),
        blake2_256=hashlib.blake2b(content, digest_size=32).hexdigest(),
        uploaded=time.time() if uploaded is None else uploaded,
        **extra,
    )


class Store:
    """One repository's files, by file name, plus release creation times and deleted names."""

    def __init__(self) -> None:
        self.files: dict[str, StoredFile] = {}
        self.deleted: set[str] = set()
        self.release_created: dict[tuple[str, str], float] = {}

    def put(self, stored: StoredFile) -> None:
        self.files[stored.filename] = stored
        self.release_created.setdefault((stored.project, stored.version), stored.uploaded)

    def project_files(self, project: str, *, now: float | None = None) -> list[StoredFile]:
        project = canonicalize_name(project)
        now = time.time() if now is None else now
        return sorted(
            (f for f in self.files.values() if f.project == project and f.visible_at <= now),
            key=lambda f: f.filename,
        )

    def projects(self) -> set[str]:
        return {f.project for f in self.files.values()}
