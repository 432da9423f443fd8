"""An sdist verified as PEP 625 and the sdist spec define it: a gzip-compressed tar, read to the
end, holding one top folder `{name}-{version}/` with one `PKG-INFO`, and no member that an
unpacker could be tricked with (paths leaving the folder, links out of it, devices).

The gzip stream is inflated here, not by `tarfile`, so that its size is bounded while reading,
its CRC and length are checked, and nothing may hide after it (a second gzip member or data
after the tar's end: tools that read past the end marker would see other files).
"""

from __future__ import annotations

import io
import tarfile
import zlib
from pathlib import Path
from typing import BinaryIO

from publish_action.distributions.limits import CHUNK, MAX_METADATA, Budget, Problem, Refused
from publish_action.distributions.paths import link_escapes, unsafe_name

_MAGIC = (
    (b"\xfd7zXZ\x00", "an xz-compressed tar"),
    (b"BZh", "a bzip2-compressed tar"),
    (b"PK\x03\x04", "a zip archive"),
    (b"(\xb5/\xfd", "a zstd-compressed file"),
)


class _Gunzip(io.RawIOBase):
    """The inflated bytes of one gzip stream, counted against the budget."""

    def __init__(self, raw: BinaryIO, budget: Budget) -> None:
        self._raw = raw
        self._budget = budget
        self._inflate = zlib.decompressobj(31)  # gzip wrapper: header, CRC-32, length
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            if self._inflate.eof:
                return 0
            data = self._inflate.unconsumed_tail or self._raw.read(CHUNK)
            if not data:
                raise Refused(Problem("the gzip stream is cut short: a truncated file"))
            try:
                self._pending = self._inflate.decompress(data, CHUNK)
            except zlib.error as exc:
                raise Refused(Problem(f"the gzip stream is corrupt ({exc})")) from None
            self._budget.spend(len(self._pending))
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count

    def finish(self) -> None:
        """Read what follows the tar's end: only zero padding, then nothing after the stream."""
        while chunk := self.read(CHUNK):
            if chunk.strip(b"\0"):
                raise Refused(Problem("data after the end of the tar archive (hidden members?)"))
        if self._inflate.unused_data or self._raw.read(1):
            raise Refused(
                Problem(
                    "data after the end of the gzip stream (a second gzip "
                    "member, or trailing garbage)"
                )
            )


def _kind(head: bytes) -> str | None:
    """What a file that should be gzip is, when it is something else."""
    if head.startswith(b"\x1f\x8b"):
        return None
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if len(head) > 262 and head[257:262] == b"ustar":
        return "an uncompressed tar"
    return "not gzip-compressed data"


def read_sdist(path: Path) -> tuple[bytes | None, str, list[Problem]]:
    """PKG-INFO's bytes (None when unusable), its member name, and every problem found."""
    if not path.name.endswith(".tar.gz"):
        return (
            None,
            "",
            [
                Problem(
                    "a .zip sdist: PEP 625 makes sdists .tar.gz files (gzip tar); "
                    "build it with `python -m build --sdist`"
                )
            ],
        )
    top = path.name.removesuffix(".tar.gz")
    problems: list[Problem] = []
    with path.open("rb") as raw:
        what = _kind(raw.read(512))
        if what is not None:
            return (
                None,
                "",
                [
                    Problem(
                        f"named .tar.gz but is {what}: an sdist is a gzip-compressed tar (PEP 625)"
                    )
                ],
            )
        raw.seek(0)
        gunzip = _Gunzip(raw, Budget(path.stat().st_size))
        try:
            metadata = _members(io.BufferedReader(gunzip, CHUNK), top, problems)
            gunzip.finish()
        except Refused as refused:
            return None, "", [*problems, refused.problem]
    if metadata is None:
        problems.append(Problem(f"{top}/PKG-INFO is missing"))
    return metadata, f"{top}/PKG-INFO", problems


def _members(stream: io.BufferedReader, top: str, problems: list[Problem]) -> bytes | None:
    metadata: bytes | None = None
    seen: set[str] = set()
    outside: list[str] = []
    try:
        with tarfile.open(fileobj=stream, mode="r|") as archive:
            for member in archive:
                name = member.name.rstrip("/") if member.isdir() else member.name
                problem = _member_problem(member, name, top, seen)
                if problem is not None:
                    problems.append(Problem(problem, name))
                if name != top and not name.startswith(top + "/"):
                    outside.append(name)
                if member.isfile() and name in seen:
                    problems.append(
                        Problem(
                            "appears twice in the archive (unpacking keeps the last copy)", name
                        )
                    )
                seen.add(name)
                if name == f"{top}/PKG-INFO" and member.isfile():
                    metadata = _read_pkg_info(archive, member, name)
    except tarfile.TarError as exc:
        raise Refused(Problem(f"not a valid tar archive inside the gzip stream ({exc})")) from None
    if outside:
        shown = ", ".join(outside[:3]) + (
            f" and {len(outside) - 3} more" if len(outside) > 3 else ""
        )
        problems.append(
            Problem(
                f"members outside the one top folder {top}/ that the file name calls for: {shown}"
            )
        )
    return metadata


def _member_problem(member: tarfile.TarInfo, name: str, top: str, seen: set[str]) -> str | None:
    why = unsafe_name(name)
    if why is not None:
        return f"unsafe member name: {why}"
    if member.issym() and link_escapes(name, member.linkname, top):
        return f"a symbolic link to {member.linkname!r}, outside the sdist's folder"
    if member.islnk() and (member.linkname not in seen or unsafe_name(member.linkname)):
        return f"a hard link to {member.linkname!r}, which is not a file before it in the sdist"
    if not (member.isfile() or member.isdir() or member.issym() or member.islnk()):
        return "a device, FIFO or other special file"
    return None


def _read_pkg_info(archive: tarfile.TarFile, member: tarfile.TarInfo, name: str) -> bytes:
    if member.size > MAX_METADATA:
        raise Refused(
            Problem(
                f"is {member.size // (1024 * 1024)} MiB: metadata is capped at "
                f"{MAX_METADATA // (1024 * 1024)} MiB",
                name,
            )
        )
    data = archive.extractfile(member)
    assert data is not None  # a regular file
    return data.read(MAX_METADATA + 1)
