"""Small, valid distributions written directly (no build backend), for unit tests.

Each follows the specs exactly — a wheel with METADATA, WHEEL and a RECORD whose sha256 and
sizes match; an sdist that is a gzip tar with one top folder and its PKG-INFO — so that a test
changes exactly what it means to. Real builds live in `tests.support.samples`.
"""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import zipfile
from collections.abc import Mapping
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import Version

from publish_action.distributions import Distribution
from publish_action.distributions.hashing import Hashes

METADATA = "Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: s\n"


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}\n"


def write_wheel(
    folder: Path,
    name: str,
    version: str,
    metadata: str | None = None,
    *,
    members: Mapping[str, bytes] | None = None,
) -> Path:
    """`{name}-{version}-py3-none-any.whl`, with a correct RECORD."""
    stem = name.replace("-", "_")
    dist_info = f"{stem}-{version}.dist-info"
    text = metadata if metadata is not None else METADATA.format(name=name, version=version)
    files: dict[str, bytes] = {f"{stem}/__init__.py": b"", **(members or {})}
    files[f"{dist_info}/METADATA"] = text.encode()
    files[f"{dist_info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
    record = "".join(_record_line(n, d) for n, d in files.items()) + f"{dist_info}/RECORD,,\n"
    files[f"{dist_info}/RECORD"] = record.encode()
    path = folder / f"{stem}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member, data in files.items():
            archive.writestr(member, data)
    return path


def write_sdist(folder: Path, name: str, version: str, metadata: str | None = None) -> Path:
    """`{name}-{version}.tar.gz`: one top folder holding PKG-INFO and a module."""
    stem = f"{name.replace('-', '_')}-{version}"
    text = metadata if metadata is not None else METADATA.format(name=name, version=version)
    path = folder / f"{stem}.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for member, data in (
            (f"{stem}/PKG-INFO", text.encode()),
            (f"{stem}/src/{name.replace('-', '_')}.py", b""),
        ):
            info = tarfile.TarInfo(member)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def distribution(
    filename: str = "demo-1.0.tar.gz",
    *,
    project: str = "demo",
    version: str = "1.0",
    size: int = 10,
    sha256: str = "a" * 64,
    folder: Path = Path("/nowhere"),
) -> Distribution:
    """A `Distribution` as `inspect` would make it, without a file: for code that only reads
    its fields (plans, ledgers, reports)."""
    return Distribution(
        path=folder / filename,
        project=canonicalize_name(project),
        version=Version(version),
        kind="wheel" if filename.endswith(".whl") else "sdist",
        size=size,
        metadata={"metadata_version": "2.1", "name": project, "version": version},
        pyversion="py3" if filename.endswith(".whl") else "source",
        hashes=Hashes(sha256, "b" * 64, "c" * 32),
    )
