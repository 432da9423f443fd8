"""Self-tests of the hostile-distribution factory (tests/support/hostile.py).

For every case: it builds, its files are where the case says, they are small on disk and
byte-for-byte deterministic, and its defect is really there. The proof comes from two places:

* a small reference verifier written here with the standard library and ``packaging`` (bounded
  in-memory reads, never an extraction): the real baseline passes it, every hostile wheel and
  sdist fails it with the case's own defect tag, and the one legitimate case passes;
* a case-specific check of the brief's exact claim (``testzip()`` names the corrupted member, the
  bomb's declared size is small while a bounded inflater passes 100 MB, the duplicate tar member
  exists twice, the truncated gzip raises EOFError, ...).
"""

from __future__ import annotations

import bz2
import csv
import gzip
import hashlib
import io
import itertools
import lzma
import os
import posixpath
import stat
import struct
import tarfile
import unicodedata
import zipfile
import zlib
from base64 import urlsafe_b64encode
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest
from packaging.metadata import ExceptionGroup, Metadata, parse_email
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from tests.support import hostile
from tests.support.hostile import HostileCase
from tests.support.samples import build_project

MiB = 1024 * 1024
ON_DISK_LIMIT = 2 * MiB
BOMB_PROOF = 100 * 1000 * 1000
"""A bomb is proven when a bounded reader gets past this many bytes."""
MEMBER_LIMIT = 16 * MiB
METADATA_LIMIT = 1 * MiB
TAR_LIMIT = 64 * MiB

INIT = "hostile_sample/__init__.py"
BOMB = "hostile_sample/data.bin"

Finding = tuple[str, "str | None"]


# --------------------------------------------------------------------------- bounded readers


@dataclass(frozen=True)
class Inflated:
    size: int
    eof: bool
    crc: int
    head: bytes
    unused: bytes


def inflate(raw: bytes, limit: int, *, wbits: int = -15, keep: int = 0) -> Inflated:
    """Inflate ``raw`` in 1 MiB steps, stop past ``limit`` bytes, keep the first ``keep``."""
    decompressor = zlib.decompressobj(wbits)
    size = crc = 0
    kept = bytearray()
    pending = raw
    while size <= limit:
        step = min(MiB, limit + 1 - size)
        out = decompressor.decompress(pending, step)
        pending = decompressor.unconsumed_tail
        size += len(out)
        crc = zlib.crc32(out, crc)
        if len(kept) < keep:
            kept += out[: keep - len(kept)]
        if decompressor.eof or (len(out) < step and not pending):
            break
    return Inflated(size, decompressor.eof, crc, bytes(kept), decompressor.unused_data)


def read_bounded(handle: io.BufferedIOBase | gzip.GzipFile, limit: int) -> int:
    """Read a stream in 1 MiB chunks until EOF or past ``limit``; return how much was read."""
    total = 0
    while total <= limit:
        chunk = handle.read(MiB)
        if not chunk:
            break
        total += len(chunk)
    return total


@dataclass(frozen=True)
class Local:
    name: bytes
    flags: int
    sizes: tuple[int, int]
    start: int
    end: int


def local_header(data: bytes, offset: int, compress_size: int) -> Local:
    fields = struct.unpack_from("<4s2B4HL2L2H", data, offset)
    assert fields[0] == b"PK\x03\x04", f"no local header at {offset}"
    start = offset + 30 + fields[10] + fields[11]
    name = data[offset + 30 : offset + 30 + fields[10]]
    return Local(name, fields[3], (fields[8], fields[9]), start, start + compress_size)


def stored_bytes(data: bytes, info: zipfile.ZipInfo) -> bytes:
    local = local_header(data, info.header_offset, info.compress_size)
    return data[local.start : local.end]


def end_records(data: bytes) -> list[int]:
    found, at = [], data.find(b"PK\x05\x06")
    while at >= 0:
        found.append(at)
        at = data.find(b"PK\x05\x06", at + 1)
    return found


def b64_digest(data: bytes, algorithm: str = "sha256") -> str:
    digest = urlsafe_b64encode(hashlib.new(algorithm, data).digest()).rstrip(b"=").decode()
    return f"{algorithm}={digest}"


def unsafe_path(name: str) -> str | None:
    if name.startswith("/"):
        return "absolute-path"
    if ".." in PurePosixPath(name).parts:
        return "path-traversal"
    if "\\" in name or PureWindowsPath(name).drive:
        return "windows-path"
    return None


# ------------------------------------------------------------------- the reference verifier


def strings(value: object) -> list[str]:
    """The text in a raw metadata value (a string, a list of them, or a mapping of them)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [str(v) for v in value.values()]
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def metadata_findings(text: bytes, member: str, name: str, version: Version) -> set[Finding]:
    """Core-metadata checks shared by METADATA and PKG-INFO."""
    if len(text) > METADATA_LIMIT:
        return {("metadata-too-large", member)}
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        return {("metadata-encoding", member)}
    found: set[Finding] = set()
    raw, unparsed = parse_email(text)
    for key, value in raw.items():
        if key == "description":
            continue
        for text_value in strings(value):
            if any(c != "\t" and unicodedata.category(c) == "Cc" for c in text_value):
                found.add(("control-chars", member))
    if unparsed:
        found.add(("metadata-invalid", member))
    try:
        Metadata.from_email(text, validate=True)
    except Exception:  # noqa: BLE001 - packaging raises an ExceptionGroup of InvalidMetadata
        found.add(("metadata-invalid", member))
    try:
        same = (
            canonicalize_name(str(raw.get("name"))) == name
            and Version(str(raw.get("version"))) == version
        )
    except InvalidVersion:
        same = False
    if not same:
        found.add(("metadata-mismatch", member))
    return found


def wheel_findings(path: Path) -> set[Finding]:  # noqa: PLR0912 - a checklist
    """Everything wrong with a wheel, by the tags of tests/support/hostile.py."""
    data = path.read_bytes()
    if not data:
        return {("empty", None)}
    found: set[Finding] = set()
    if not data.startswith(b"PK\x03\x04"):
        if b"PK\x03\x04" not in data:
            return {("not-an-archive", None)}
        found.add(("prepended-data", None))
    ends = end_records(data)
    if not ends or ends[-1] + 22 > len(data):
        return found | {("truncated", None)}
    if len(ends) > 1:
        found.add(("concatenated-zip", None))
    end = struct.unpack_from("<4s4H2LH", data, ends[-1])
    if ends[-1] + 22 + end[7] != len(data):
        found.add(("trailing-data", None))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return found | {("truncated", None)}
    infos = archive.infolist()
    if end[4] != len(infos):
        found.add(("eocd-mismatch", None))
    if min(info.header_offset for info in infos) != 0:
        found.add(("prepended-data", None))
    names = [info.filename for info in infos]
    for name in names:
        if names.count(name) > 1:
            found.add(("duplicate-member", name))
        if (tag := unsafe_path(name)) is not None:
            found.add((tag, name))
    extents = []
    for info in infos:
        local = local_header(data, info.header_offset, info.compress_size)
        encoding = "utf-8" if local.flags & 0x800 else "cp437"
        if local.name.decode(encoding) != info.orig_filename:
            found.add(("header-mismatch", info.filename))
        extents.append((info.header_offset, local.end, info.filename))
    extents.sort()
    for (_, end_before, name), (start, _, _) in itertools.pairwise(extents):
        if start < end_before:  # ``name``'s data runs into the next member (CVE-2024-0450)
            found.add(("zip-bomb-overlap", name))
    if any(tag == "zip-bomb-overlap" for tag, _ in found):
        return found  # inflating overlapping members is what the bomb wants
    contents: dict[str, bytes] = {}
    for info in infos:
        name = info.filename
        if name.endswith("/METADATA") and info.file_size > METADATA_LIMIT:
            found.add(("metadata-too-large", name))
            continue
        if info.file_size > MEMBER_LIMIT:
            found.add(("zip-bomb-ratio", name))
            continue
        raw = stored_bytes(data, info)
        result = (
            inflate(raw, info.file_size, keep=info.file_size)
            if info.compress_type == zipfile.ZIP_DEFLATED
            else Inflated(len(raw), True, zlib.crc32(raw), raw, b"")
        )
        if result.size > info.file_size or not result.eof:
            zip64 = struct.unpack_from("<H", info.extra)[0] == 1 if info.extra else False
            found.add(("zip-bomb-zip64" if zip64 else "zip-bomb-size-lie", name))
            continue
        if result.crc != info.CRC:
            found.add(("crc", name))
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            target = result.head.decode()
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
            if target.startswith("/") or resolved.startswith(".."):
                found.add(("link-escape", name))
        contents[name] = result.head
    try:
        project, version, _, _ = parse_wheel_filename(path.name)
    except InvalidWheelFilename:
        return found | {("bad-filename", None)}
    dist_infos = {n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info")}
    if len(dist_infos) != 1:
        found.add(("dist-info-multiple", None) if dist_infos else ("dist-info-missing", None))
    for folder in dist_infos:
        folder_name, _, folder_version = folder[: -len(".dist-info")].rpartition("-")
        if canonicalize_name(folder_name) != project or Version(folder_version) != version:
            found.add(("dist-info-mismatch", folder))
    folder = sorted(dist_infos)[-1] if dist_infos else ""
    metadata = contents.get(f"{folder}/METADATA")
    if f"{folder}/METADATA" not in names:
        found.add(("metadata-missing", f"{folder}/METADATA"))
    elif metadata is not None:
        found |= metadata_findings(metadata, f"{folder}/METADATA", project, version)
    if f"{folder}/WHEEL" not in names:
        found.add(("wheel-file-missing", f"{folder}/WHEEL"))
    record = contents.get(f"{folder}/RECORD")
    if record is None:
        return found | {("record-missing", f"{folder}/RECORD")}
    listed = set()
    for row in csv.reader(io.StringIO(record.decode("utf-8"))):
        name, digest, size = row
        listed.add(name)
        if name == f"{folder}/RECORD":
            continue
        if unsafe_path(name):
            found.add(("record-path-traversal", name))
        if name not in names:
            found.add(("record-extra", name))
            continue
        if not digest:
            found.add(("record-no-hash", name))
            continue
        algorithm = digest.partition("=")[0]
        if algorithm in ("md5", "sha1") or algorithm not in hashlib.algorithms_guaranteed:
            found.add(("record-weak-hash", name))
        elif name in contents and b64_digest(contents[name], algorithm) != digest:
            found.add(("record-hash", name))
        if name in contents and str(len(contents[name])) != size:
            found.add(("record-size", name))
    for name in set(names) - listed:
        if not name.endswith("/"):
            found.add(("record-unlisted", name))
    return found


_FILTER_TAGS: dict[type[Exception], str] = {
    tarfile.AbsolutePathError: "absolute-path",
    tarfile.OutsideDestinationError: "path-traversal",
    tarfile.AbsoluteLinkError: "link-escape",
    tarfile.LinkOutsideDestinationError: "link-escape",
    tarfile.SpecialFileError: "special-file",
}


def sdist_findings(path: Path) -> set[Finding]:  # noqa: PLR0912 - a checklist
    """Everything wrong with an sdist, by the tags of tests/support/hostile.py."""
    data = path.read_bytes()
    if path.name.endswith(".zip"):
        return {("zip-sdist", None)}
    if not data:
        return {("empty", None)}
    if not data.startswith(b"\x1f\x8b"):
        known = data[257:262] == b"ustar" or data.startswith((b"\xfd7zXZ\x00", b"BZh"))
        return {("wrong-compression" if known else "not-an-archive", None)}
    try:
        result = inflate(data, TAR_LIMIT, wbits=31, keep=TAR_LIMIT)
    except zlib.error as exc:
        return {("crc" if "check" in str(exc) else "corrupt", None)}
    if result.size > TAR_LIMIT:
        return {("gzip-bomb", None)}
    if not result.eof:
        return {("truncated", None)}
    found: set[Finding] = set()
    if result.unused:
        tag = "concatenated-gzip" if result.unused.startswith(b"\x1f\x8b") else "trailing-data"
        found.add((tag, None))
    try:
        project, version = parse_sdist_filename(path.name)
    except InvalidSdistFilename:
        return found | {("bad-filename", None)}
    stem = path.name[: -len(".tar.gz")]
    with tarfile.open(fileobj=io.BytesIO(result.head), mode="r:") as archive:
        members = archive.getmembers()
        names = [m.name for m in members]
        links = {m.name for m in members if m.issym() or m.islnk()}
        tops = set()
        for member in members:
            top, _, rest = member.name.partition("/")
            tops.add(top)
            if not rest and not member.isdir():
                found.add(("no-top-folder", member.name))
            if names.count(member.name) > 1:
                found.add(("duplicate-member", member.name))
            if (unsafe := unsafe_path(member.name)) is not None:
                found.add((unsafe, member.name))
            try:
                tarfile.data_filter(member, "/nonexistent-destination")
            except tarfile.FilterError as exc:
                found.add((_FILTER_TAGS[type(exc)], member.name))
            parents = PurePosixPath(member.name).parents
            if any(str(parent) in links for parent in parents):
                found.add(("link-escape", next(str(p) for p in parents if str(p) in links)))
        if len(tops) > 1:
            found.add(("multiple-top-folders", None))
        elif tops != {stem} and not any(tag == "no-top-folder" for tag, _ in found):
            found.add(("top-folder-mismatch", None))
        pkg_info = [m for m in members if m.name.count("/") == 1 and m.name.endswith("/PKG-INFO")]
        own = [m for m in pkg_info if m.name == f"{stem}/PKG-INFO"] or pkg_info[:1]
        if not own:
            found.add(("metadata-missing", f"{stem}/PKG-INFO"))
        elif own[0].size > METADATA_LIMIT:
            found.add(("metadata-too-large", own[0].name))
        else:
            handle = archive.extractfile(own[0])
            assert handle is not None
            found |= metadata_findings(handle.read(), own[0].name, project, version)
    return found


def findings(case: HostileCase, path: Path) -> set[Finding]:
    return wheel_findings(path) if case.scope == "wheel" else sdist_findings(path)


# ------------------------------------------------------------------- fixtures and generic tests


CASES = hostile.all_cases()
FILE_CASES = [case for case in CASES if case.scope != "packages-dir"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    """Every case built once, each in its own packages directory."""
    root = tmp_path_factory.mktemp("hostile")
    return {case.id: case.make(root / case.id / "dist") for case in CASES}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return hostile.valid_pair(tmp_path_factory.mktemp("baseline"))


def test_catalogue_covers_the_brief() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))
    assert all(case.description and case.defect for case in CASES)
    required = {
        "crc", "truncated", "record-missing", "record-hash", "record-size", "record-unlisted",
        "record-extra", "record-weak-hash", "dist-info-multiple", "metadata-missing",
        "wheel-file-missing", "dist-info-mismatch", "path-traversal", "absolute-path",
        "windows-path", "link-escape", "duplicate-member", "zip-bomb-size-lie", "zip-bomb-zip64",
        "zip-bomb-overlap", "metadata-too-large", "control-chars", "metadata-encoding",
        "trailing-data", "wrong-compression", "zip-sdist", "multiple-top-folders",
        "no-top-folder", "top-folder-mismatch", "special-file", "none-inside-link", "gzip-bomb",
        "name-collision", "symlink-outside", "dangling-symlink", "not-a-file",
        "control-chars-filename",
    }  # fmt: skip
    assert required <= set(hostile.defects())
    assert {c.scope for c in CASES} == {"wheel", "sdist", "packages-dir"}
    assert [c.id for c in hostile.by_defect("crc")] == ["wheel-crc-mismatch", "sdist-gzip-crc"]
    assert hostile.get("wheel-bomb-overlap").defect == "zip-bomb-overlap"
    with pytest.raises(KeyError, match="known: "):
        hostile.by_defect("no-such-tag")
    with pytest.raises(KeyError):
        hostile.get("no-such-case")


def test_baseline_is_a_real_valid_build(tmp_path: Path, baseline: tuple[Path, Path]) -> None:
    wheel, sdist = baseline
    sdist_built, wheel_built = build_project(tmp_path, hostile.PROJECT, hostile.VERSION)
    assert wheel.read_bytes() == wheel_built.read_bytes()  # hatchling builds are reproducible
    assert sdist.read_bytes() == sdist_built.read_bytes()
    assert wheel_findings(wheel) == set()
    assert sdist_findings(sdist) == set()
    with zipfile.ZipFile(wheel) as archive:
        assert archive.testzip() is None
    with tarfile.open(sdist) as archive:
        for member in archive.getmembers():
            tarfile.data_filter(member, "/nonexistent-destination")


def test_writers_reproduce_the_real_build_exactly() -> None:
    """The factory's own ZIP/tar/gzip writers give the baseline's bytes back when nothing
    changes, so each case differs from the real build only by its defect."""
    base = hostile._baseline()
    assert hostile._wheel(list(base.entries)) == base.wheel
    assert hostile._sdist(hostile._members()) == base.sdist


@pytest.mark.parametrize("count", [0, 1, 1000, MiB + 1, 3 * MiB + 7])
def test_crc_of_zeros_matches_zlib(count: int) -> None:
    assert hostile._crc32_zeros(count) == zlib.crc32(bytes(count))
    assert hostile._crc32_then_zeros(b"abc", count) == zlib.crc32(b"abc" + bytes(count))


def test_hand_written_deflate_inflates_exactly() -> None:
    parts: list[bytes | int] = [b"head", 3 * MiB + 5, b"tail", 70_000]
    raw = hostile._deflate_parts(parts)
    assert len(raw) < 4 * 1024
    expected = b"head" + bytes(3 * MiB + 5) + b"tail" + bytes(70_000)
    assert zlib.decompress(raw, wbits=-15) == expected


def _entries(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        yield path
        if path.is_dir() and not path.is_symlink():
            yield from path.rglob("*")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_case_builds_small_where_it_says(
    case: HostileCase, built: dict[str, list[Path]], tmp_path: Path
) -> None:
    paths = built[case.id]
    assert paths
    folder = paths[0].parent
    assert folder.name == "dist"
    for path in _entries(paths):
        assert path.parent == folder or folder in path.parents
        assert os.path.lexists(path)
        assert path.lstat().st_size <= ON_DISK_LIMIT, path
    if case.scope != "packages-dir":
        assert len(paths) == 1
        assert paths[0].lstat().st_size <= ON_DISK_LIMIT
    # deterministic: a second build anywhere else gives the same bytes
    again = case.make(tmp_path / "dist")
    assert [p.name for p in again] == [p.name for p in paths]
    for first, second in zip(paths, again, strict=True):
        mode = first.lstat().st_mode
        assert stat.S_IFMT(mode) == stat.S_IFMT(second.lstat().st_mode)
        if stat.S_ISREG(mode):
            assert first.read_bytes() == second.read_bytes()
        elif stat.S_ISLNK(mode):
            assert os.readlink(first) == os.readlink(second)


@pytest.mark.parametrize("case", FILE_CASES, ids=lambda c: c.id)
def test_reference_verifier_finds_the_tagged_defect(
    case: HostileCase, built: dict[str, list[Path]]
) -> None:
    found = findings(case, built[case.id][0])
    if case.defect == "none-inside-link":
        assert found == set()
        return
    tags = {tag for tag, _ in found}
    assert case.defect in tags, found
    if case.member is not None and any(member is not None for _, member in found):
        members = {member for tag, member in found if tag == case.defect}
        assert case.member in members or None in members, found


# ------------------------------------------------------------------------- specific proofs


Check = Callable[[list[Path]], None]
SPECIFIC: dict[str, Check] = {}


def specific(*case_ids: str) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        for case_id in case_ids:
            hostile.get(case_id)
            SPECIFIC[case_id] = check
        return check

    return register


def real_wheel() -> bytes:
    return hostile._baseline().wheel


def real_sdist() -> bytes:
    return hostile._baseline().sdist


def real_members() -> dict[str, bytes]:
    return {info.name: data for info, data in hostile._baseline().members}


def tar_of(path: Path) -> tarfile.TarFile:
    return tarfile.open(fileobj=io.BytesIO(gzip.decompress(path.read_bytes())), mode="r:")


@specific("wheel-crc-mismatch")
def _crc(paths: list[Path]) -> None:
    with zipfile.ZipFile(paths[0]) as archive, zipfile.ZipFile(io.BytesIO(real_wheel())) as real:
        assert archive.testzip() == INIT
        assert archive.getinfo(INIT).file_size == real.getinfo(INIT).file_size
        assert archive.getinfo(INIT).CRC == real.getinfo(INIT).CRC
        with pytest.raises(zipfile.BadZipFile, match="Bad CRC-32"):
            archive.read(INIT)


@specific("wheel-truncated-half")
def _half(paths: list[Path]) -> None:
    data = paths[0].read_bytes()
    assert data == real_wheel()[: len(real_wheel()) // 2]
    assert not zipfile.is_zipfile(paths[0])


@specific("wheel-truncated-central-directory")
def _no_central(paths: list[Path]) -> None:
    data = paths[0].read_bytes()
    assert not zipfile.is_zipfile(paths[0])
    assert b"PK\x01\x02" not in data and b"PK\x05\x06" not in data
    offset = 0
    with zipfile.ZipFile(io.BytesIO(real_wheel())) as real:
        for info in real.infolist():  # every local entry is intact, back to back, up to the cut
            assert offset == info.header_offset
            offset = local_header(data, offset, info.compress_size).end
    assert offset == len(data)


@specific("wheel-empty")
def _empty(paths: list[Path]) -> None:
    assert paths[0].stat().st_size == 0


@specific("wheel-not-a-zip", "sdist-not-an-archive")
def _html(paths: list[Path]) -> None:
    assert paths[0].read_bytes().startswith(b"<!DOCTYPE html>")
    assert not zipfile.is_zipfile(paths[0])


@specific("wheel-duplicate-member")
def _zip_duplicate(paths: list[Path]) -> None:
    with zipfile.ZipFile(paths[0]) as archive:
        twins = [info for info in archive.infolist() if info.filename == INIT]
        assert len(twins) == 2
        first, last = (archive.read(info) for info in twins)
        assert first != last
        assert archive.read(INIT) == last == zipfile.ZipFile(io.BytesIO(real_wheel())).read(INIT)


@specific("wheel-local-header-mismatch")
def _header_mismatch(paths: list[Path]) -> None:
    with zipfile.ZipFile(paths[0]) as archive, pytest.raises(zipfile.BadZipFile, match="differ"):
        archive.read(INIT)


@specific("wheel-prepended-data", "wheel-trailing-data")
def _framing(paths: list[Path]) -> None:
    data = paths[0].read_bytes()
    assert real_wheel() in data and data != real_wheel()
    with zipfile.ZipFile(paths[0]) as archive:  # zipfile tolerates it: the defect hides
        assert archive.testzip() is None
        assert archive.namelist() == zipfile.ZipFile(io.BytesIO(real_wheel())).namelist()


@specific("wheel-concatenated-zip")
def _concatenated(paths: list[Path]) -> None:
    data = paths[0].read_bytes()
    assert len(end_records(data)) == 2 and data.endswith(real_wheel())
    with zipfile.ZipFile(paths[0]) as archive:  # the last end record wins: the real wheel
        seen = archive.read(INIT)
        assert seen == zipfile.ZipFile(io.BytesIO(real_wheel())).read(INIT)
    first = local_header(data, 0, 0)  # a streaming reader meets the hidden archive first
    assert first.name == INIT.encode()
    with zipfile.ZipFile(io.BytesIO(data[: len(data) - len(real_wheel())])) as hidden:
        assert hidden.read(INIT) != seen


@specific("wheel-eocd-count-mismatch")
def _eocd_count(paths: list[Path]) -> None:
    data = paths[0].read_bytes()
    end = struct.unpack_from("<4s4H2LH", data, len(data) - 22)
    with zipfile.ZipFile(paths[0]) as archive:
        assert end[4] == len(archive.infolist()) - 1
        assert archive.testzip() is None


def record_rows(path: Path, folder: str = hostile.DIST_INFO) -> dict[str, list[str]]:
    with zipfile.ZipFile(path) as archive:
        text = archive.read(f"{folder}/RECORD").decode()
    return {row[0]: row for row in csv.reader(io.StringIO(text))}


@specific("wheel-record-md5", "wheel-record-sha1")
def _weak_hash(paths: list[Path]) -> None:
    row = record_rows(paths[0])[INIT]
    algorithm = row[1].partition("=")[0]
    assert algorithm in ("md5", "sha1")
    with zipfile.ZipFile(paths[0]) as archive:
        assert row[1] == b64_digest(archive.read(INIT), algorithm)  # correct, only too weak


@specific("wheel-record-missing")
def _no_record(paths: list[Path]) -> None:
    with zipfile.ZipFile(paths[0]) as archive:
        assert not any(name.endswith("RECORD") for name in archive.namelist())
        assert archive.testzip() is None


def bomb_info(path: Path) -> tuple[zipfile.ZipInfo, bytes]:
    data = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(BOMB)
    return info, stored_bytes(data, info)


@specific("wheel-bomb-size-lie", "wheel-bomb-zip64-lie")
def _lying_bomb(paths: list[Path]) -> None:
    info, raw = bomb_info(paths[0])
    assert info.file_size == hostile.BOMB_DECLARED_SIZE
    with zipfile.ZipFile(paths[0]) as archive:
        assert archive.testzip() is None  # zipfile believes the headers and is fooled
        assert len(archive.read(BOMB)) == hostile.BOMB_DECLARED_SIZE
    assert inflate(raw, BOMB_PROOF).size > BOMB_PROOF
    data = paths[0].read_bytes()
    local = struct.unpack_from("<4s2B4HL2L2H", data, info.header_offset)
    if info.extra:  # the ZIP64 variant
        assert local[8:10] == (0xFFFFFFFF, 0xFFFFFFFF)
        assert struct.unpack_from("<HHQQ", info.extra) == (1, 16, 1024, len(raw))
    else:
        assert local[9] == hostile.BOMB_DECLARED_SIZE and not info.extra


@specific("wheel-bomb-ratio")
def _honest_bomb(paths: list[Path]) -> None:
    info, raw = bomb_info(paths[0])
    assert info.file_size == hostile.BOMB_SIZE
    assert info.file_size / info.compress_size > 1000
    assert inflate(raw, BOMB_PROOF).size > BOMB_PROOF
    assert record_rows(paths[0])[BOMB][2] == str(hostile.BOMB_SIZE)


@specific("wheel-bomb-overlap")
def _overlap_bomb(paths: list[Path]) -> None:
    data = paths[0].read_bytes()
    with zipfile.ZipFile(paths[0]) as archive:
        infos = archive.infolist()
        blobs = [info for info in infos if "/blobs/" in info.filename]
        assert len(blobs) == hostile.OVERLAP_FILES
        spans = sorted(
            (i.header_offset, local_header(data, i.header_offset, i.compress_size).end)
            for i in blobs
        )
        assert all(start < end for (_, end), (start, _) in itertools.pairwise(spans))
        assert sum(i.file_size for i in blobs) > BOMB_PROOF
        # the first and last members really are valid: CRC and RECORD hash both match
        rows = record_rows(paths[0])
        for info in (blobs[0], blobs[-1]):
            content = archive.read(info)
            assert len(content) == info.file_size
            assert rows[info.filename][1] == b64_digest(content)
    budget = BOMB_PROOF
    for info in blobs:  # a bounded reader: all members together pass 100 MB
        budget -= inflate(stored_bytes(data, info), budget).size
        if budget < 0:
            break
    assert budget < 0


@specific("wheel-metadata-50mb")
def _huge_wheel_metadata(paths: list[Path]) -> None:
    with zipfile.ZipFile(paths[0]) as archive:
        info = archive.getinfo(hostile.METADATA)
    assert info.file_size == hostile.HUGE_METADATA_SIZE and info.compress_size < MiB
    result = inflate(stored_bytes(paths[0].read_bytes(), info), 2 * hostile.HUGE_METADATA_SIZE)
    assert result.size == hostile.HUGE_METADATA_SIZE and result.eof
    assert result.crc == info.CRC


def wheel_metadata(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read(hostile.METADATA)


@specific("wheel-metadata-control-chars", "sdist-pkg-info-control-chars")
def _control(paths: list[Path]) -> None:
    if paths[0].name.endswith(".whl"):
        text = wheel_metadata(paths[0])
    else:
        with tar_of(paths[0]) as archive:
            handle = archive.extractfile(hostile.PKG_INFO)
            assert handle is not None
            text = handle.read()
    summary = str(parse_email(text)[0]["summary"])
    for char in "\x07\x1b\x00\x7f\u009b":
        assert char in summary


@specific("wheel-metadata-escape-author")
def _author(paths: list[Path]) -> None:
    assert "\x1b" in str(parse_email(wheel_metadata(paths[0]))[0]["author"])


@specific("wheel-metadata-newline-summary")
def _newline(paths: list[Path]) -> None:
    text = wheel_metadata(paths[0])
    assert "\n" in str(parse_email(text)[0]["summary"])
    with pytest.raises(ExceptionGroup) as raised:
        Metadata.from_email(text, validate=True)
    assert "single line" in str(raised.value.exceptions)


@specific("wheel-metadata-not-utf8", "sdist-pkg-info-not-utf8")
def _latin1(paths: list[Path]) -> None:
    if paths[0].name.endswith(".whl"):
        text = wheel_metadata(paths[0])
    else:
        with tar_of(paths[0]) as archive:
            handle = archive.extractfile(hostile.PKG_INFO)
            assert handle is not None
            text = handle.read()
    with pytest.raises(UnicodeDecodeError):
        text.decode("utf-8")
    assert "author" in parse_email(text)[1]


@specific("sdist-gzip-truncated")
def _gzip_truncated(paths: list[Path]) -> None:
    with pytest.raises(EOFError):
        gzip.decompress(paths[0].read_bytes())


@specific("sdist-gzip-crc")
def _gzip_crc(paths: list[Path]) -> None:
    with pytest.raises(gzip.BadGzipFile, match="CRC"):
        gzip.decompress(paths[0].read_bytes())


@specific("sdist-trailing-garbage")
def _gzip_garbage(paths: list[Path]) -> None:
    data = paths[0].read_bytes()
    with pytest.raises(gzip.BadGzipFile):
        gzip.decompress(data)
    assert inflate(data, MiB, wbits=31).unused == data[len(real_sdist()) :]


@specific("sdist-gzip-second-member")
def _gzip_second(paths: list[Path]) -> None:
    tar = gzip.decompress(paths[0].read_bytes())  # valid multi-member gzip
    with tarfile.open(fileobj=io.BytesIO(tar), mode="r:") as archive:
        assert "other-1.0/PKG-INFO" not in archive.getnames()
    with tarfile.open(fileobj=io.BytesIO(tar), mode="r:", ignore_zeros=True) as archive:
        assert "other-1.0/PKG-INFO" in archive.getnames()


@specific("sdist-plain-tar", "sdist-xz", "sdist-bzip2")
def _wrong_compression(paths: list[Path]) -> None:
    data = paths[0].read_bytes()
    with pytest.raises(gzip.BadGzipFile):
        gzip.decompress(data)
    tar = (
        lzma.decompress(data)
        if data.startswith(b"\xfd7zXZ")
        else bz2.decompress(data)
        if data.startswith(b"BZh")
        else data
    )
    assert tar == gzip.decompress(real_sdist())  # the same tar, only the compression differs


@specific("sdist-zip")
def _zip_sdist(paths: list[Path]) -> None:
    assert parse_sdist_filename(paths[0].name) == ("hostile-sample", Version("1.0"))
    with zipfile.ZipFile(paths[0]) as archive:
        assert archive.testzip() is None
        assert archive.read(hostile.PKG_INFO) == real_members()[hostile.PKG_INFO]


@specific("sdist-gzip-bomb")
def _gzip_bomb(paths: list[Path]) -> None:
    with tarfile.open(paths[0], mode="r|gz") as stream:
        for member in stream:  # headers only; stop at the bomb
            if member.name.endswith("/data.bin"):
                assert member.size == hostile.GZIP_BOMB_SIZE
                break
        else:
            pytest.fail("no bomb member")
    with gzip.open(paths[0]) as handle:
        assert read_bounded(handle, BOMB_PROOF) > BOMB_PROOF


@specific("sdist-duplicate-pkg-info")
def _tar_duplicate(paths: list[Path]) -> None:
    with tar_of(paths[0]) as archive:
        twins = [m for m in archive.getmembers() if m.name == hostile.PKG_INFO]
        assert len(twins) == 2
        contents = [archive.extractfile(m).read() for m in twins]  # type: ignore[union-attr]
        assert contents[0] != contents[1]
        assert archive.getmember(hostile.PKG_INFO) is twins[1]  # extraction keeps the last
        assert b"Name: evil-project" in contents[1]


@specific("sdist-second-top-folder")
def _second_top(paths: list[Path]) -> None:
    with tar_of(paths[0]) as archive:
        assert {name.split("/")[0] for name in archive.getnames()} == {hostile.TOP, "other-1.0"}


@specific("sdist-no-top-folder")
def _flat(paths: list[Path]) -> None:
    with tar_of(paths[0]) as archive:
        assert "PKG-INFO" in archive.getnames()
        assert all("/" not in name or name.startswith("src/") for name in archive.getnames())


@specific("sdist-top-folder-mismatch")
def _top_mismatch(paths: list[Path]) -> None:
    with tar_of(paths[0]) as archive:
        assert {name.split("/")[0] for name in archive.getnames()} == {"hostile_sample-2.0"}


@specific(
    "sdist-path-dotdot", "sdist-symlink-relative", "sdist-symlink-absolute",
    "sdist-hardlink-escape", "sdist-device-file", "sdist-fifo",
)  # fmt: skip
def _filtered(paths: list[Path]) -> None:
    """PEP 706's data filter refuses the added member, as it would on extraction."""
    with tar_of(paths[0]) as archive:
        added = [m for m in archive.getmembers() if m.name not in real_members()]
        assert len(added) == 1
        with pytest.raises(tarfile.FilterError):
            tarfile.data_filter(added[0], "/nonexistent-destination")


@specific("sdist-path-absolute")
def _absolute(paths: list[Path]) -> None:
    """The member is absolute; PEP 706's data filter has to rewrite it (strip the slash)."""
    with tar_of(paths[0]) as archive:
        member = archive.getmember("/etc/x")
        assert PurePosixPath(member.name).is_absolute()
        assert tarfile.data_filter(member, "/nonexistent-destination").name == "etc/x"


@specific("sdist-pax-path-traversal")
def _pax(paths: list[Path]) -> None:
    _filtered(paths)
    tar = gzip.decompress(paths[0].read_bytes())
    assert f"{hostile.TOP}/notes.txt".encode() in tar  # what a ustar-only reader sees
    with tarfile.open(fileobj=io.BytesIO(tar), mode="r:") as archive:
        assert f"{hostile.TOP}/../../../../tmp/hostile_sample.pth" in archive.getnames()


@specific("sdist-write-through-symlink")
def _through_link(paths: list[Path]) -> None:
    with tar_of(paths[0]) as archive:
        link = archive.getmember(f"{hostile.TOP}/lib")
        assert link.issym() and link.linkname == "/tmp"  # noqa: S108
        assert archive.getmember(f"{hostile.TOP}/lib/hostile_sample.pth").isreg()


@specific("sdist-symlink-inside")
def _inside_link(paths: list[Path]) -> None:
    with tar_of(paths[0]) as archive:
        link = archive.getmember(f"{hostile.TOP}/README.rst")
        assert link.issym()
        tarfile.data_filter(link, "/nonexistent-destination")  # accepted
        target = posixpath.join(posixpath.dirname(link.name), link.linkname)
        assert target in archive.getnames()


@specific("sdist-pkg-info-50mb")
def _huge_pkg_info(paths: list[Path]) -> None:
    assert paths[0].stat().st_size < MiB
    with gzip.open(paths[0]) as handle:
        assert read_bounded(handle, TAR_LIMIT) > hostile.HUGE_METADATA_SIZE
    with tar_of(paths[0]) as archive:
        assert archive.getmember(hostile.PKG_INFO).size == hostile.HUGE_METADATA_SIZE


@specific("dir-normalized-name-collision")
def _collision(paths: list[Path]) -> None:
    names = sorted(p.name for p in paths)
    assert names == sorted(
        ["Foo_Bar-1.0.tar.gz", "foo_bar-1.0.tar.gz", "foo-bar-1.0.tar.gz", "Foo.Bar-1.0.tar.gz"]
    )
    assert {parse_sdist_filename(name) for name in names} == {("foo-bar", Version("1.0"))}
    for path in paths:
        assert sdist_findings(path) == set()  # each one is valid on its own
    assert len({hashlib.sha256(p.read_bytes()).digest() for p in paths}) == 4


@specific("dir-wheel-name-not-normalized")
def _wheel_names(paths: list[Path]) -> None:
    parsed = {parse_wheel_filename(p.name) for p in paths}
    assert len(paths) == 2 and len(parsed) == 1
    for path in paths:
        assert wheel_findings(path) == set()


@specific("dir-symlink-outside")
def _link_outside(paths: list[Path]) -> None:
    link = paths[0]
    assert link.is_symlink()
    target = link.resolve(strict=True)
    assert link.parent.resolve() not in target.parents
    assert wheel_findings(target) == set()


@specific("dir-dangling-symlink")
def _dangling(paths: list[Path]) -> None:
    assert paths[0].is_symlink() and not paths[0].exists()


@specific("dir-folder-named-like-wheel")
def _folder(paths: list[Path]) -> None:
    assert paths[0].is_dir() and paths[0].name == "x-1.0-py3-none-any.whl"


@specific("dir-fifo-named-like-sdist")
def _fifo(paths: list[Path]) -> None:
    assert stat.S_ISFIFO(paths[0].lstat().st_mode)  # never opened: that would block


@specific("dir-filename-escape", "dir-filename-newline")
def _control_names(paths: list[Path]) -> None:
    name = paths[0].name
    assert any(unicodedata.category(c) == "Cc" for c in name)
    assert name.endswith(".tar.gz") and paths[0].read_bytes() == real_sdist()


def test_every_packages_dir_case_has_a_specific_check() -> None:
    missing = [c.id for c in CASES if c.scope == "packages-dir" and c.id not in SPECIFIC]
    assert missing == []


@pytest.mark.parametrize("case", [c for c in CASES if c.id in SPECIFIC], ids=lambda c: c.id)
def test_specific_proof(case: HostileCase, built: dict[str, list[Path]]) -> None:
    SPECIFIC[case.id](built[case.id])
