"""distributions/discover.py: which files of the packages folder are distributions."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish_action.distributions import discover
from publish_action.errors import ExitCode, InputError
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
