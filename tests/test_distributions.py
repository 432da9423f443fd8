from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from publish_action.distributions import discover, inspect
from publish_action.errors import DistributionError, ExitCode, InputError
from publish_action.hashing import hash_file
from tests.support.samples import build_project

METADATA = "Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: s\n"


def make_wheel(folder: Path, name: str, version: str, metadata: str | None = None) -> Path:
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        text = metadata if metadata is not None else METADATA.format(name=name, version=version)
        archive.writestr(f"{name}-{version}.dist-info/METADATA", text)
        archive.writestr(f"{name}-{version}.dist-info/WHEEL", "Wheel-Version: 1.0\n")
    return path


def make_sdist(folder: Path, name: str, version: str) -> Path:
    path = folder / f"{name}-{version}.tar.gz"
    data = METADATA.format(name=name, version=version).encode()
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo(f"{name}-{version}/PKG-INFO")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return path


def test_real_builds_are_inspected(tmp_path: Path) -> None:
    paths = build_project(tmp_path, "real-sample", "1.2.0")
    dists = inspect(paths, verify=True)
    assert {d.kind for d in dists} == {"wheel", "sdist"}
    for dist in dists:
        assert dist.project == "real-sample"
        assert str(dist.version) == "1.2.0"
        assert dist.hashes == hash_file(dist.path)
        assert dist.metadata["name"] == "real-sample"
    wheel = next(d for d in dists if d.kind == "wheel")
    assert wheel.filetype == "bdist_wheel" and wheel.pyversion == "py3"


def test_discover_ignores_other_files_and_lists_them(tmp_path: Path) -> None:
    make_wheel(tmp_path, "a", "1.0")
    (tmp_path / "a-1.0-py3-none-any.whl.publish.attestation").write_text("{}")
    (tmp_path / ".gitignore").write_text("*")
    (tmp_path / "sub").mkdir()
    found = discover(tmp_path)
    assert [p.name for p in found.distributions] == ["a-1.0-py3-none-any.whl"]
    assert {p.name for p in found.ignored} == {
        ".gitignore", "sub", "a-1.0-py3-none-any.whl.publish.attestation"}


def test_empty_or_missing_folder_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "README").write_text("x")
    with pytest.raises(InputError, match="README") as info:
        discover(tmp_path)
    assert info.value.exit_code is ExitCode.INPUT
    with pytest.raises(InputError, match="does not exist"):
        discover(tmp_path / "nope")


def test_every_problem_is_reported_together(tmp_path: Path) -> None:
    corrupt = tmp_path / "broken-1.0-py3-none-any.whl"
    corrupt.write_bytes(b"not a zip")
    mismatch = make_wheel(tmp_path, "named", "2.0", METADATA.format(name="other", version="3.0"))
    bad = make_wheel(tmp_path, "badmeta", "1.0",
                     "Metadata-Version: 2.1\nName: badmeta\nVersion: 1.0\n"
                     "Requires-Python: >=3.8,not-a-spec\n")
    good = make_sdist(tmp_path, "fine", "1.0")
    with pytest.raises(DistributionError) as info:
        inspect([corrupt, mismatch, bad, good], verify=True)
    error = info.value
    assert error.exit_code is ExitCode.DISTRIBUTION
    text = "\n".join(error.details)
    assert "broken-1.0-py3-none-any.whl: cannot read the archive" in text
    assert "named-2.0-py3-none-any.whl: file name says project 'named'" in text
    assert "metadata Version is '3.0'" in text
    assert "badmeta-1.0-py3-none-any.whl: metadata: '>=3.8,not-a-spec' is invalid for " \
        "'requires-python'" in text
    assert "fine" not in text
    assert "3 of 4" in error.message


def test_missing_metadata_and_bad_filename(tmp_path: Path) -> None:
    empty = tmp_path / "empty-1.0-py3-none-any.whl"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("empty/__init__.py", "")
    badname = tmp_path / "not_a_valid_name.whl"
    badname.write_bytes(b"")
    with pytest.raises(DistributionError) as info:
        inspect([empty, badname], verify=True)
    text = "\n".join(info.value.details)
    assert "no single top-level .dist-info/METADATA" in text
    assert "invalid file name" in text


def test_verify_metadata_false_still_needs_name_and_version(tmp_path: Path) -> None:
    lax = make_wheel(tmp_path, "lax", "1.0",
                     "Metadata-Version: 2.1\nName: lax\nVersion: 1.0\nRequires-Python: nonsense\n")
    assert inspect([lax], verify=False)[0].project == "lax"
    with pytest.raises(DistributionError):
        inspect([lax], verify=True)


def test_corrupt_deflate_stream_is_a_distribution_error(tmp_path: Path) -> None:
    path = tmp_path / "deflated-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("deflated-1.0.dist-info/METADATA",
                         METADATA.format(name="deflated", version="1.0") * 50)
    data = bytearray(path.read_bytes())
    start = data.index(b"deflated-1.0.dist-info/METADATA") + len("deflated-1.0.dist-info/METADATA")
    for i in range(start, start + 40):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(DistributionError, match="invalid"):
        inspect([path], verify=True)
