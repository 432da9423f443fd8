"""simple_index/compare.py: comparing a remote file with a local one, by hash."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from publish_action.distributions import inspect
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
