"""Unit tests of `publish_action.distributions`: what is accepted, and how each kind of
problem is reported. The whole catalogue of hostile inputs runs end to end in
`tests/scenarios/test_hostile_inputs.py`."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from publish_action.distributions import discover, inspect
from publish_action.distributions.hashing import hash_file
from publish_action.errors import DistributionError, ExitCode, InputError
from tests.support.dists import METADATA, write_sdist, write_wheel
from tests.support.samples import build_project


def test_real_builds_are_inspected(tmp_path: Path) -> None:
    paths = build_project(tmp_path, "real-sample", "1.2.0")
    dists = inspect(paths, verify=True)
    assert {d.kind for d in dists} == {"wheel", "sdist"}
    for dist in dists:
        assert dist.project == "real-sample"
        assert str(dist.version) == "1.2.0"
        assert dist.hashes == hash_file(dist.path)  # hashed once, at inspection
        assert dist.metadata["name"] == "real-sample"
    wheel = next(d for d in dists if d.kind == "wheel")
    assert wheel.filetype == "bdist_wheel" and wheel.pyversion == "py3"


def test_minimal_spec_files_are_accepted(tmp_path: Path) -> None:
    dists = inspect(
        [write_wheel(tmp_path, "mini", "1.0"), write_sdist(tmp_path, "mini", "1.0")], verify=True
    )
    assert [d.kind for d in dists] == ["wheel", "sdist"]


def test_discover_ignores_other_files_and_lists_them(tmp_path: Path) -> None:
    write_wheel(tmp_path, "a", "1.0")
    (tmp_path / "a-1.0-py3-none-any.whl.publish.attestation").write_text("{}")
    (tmp_path / ".gitignore").write_text("*")
    (tmp_path / "sub").mkdir()
    found = discover(tmp_path)
    assert [p.name for p in found.distributions] == ["a-1.0-py3-none-any.whl"]
    assert {p.name for p in found.ignored} == {
        ".gitignore",
        "sub",
        "a-1.0-py3-none-any.whl.publish.attestation",
    }


def test_empty_or_missing_folder_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "README").write_text("x")
    with pytest.raises(InputError, match="README") as info:
        discover(tmp_path)
    assert info.value.exit_code is ExitCode.INPUT
    with pytest.raises(InputError, match="does not exist"):
        discover(tmp_path / "nope")


def test_a_link_inside_the_folder_is_followed(tmp_path: Path) -> None:
    real = write_sdist(tmp_path, "linked", "1.0")
    folder = tmp_path / "dist"
    folder.mkdir()
    (folder / "store").mkdir()
    moved = real.rename(folder / "store" / real.name)
    (folder / real.name).symlink_to(moved)
    assert [p.name for p in discover(folder).distributions] == [real.name]


def test_every_problem_is_reported_together(tmp_path: Path) -> None:
    corrupt = tmp_path / "broken-1.0-py3-none-any.whl"
    corrupt.write_bytes(b"not a zip")
    mismatch = write_wheel(tmp_path, "named", "2.0", METADATA.format(name="other", version="3.0"))
    bad = write_wheel(
        tmp_path,
        "badmeta",
        "1.0",
        "Metadata-Version: 2.1\nName: badmeta\nVersion: 1.0\nRequires-Python: >=3.8,not-a-spec\n",
    )
    good = write_sdist(tmp_path, "fine", "1.0")
    with pytest.raises(DistributionError) as info:
        inspect([corrupt, mismatch, bad, good], verify=True)
    error = info.value
    assert error.exit_code is ExitCode.DISTRIBUTION
    text = "\n".join(error.details)
    assert "broken-1.0-py3-none-any.whl: not a zip archive" in text
    assert (
        "named-2.0-py3-none-any.whl: named-2.0.dist-info/METADATA: file name says project 'named'"
    ) in text
    assert "metadata Version is '3.0'" in text
    assert (
        "badmeta-1.0-py3-none-any.whl: badmeta-1.0.dist-info/METADATA: metadata: "
        "'>=3.8,not-a-spec' is invalid for 'requires-python'"
    ) in text
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
    assert "empty-1.0-py3-none-any.whl: no .dist-info folder" in text
    assert "not_a_valid_name.whl: invalid file name" in text


def test_verify_metadata_false_skips_validation_not_integrity(tmp_path: Path) -> None:
    lax = write_wheel(
        tmp_path,
        "lax",
        "1.0",
        "Metadata-Version: 2.1\nName: lax\nVersion: 1.0\nRequires-Python: nonsense\n",
    )
    assert inspect([lax], verify=False)[0].project == "lax"
    with pytest.raises(DistributionError):
        inspect([lax], verify=True)
    data = bytearray(lax.read_bytes())
    data[40] ^= 0xFF  # inside the first member's compressed data
    lax.write_bytes(bytes(data))
    with pytest.raises(DistributionError, match="invalid"):
        inspect([lax], verify=False)


def test_corrupt_deflate_stream_is_a_distribution_error(tmp_path: Path) -> None:
    path = write_wheel(
        tmp_path,
        "deflated",
        "1.0",
        METADATA.format(name="deflated", version="1.0") + "Description: x\n" * 50,
    )
    data = bytearray(path.read_bytes())
    name = b"deflated-1.0.dist-info/METADATA"
    start = data.index(name) + len(name)
    for i in range(start, start + 40):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(DistributionError) as info:
        inspect([path], verify=True)
    assert "deflated-1.0.dist-info/METADATA" in "\n".join(info.value.details)
