"""A zip archive read strictly: its structure checked against itself, every member inflated
through with bounds, its CRC-32 checked.

zipfile reads the central directory (ZIP64 included); everything else is checked here, because
zipfile trusts what headers say: a member whose headers declare 1 KiB but whose data inflates
to 256 MiB passes `testzip()`, and overlapping members (a "better zip bomb") pass too before
Python 3.11.8. Here the members must tile the file from its first byte to the central
directory, each local header must name what the central directory names, and each member's
data must end exactly where its declared size says.
"""

from __future__ import annotations

import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from publish_action.distributions.limits import CHUNK, Budget, Problem, Refused
from publish_action.distributions.paths import unsafe_name

_LOCAL = struct.Struct("<4s2B4HL2L2H")
_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_DESCRIPTOR_SIZES = (12, 16, 20, 24)  # with or without signature, 32- or 64-bit sizes


@dataclass(frozen=True)
class Member:
    name: str
    info: zipfile.ZipInfo
    data_offset: int

    @property
    def is_dir(self) -> bool:
        return self.name.endswith("/")

    @property
    def is_link(self) -> bool:
        return stat.S_ISLNK(self.info.external_attr >> 16)


def _end_record(stream: BinaryIO, size: int) -> tuple[int, int, int]:
    """(central directory offset, its size, number of entries) from the end record."""
    tail_size = min(size, _EOCD.size + 65535)
    stream.seek(size - tail_size)
    tail = stream.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0:
        raise Refused(Problem("not a zip archive, or cut short (no end of central directory)"))
    _, _, _, _, entries, cd_size, cd_offset, comment = _EOCD.unpack_from(tail, at)
    eocd = size - tail_size + at
    if eocd + _EOCD.size + comment != size:
        raise Refused(Problem("data after the end of the zip archive"))
    if 0xFFFFFFFF in (cd_size, cd_offset) or entries == 0xFFFF:
        locator = tail[at - _ZIP64_LOCATOR.size : at]
        if len(locator) != _ZIP64_LOCATOR.size or locator[:4] != b"PK\x06\x07":
            raise Refused(Problem("a ZIP64 archive without its ZIP64 end record"))
        _, _, record_at, _ = _ZIP64_LOCATOR.unpack(locator)
        stream.seek(record_at)
        record = stream.read(_ZIP64_EOCD.size)
        if len(record) != _ZIP64_EOCD.size or record[:4] != b"PK\x06\x06":
            raise Refused(Problem("a broken ZIP64 end record"))
        entries, cd_size, cd_offset = _ZIP64_EOCD.unpack(record)[6:9]
        eocd = record_at
    if cd_offset + cd_size != eocd:
        raise Refused(
            Problem(
                "its central directory is not where its end record says "
                "(data hidden before or inside it)"
            )
        )
    return cd_offset, cd_size, entries


def members(stream: BinaryIO, size: int, problems: list[Problem]) -> list[Member]:
    """The archive's members in file order, after checking that they tile the file; what is
    wrong but not fatal is added to `problems`."""
    cd_offset, _, entries = _end_record(stream, size)
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise Refused(Problem(f"not a readable zip archive ({exc})")) from None
    infos = archive.infolist()
    if len(infos) != entries:
        problems.append(
            Problem(f"its end record counts {entries} members, its central directory {len(infos)}")
        )
    found: list[Member] = []
    expected = 0
    seen: set[str] = set()
    for info in sorted(infos, key=lambda i: i.header_offset):
        name = info.filename
        if name in seen:
            problems.append(Problem("appears twice in the archive", name))
        seen.add(name)
        if info.header_offset != expected and not _descriptor_gap(info, expected, found):
            what = (
                "overlaps another member"
                if info.header_offset < expected
                else ("follows data that belongs to no member")
            )
            raise Refused(Problem(f"{what} (a crafted archive)", name))
        data_offset = _local_header(stream, info)
        found.append(Member(name, info, data_offset))
        expected = data_offset + info.compress_size
        problems.extend(_member_problems(found[-1]))
    if found and not _descriptor_gap(None, cd_offset, found) and expected != cd_offset:
        raise Refused(Problem("data between its last member and its central directory"))
    if not found and cd_offset != 0:
        raise Refused(Problem("data before its central directory, but no members"))
    return found


def _descriptor_gap(info: zipfile.ZipInfo | None, at: int, found: list[Member]) -> bool:
    """A data descriptor after the previous member explains a small gap before `at`."""
    if not found or not found[-1].info.flag_bits & 0x08:
        return False
    previous = found[-1]
    end = previous.data_offset + previous.info.compress_size
    return (info.header_offset if info else at) - end in _DESCRIPTOR_SIZES


def _local_header(stream: BinaryIO, info: zipfile.ZipInfo) -> int:
    stream.seek(info.header_offset)
    header = stream.read(_LOCAL.size)
    if len(header) != _LOCAL.size or header[:4] != b"PK\x03\x04":
        raise Refused(Problem("its local header is missing or broken", info.filename))
    fields = _LOCAL.unpack(header)
    name_length, extra_length = int(fields[10]), int(fields[11])
    raw = stream.read(name_length)
    local_name = raw.decode("utf-8" if fields[3] & 0x800 else "cp437", errors="replace")
    if local_name != info.orig_filename:
        raise Refused(
            Problem(
                f"its local header names it {local_name!r}: two names for one "
                "member (tools disagree on which is real)",
                info.filename,
            )
        )
    return info.header_offset + _LOCAL.size + name_length + extra_length


def _member_problems(member: Member) -> list[Problem]:
    name, info = member.name, member.info
    problems = []
    why = unsafe_name(name)
    if why is not None:
        problems.append(Problem(f"unsafe member name: {why}", name))
    if member.is_link:
        problems.append(
            Problem(
                "a symbolic link: installers do not recreate links, and one "
                "can point outside the install",
                name,
            )
        )
    if info.flag_bits & 0x01:
        problems.append(Problem("encrypted", name))
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        problems.append(
            Problem(
                f"compressed with zip method {info.compress_type}; wheels "
                "use deflate or no compression",
                name,
            )
        )
    return problems


def inflate(stream: BinaryIO, member: Member, budget: Budget) -> Iterator[bytes]:
    """The member's bytes, checked against its declared size and CRC-32 as they come."""
    info, name = member.info, member.name
    stream.seek(member.data_offset)
    crc = 0
    produced = 0
    for chunk in _raw_inflate(stream, info, name):
        produced += len(chunk)
        if produced > info.file_size:
            raise Refused(
                Problem(
                    f"inflates beyond its declared {info.file_size} bytes: a "
                    "decompression bomb, or a corrupt archive",
                    name,
                )
            )
        budget.spend(len(chunk), name)
        crc = zlib.crc32(chunk, crc)
        yield chunk
    if produced != info.file_size:
        raise Refused(
            Problem(f"holds {produced} bytes, not the {info.file_size} its headers declare", name)
        )
    if crc != info.CRC:
        raise Refused(Problem("its CRC-32 does not match its bytes: the file is corrupt", name))


def _raw_inflate(stream: BinaryIO, info: zipfile.ZipInfo, name: str) -> Iterator[bytes]:
    left = info.compress_size

    def read(amount: int) -> bytes:
        data = stream.read(amount)
        if not data:
            raise Refused(Problem("its data is cut short (a truncated file)", name))
        return data

    if info.compress_type == zipfile.ZIP_STORED:
        while left:
            data = read(min(CHUNK, left))
            left -= len(data)
            yield data
        return
    decompressor = zlib.decompressobj(-15)
    try:
        while not decompressor.eof:
            if decompressor.unconsumed_tail:
                data = decompressor.unconsumed_tail
            elif left:
                data = read(min(CHUNK, left))
                left -= len(data)
            else:
                raise Refused(
                    Problem(
                        "its compressed data ends before its stream does (truncated or corrupt)",
                        name,
                    )
                )
            yield decompressor.decompress(data, CHUNK)
    except zlib.error as exc:
        raise Refused(Problem(f"its compressed data is corrupt ({exc})", name)) from None
    if left or decompressor.unused_data:
        raise Refused(Problem("data follows the end of its compressed stream", name))


def read_member(
    stream: BinaryIO, member: Member, budget: Budget, *, limit: int, too_large: Callable[[int], str]
) -> bytes:
    """A small member's bytes (METADATA, RECORD), refusing beyond `limit`."""
    if member.info.file_size > limit:
        raise Refused(Problem(too_large(member.info.file_size), member.name))
    return b"".join(inflate(stream, member, budget))
