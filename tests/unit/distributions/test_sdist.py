"""distributions/sdist.py: an sdist is a gzip tar with one top folder named for the file,
holding PKG-INFO, and no member that could escape it when unpacked."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

from publish_action.distributions.sdist import read_sdist
from tests.support.dists import write_sdist, write_wheel

PKG_INFO = b"Metadata-Version: 2.1\nName: demo\nVersion: 3.0\nSummary: s\n"


def tgz(path: Path, *members: tuple[tarfile.TarInfo, bytes | None]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def member(name: str, data: bytes = b"", **fields: object) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    for key, value in fields.items():
        setattr(info, key, value)
    return info, data


def problems(path: Path) -> list[str]:
    return [p.render() for p in read_sdist(path)[2]]


def test_a_valid_sdist_gives_its_pkg_info(tmp_path: Path) -> None:
    metadata, name, found = read_sdist(write_sdist(tmp_path, "demo", "1.0"))
    assert (name, found) == ("demo-1.0/PKG-INFO", [])
    assert metadata is not None and b"Name: demo" in metadata


def test_a_zip_sdist_and_a_zip_named_tar_gz_are_refused(tmp_path: Path) -> None:
    legacy = tmp_path / "demo-1.0.zip"
    legacy.write_bytes(b"PK\x03\x04")
    assert problems(legacy)[0].startswith("a .zip sdist: PEP 625 makes sdists .tar.gz files")
    wheel = write_wheel(tmp_path, "demo", "1.0")
    renamed = tmp_path / "demo-2.0.tar.gz"
    renamed.write_bytes(wheel.read_bytes())
    assert read_sdist(renamed)[0] is None
    assert problems(renamed) == [
        "named .tar.gz but is a zip archive: an sdist is a gzip-compressed tar (PEP 625)"
    ]


def test_a_symbolic_link_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    path = tgz(
        tmp_path / "demo-3.0.tar.gz",
        member("demo-3.0/PKG-INFO", PKG_INFO),
        member("demo-3.0/link", type=tarfile.SYMTYPE, linkname="../../etc/passwd"),
    )
    assert problems(path) == [
        "demo-3.0/link: a symbolic link to '../../etc/passwd', outside the sdist's folder"
    ]


def test_special_files_are_refused(tmp_path: Path) -> None:
    path = tgz(
        tmp_path / "demo-3.0.tar.gz",
        member("demo-3.0/PKG-INFO", PKG_INFO),
        member("demo-3.0/fifo", type=tarfile.FIFOTYPE),
    )
    assert problems(path) == ["demo-3.0/fifo: a device, FIFO or other special file"]


def test_pkg_info_must_be_in_the_top_folder_the_name_calls_for(tmp_path: Path) -> None:
    missing = tgz(tmp_path / "demo-3.1.tar.gz", member("demo-3.1/setup.py", b"x"))
    assert read_sdist(missing)[0] is None
    assert problems(missing) == ["demo-3.1/PKG-INFO is missing"]
    elsewhere = tgz(tmp_path / "demo-3.2.tar.gz", member("other/PKG-INFO", PKG_INFO))
    assert problems(elsewhere) == [
        "members outside the one top folder demo-3.2/ that the file name calls for: other/PKG-INFO",
        "demo-3.2/PKG-INFO is missing",
    ]


def test_a_truncated_stream_is_refused_not_read_short(tmp_path: Path) -> None:
    path = tmp_path / "demo-3.4.tar.gz"
    path.write_bytes(gzip.compress(b"\0" * 100)[:30])
    metadata, _, found = read_sdist(path)
    assert metadata is None and found
    assert "not a valid tar archive inside the gzip stream" in found[-1].render()
