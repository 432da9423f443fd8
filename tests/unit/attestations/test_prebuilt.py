"""attestations/prebuilt.py: the attestation files in packages-dir, matched to their files."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish_action.attestations import prebuilt
from publish_action.distributions import Distribution
from publish_action.errors import AttestationError, ExitCode
from tests.unit.attestations.harness import Debugging


def test_each_file_gets_the_attestations_named_after_it(
    packages: Path, dists: list[Distribution]
) -> None:
    sdist, wheel = (d.filename for d in dists)
    for name in (
        f"{sdist}.publish.attestation",
        f"{sdist}.build.attestation",
        f"{wheel}.publish.attestation",
        "pkg-0.9.tar.gz.publish.attestation",  # of a file this run does not upload
        f"{sdist}.publish.attestation.bak",  # not an attestation file
    ):
        (packages / name).write_text("{}")
    (packages / f"{wheel}.other.attestation").mkdir()  # a folder is not a file
    found = prebuilt.find(dists)
    assert {k: [p.name for p in v] for k, v in found.by_file.items()} == {
        sdist: [f"{sdist}.build.attestation", f"{sdist}.publish.attestation"],
        wheel: [f"{wheel}.publish.attestation"],
    }
    assert [p.name for p in found.unmatched] == ["pkg-0.9.tar.gz.publish.attestation"]
    assert found.has_publish(sdist) and found.has_publish(wheel)
    assert bool(found) and len(found.paths) == 3


def test_a_longer_file_name_is_not_taken_for_a_shorter_one(tmp_path: Path) -> None:
    """`pkg-1.0.tar.gz.x.attestation` is not `pkg-1.0.tar` + `.gz.x`: the longest name wins."""
    from tests.unit.attestations.harness import make_dist

    short = make_dist(tmp_path, "pkg-1.0.zip")
    long = make_dist(tmp_path, "pkg-1.0.zip.tar.gz")
    (tmp_path / "pkg-1.0.zip.tar.gz.publish.attestation").write_text("{}")
    found = prebuilt.find([short, long])
    assert list(found.by_file) == ["pkg-1.0.zip.tar.gz"]
    assert not found.has_publish("pkg-1.0.zip")


def test_none_found(packages: Path, dists: list[Distribution]) -> None:
    found = prebuilt.find(dists)
    assert not found and found.names() == "" and found.unmatched == ()


def test_at_most_one_per_kind_with_ours(packages: Path, dists: list[Distribution]) -> None:
    """PyPI takes at most 2 per file (one per predicate type): two files here are enough, or
    one with this run's own publish attestation."""
    sdist = dists[0].filename
    for kind in ("build", "slsa", "sbom"):
        (packages / f"{sdist}.{kind}.attestation").write_text("{}")
    with pytest.raises(AttestationError) as info:
        prebuilt.check_count(prebuilt.find(dists), set())
    assert info.value.exit_code is ExitCode.ATTESTATION
    assert info.value.message == (
        f"too many attestations for {sdist}: {sdist}.build.attestation, "
        f"{sdist}.sbom.attestation, {sdist}.slsa.attestation in packages-dir"
    )
    (packages / f"{sdist}.sbom.attestation").unlink()
    found = prebuilt.find(dists)
    prebuilt.check_count(found, set())
    with pytest.raises(AttestationError, match="plus this run's publish attestation"):
        prebuilt.check_count(found, {sdist})


def test_the_note_names_the_files_what_is_lost_and_the_way_to_keep_them(
    packages: Path, dists: list[Distribution]
) -> None:
    (packages / f"{dists[0].filename}.publish.attestation").write_text("{}")
    note = prebuilt.not_sent_without_publisher(
        prebuilt.find(dists), "pypi.org", "this run uploads with configured credentials"
    )
    assert note.startswith(
        "attestations: not sent: pypi.org accepts attestations only from a trusted publisher, "
        "and this run uploads with configured credentials; pkg-1.0.tar.gz.publish.attestation"
    )
    assert "never takes an attestation for a file already uploaded" in note
    assert "trusted publishing" in note


def test_those_of_files_not_uploaded_are_mentioned_at_verbose_level_only(
    packages: Path, dists: list[Distribution]
) -> None:
    (packages / f"{dists[0].filename}.publish.attestation").write_text("not even json")
    # Nothing uploaded (every file already on the index): every attestation file is left alone.
    left = prebuilt.all_in([packages])
    assert [p.name for p in left] == [f"{dists[0].filename}.publish.attestation"]
    reporter = Debugging()
    prebuilt.report_left_alone(reporter, left)
    assert reporter.lines == [
        f"debug: attestations: {dists[0].filename}.publish.attestation in packages-dir left "
        "alone: its file is not uploaded by this run (already on the index, or not in "
        "packages-dir)"
    ]
    # A folder that cannot be listed has nothing to mention (and nothing is read from it).
    assert prebuilt.all_in([packages / "missing"]) == ()
    with pytest.raises(AttestationError, match=r"cannot list .*missing for attestation files"):
        prebuilt.find(dists, [packages / "missing"])


def test_each_takes_the_ones_of_its_own_folder(tmp_path: Path) -> None:
    """Files given as arguments from two folders: an attestation named after a file but in the
    other folder is not that file's (left alone, with the folder's other attestation files)."""
    from tests.unit.attestations.harness import make_dist

    here, there = tmp_path / "here", tmp_path / "there"
    for folder in (here, there, tmp_path / "third"):
        folder.mkdir()
    sdist, wheel = make_dist(here, "pkg-1.0.tar.gz"), make_dist(there, "pkg-1.0-py3-none-any.whl")
    (here / f"{sdist.filename}.publish.attestation").write_text("{}")
    (here / f"{wheel.filename}.publish.attestation").write_text("{}")
    (there / f"{wheel.filename}.build.attestation").write_text("{}")
    (tmp_path / "third" / "pkg-0.9.tar.gz.publish.attestation").write_text("{}")
    found = prebuilt.find([sdist, wheel], [tmp_path / "third"])
    assert {k: [p.name for p in v] for k, v in found.by_file.items()} == {
        sdist.filename: [f"{sdist.filename}.publish.attestation"],
        wheel.filename: [f"{wheel.filename}.build.attestation"],
    }
    assert sorted(str(p.relative_to(tmp_path)) for p in found.unmatched) == [
        f"here/{wheel.filename}.publish.attestation",
        "third/pkg-0.9.tar.gz.publish.attestation",
    ]
    assert found.has_publish(sdist.filename) and not found.has_publish(wheel.filename)
