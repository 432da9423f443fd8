"""Core metadata read from METADATA / PKG-INFO: decoded strictly, checked against the file
name, free of control characters, and (with verify-metadata) validated by `packaging`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from packaging.metadata import ExceptionGroup, InvalidMetadata, Metadata, RawMetadata, parse_email
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from publish_action.distributions.limits import MAX_METADATA, Problem

# Some backends write headers the core-metadata spec doesn't list; indexes ignore them.
_TOLERATED_UNKNOWN = {"license-file", "license-files"}
# C0 controls but tab, LF and CR, DEL, and C1: nothing a metadata field may hold. They would
# reach terminals and index pages as they are (an ESC sequence rewrites a log line).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_MULTILINE = {"description", "license"}


def parse(
    data: bytes, member: str, *, project: NormalizedName, version: Version, verify: bool
) -> tuple[RawMetadata | None, list[Problem]]:
    if len(data) > MAX_METADATA:
        return None, [
            Problem(
                f"is larger than {MAX_METADATA // (1024 * 1024)} MiB: metadata is capped", member
            )
        ]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [
            Problem(
                f"is not UTF-8 (byte {data[exc.start]:#04x} at offset "
                f"{exc.start}); core metadata must be UTF-8",
                member,
            )
        ]
    raw, unparsed = parse_email(text)
    problems = [Problem(f"{why}", member) for why in _controls(raw)]
    problems += _identity(raw, member, project, version)
    if not verify:
        return (raw if not problems else None), problems
    for header in sorted(unparsed):
        if header.lower() not in _TOLERATED_UNKNOWN:
            problems.append(Problem(f"metadata field {header!r} is unknown or malformed", member))
    try:
        Metadata.from_raw(raw, validate=True)
    except ExceptionGroup as group:
        problems.extend(Problem(_describe(exc), member) for exc in _flatten(group.exceptions))
    return (raw if not problems else None), problems


def _values(raw: RawMetadata) -> Iterator[tuple[str, str]]:
    for key, value in raw.items():
        if isinstance(value, str):
            yield key, value
        elif isinstance(value, list):
            yield from ((key, str(item)) for item in value)
        elif isinstance(value, dict):
            yield from ((key, f"{label}, {url}") for label, url in value.items())


def _controls(raw: RawMetadata) -> Iterator[str]:
    for key, value in _values(raw):
        found = _CONTROL.search(value)
        field = key.replace("_", "-")
        if found is not None:
            yield (
                f"metadata field {field!r} holds the control character "
                f"U+{ord(found.group(0)):04X}: rebuild without it"
            )
        elif key not in _MULTILINE and ("\n" in value.strip() or "\r" in value.strip()):
            yield f"metadata field {field!r} spans several lines; it must be one line"


def _identity(
    raw: RawMetadata, member: str, project: NormalizedName, version: Version
) -> list[Problem]:
    problems = []
    meta_name = raw.get("name", "")
    if canonicalize_name(meta_name) != project:
        problems.append(
            Problem(
                f"file name says project {project!r} but metadata Name is {meta_name!r}", member
            )
        )
    meta_version = raw.get("version", "")
    try:
        same = Version(meta_version) == version
    except InvalidVersion:
        same = False
    if not same:
        problems.append(
            Problem(
                f"file name says version {version} but metadata Version is {meta_version!r}", member
            )
        )
    return problems


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
