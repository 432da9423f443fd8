"""A wheel verified as installers verify it, and more: every member read through, RECORD
complete and matching (binary distribution format: sha256 or stronger, sizes), exactly one
`.dist-info` named for the file's project and version, with METADATA and WHEEL."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
from pathlib import Path

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from publish_action.distributions.limits import (
    MAX_METADATA,
    MAX_RECORD,
    Budget,
    Problem,
    Refused,
)
from publish_action.distributions.zip_reader import Member, inflate, members, read_member

_STRONG = ("sha256", "sha384", "sha512")
_SIGNATURES = (".jws", ".p7s")  # RECORD's own signatures, listed without a hash


def read_wheel(
    path: Path, project: NormalizedName, version: Version
) -> tuple[bytes | None, str, list[Problem]]:
    """METADATA's bytes (None when unusable), its member name, and every problem found."""
    size = path.stat().st_size
    budget = Budget(size)
    problems: list[Problem] = []
    with path.open("rb") as stream:
        try:
            found = members(stream, size, problems)
            dist_info = _dist_info(found, project, version, problems)
            if dist_info is None:
                return None, "", problems
            by_name = {m.name: m for m in found}
            record = _record(
                stream, dist_info, by_name.get(f"{dist_info}/RECORD"), budget, problems
            )
            metadata = _read_all(stream, found, dist_info, record, budget, problems)
        except Refused as refused:
            return None, "", [*problems, refused.problem]
    return metadata, f"{dist_info}/METADATA", problems


def _dist_info(
    found: list[Member], project: NormalizedName, version: Version, problems: list[Problem]
) -> str | None:
    folders = sorted(
        {m.name.split("/", 1)[0] for m in found if m.name.split("/", 1)[0].endswith(".dist-info")}
    )
    if len(folders) != 1:
        what = (
            "no .dist-info folder"
            if not folders
            else (f"{len(folders)} .dist-info folders ({', '.join(folders)}): installers pick one")
        )
        problems.append(Problem(what))
        return None
    folder = folders[0]
    name, _, raw_version = folder.removesuffix(".dist-info").rpartition("-")
    try:
        same = canonicalize_name(name) == project and Version(raw_version) == version
    except InvalidVersion:
        same = False
    if not same:
        problems.append(
            Problem(
                f"the folder {folder} is not named for {project} {version}, "
                "the file name's project and version"
            )
        )
    names = {m.name for m in found}
    for required in ("METADATA", "WHEEL"):
        if f"{folder}/{required}" not in names:
            problems.append(Problem(f"{folder}/{required} is missing"))
    return folder if f"{folder}/METADATA" in names else None


def _record(
    stream: io.BufferedReader,
    dist_info: str,
    member: Member | None,
    budget: Budget,
    problems: list[Problem],
) -> dict[str, tuple[str, str, str]]:
    """RECORD's rows: path → (algorithm, urlsafe-b64 digest, size)."""
    if member is None:
        problems.append(
            Problem(f"{dist_info}/RECORD is missing: nothing says what the wheel should hold")
        )
        return {}
    data = read_member(
        stream,
        member,
        budget,
        limit=MAX_RECORD,
        too_large=lambda n: f"is {n} bytes, more than any real RECORD",
    )
    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    except (UnicodeDecodeError, csv.Error) as exc:
        problems.append(Problem(f"cannot be read ({exc})", member.name))
        return {}
    record: dict[str, tuple[str, str, str]] = {}
    for row in rows:
        if not row:
            continue
        if len(row) != 3:
            problems.append(
                Problem(f"has a row that is not path,hash,size: {row!r:.80}", member.name)
            )
            continue
        path, digest, size = row
        if path in record:
            problems.append(Problem(f"lists {path} twice", member.name))
        algorithm, _, value = digest.partition("=")
        record[path] = (algorithm, value, size)
    return record


def _read_all(
    stream: io.BufferedReader,
    found: list[Member],
    dist_info: str,
    record: dict[str, tuple[str, str, str]],
    budget: Budget,
    problems: list[Problem],
) -> bytes | None:
    """Inflate every member; check it against RECORD; keep METADATA."""
    record_name = f"{dist_info}/RECORD"
    metadata: bytes | None = None
    for member in found:
        if member.is_dir:
            continue
        if member.name == f"{dist_info}/METADATA":
            metadata = read_member(
                stream,
                member,
                budget,
                limit=MAX_METADATA,
                too_large=lambda n: (
                    f"is {n // (1024 * 1024)} MiB: metadata is capped at "
                    f"{MAX_METADATA // (1024 * 1024)} MiB"
                ),
            )
            actual = _digest_of(metadata, record.get(member.name))
        elif member.name == record_name:
            continue  # read already; RECORD cannot hash itself
        else:
            actual = _stream_digest(stream, member, budget, record.get(member.name))
        if record:
            _check_row(member, actual, record.get(member.name), record_name, problems)
    if record:
        names = {m.name for m in found}
        for path in sorted(set(record) - names):
            problems.append(Problem(f"lists {path}, which is not in the wheel", record_name))
    return metadata


def _stream_digest(
    stream: io.BufferedReader, member: Member, budget: Budget, row: tuple[str, str, str] | None
) -> tuple[str, int] | None:
    hasher = hashlib.new(row[0]) if row and row[0] in _STRONG else None
    size = 0
    for chunk in inflate(stream, member, budget):
        size += len(chunk)
        if hasher is not None:
            hasher.update(chunk)
    return (_b64(hasher.digest()), size) if hasher is not None else None


def _digest_of(data: bytes, row: tuple[str, str, str] | None) -> tuple[str, int] | None:
    if row is None or row[0] not in _STRONG:
        return None
    return _b64(hashlib.new(row[0], data).digest()), len(data)


def _b64(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _check_row(
    member: Member,
    actual: tuple[str, int] | None,
    row: tuple[str, str, str] | None,
    record_name: str,
    problems: list[Problem],
) -> None:
    name = member.name
    if row is None:
        if not name.endswith(_SIGNATURES):
            problems.append(Problem(f"is not listed in {record_name}", name))
        return
    algorithm, digest, size = row
    if not algorithm and name.endswith(_SIGNATURES):
        return
    if algorithm not in _STRONG:
        what = f"{algorithm}, which the wheel format forbids" if algorithm else "no hash"
        problems.append(Problem(f"{record_name} gives it {what} (sha256 or stronger)", name))
        return
    if actual is None:
        return
    if actual[0] != digest.rstrip("="):
        problems.append(
            Problem(
                f"its {algorithm} does not match {record_name}: the wheel was "
                "changed after it was built, or RECORD is stale",
                name,
            )
        )
    if size != str(actual[1]):
        problems.append(
            Problem(f"is {actual[1]} bytes, {record_name} says {size or 'nothing'}", name)
        )
