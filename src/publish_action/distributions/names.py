"""What identifies a distribution file: the parts of its name, not its spelling."""

from __future__ import annotations

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)

DISTRIBUTION_SUFFIXES = (".whl", ".tar.gz", ".zip")


def is_distribution_name(name: str) -> bool:
    return name.endswith(DISTRIBUTION_SUFFIXES)


def file_key(filename: str) -> tuple[str, ...]:
    """`Foo_Bar-1.0.tar.gz`, `foo_bar-1.0.tar.gz` and `foo-bar-1.0.tar.gz` are one file to an
    index: the same project, version and kind (and tags, for wheels)."""
    try:
        if filename.endswith(".whl"):
            name, version, build, tags = parse_wheel_filename(filename)
            tag_text = ".".join(sorted(str(t) for t in tags))
            return ("wheel", name, str(version), "-".join(map(str, build)), tag_text)
        if filename.endswith((".tar.gz", ".zip")):
            name, version = parse_sdist_filename(filename)
            ext = ".tar.gz" if filename.endswith(".tar.gz") else ".zip"
            return ("sdist", name, str(version), ext)
    except (InvalidWheelFilename, InvalidSdistFilename, ValueError):
        pass
    return ("other", filename.lower())
