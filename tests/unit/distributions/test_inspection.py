"""Unit tests of `publish_action.distributions`: what is accepted, and how each kind of
problem is reported. The whole catalogue of hostile inputs runs end to end in
`tests/scenarios/test_hostile_inputs.py`."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from publish_action.distributions import inspect
from publish_action.distributions.hashing import hash_file
from publish_action.errors import DistributionError, ExitCode
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
