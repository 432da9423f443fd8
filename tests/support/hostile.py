"""A factory of HOSTILE and BROKEN distributions, crafted byte by byte, for the hostile-input suite.

Every case starts from a REAL wheel and sdist of the project ``hostile-sample 1.0`` built by
hatchling through :mod:`tests.support.samples` (reproducible: ``SOURCE_DATE_EPOCH`` is pinned),
and changes exactly one thing. The archives are re-serialised by the small ZIP, tar and gzip
writers below, which reproduce the real build byte for byte when nothing is changed (the
self-tests prove it), so a case differs from the baseline only by its defect.

* :func:`valid_pair` writes the untouched real wheel + sdist (the baseline).
* :func:`all_cases` lists every :class:`HostileCase`; :func:`by_defect` and :func:`get` look
  cases up. ``case.make(folder)`` writes the file(s) into ``folder`` and returns their paths.
* ``case.defect`` is a short tag of WHAT is wrong (``"crc"``, ``"record-hash"``,
  ``"path-traversal"`` ...); ``case.member`` is the archive member the product's message should
  name, when there is one; ``case.scope`` says whether the defect is in a wheel, in an sdist or in
  the packages directory itself.

Everything is deterministic (fixed timestamps, no randomness) and cheap: each case's bytes are
computed once per process and cached, the bombs included. The bombs are built without ever
materialising the inflated data: the DEFLATE streams are written by hand (a dynamic-Huffman block
in which one 258-byte back-reference costs 2 bits, the format's maximum ratio of 1032:1) and
their CRC-32s are computed with zlib's ``crc32_combine`` algorithm, re-implemented here because
Python's :mod:`zlib` does not expose it. Nothing on disk is larger than about 1.1 MB.

File names are valid distribution file names (``hostile_sample-1.0-py3-none-any.whl``,
``hostile_sample-1.0.tar.gz``) unless the case is about the name, so the defect is inside.
"""

from __future__ import annotations

import bz2
import copy
import csv
import functools
import hashlib
import inspect
import io
import lzma
import os
import stat
import struct
import tarfile
import tempfile
import zipfile
import zlib
from base64 import urlsafe_b64encode
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from tests.support.samples import build_project

__all__ = [
    "BOMB_SIZE",
    "DIST_INFO",
    "GZIP_BOMB_SIZE",
    "HUGE_METADATA_SIZE",
    "OVERLAP_FILES",
    "OVERLAP_KERNEL_SIZE",
    "PROJECT",
    "SDIST_NAME",
    "TOP",
    "VERSION",
    "WHEEL_NAME",
    "HostileCase",
    "Scope",
    "all_cases",
    "by_defect",
    "defects",
    "get",
    "valid_pair",
]

PROJECT = "hostile-sample"
VERSION = "1.0"
WHEEL_NAME = "hostile_sample-1.0-py3-none-any.whl"
SDIST_NAME = "hostile_sample-1.0.tar.gz"
TOP = "hostile_sample-1.0"
"""The sdist's one top folder (``{name}-{version}``, PEP 625)."""
DIST_INFO = "hostile_sample-1.0.dist-info"
INIT = "hostile_sample/__init__.py"
METADATA = f"{DIST_INFO}/METADATA"
RECORD = f"{DIST_INFO}/RECORD"
PKG_INFO = f"{TOP}/PKG-INFO"

BOMB_SIZE = 256 * 1024 * 1024
"""What each single-member zip bomb really inflates to."""
BOMB_DECLARED_SIZE = 1024
"""What the lying zip bombs declare."""
OVERLAP_FILES = 256
OVERLAP_KERNEL_SIZE = 1024 * 1024
"""Fifield's overlap bomb: each of the ``OVERLAP_FILES`` members inflates to ~1 MiB."""
GZIP_BOMB_SIZE = 1024 * 1024 * 1024
"""The sdist gzip bomb's member size (1 GiB of zeros)."""
HUGE_METADATA_SIZE = 50 * 1024 * 1024

_EPOCH = 1_700_000_000  # tests.support.samples.SOURCE_DATE_EPOCH
_REGULAR = (stat.S_IFREG | 0o644) << 16
_SYMLINK = (stat.S_IFLNK | 0o777) << 16
_ZIP_LOCAL = struct.Struct("<4s2B4HL2L2H")
_ZIP_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_ZIP_END = struct.Struct("<4s4H2LH")
_HTML_404 = (
    b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n"
    b"<body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body>"
    b"</html>\n"
)

Scope = Literal["wheel", "sdist", "packages-dir"]


@dataclass(frozen=True)
class HostileCase:
    """One hostile or broken input.

    ``make(folder)`` writes the file(s) into ``folder`` (created if needed) and returns their
    paths. ``folder`` is meant to be the packages directory handed to the product; only
    ``dir-symlink-outside`` also writes next to it (``{folder}.outside/``), since its point is a
    target outside the folder.
    """

    id: str
    description: str
    defect: str
    make: Callable[[Path], list[Path]]
    scope: Scope = "wheel"
    member: str | None = None
    """The archive member at fault, which the product's message should name (None: the file)."""


# --------------------------------------------------------------------------------------------
# CRC-32 of data followed by many zero bytes (zlib's crc32_combine, in Python)


def _gf2_times(matrix: Sequence[int], vector: int) -> int:
    total = 0
    row = 0
    while vector:
        if vector & 1:
            total ^= matrix[row]
        vector >>= 1
        row += 1
    return total


def _gf2_square(matrix: Sequence[int]) -> list[int]:
    return [_gf2_times(matrix, matrix[row]) for row in range(32)]


def _crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """CRC-32 of ``A + B`` from ``crc32(A)``, ``crc32(B)`` and ``len(B)`` (zlib's algorithm)."""
    if len2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << row for row in range(31)]  # operator for one zero bit
    even = _gf2_square(odd)  # two zero bits
    odd = _gf2_square(even)  # four zero bits
    while True:
        even = _gf2_square(odd)
        if len2 & 1:
            crc1 = _gf2_times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = _gf2_square(even)
        if len2 & 1:
            crc1 = _gf2_times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


@functools.cache
def _crc32_zeros(count: int) -> int:
    """CRC-32 of ``count`` zero bytes, without allocating them."""
    if count <= 1 << 20:
        return zlib.crc32(bytes(count))
    half = count // 2
    return _crc32_combine(_crc32_zeros(count - half), _crc32_zeros(half), half)


def _crc32_then_zeros(data: bytes, count: int) -> int:
    return _crc32_combine(zlib.crc32(data), _crc32_zeros(count), count)


def _hash_zeros(digest: hashlib._Hash, count: int) -> hashlib._Hash:
    chunk = bytes(1 << 20)
    while count > 0:
        digest.update(chunk[: min(count, len(chunk))])
        count -= len(chunk)
    return digest


# --------------------------------------------------------------------------------------------
# DEFLATE (RFC 1951), partly by hand


class _Bits:
    """An LSB-first bit writer, as DEFLATE packs its bits."""

    def __init__(self) -> None:
        self.out = bytearray()
        self._acc = 0
        self._count = 0

    def put(self, value: int, width: int) -> None:
        self._acc |= value << self._count
        self._count += width
        while self._count >= 8:
            self.out.append(self._acc & 0xFF)
            self._acc >>= 8
            self._count -= 8

    def code(self, code: int, width: int) -> None:
        """A Huffman code, which DEFLATE stores most significant bit first."""
        self.put(int(f"{code:0{width}b}"[::-1], 2), width)

    def zeros(self, width: int) -> None:
        total = self._count + width
        if total < 8:
            self._count = total
            return
        self.out.append(self._acc & 0xFF)
        self._acc = 0
        total -= 8
        self.out += bytes(total // 8)
        self._count = total % 8

    def align(self) -> None:
        if self._count:
            self.out.append(self._acc & 0xFF)
        self._acc = 0
        self._count = 0


_CODE_LENGTH_ORDER = (16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15)


def _zero_run_block(bits: _Bits, matches: int, *, final: bool) -> int:
    """One dynamic-Huffman block: a literal 0, then ``matches`` copies of (length 258, distance 1).

    Its only codes are literal 0 (``10``), end-of-block (``11``), length 258 (``0``) and distance
    1 (``0``), so each back-reference costs 2 bits: 1032 output bytes per input byte, the most
    DEFLATE allows. Returns the number of zero bytes it inflates to.
    """
    bits.put(int(final), 1)
    bits.put(2, 2)  # BTYPE=10, dynamic Huffman codes
    bits.put(286 - 257, 5)  # HLIT: literal/length codes 0..285
    bits.put(1 - 1, 5)  # HDIST: one distance code
    bits.put(18 - 4, 4)  # HCLEN: code-length codes up to symbol 1 in the permuted order
    lengths = {18: 1, 1: 2, 2: 2}  # canonical codes: 18 -> 0, 1 -> 10, 2 -> 11
    for symbol in _CODE_LENGTH_ORDER[:18]:
        bits.put(lengths.get(symbol, 0), 3)
    # The 286 + 1 code lengths: literal 0 = 2, 255 zeros, end-of-block = 2, 28 zeros,
    # length 285 = 1, then distance 0 = 1.
    bits.code(0b11, 2)
    bits.code(0b0, 1)
    bits.put(138 - 11, 7)
    bits.code(0b0, 1)
    bits.put(117 - 11, 7)
    bits.code(0b11, 2)
    bits.code(0b0, 1)
    bits.put(28 - 11, 7)
    bits.code(0b10, 2)
    bits.code(0b10, 2)
    bits.code(0b10, 2)  # the literal 0
    bits.zeros(2 * matches)  # length 258 = "0", distance 1 = "0"
    bits.code(0b11, 2)  # end of block
    return 1 + 258 * matches


def _deflate(data: bytes, level: int = 6) -> bytes:
    """Raw DEFLATE exactly as :mod:`zipfile` writes it (level 6) or gzip -9 (level 9)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def _deflate_parts(parts: Sequence[bytes | int]) -> bytes:
    """A raw DEFLATE stream of ``parts``: bytes are compressed by zlib, an int is that many zeros.

    Large zero runs become hand-written blocks (:func:`_zero_run_block`), so a stream inflating
    to 1 GiB is built in milliseconds and takes about 1 MB.
    """
    bits = _Bits()
    pending = b""
    for part in parts:
        if isinstance(part, int) and part > 1 << 16:
            if pending:
                compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
                bits.out += compressor.compress(pending) + compressor.flush(zlib.Z_SYNC_FLUSH)
                pending = b""
            made = _zero_run_block(bits, (part - 1) // 258, final=False)
            bits.put(0, 3)  # an empty stored block re-aligns to a byte boundary
            bits.align()
            bits.out += b"\x00\x00\xff\xff"
            pending = bytes(part - made)
        else:
            pending += part if isinstance(part, bytes) else bytes(part)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    bits.out += compressor.compress(pending) + compressor.flush()
    return bytes(bits.out)


def _gzip(data: bytes) -> bytes:
    """gzip -9 of ``data`` with hatchling's header (mtime = SOURCE_DATE_EPOCH, no name)."""
    return _gzip_stream(_deflate(data, 9), zlib.crc32(data), len(data))


def _gzip_stream(deflated: bytes, crc: int, size: int) -> bytes:
    header = b"\x1f\x8b\x08\x00" + struct.pack("<L", _EPOCH) + b"\x02\xff"
    return header + deflated + struct.pack("<LL", crc, size & 0xFFFFFFFF)


# --------------------------------------------------------------------------------------------
# ZIP (APPNOTE.TXT), written field by field


_DateTime = tuple[int, int, int, int, int, int]


@dataclass(frozen=True)
class _ZipEntry:
    """One ZIP member. By default every field is honest; each override is a lie to tell."""

    name: str
    data: bytes | None = None
    raw: bytes | None = None
    """The stored (compressed) bytes; computed from ``data`` when None."""
    method: int = zipfile.ZIP_DEFLATED
    crc: int | None = None
    size: int | None = None
    external_attr: int = _REGULAR
    date_time: _DateTime = (2023, 11, 14, 22, 13, 20)  # SOURCE_DATE_EPOCH in UTC, as hatchling
    create_system: int = 3
    create_version: int = 20
    extract_version: int = 20
    flag_bits: int = 0
    internal_attr: int = 0
    local_name: str | None = None
    """The name in the local header, when it differs from the central directory's."""
    zip64: bool = False
    """Sizes in a ZIP64 extra field, the 32-bit header fields set to 0xFFFFFFFF."""

    def with_data(self, data: bytes) -> _ZipEntry:
        return replace(self, data=data, raw=None, crc=None, size=None)

    def renamed(self, name: str) -> _ZipEntry:
        return replace(self, name=name)

    def stored(self) -> bytes:
        if self.raw is not None:
            return self.raw
        if self.data is None:
            raise ValueError(f"{self.name}: neither data nor raw bytes")
        return _deflate(self.data) if self.method == zipfile.ZIP_DEFLATED else self.data

    def declared(self) -> tuple[int, int]:
        """The (CRC-32, uncompressed size) the headers announce."""
        crc = self.crc if self.crc is not None else zlib.crc32(self.data or b"")
        size = self.size if self.size is not None else len(self.data or b"")
        return crc, size


def _encode_name(name: str) -> tuple[bytes, int]:
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), 0x800


def _dos_time(date_time: _DateTime) -> tuple[int, int]:
    year, month, day, hour, minute, second = date_time
    return hour << 11 | minute << 5 | second // 2, (year - 1980) << 9 | month << 5 | day


def _local_header(entry: _ZipEntry, stored_size: int) -> bytes:
    crc, size = entry.declared()
    encoded, utf8 = _encode_name(entry.local_name or entry.name)
    extra = b""
    sizes = (stored_size, size)
    if entry.zip64:
        extra = struct.pack("<HHQQ", 1, 16, size, stored_size)
        sizes = (0xFFFFFFFF, 0xFFFFFFFF)
    dostime, dosdate = _dos_time(entry.date_time)
    return (
        _ZIP_LOCAL.pack(
            b"PK\x03\x04",
            entry.extract_version,
            0,
            entry.flag_bits | utf8,
            entry.method,
            dostime,
            dosdate,
            crc,
            *sizes,
            len(encoded),
            len(extra),
        )
        + encoded
        + extra
    )


def _central_header(entry: _ZipEntry, stored_size: int, offset: int) -> bytes:
    crc, size = entry.declared()
    encoded, utf8 = _encode_name(entry.name)
    extra = b""
    sizes = (stored_size, size)
    if entry.zip64:
        extra = struct.pack("<HHQQ", 1, 16, size, stored_size)
        sizes = (0xFFFFFFFF, 0xFFFFFFFF)
    dostime, dosdate = _dos_time(entry.date_time)
    return (
        _ZIP_CENTRAL.pack(
            b"PK\x01\x02",
            entry.create_version,
            entry.create_system,
            entry.extract_version,
            0,
            entry.flag_bits | utf8,
            entry.method,
            dostime,
            dosdate,
            crc,
            *sizes,
            len(encoded),
            len(extra),
            0,
            0,
            entry.internal_attr,
            entry.external_attr,
            offset,
        )
        + encoded
        + extra
    )


def _end_record(count: int, central_size: int, central_offset: int, comment: bytes = b"") -> bytes:
    return (
        _ZIP_END.pack(b"PK\x05\x06", 0, 0, count, count, central_size, central_offset, len(comment))
        + comment
    )


def _zip_bytes(entries: Sequence[_ZipEntry], *, eocd_count: int | None = None) -> bytes:
    """A ZIP of ``entries`` in order, as :mod:`zipfile` would write it (no data descriptors)."""
    out = bytearray()
    central = bytearray()
    for entry in entries:
        stored = entry.stored()
        offset = len(out)
        out += _local_header(entry, len(stored)) + stored
        central += _central_header(entry, len(stored), offset)
    count = len(entries) if eocd_count is None else eocd_count
    return bytes(out + central + _end_record(count, len(central), len(out)))


def _read_zip(data: bytes) -> list[_ZipEntry]:
    """The members of a (valid) ZIP with their stored bytes, so they can be re-written as is."""
    entries = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            fields = _ZIP_LOCAL.unpack_from(data, info.header_offset)
            start = info.header_offset + _ZIP_LOCAL.size + fields[10] + fields[11]
            entries.append(
                _ZipEntry(
                    name=info.filename,
                    data=archive.read(info),
                    raw=data[start : start + info.compress_size],
                    method=info.compress_type,
                    external_attr=info.external_attr,
                    date_time=info.date_time,
                    create_system=info.create_system,
                    create_version=info.create_version,
                    extract_version=info.extract_version,
                    flag_bits=info.flag_bits & ~0x800,
                    internal_attr=info.internal_attr,
                )
            )
    return entries


def _central_directory_offset(data: bytes) -> int:
    fields = _ZIP_END.unpack_from(data, len(data) - _ZIP_END.size)
    return int(fields[6])


# --------------------------------------------------------------------------------------------
# tar (POSIX.1-2001 pax / ustar), written member by member


_TarMember = tuple[tarfile.TarInfo, bytes]


def _tar_info(
    name: str,
    data: bytes = b"",
    *,
    kind: bytes = tarfile.REGTYPE,
    linkname: str = "",
    mode: int = 0o644,
    device: tuple[int, int] = (0, 0),
    pax: dict[str, str] | None = None,
) -> _TarMember:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    info.linkname = linkname
    info.mode = mode
    info.mtime = _EPOCH
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.devmajor, info.devminor = device
    if pax:
        info.pax_headers = dict(pax)
    return info, data


def _tar_headers(members: Iterable[_TarMember]) -> bytes:
    out = bytearray()
    for info, data in members:
        out += info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
        if info.isreg():
            out += data + bytes(-len(data) % tarfile.BLOCKSIZE)
    return bytes(out)


def _tar_end(offset: int) -> int:
    """How many zero bytes :mod:`tarfile` appends at ``offset``: two blocks, then record padding."""
    end = offset + 2 * tarfile.BLOCKSIZE
    return 2 * tarfile.BLOCKSIZE + (-end % tarfile.RECORDSIZE)


def _tar_bytes(members: Iterable[_TarMember]) -> bytes:
    """An uncompressed tar of ``members``, exactly as ``tarfile.open(mode="w")`` writes it."""
    body = _tar_headers(members)
    return body + bytes(_tar_end(len(body)))


def _read_tar(data: bytes) -> list[_TarMember]:
    members = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
        for info in archive.getmembers():
            handle = archive.extractfile(info) if info.isreg() else None
            members.append((info, handle.read() if handle else b""))
    return members


def _copy_members(members: Iterable[_TarMember]) -> list[_TarMember]:
    return [(copy.copy(info), data) for info, data in members]


# --------------------------------------------------------------------------------------------
# The baseline: a real build


@dataclass(frozen=True)
class _Baseline:
    sdist: bytes
    wheel: bytes
    entries: tuple[_ZipEntry, ...]
    """The wheel's members except RECORD."""
    record: _ZipEntry
    members: tuple[_TarMember, ...] = field(repr=False)
    """The sdist's members (copy the TarInfo before changing it)."""


@functools.cache
def _baseline(name: str = PROJECT) -> _Baseline:
    with tempfile.TemporaryDirectory(prefix="hostile-baseline-") as tmp:
        sdist_path, wheel_path = build_project(Path(tmp), name, VERSION)
        sdist, wheel = sdist_path.read_bytes(), wheel_path.read_bytes()
    entries = _read_zip(wheel)
    record = next(e for e in entries if e.name.endswith(".dist-info/RECORD"))
    return _Baseline(
        sdist=sdist,
        wheel=wheel,
        entries=tuple(e for e in entries if e is not record),
        record=record,
        members=tuple(_read_tar(zlib.decompress(sdist, wbits=31))),
    )


def _entries() -> list[_ZipEntry]:
    return list(_baseline().entries)


def _entry(entries: Sequence[_ZipEntry], name: str) -> int:
    return next(index for index, entry in enumerate(entries) if entry.name == name)


def _package_file(name: str, data: bytes) -> _ZipEntry:
    """A new member shaped like the real build's package files."""
    return _baseline().entries[_entry(_baseline().entries, INIT)].renamed(name).with_data(data)


def _dist_info_file(name: str, data: bytes) -> _ZipEntry:
    """A new member shaped like the real build's .dist-info files."""
    return _baseline().entries[_entry(_baseline().entries, METADATA)].renamed(name).with_data(data)


def _digest(data: bytes, algorithm: str = "sha256") -> str:
    encoded = urlsafe_b64encode(hashlib.new(algorithm, data).digest()).rstrip(b"=")
    return f"{algorithm}={encoded.decode()}"


_Row = tuple[str, str, str]


def _rows(entries: Iterable[_ZipEntry]) -> list[_Row]:
    """Honest RECORD rows: ``path,sha256=<urlsafe-b64-nopad>,size`` (binary distribution spec)."""
    return [(e.name, _digest(e.data), str(len(e.data))) for e in entries if e.data is not None]


def _record_text(rows: Iterable[_Row]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _wheel(
    entries: Sequence[_ZipEntry],
    rows: Sequence[_Row] | None = None,
    *,
    record: str | None = RECORD,
    eocd_count: int | None = None,
) -> bytes:
    """A wheel of ``entries`` plus a RECORD (honest unless ``rows`` says otherwise), last."""
    if record is not None:
        listed = list(rows) if rows is not None else _rows(entries)
        text = _record_text([*listed, (record, "", "")])
        entries = [*entries, _baseline().record.renamed(record).with_data(text)]
    return _zip_bytes(entries, eocd_count=eocd_count)


def _metadata(
    original: bytes,
    *,
    set_headers: dict[str, bytes] | None = None,
    add: Sequence[tuple[str, bytes]] = (),
) -> bytes:
    """Edit core metadata (RFC 822 style headers): replace values, append headers."""
    lines = original.rstrip(b"\n").split(b"\n")
    replaced = set_headers or {}
    out = []
    for line in lines:
        key = line.split(b":", 1)[0].decode("ascii")
        out.append(key.encode() + b": " + replaced[key] if key in replaced else line)
    out += [key.encode() + b": " + value for key, value in add]
    return b"\n".join(out) + b"\n"


def _real_metadata() -> bytes:
    data = _baseline().entries[_entry(_baseline().entries, METADATA)].data
    assert data is not None
    return data


def _wheel_metadata(
    set_headers: dict[str, bytes] | None = None, add: Sequence[tuple[str, bytes]] = ()
) -> bytes:
    return _metadata(_real_metadata(), set_headers=set_headers, add=add)


def _wheel_with_metadata(text: bytes) -> bytes:
    entries = _entries()
    index = _entry(entries, METADATA)
    entries[index] = entries[index].with_data(text)
    return _wheel(entries)


def _wheel_plus(entry: _ZipEntry) -> bytes:
    """The real wheel with one more member, listed honestly in RECORD."""
    entries = _entries()
    return _wheel([*entries[:1], entry, *entries[1:]])


def _members() -> list[_TarMember]:
    return _copy_members(_baseline().members)


def _member(members: Sequence[_TarMember], name: str) -> int:
    return next(index for index, (info, _) in enumerate(members) if info.name == name)


def _sdist(members: Iterable[_TarMember]) -> bytes:
    return _gzip(_tar_bytes(members))


def _sdist_plus(*extra: _TarMember) -> bytes:
    return _sdist([*_members(), *extra])


def _real_pkg_info() -> bytes:
    members = _baseline().members
    return members[_member(members, PKG_INFO)][1]


def _pkg_info(
    set_headers: dict[str, bytes] | None = None, add: Sequence[tuple[str, bytes]] = ()
) -> bytes:
    return _metadata(_real_pkg_info(), set_headers=set_headers, add=add)


def _sdist_with_pkg_info(text: bytes) -> bytes:
    members = _members()
    index = _member(members, PKG_INFO)
    info = members[index][0]
    info.size = len(text)
    members[index] = (info, text)
    return _sdist(members)


def _relabel(members: Iterable[_TarMember], top: str, name: str | None = None) -> list[_TarMember]:
    """Move every member under a new top folder; optionally rewrite PKG-INFO's ``Name``."""
    out = []
    for info, data in _copy_members(members):
        rest = info.name.partition("/")[2]
        info.name = f"{top}/{rest}" if rest else top
        content = data
        if name is not None and rest == "PKG-INFO":
            content = _metadata(data, set_headers={"Name": name.encode()})
            info.size = len(content)
        out.append((info, content))
    return out


# --------------------------------------------------------------------------------------------
# The catalogue


_CASES: list[HostileCase] = []


def _description(build: Callable[..., object]) -> str:
    return inspect.cleandoc(build.__doc__ or "")


def _case(
    case_id: str,
    defect: str,
    *,
    filename: str = WHEEL_NAME,
    scope: Scope | None = None,
    member: str | None = None,
) -> Callable[[Callable[[], bytes]], Callable[[], bytes]]:
    """Register a one-file case whose bytes ``build()`` returns (computed once, then cached)."""

    def register(build: Callable[[], bytes]) -> Callable[[], bytes]:
        cached = functools.cache(build)

        def make(folder: Path) -> list[Path]:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / filename
            path.write_bytes(cached())
            return [path]

        kind: Scope = scope or ("wheel" if filename.endswith(".whl") else "sdist")
        _CASES.append(HostileCase(case_id, _description(build), defect, make, kind, member))
        return cached

    return register


def _folder_case(
    case_id: str,
    defect: str,
) -> Callable[[Callable[[Path], list[Path]]], Callable[[Path], list[Path]]]:
    """Register a packages-directory case; ``make(folder)`` creates the entries itself."""

    def register(make: Callable[[Path], list[Path]]) -> Callable[[Path], list[Path]]:
        def made(folder: Path) -> list[Path]:
            folder.mkdir(parents=True, exist_ok=True)
            return make(folder)

        _CASES.append(HostileCase(case_id, _description(make), defect, made, "packages-dir"))
        return made

    return register


def valid_pair(folder: Path) -> tuple[Path, Path]:
    """Write the real, valid wheel and sdist of ``hostile-sample 1.0``; return (wheel, sdist)."""
    folder.mkdir(parents=True, exist_ok=True)
    base = _baseline()
    wheel, sdist = folder / WHEEL_NAME, folder / SDIST_NAME
    wheel.write_bytes(base.wheel)
    sdist.write_bytes(base.sdist)
    return wheel, sdist


def all_cases() -> list[HostileCase]:
    """Every case, in catalogue order (wheels, sdists, then the packages directory)."""
    return list(_CASES)


def defects() -> list[str]:
    """Every defect tag, sorted."""
    return sorted({case.defect for case in _CASES})


def by_defect(tag: str) -> list[HostileCase]:
    """The cases whose defect is ``tag``; KeyError for a tag no case has (a typo in a test)."""
    found = [case for case in _CASES if case.defect == tag]
    if not found:
        raise KeyError(f"no hostile case has defect {tag!r}; known: {', '.join(defects())}")
    return found


def get(case_id: str) -> HostileCase:
    """The case with this id."""
    for case in _CASES:
        if case.id == case_id:
            return case
    raise KeyError(f"no hostile case {case_id!r}")


# ---------------------------------------------------------------------------- wheels: ZIP layer


@_case("wheel-crc-mismatch", "crc", member=INIT)
def _wheel_crc() -> bytes:
    """One bit of ``hostile_sample/__init__.py`` flipped after the wheel was written.

    The deflated bytes decode cleanly to content of the same size, but the CRC-32 in both headers
    (and the RECORD hash) are still those of the original: bit rot or tampering in transit.
    ``zipfile.testzip()`` names the member.
    """
    entries = _entries()
    index = _entry(entries, INIT)
    good = entries[index]
    assert good.data is not None
    bad = bytearray(good.data)
    bad[len(bad) // 2] ^= 0x01
    rows = _rows(entries)
    entries[index] = replace(good.with_data(bytes(bad)), crc=zlib.crc32(good.data))
    return _wheel(entries, rows)


@_case("wheel-truncated-half", "truncated")
def _wheel_truncated_half() -> bytes:
    """The real wheel cut in the middle (an interrupted download): no end-of-central-directory."""
    data = _baseline().wheel
    return data[: len(data) // 2]


@_case("wheel-truncated-central-directory", "truncated")
def _wheel_truncated_central() -> bytes:
    """The real wheel cut exactly where its central directory starts.

    Every local header and every member's data are intact (a streaming reader would see a
    complete archive), but the central directory and its end record are gone.
    """
    data = _baseline().wheel
    return data[: _central_directory_offset(data)]


@_case("wheel-empty", "empty")
def _wheel_empty() -> bytes:
    """A zero-byte file named like a wheel (a failed copy or an upload of an empty artefact)."""
    return b""


@_case("wheel-not-a-zip", "not-an-archive")
def _wheel_html() -> bytes:
    """An HTML 404 page saved under the wheel's name (a download that followed a dead link)."""
    return _HTML_404


@_case("wheel-duplicate-member", "duplicate-member", member=INIT)
def _wheel_duplicate() -> bytes:
    """``hostile_sample/__init__.py`` twice: first a hostile one, then the real one.

    ``zipfile`` (central directory, last entry wins) sees the real file and RECORD matches it;
    a reader that streams local headers, or one whose first entry wins, gets the other. This is
    the Android "Master Key" bug (CVE-2013-4787) and one of the ZIP confusions PyPI has rejected
    since August 2025 ("Preventing ZIP parser confusion attacks", CVE-2025-54368).
    """
    entries = _entries()
    real = entries[_entry(entries, INIT)]
    evil = real.with_data(b'raise SystemExit("hostile duplicate member")\n')
    return _wheel([evil, *entries], _rows(entries))


@_case("wheel-local-header-mismatch", "header-mismatch", member=INIT)
def _wheel_local_mismatch() -> bytes:
    """The central directory says ``hostile_sample/__init__.py``, its local header another name.

    A streaming extractor writes ``hostile_sample/_evil_.py``; a central-directory reader checks
    RECORD against the innocent name (uv, CVE-2025-54368). ``zipfile`` refuses to read it.
    """
    entries = _entries()
    index = _entry(entries, INIT)
    entries[index] = replace(entries[index], local_name="hostile_sample/_evil_.py")
    return _wheel(entries)


@_case("wheel-prepended-data", "prepended-data")
def _wheel_prepended() -> bytes:
    """A shell script glued in front of the real wheel (``cat script.sh x.whl``).

    ``zipfile`` still opens it (it corrects the offsets), so the bytes before the first local
    header go unnoticed; PyPI rejects such framing.
    """
    return b"#!/bin/sh\necho 'this wheel starts with a script'\nexit 0\n" + _baseline().wheel


@_case("wheel-trailing-data", "trailing-data")
def _wheel_trailing() -> bytes:
    """Bytes after the end-of-central-directory record that its comment length does not cover.

    ``zipfile`` ignores them, other parsers treat them as the archive comment or look for
    another end record there.
    """
    return _baseline().wheel + b"TRAILING DATA AFTER THE END OF CENTRAL DIRECTORY RECORD\n"


@_case("wheel-concatenated-zip", "concatenated-zip", member=INIT)
def _wheel_concatenated() -> bytes:
    """A hostile ZIP followed by the real wheel: two end-of-central-directory records.

    ``zipfile`` reads the last one and sees the real wheel; a streaming reader reads the hostile
    ``hostile_sample/__init__.py`` first. "Multiple End of Central Directory headers" is one of
    the ZIP confusions PyPI rejects (2025).
    """
    entries = _entries()
    index = _entry(entries, INIT)
    entries[index] = entries[index].with_data(b'raise SystemExit("hidden first archive")\n')
    return _wheel(entries) + _baseline().wheel


@_case("wheel-eocd-count-mismatch", "eocd-mismatch")
def _wheel_eocd_count() -> bytes:
    """The end record says the archive has one entry fewer than its central directory holds.

    ``zipfile`` walks the central directory by size and sees all entries; a parser that trusts
    the count misses the last one (RECORD). Inconsistent framing, rejected by PyPI (2025).
    """
    return _wheel(_entries(), eocd_count=len(_baseline().entries))


# --------------------------------------------------------------------------- wheels: RECORD


@_case("wheel-record-missing", "record-missing", member=RECORD)
def _wheel_no_record() -> bytes:
    """No ``.dist-info/RECORD`` at all; the binary distribution format requires one."""
    return _wheel(_entries(), record=None)


@_case("wheel-record-hash-wrong", "record-hash", member=INIT)
def _wheel_record_hash() -> bytes:
    """RECORD's sha256 for ``hostile_sample/__init__.py`` is not the hash of its content.

    The archive itself is sound (CRCs match): the member was swapped after RECORD was written,
    which is what RECORD's hashes exist to catch (PEP 427, "installers must verify").
    """
    entries = _entries()
    rows = _rows(entries)
    index = [row[0] for row in rows].index(INIT)
    rows[index] = (INIT, _digest(b"what the build wrote\n"), rows[index][2])
    return _wheel(entries, rows)


@_case("wheel-record-size-wrong", "record-size", member=INIT)
def _wheel_record_size() -> bytes:
    """RECORD's size for ``hostile_sample/__init__.py`` is one byte more than the member's."""
    entries = _entries()
    rows = _rows(entries)
    index = [row[0] for row in rows].index(INIT)
    rows[index] = (INIT, rows[index][1], str(int(rows[index][2]) + 1))
    return _wheel(entries, rows)


@_case("wheel-record-unlisted-member", "record-unlisted", member="hostile_sample/_hidden.py")
def _wheel_record_unlisted() -> bytes:
    """A member, ``hostile_sample/_hidden.py``, that RECORD does not list.

    Installers that only extract (most, before 2025) install it unseen by anything checking
    RECORD; PyPI warns about such wheels and rejects them from February 2026.
    """
    entries = _entries()
    hidden = _package_file("hostile_sample/_hidden.py", b"import os  # not in RECORD\n")
    return _wheel([*entries, hidden], _rows(entries))


@_case("wheel-record-lists-missing-file", "record-extra", member="hostile_sample/missing.py")
def _wheel_record_extra() -> bytes:
    """RECORD lists ``hostile_sample/missing.py``, which the archive does not contain."""
    entries = _entries()
    ghost = b"print('never shipped')\n"
    rows = [*_rows(entries), ("hostile_sample/missing.py", _digest(ghost), str(len(ghost)))]
    return _wheel(entries, rows)


@_case("wheel-record-md5", "record-weak-hash", member=INIT)
def _wheel_record_md5() -> bytes:
    """``hostile_sample/__init__.py`` is hashed with md5 in RECORD (a correct md5).

    The binary distribution format allows only hashlib algorithms stronger than sha1 (sha256
    or better); md5 and sha1 collide, so such a hash proves nothing.
    """
    entries = _entries()
    rows = _rows(entries)
    index = [row[0] for row in rows].index(INIT)
    data = entries[_entry(entries, INIT)].data
    assert data is not None
    rows[index] = (INIT, _digest(data, "md5"), rows[index][2])
    return _wheel(entries, rows)


@_case("wheel-record-sha1", "record-weak-hash", member=INIT)
def _wheel_record_sha1() -> bytes:
    """``hostile_sample/__init__.py`` is hashed with sha1 in RECORD (forbidden, like md5)."""
    entries = _entries()
    rows = _rows(entries)
    index = [row[0] for row in rows].index(INIT)
    data = entries[_entry(entries, INIT)].data
    assert data is not None
    rows[index] = (INIT, _digest(data, "sha1"), rows[index][2])
    return _wheel(entries, rows)


@_case("wheel-record-no-hash", "record-no-hash", member=INIT)
def _wheel_record_no_hash() -> bytes:
    """RECORD lists ``hostile_sample/__init__.py`` with empty hash and size.

    Only RECORD itself (and signature files) may go unhashed in a wheel.
    """
    entries = _entries()
    rows = _rows(entries)
    index = [row[0] for row in rows].index(INIT)
    rows[index] = (INIT, "", "")
    return _wheel(entries, rows)


@_case("wheel-record-path-traversal", "record-path-traversal", member="../../../../etc/passwd")
def _wheel_record_traversal() -> bytes:
    """RECORD lists ``../../../../etc/passwd``: ``pip uninstall`` deletes what RECORD lists."""
    rows = [*_rows(_entries()), ("../../../../etc/passwd", _digest(b"root:x:0:0\n"), "11")]
    return _wheel(_entries(), rows)


# ----------------------------------------------------------------------- wheels: .dist-info


@_case("wheel-two-dist-info", "dist-info-multiple", member="evil_project-6.6.dist-info/METADATA")
def _wheel_two_dist_info() -> bytes:
    """A second ``evil_project-6.6.dist-info/`` (METADATA + WHEEL), placed first.

    A verifier that takes the first ``*.dist-info/METADATA`` it finds checks another project
    than the index will register. The spec allows exactly one .dist-info folder.
    """
    entries = _entries()
    metadata = _wheel_metadata(set_headers={"Name": b"evil-project", "Version": b"6.6"})
    wheel_file = entries[_entry(entries, f"{DIST_INFO}/WHEEL")]
    assert wheel_file.data is not None
    other = [
        _dist_info_file("evil_project-6.6.dist-info/METADATA", metadata),
        _dist_info_file("evil_project-6.6.dist-info/WHEEL", wheel_file.data),
    ]
    return _wheel([*other, *entries])


@_case("wheel-metadata-missing", "metadata-missing", member=METADATA)
def _wheel_no_metadata() -> bytes:
    """No ``.dist-info/METADATA`` (RECORD is honest about the rest)."""
    return _wheel([e for e in _entries() if e.name != METADATA])


@_case("wheel-wheel-file-missing", "wheel-file-missing", member=f"{DIST_INFO}/WHEEL")
def _wheel_no_wheel_file() -> bytes:
    """No ``.dist-info/WHEEL``: nothing says which wheel version or root the archive follows."""
    return _wheel([e for e in _entries() if e.name != f"{DIST_INFO}/WHEEL"])


def _renamed_dist_info(folder: str) -> bytes:
    entries = [e.renamed(e.name.replace(DIST_INFO, folder, 1)) for e in _entries()]
    return _wheel(entries, record=f"{folder}/RECORD")


@_case("wheel-dist-info-other-name", "dist-info-mismatch", member="other_project-1.0.dist-info")
def _wheel_dist_info_name() -> bytes:
    """The .dist-info folder is ``other_project-1.0.dist-info`` in ``hostile_sample-1.0-*.whl``.

    The spec names it ``{distribution}-{version}.dist-info`` after the file name's parts.
    """
    return _renamed_dist_info("other_project-1.0.dist-info")


@_case("wheel-dist-info-other-version", "dist-info-mismatch", member="hostile_sample-2.0.dist-info")
def _wheel_dist_info_version() -> bytes:
    """The .dist-info folder is ``hostile_sample-2.0.dist-info`` in a 1.0 wheel."""
    return _renamed_dist_info("hostile_sample-2.0.dist-info")


@_case("wheel-metadata-other-name", "metadata-mismatch", member=METADATA)
def _wheel_metadata_name() -> bytes:
    """METADATA says ``Name: other-project`` inside ``hostile_sample-1.0-*.whl``.

    The index registers the file under the name in METADATA; uploading it would publish to
    another project than the file name claims.
    """
    return _wheel_with_metadata(_wheel_metadata(set_headers={"Name": b"other-project"}))


@_case("wheel-metadata-other-version", "metadata-mismatch", member=METADATA)
def _wheel_metadata_version() -> bytes:
    """METADATA says ``Version: 2.0`` inside a wheel named 1.0."""
    return _wheel_with_metadata(_wheel_metadata(set_headers={"Version": b"2.0"}))


# ----------------------------------------------------------------------------- wheels: paths


@_case("wheel-path-dotdot", "path-traversal", member="../../../../tmp/hostile_sample.pth")
def _wheel_dotdot() -> bytes:
    """A member ``../../../../tmp/hostile_sample.pth`` (Zip Slip, Snyk 2018).

    Unpacked naively it lands outside site-packages; a ``.pth`` file runs code at interpreter
    start. RECORD lists it honestly, so only the path is wrong.
    """
    return _wheel_plus(_package_file("../../../../tmp/hostile_sample.pth", b"import os\n"))


@_case("wheel-path-absolute", "absolute-path", member="/etc/x")
def _wheel_absolute() -> bytes:
    """A member with the absolute path ``/etc/x`` (APPNOTE 4.4.17: no leading slash allowed)."""
    return _wheel_plus(_package_file("/etc/x", b"hostile\n"))


@_case("wheel-path-windows-drive", "windows-path", member="C:\\x")
def _wheel_drive() -> bytes:
    """A member named ``C:\\x``: a drive-absolute path once a Windows installer unpacks it."""
    return _wheel_plus(_package_file("C:\\x", b"hostile\n"))


@_case("wheel-path-backslash-dotdot", "windows-path", member="..\\x")
def _wheel_backslash() -> bytes:
    """A member named ``..\\x``: harmless on POSIX, a parent-directory escape on Windows.

    APPNOTE 4.4.17 requires forward slashes; ``zipfile`` on Windows converts backslashes.
    """
    return _wheel_plus(_package_file("..\\x", b"hostile\n"))


@_case("wheel-symlink-relative", "link-escape", member="hostile_sample/passwd")
def _wheel_symlink_relative() -> bytes:
    """A symlink member ``hostile_sample/passwd -> ../../../../etc/passwd`` (S_IFLNK in the
    external attributes).

    Wheels have no symlinks, but ``unzip`` and some extractors create them from these bits,
    and a later member written through the link lands outside the target.
    """
    target = b"../../../../etc/passwd"
    return _wheel_plus(
        replace(_package_file("hostile_sample/passwd", target), external_attr=_SYMLINK)
    )


@_case("wheel-symlink-absolute", "link-escape", member="hostile_sample/shadow")
def _wheel_symlink_absolute() -> bytes:
    """A symlink member ``hostile_sample/shadow -> /etc/shadow``."""
    entry = _package_file("hostile_sample/shadow", b"/etc/shadow")
    return _wheel_plus(replace(entry, external_attr=_SYMLINK))


# ----------------------------------------------------------------------------- wheels: bombs


@functools.cache
def _bomb_stream() -> bytes:
    """Raw DEFLATE of ``BOMB_SIZE`` zero bytes, about 254 KiB."""
    return _deflate_parts([BOMB_SIZE])


_BOMB_MEMBER = "hostile_sample/data.bin"


def _lying_bomb(*, zip64: bool) -> bytes:
    declared = bytes(BOMB_DECLARED_SIZE)
    entry = replace(
        _package_file(_BOMB_MEMBER, declared),
        raw=_bomb_stream(),
        crc=zlib.crc32(declared),
        size=len(declared),
        zip64=zip64,
        extract_version=45 if zip64 else 20,
    )
    return _wheel_plus(entry)


@_case("wheel-bomb-size-lie", "zip-bomb-size-lie", member=_BOMB_MEMBER)
def _wheel_bomb_lie() -> bytes:
    """``hostile_sample/data.bin`` declares 1 KiB (both headers; CRC and RECORD agree) but its
    DEFLATE stream inflates to 256 MiB.

    ``zipfile`` stops after the declared 1 KiB and sees nothing wrong; anything that inflates
    the stream to its end, or trusts the stream over the header, is bombed. The stored size
    (254 KiB for 1 KiB) gives it away.
    """
    return _lying_bomb(zip64=False)


@_case("wheel-bomb-zip64-lie", "zip-bomb-zip64", member=_BOMB_MEMBER)
def _wheel_bomb_zip64() -> bytes:
    """Like ``wheel-bomb-size-lie`` but the sizes live in a ZIP64 extra field (headers say
    0xFFFFFFFF), which claims 1 KiB for a stream inflating to 256 MiB.
    """
    return _lying_bomb(zip64=True)


@functools.cache
def _bomb_digest() -> str:
    encoded = urlsafe_b64encode(_hash_zeros(hashlib.sha256(), BOMB_SIZE).digest()).rstrip(b"=")
    return f"sha256={encoded.decode()}"


@_case("wheel-bomb-ratio", "zip-bomb-ratio", member=_BOMB_MEMBER)
def _wheel_bomb_honest() -> bytes:
    """An honest bomb: ``hostile_sample/data.bin`` truly is 256 MiB of zeros stored in 254 KiB.

    Sizes, CRC-32 and RECORD are all correct; only a limit on inflated size or compression
    ratio (1032:1, DEFLATE's maximum) refuses it.
    """
    entries = _entries()
    bomb = replace(
        _package_file(_BOMB_MEMBER, b""),
        data=None,
        raw=_bomb_stream(),
        crc=_crc32_zeros(BOMB_SIZE),
        size=BOMB_SIZE,
    )
    rows = [*_rows(entries), (_BOMB_MEMBER, _bomb_digest(), str(BOMB_SIZE))]
    return _wheel([*entries[:1], bomb, *entries[1:]], rows)


def _overlap_chain(start: int) -> tuple[bytes, list[tuple[_ZipEntry, int, int]], list[_Row]]:
    """David Fifield's "A better zip bomb" (WOOT 2019), quoted-overlap construction.

    ``OVERLAP_FILES`` members share one DEFLATE kernel of ``OVERLAP_KERNEL_SIZE`` zeros. Each
    member's data begins with a non-compressed DEFLATE block that *quotes* the next member's
    local header, then runs on into that member's data, so every member inflates to the
    following headers plus the whole kernel and the archive's total inflated size grows with
    the number of members, not with its size on disk. Returns the chain's bytes, the central
    directory entries (entry, stored size, offset) and honest RECORD rows.
    """
    kernel = _deflate_parts([OVERLAP_KERNEL_SIZE])
    template = _package_file("hostile_sample/blobs/x", b"")
    names = [f"hostile_sample/blobs/{index:03d}.bin" for index in range(OVERLAP_FILES)]
    # Walk backwards: member i inflates to header(i+1) + member(i+1)'s output.
    headers: list[bytes] = [b""] * OVERLAP_FILES
    entries: list[tuple[_ZipEntry, int]] = [(template, 0)] * OVERLAP_FILES
    crc, size, stored = _crc32_zeros(OVERLAP_KERNEL_SIZE), OVERLAP_KERNEL_SIZE, len(kernel)
    for index in reversed(range(OVERLAP_FILES)):
        if index < OVERLAP_FILES - 1:
            quoted = headers[index + 1]
            crc = _crc32_combine(zlib.crc32(quoted), crc, size)
            size += len(quoted)
            stored += 5 + len(quoted)
        entry = replace(template, name=names[index], data=None, raw=b"", crc=crc, size=size)
        headers[index] = _local_header(entry, stored)
        entries[index] = (entry, stored)
    chain = bytearray()
    placed = []
    rows = []
    suffix = b"".join(headers)
    for index, (entry, stored_size) in enumerate(entries):
        placed.append((entry, stored_size, start + len(chain)))
        chain += headers[index]
        if index < OVERLAP_FILES - 1:
            following = headers[index + 1]
            chain += b"\x00" + struct.pack("<HH", len(following), len(following) ^ 0xFFFF)
        suffix = suffix[len(headers[index]) :]
        digest = _hash_zeros(hashlib.sha256(suffix), OVERLAP_KERNEL_SIZE).digest()
        encoded = urlsafe_b64encode(digest).rstrip(b"=").decode()
        rows.append((entry.name, f"sha256={encoded}", str(entry.declared()[1])))
    chain += kernel
    return bytes(chain), placed, rows


@_case("wheel-bomb-overlap", "zip-bomb-overlap", member="hostile_sample/blobs/000.bin")
def _wheel_bomb_overlap() -> bytes:
    """Fifield's overlapping-entries zip bomb inside the real wheel: 256 members whose data
    overlap, 48 KB on disk, 258 MiB inflated in total, every size, CRC-32 and RECORD hash honest.

    Each member alone looks moderate (about 1 MiB); only noticing that members' byte ranges
    overlap (CPython's zipfile does since CVE-2024-0450, 3.11.8+), or a limit on the total
    inflated size, stops it.
    """
    base = _entries()
    package, dist_info = base[:1], base[1:]
    out = bytearray()
    central = bytearray()
    count = 0
    for entry in package:
        stored = entry.stored()
        central += _central_header(entry, len(stored), len(out))
        out += _local_header(entry, len(stored)) + stored
        count += 1
    chain, placed, bomb_rows = _overlap_chain(len(out))
    out += chain
    for entry, stored_size, offset in placed:
        central += _central_header(entry, stored_size, offset)
        count += 1
    rows = [*_rows(package), *bomb_rows, *_rows(dist_info)]
    text = _record_text([*rows, (RECORD, "", "")])
    for entry in [*dist_info, _baseline().record.with_data(text)]:
        stored = entry.stored()
        central += _central_header(entry, len(stored), len(out))
        out += _local_header(entry, len(stored)) + stored
        count += 1
    return bytes(out + central + _end_record(count, len(central), len(out)))


# -------------------------------------------------------------------------- wheels: metadata


def _huge_body(head: bytes) -> bytes:
    line = b"This description repeats itself to make the metadata fifty megabytes long.\n"
    body_size = HUGE_METADATA_SIZE - len(head) - 1
    return (line * (body_size // len(line) + 1))[:body_size]


def _huge_metadata(original: bytes) -> bytes:
    head = _metadata(original, add=[("Description-Content-Type", b"text/plain")])
    text = head + b"\n" + _huge_body(head)
    assert len(text) == HUGE_METADATA_SIZE
    return text


@_case("wheel-metadata-50mb", "metadata-too-large", member=METADATA)
def _wheel_metadata_huge() -> bytes:
    """METADATA of exactly 50 MiB (a repeated description), 180 KB on disk, RECORD honest.

    Reading metadata whole into memory, or sending it as form fields, must be bounded.
    """
    return _wheel_with_metadata(_huge_metadata(_real_metadata()))


_CONTROL_SUMMARY = "Innocent summary\x07\x1b[2J\x1b[31m\x00\x7f\u009b1mend".encode()
_ESCAPE_AUTHOR = b"Mallory \x1b]0;pwned\x07\x1b[1A\x1b[2KTrusted Maintainer"


@_case("wheel-metadata-control-chars", "control-chars", member=METADATA)
def _wheel_control() -> bytes:
    """``Summary`` contains BEL, ESC sequences (clear screen, red), NUL, DEL and U+009B (C1 CSI).

    Echoed to a terminal or a CI log, such text rewrites what the reader sees (terminal
    escape injection); an index may store it verbatim.
    """
    return _wheel_with_metadata(_wheel_metadata(set_headers={"Summary": _CONTROL_SUMMARY}))


@_case("wheel-metadata-escape-author", "control-chars", member=METADATA)
def _wheel_author() -> bytes:
    """``Author`` carries ESC sequences (set the terminal title, move up, erase the line)."""
    return _wheel_with_metadata(_wheel_metadata(add=[("Author", _ESCAPE_AUTHOR)]))


@_case("wheel-metadata-newline-summary", "control-chars", member=METADATA)
def _wheel_newline() -> bytes:
    """``Summary`` folded over two lines, the second spoofing a log line.

    Core metadata says Summary is one line; ``packaging`` rejects it ("must be a single line").
    """
    folded = b"Looks fine\n ::warning::Published hostile-sample 9.9 to pypi.org"
    return _wheel_with_metadata(_wheel_metadata(set_headers={"Summary": folded}))


@_case("wheel-metadata-not-utf8", "metadata-encoding", member=METADATA)
def _wheel_latin1() -> bytes:
    """METADATA with an ``Author`` in Latin-1 (0xE9, 0xFC): core metadata must be UTF-8."""
    return _wheel_with_metadata(_wheel_metadata(add=[("Author", "José Müller".encode("latin-1"))]))


# ---------------------------------------------------------------------------- sdists: gzip


@_case("sdist-gzip-truncated", "truncated", filename=SDIST_NAME)
def _sdist_truncated() -> bytes:
    """The real sdist cut in the middle of its gzip stream (reading raises EOFError)."""
    data = _baseline().sdist
    return data[: len(data) // 2]


@_case("sdist-gzip-crc", "crc", filename=SDIST_NAME)
def _sdist_crc() -> bytes:
    """The gzip trailer's CRC-32 does not match the inflated tar (one bit flipped)."""
    data = bytearray(_baseline().sdist)
    data[-8] ^= 0x01
    return bytes(data)


@_case("sdist-trailing-garbage", "trailing-data", filename=SDIST_NAME)
def _sdist_garbage() -> bytes:
    """Non-gzip bytes after the end of the gzip stream."""
    return _baseline().sdist + b"TRAILING GARBAGE AFTER THE GZIP STREAM\n"


@_case(
    "sdist-gzip-second-member",
    "concatenated-gzip",
    filename=SDIST_NAME,
    member="other-1.0/PKG-INFO",
)
def _sdist_second_member() -> bytes:
    """A second gzip member appended, holding a tar with ``other-1.0/PKG-INFO``.

    A multi-member gzip is valid (RFC 1952) and inflates to both tars back to back; tarfile
    stops at the first end-of-archive blocks and never sees the hidden one, ``tar -i`` and
    readers that skip zero blocks do.
    """
    text = _pkg_info(set_headers={"Name": b"other", "Version": b"1.0"})
    hidden = _tar_bytes([_tar_info("other-1.0/PKG-INFO", text)])
    return _baseline().sdist + _gzip(hidden)


@_case("sdist-plain-tar", "wrong-compression", filename=SDIST_NAME)
def _sdist_plain() -> bytes:
    """An uncompressed tar named ``.tar.gz`` (PEP 625: sdists are gzip-compressed tars)."""
    return _tar_bytes(_members())


@_case("sdist-xz", "wrong-compression", filename=SDIST_NAME)
def _sdist_xz() -> bytes:
    """An xz-compressed tar named ``.tar.gz``."""
    return lzma.compress(_tar_bytes(_members()), format=lzma.FORMAT_XZ)


@_case("sdist-bzip2", "wrong-compression", filename=SDIST_NAME)
def _sdist_bz2() -> bytes:
    """A bzip2-compressed tar named ``.tar.gz``."""
    return bz2.compress(_tar_bytes(_members()), 9)


@_case("sdist-zip", "zip-sdist", filename="hostile_sample-1.0.zip")
def _sdist_zip() -> bytes:
    """A ``.zip`` sdist: a legacy format PEP 625 retired (PyPI refuses new ones).

    The content is a correct sdist tree (one top folder, PKG-INFO); only the format is wrong.
    """
    template = _package_file(INIT, b"")
    return _zip_bytes([template.renamed(info.name).with_data(data) for info, data in _members()])


@_case("sdist-not-an-archive", "not-an-archive", filename=SDIST_NAME)
def _sdist_html() -> bytes:
    """An HTML 404 page saved under the sdist's name."""
    return _HTML_404


@_case("sdist-gzip-bomb", "gzip-bomb", filename=SDIST_NAME, member=f"{TOP}/data.bin")
def _sdist_bomb() -> bytes:
    """The real sdist plus ``data.bin``: 1 GiB of zeros in a 1 MB gzip (honest tar header,
    correct gzip CRC-32 and length).

    Inflating the stream whole, or extracting, costs a gigabyte; reads must be bounded.
    """
    info, _ = _tar_info(f"{TOP}/data.bin")
    info.size = GZIP_BOMB_SIZE
    prefix = _tar_headers(_members()) + info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
    zeros = GZIP_BOMB_SIZE + _tar_end(len(prefix) + GZIP_BOMB_SIZE)
    stream = _deflate_parts([prefix, zeros])
    return _gzip_stream(stream, _crc32_then_zeros(prefix, zeros), len(prefix) + zeros)


# ------------------------------------------------------------------------ sdists: structure


@_case("sdist-duplicate-pkg-info", "duplicate-member", filename=SDIST_NAME, member=PKG_INFO)
def _sdist_duplicate() -> bytes:
    """``{top}/PKG-INFO`` twice, the second naming ``evil-project 6.6``.

    tar allows repeated names and extraction keeps the last; a reader that stops at the first
    checks ``hostile-sample`` while the index may read the other.
    """
    text = _pkg_info(set_headers={"Name": b"evil-project", "Version": b"6.6"})
    return _sdist_plus(_tar_info(PKG_INFO, text))


@_case(
    "sdist-second-top-folder",
    "multiple-top-folders",
    filename=SDIST_NAME,
    member="other-1.0/PKG-INFO",
)
def _sdist_second_top() -> bytes:
    """A second top-level folder ``other-1.0/`` with its own PKG-INFO naming ``other 1.0``.

    An sdist has exactly one top folder ``{name}-{version}`` (PEP 625 / sdist spec).
    """
    text = _pkg_info(set_headers={"Name": b"other", "Version": b"1.0"})
    return _sdist_plus(_tar_info("other-1.0/PKG-INFO", text))


@_case("sdist-no-top-folder", "no-top-folder", filename=SDIST_NAME, member="PKG-INFO")
def _sdist_flat() -> bytes:
    """Every file at the archive root (``PKG-INFO``, ``pyproject.toml`` ...), no top folder."""
    members = _members()
    for info, _ in members:
        info.name = info.name.partition("/")[2]
    return _sdist(members)


@_case(
    "sdist-top-folder-mismatch",
    "top-folder-mismatch",
    filename=SDIST_NAME,
    member="hostile_sample-2.0/PKG-INFO",
)
def _sdist_top_mismatch() -> bytes:
    """The top folder is ``hostile_sample-2.0/`` in ``hostile_sample-1.0.tar.gz``."""
    return _sdist(_relabel(_baseline().members, "hostile_sample-2.0"))


@_case("sdist-pkg-info-missing", "metadata-missing", filename=SDIST_NAME, member=PKG_INFO)
def _sdist_no_pkg_info() -> bytes:
    """No ``{top}/PKG-INFO`` (the sdist spec requires it, PEP 643 gives it meaning)."""
    return _sdist([m for m in _members() if m[0].name != PKG_INFO])


@_case("sdist-pkg-info-other-name", "metadata-mismatch", filename=SDIST_NAME, member=PKG_INFO)
def _sdist_other_name() -> bytes:
    """PKG-INFO says ``Name: other-project`` inside ``hostile_sample-1.0.tar.gz``."""
    return _sdist_with_pkg_info(_pkg_info(set_headers={"Name": b"other-project"}))


# --------------------------------------------------------------------------- sdists: members


@_case(
    "sdist-path-dotdot",
    "path-traversal",
    filename=SDIST_NAME,
    member=f"{TOP}/../../../../tmp/hostile_sample.pth",
)
def _sdist_dotdot() -> bytes:
    """A member ``{top}/../../../../tmp/hostile_sample.pth`` (CVE-2007-4559, PEP 706)."""
    return _sdist_plus(_tar_info(f"{TOP}/../../../../tmp/hostile_sample.pth", b"import os\n"))


@_case("sdist-path-absolute", "absolute-path", filename=SDIST_NAME, member="/etc/x")
def _sdist_absolute() -> bytes:
    """A member with the absolute path ``/etc/x`` (``tar -P`` would write it there)."""
    return _sdist_plus(_tar_info("/etc/x", b"hostile\n"))


@_case(
    "sdist-pax-path-traversal",
    "path-traversal",
    filename=SDIST_NAME,
    member=f"{TOP}/../../../../tmp/hostile_sample.pth",
)
def _sdist_pax() -> bytes:
    """The ustar header says ``{top}/notes.txt``; a pax ``path`` record overrides it with
    ``{top}/../../../../tmp/hostile_sample.pth``.

    Readers that ignore pax headers see a harmless name; tarfile (and GNU tar) use the pax one.
    """
    pax = {"path": f"{TOP}/../../../../tmp/hostile_sample.pth"}
    return _sdist_plus(_tar_info(f"{TOP}/notes.txt", b"import os\n", pax=pax))


@_case("sdist-symlink-relative", "link-escape", filename=SDIST_NAME, member=f"{TOP}/x")
def _sdist_symlink_relative() -> bytes:
    """A symlink ``{top}/x -> ../../etc/passwd``, escaping the extraction folder (PEP 706)."""
    return _sdist_plus(
        _tar_info(f"{TOP}/x", kind=tarfile.SYMTYPE, linkname="../../etc/passwd", mode=0o777)
    )


@_case("sdist-symlink-absolute", "link-escape", filename=SDIST_NAME, member=f"{TOP}/x")
def _sdist_symlink_absolute() -> bytes:
    """A symlink ``{top}/x -> /etc/passwd``."""
    return _sdist_plus(
        _tar_info(f"{TOP}/x", kind=tarfile.SYMTYPE, linkname="/etc/passwd", mode=0o777)
    )


@_case("sdist-hardlink-escape", "link-escape", filename=SDIST_NAME, member=f"{TOP}/passwd")
def _sdist_hardlink() -> bytes:
    """A hard link ``{top}/passwd`` to ``/etc/passwd``: extracted as root, writing to it writes
    the system file.
    """
    return _sdist_plus(_tar_info(f"{TOP}/passwd", kind=tarfile.LNKTYPE, linkname="/etc/passwd"))


@_case("sdist-write-through-symlink", "link-escape", filename=SDIST_NAME, member=f"{TOP}/lib")
def _sdist_through_link() -> bytes:
    """A symlink ``{top}/lib -> /tmp`` followed by a file ``{top}/lib/hostile_sample.pth``.

    Each name looks local, but extracting the second writes through the first (node-tar
    CVE-2021-32803 and the tarfile bugs PEP 706 lists).
    """
    return _sdist_plus(
        _tar_info(f"{TOP}/lib", kind=tarfile.SYMTYPE, linkname="/tmp", mode=0o777),  # noqa: S108
        _tar_info(f"{TOP}/lib/hostile_sample.pth", b"import os\n"),
    )


@_case("sdist-device-file", "special-file", filename=SDIST_NAME, member=f"{TOP}/mem")
def _sdist_device() -> bytes:
    """A character device ``{top}/mem`` (major 1, minor 1: ``/dev/mem``)."""
    return _sdist_plus(_tar_info(f"{TOP}/mem", kind=tarfile.CHRTYPE, device=(1, 1), mode=0o600))


@_case("sdist-fifo", "special-file", filename=SDIST_NAME, member=f"{TOP}/fifo")
def _sdist_fifo() -> bytes:
    """A FIFO ``{top}/fifo``: opening it after extraction blocks forever."""
    return _sdist_plus(_tar_info(f"{TOP}/fifo", kind=tarfile.FIFOTYPE))


@_case("sdist-symlink-inside", "none-inside-link", filename=SDIST_NAME, member=f"{TOP}/README.rst")
def _sdist_inside_link() -> bytes:
    """LEGITIMATE: a symlink ``{top}/README.rst -> README.md`` that stays inside the archive.

    Real sdists contain such links; PEP 706's ``data`` filter accepts them. A verifier must not
    refuse this file.
    """
    return _sdist_plus(
        _tar_info(f"{TOP}/README.rst", kind=tarfile.SYMTYPE, linkname="README.md", mode=0o777)
    )


# -------------------------------------------------------------------------- sdists: metadata


@_case("sdist-pkg-info-50mb", "metadata-too-large", filename=SDIST_NAME, member=PKG_INFO)
def _sdist_huge() -> bytes:
    """PKG-INFO of exactly 50 MiB (a repeated description), about 180 KB gzipped."""
    return _sdist_with_pkg_info(_huge_metadata(_real_pkg_info()))


@_case("sdist-pkg-info-control-chars", "control-chars", filename=SDIST_NAME, member=PKG_INFO)
def _sdist_control() -> bytes:
    """PKG-INFO ``Summary`` with BEL, ESC sequences, NUL, DEL and U+009B (like the wheel case)."""
    return _sdist_with_pkg_info(_pkg_info(set_headers={"Summary": _CONTROL_SUMMARY}))


@_case("sdist-pkg-info-not-utf8", "metadata-encoding", filename=SDIST_NAME, member=PKG_INFO)
def _sdist_latin1() -> bytes:
    """PKG-INFO with a Latin-1 ``Author`` (not UTF-8)."""
    return _sdist_with_pkg_info(_pkg_info(add=[("Author", "José Müller".encode("latin-1"))]))


# ------------------------------------------------------------------------- packages directory


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@_folder_case("dir-normalized-name-collision", "name-collision")
def _dir_collision(folder: Path) -> list[Path]:
    """Four sdists whose names normalize to one distribution, ``foo-bar 1.0`` (PEP 503):
    ``Foo_Bar-1.0.tar.gz``, ``foo_bar-1.0.tar.gz``, ``foo-bar-1.0.tar.gz``, ``Foo.Bar-1.0.tar.gz``.

    Each is otherwise valid: a real build of ``foo-bar``, its top folder renamed to the file's
    stem and PKG-INFO's Name spelled the same way. The index accepts one sdist per release.
    """
    members = _baseline("foo-bar").members
    paths = [_write(folder / "foo_bar-1.0.tar.gz", _baseline("foo-bar").sdist)]
    for spelling in ("Foo_Bar", "foo-bar", "Foo.Bar"):
        data = _sdist(_relabel(members, f"{spelling}-{VERSION}", spelling))
        paths.append(_write(folder / f"{spelling}-{VERSION}.tar.gz", data))
    return sorted(paths)


@_folder_case("dir-wheel-name-not-normalized", "name-collision")
def _dir_wheel_names(folder: Path) -> list[Path]:
    """The real wheel and ``Hostile_Sample-1.0-py3-none-any.whl``, the same wheel as legacy
    setuptools named it (``.dist-info`` folder to match): one distribution, one tag, two files.
    """
    legacy = "Hostile_Sample-1.0.dist-info"
    entries = [e.renamed(e.name.replace(DIST_INFO, legacy, 1)) for e in _entries()]
    return [
        _write(
            folder / "Hostile_Sample-1.0-py3-none-any.whl",
            _wheel(entries, record=f"{legacy}/RECORD"),
        ),
        _write(folder / WHEEL_NAME, _baseline().wheel),
    ]


@_folder_case("dir-symlink-outside", "symlink-outside")
def _dir_link_outside(folder: Path) -> list[Path]:
    """``{folder}/hostile_sample-1.0-py3-none-any.whl`` is a symlink to a valid wheel OUTSIDE the
    folder (``../{folder}.outside/``, created next to it): following it would publish a file
    the workflow never put in the packages directory.
    """
    outside = folder.parent / f"{folder.name}.outside"
    outside.mkdir(exist_ok=True)
    _write(outside / WHEEL_NAME, _baseline().wheel)
    link = folder / WHEEL_NAME
    link.symlink_to(Path("..") / outside.name / WHEEL_NAME)
    return [link]


@_folder_case("dir-dangling-symlink", "dangling-symlink")
def _dir_dangling(folder: Path) -> list[Path]:
    """``hostile_sample-1.0.tar.gz`` is a symlink to a file that does not exist."""
    link = folder / SDIST_NAME
    link.symlink_to(Path("missing") / SDIST_NAME)
    return [link]


@_folder_case("dir-folder-named-like-wheel", "not-a-file")
def _dir_folder(folder: Path) -> list[Path]:
    """A directory named ``x-1.0-py3-none-any.whl/`` (e.g. an unpacked wheel left behind)."""
    path = folder / "x-1.0-py3-none-any.whl"
    path.mkdir()
    return [path]


@_folder_case("dir-fifo-named-like-sdist", "not-a-file")
def _dir_fifo(folder: Path) -> list[Path]:
    """A FIFO named ``hostile_sample-1.0.tar.gz``: a verifier that opens it blocks forever."""
    path = folder / SDIST_NAME
    os.mkfifo(path)
    return [path]


@_folder_case("dir-filename-escape", "control-chars-filename")
def _dir_escape(folder: Path) -> list[Path]:
    """A file named ``hostile_sample-1.0\\x1b[2K\\x1b[1G.tar.gz`` (ESC sequences: erase line,
    cursor home) holding the real sdist: printing the name rewrites the terminal line.
    """
    return [_write(folder / "hostile_sample-1.0\x1b[2K\x1b[1G.tar.gz", _baseline().sdist)]


@_folder_case("dir-filename-newline", "control-chars-filename")
def _dir_newline(folder: Path) -> list[Path]:
    """A file named ``hostile_sample-1.0\\n::error::spoofed.tar.gz`` holding the real sdist.

    Echoed to a GitHub Actions log, the newline starts a workflow command line (the injection
    class of CVE-2020-15228).
    """
    return [_write(folder / "hostile_sample-1.0\n::error::spoofed.tar.gz", _baseline().sdist)]
