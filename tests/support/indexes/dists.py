"""Tiny real distributions and a twine-like legacy upload, for driving the stand-ins directly.

``sdist``/``wheel`` build byte-reproducible archives in memory (a different ``payload`` gives the
same file name with other bytes); ``legacy_upload`` posts the form twine and uv send.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
import zipfile
from typing import Any

import httpx
from packaging.utils import canonicalize_name

__all__ = ["legacy_upload", "sdist", "upload_form", "wheel"]

_EPOCH = (2023, 11, 14, 22, 13, 20)


def _metadata(name: str, version: str, requires_python: str) -> bytes:
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    if requires_python:
        lines.append(f"Requires-Python: {requires_python}")
    return ("\n".join(lines) + "\n\n").encode()


def sdist(
    name: str = "demo", version: str = "1.0", payload: str = "", requires_python: str = ""
) -> tuple[str, bytes]:
    """(``<name>-<version>.tar.gz``, bytes) of a minimal sdist with PKG-INFO."""
    base = f"{canonicalize_name(name).replace('-', '_')}-{version}"
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for member, data in (
            (f"{base}/PKG-INFO", _metadata(name, version, requires_python)),
            (f"{base}/payload.txt", payload.encode()),
        ):
            info = tarfile.TarInfo(member)
            info.size, info.mtime = len(data), 1_700_000_000
            tar.addfile(info, io.BytesIO(data))
    packed = gzip.compress(raw.getvalue(), mtime=0)
    return f"{base}.tar.gz", packed


def wheel(
    name: str = "demo", version: str = "1.0", payload: str = "", requires_python: str = ""
) -> tuple[str, bytes]:
    """(``<name>-<version>-py3-none-any.whl``, bytes) with a real METADATA."""
    dist = canonicalize_name(name).replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for member, data in (
            (f"{dist}/__init__.py", f"# {payload}\n".encode()),
            (f"{info}/METADATA", _metadata(name, version, requires_python)),
            (f"{info}/WHEEL", b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
            (f"{info}/RECORD", b""),
        ):
            archive.writestr(zipfile.ZipInfo(member, _EPOCH), data)
    return f"{dist}-{version}-py3-none-any.whl", out.getvalue()


def upload_form(filename: str, content: bytes, **overrides: Any) -> dict[str, Any]:
    """The text fields of a legacy upload, as twine sends them (``None`` drops a field)."""
    name, _, rest = filename.partition("-")
    version = rest.split("-")[0].removesuffix(".tar.gz").removesuffix(".zip")
    fields: dict[str, Any] = {
        ":action": "file_upload",
        "protocol_version": "1",
        "name": name,
        "version": version,
        "filetype": "bdist_wheel" if filename.endswith(".whl") else "sdist",
        "pyversion": "py3" if filename.endswith(".whl") else "source",
        "metadata_version": "2.1",
        "sha256_digest": hashlib.sha256(content).hexdigest(),
        "md5_digest": hashlib.md5(content, usedforsecurity=False).hexdigest(),
        "blake2_256_digest": hashlib.blake2b(content, digest_size=32).hexdigest(),
        "requires_python": "",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def legacy_upload(
    client: httpx.Client,
    url: str,
    filename: str,
    content: bytes,
    auth: tuple[str, str] | None,
    *,
    headers: dict[str, str] | None = None,
    **overrides: Any,
) -> httpx.Response:
    return client.post(
        url,
        data=upload_form(filename, content, **overrides),
        files={"content": (filename, content, "application/octet-stream")},
        auth=httpx.BasicAuth(*auth) if auth is not None else httpx.USE_CLIENT_DEFAULT,
        headers=headers,
    )
