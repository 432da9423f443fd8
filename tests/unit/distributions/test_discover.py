"""distributions/discover.py: which files of the packages folder are distributions."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish_action.distributions import discover, discover_files
from publish_action.errors import DistributionError, ExitCode, InputError
from tests.support.dists import write_sdist, write_wheel


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


def test_files_given_as_arguments_are_held_to_the_rules_of_packages_dir(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    a = write_wheel(tmp_path / "one", "a", "1.0")
    b = write_sdist(tmp_path, "b", "1.0")
    found = discover_files([a, b])
    assert found.distributions == (a, b) and found.ignored == ()
    # The same distribution under two spellings, from two folders, and a file gone since.
    (tmp_path / "two").mkdir()
    twin = write_sdist(tmp_path / "two", "B", "1.0")
    with pytest.raises(DistributionError) as info:
        discover_files([b, twin, tmp_path / "gone-1.0.tar.gz"])
    assert info.value.exit_code is ExitCode.DISTRIBUTION
    assert info.value.details[0] == f"{tmp_path / 'gone-1.0.tar.gz'}: no such file"
    assert "one distribution to an index" in info.value.details[1]


def test_a_file_argument_that_links_out_of_its_folder_is_refused(tmp_path: Path) -> None:
    real = write_sdist(tmp_path, "linked", "1.0")
    (tmp_path / "dist").mkdir()
    link = tmp_path / "dist" / real.name
    link.symlink_to(real)
    with pytest.raises(DistributionError, match="problem"):
        discover_files([link])
    (tmp_path / "dist" / "dangling-1.0.tar.gz").symlink_to(tmp_path / "nothing")
    with pytest.raises(DistributionError) as info:
        discover_files([tmp_path / "dist" / "dangling-1.0.tar.gz"])
    assert "dangling" in info.value.details[0]
