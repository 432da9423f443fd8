"""distributions/hashing.py: sha256, blake2b-256 and md5 of a file in one streaming pass,
made beside the rest of the run (`Digests`)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any

import pytest

from publish_action.distributions import hashing
from publish_action.distributions.hashing import Digests, Hashes, hash_file
from publish_action.errors import DistributionError, ExitCode


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


class Later(Executor):
    """An executor that runs nothing until told: what was submitted is still to be done."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Future[Any], Callable[[], Any]]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        self.jobs.append((future, lambda: fn(*args, **kwargs)))
        return future

    def run_all(self) -> None:
        for future, job in self.jobs:
            if future.set_running_or_notify_cancel():
                future.set_result(job())


def test_digests_made_elsewhere_are_the_same_digests(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"payload" * 1000)
    later = Later()
    digests = Digests.start(path, md5=True, executor=later)
    assert len(later.jobs) == 1 and not later.jobs[0][0].done()  # nothing hashed yet
    later.run_all()
    assert digests.result() == hash_file(path, md5=True)
    assert Digests.start(path, md5=False, executor=None).result() == hash_file(path, md5=False)


def test_digests_whose_job_was_cancelled_are_made_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"abc" * 100)
    later = Later()
    digests = Digests.start(path, md5=True, executor=later)
    later.jobs[0][0].cancel()  # the run ended early and its pool went
    assert digests.result() == hash_file(path, md5=True)


def test_a_file_gone_before_its_digests_is_a_distribution_error(tmp_path: Path) -> None:
    path = tmp_path / "demo-1.0.tar.gz"
    path.write_bytes(b"abc")
    later = Later()
    digests = Digests.start(path, md5=False, executor=later)
    path.unlink()
    later.jobs[0][0].cancel()
    with pytest.raises(DistributionError, match=r"demo-1\.0\.tar\.gz cannot be read any more"):
        digests.result()
    failing: Future[Hashes] = Future()
    failing.set_exception(PermissionError(13, "Permission denied"))
    with pytest.raises(DistributionError, match="Permission denied") as raised:
        Digests(failing, path).result()
    assert raised.value.exit_code is ExitCode.DISTRIBUTION
