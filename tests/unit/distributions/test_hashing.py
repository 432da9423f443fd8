"""distributions/hashing.py: sha256, blake2b-256 and md5 of a file in one streaming pass."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from publish_action.distributions import hashing
from publish_action.distributions.hashing import Hashes, hash_file


def test_the_three_digests_match_hashlib(tmp_path: Path) -> None:
    data = bytes(range(256)) * 5000  # more than one chunk when the chunk is small
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    expected = Hashes(
        hashlib.sha256(data).hexdigest(),
        hashlib.blake2b(data, digest_size=32).hexdigest(),
        hashlib.md5(data, usedforsecurity=False).hexdigest(),
    )
    assert hash_file(path) == expected


def test_reading_in_chunks_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"0123456789" * 1000
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    whole = hash_file(path)
    monkeypatch.setattr(hashing, "CHUNK", 7)
    assert hash_file(path) == whole


def test_an_empty_file_has_the_well_known_digests(tmp_path: Path) -> None:
    path = tmp_path / "empty"
    path.write_bytes(b"")
    hashes = hash_file(path)
    assert hashes.sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert hashes.md5 == "d41d8cd98f00b204e9800998ecf8427e"


def test_get_by_algorithm_name_as_an_index_spells_it() -> None:
    hashes = Hashes("s" * 64, "b" * 64, "m" * 32)
    assert hashes.get("sha256") == "s" * 64
    assert hashes.get("blake2b_256") == "b" * 64
    assert hashes.get("md5") == "m" * 32
    assert hashes.get("sha512") is None


def test_md5_only_when_asked(tmp_path: Path) -> None:
    """md5 is shown with print-hash and nothing else needs it: not computed otherwise."""
    path = tmp_path / "f.bin"
    path.write_bytes(b"abc" * 1000)
    without = hash_file(path, md5=False)
    assert without.md5 is None and without.get("md5") is None
    assert without.sha256 == hash_file(path).sha256 and without.blake2b_256
