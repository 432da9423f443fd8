"""simple_index/compare.py: comparing a remote file with a local one, by hash."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from publish_action.distributions import inspect
from publish_action.simple_index import Comparison, RemoteFile
from publish_action.simple_index.compare import by_listed_hash, local_digest
from tests.support.dists import write_sdist
from tests.unit.simple_index.harness import Static, client, page


def test_md5_only_page_is_decided_by_downloading(
    static: Callable[..., Static], tmp_path: Path
) -> None:
    local = inspect([write_sdist(tmp_path, "demo", "1.0")], verify=True)[0]
    data = local.path.read_bytes()
    md5 = hashlib.md5(data).hexdigest()  # noqa: S324 - what the index gives
    server = static(
        {
            "/simple/demo/": page(f'<a href="/f/demo-1.0.tar.gz#md5={md5}">demo-1.0.tar.gz</a>'),
            "/f/demo-1.0.tar.gz": (200, {"Content-Type": "application/octet-stream"}, data),
        }
    )
    index = client(server.url)
    remote = index.project("demo").files["demo-1.0.tar.gz"]
    same = index.compare(remote, local)
    assert same.identical and same.algorithm == "sha256"
    assert ("GET", "/f/demo-1.0.tar.gz", None) in server.seen
    assert index.compare(remote, local, md5_is_enough=True).algorithm == "md5"


def test_the_strongest_listed_hash_decides_and_md5_only_after_our_own_upload(
    tmp_path: Path,
) -> None:
    [dist] = inspect([write_sdist(tmp_path, "demo", "1.0")], verify=True)
    sha512 = hashlib.sha512(dist.path.read_bytes()).hexdigest()
    assert dist.hashes.md5 is not None  # inspect() computes md5 unless told not to
    listed = RemoteFile(
        dist.filename, "u", {"md5": dist.hashes.md5, "sha512": sha512, "sha256": "0" * 64}
    )
    # sha256 is the strongest the index lists here; it says "different", whatever md5 says.
    assert by_listed_hash(listed, dist) == Comparison(False, "sha256", dist.hashes.sha256, "0" * 64)
    only_sha512 = RemoteFile(dist.filename, "u", {"sha512": sha512})
    same = by_listed_hash(only_sha512, dist)
    assert same is not None and same.identical and same.remote_label == f"sha512={sha512}"
    only_md5 = RemoteFile(dist.filename, "u", {"md5": dist.hashes.md5})
    assert by_listed_hash(only_md5, dist) is None  # md5 may not decide a skip
    confirmed = by_listed_hash(only_md5, dist, md5_is_enough=True)
    assert confirmed is not None and confirmed.identical and confirmed.algorithm == "md5"
    assert by_listed_hash(RemoteFile(dist.filename, "u", {}), dist, md5_is_enough=True) is None


def test_a_digest_not_computed_at_inspection_is_computed_from_the_file(tmp_path: Path) -> None:
    [dist] = inspect([write_sdist(tmp_path, "demo", "1.0")], verify=True)
    assert local_digest(dist, "sha256") == dist.hashes.sha256
    assert local_digest(dist, "sha384") == hashlib.sha384(dist.path.read_bytes()).hexdigest()
