"""distributions/wheel.py: a wheel is read through its RECORD; every member it holds must be
listed with the right hash and size, inside a .dist-info named for the file."""

from __future__ import annotations

import zipfile
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import Version

from publish_action.distributions.wheel import read_wheel
from tests.support.dists import write_wheel

DEMO = canonicalize_name("demo")


def problems(path: Path, version: str) -> list[str]:
    return [p.render() for p in read_wheel(path, DEMO, Version(version))[2]]


def test_a_valid_wheel_gives_its_metadata_and_no_problem(tmp_path: Path) -> None:
    path = write_wheel(tmp_path, "demo", "1.0")
    metadata, member, found = read_wheel(path, DEMO, Version("1.0"))
    assert found == [] and member == "demo-1.0.dist-info/METADATA"
    assert metadata is not None and b"Name: demo" in metadata


def test_the_dist_info_must_be_named_for_the_files_project_and_version(tmp_path: Path) -> None:
    path = write_wheel(tmp_path, "demo", "1.0")
    assert problems(path, "2.0") == [
        "the folder demo-1.0.dist-info is not named for demo 2.0, the file name's project and "
        "version"
    ]


def test_a_member_changed_after_the_build_fails_its_record(tmp_path: Path) -> None:
    (tmp_path / "built").mkdir()
    built = write_wheel(tmp_path / "built", "demo", "1.0")
    changed = tmp_path / built.name
    with zipfile.ZipFile(built) as src, zipfile.ZipFile(changed, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info.filename, b"changed" if info.filename == "demo/__init__.py" else data)
    assert problems(changed, "1.0") == [
        "demo/__init__.py: its sha256 does not match demo-1.0.dist-info/RECORD: the wheel was "
        "changed after it was built, or RECORD is stale",
        "demo/__init__.py: is 7 bytes, demo-1.0.dist-info/RECORD says 0",
    ]


def test_a_member_missing_from_record_is_refused(tmp_path: Path) -> None:
    path = write_wheel(tmp_path, "demo", "1.0")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("extra.py", b"x")
    assert problems(path, "1.0") == ["extra.py: is not listed in demo-1.0.dist-info/RECORD"]


def test_a_member_name_that_leaves_the_archive_is_refused(tmp_path: Path) -> None:
    path = write_wheel(tmp_path, "demo", "1.0", members={"../evil.py": b"x"})
    assert problems(path, "1.0") == [
        "../evil.py: unsafe member name: a '..' component, which leaves the archive"
    ]
