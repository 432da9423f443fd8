"""Issue 12: what only Pulp has. Its upload URL (``.../pypi/<base_path>/legacy/``), and an index
whose simple pages are a publication served by the content app, another origin: every
``simple/`` URL of ``pulp_published_index`` answers 302 there (see tests/support/pulp.py).

The everyday scenarios run on Pulp too, through ``any_index``; these are the ones whose answer
depends on the redirect. The expected behaviour is the product's promise (fresh publish
confirmed, a rebuilt file stopped before any upload, a re-run that uploads nothing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from tests.scenarios.conftest import hashes, pip_download, seed, sha256
from tests.support import http_stubs, samples, servers

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.scenarios.conftest import Publisher
    from tests.support.pulp import PulpServer


def test_published_index_redirects_to_the_content_app_which_serves_the_files(
    pulp_published_index: servers.RunningIndex,
    pulp_server: PulpServer,
    project: str,
    tmp_path: Path,
) -> None:
    """The fixture itself: what the product meets on such an index (no product code)."""
    files = samples.build_project(tmp_path, project, "1.0")
    seed(pulp_published_index, files)
    with httpx.Client(timeout=30.0, trust_env=False) as client:
        page = client.get(pulp_published_index.simple_url(project))
        assert page.status_code == 302
        location = page.headers["location"]
        assert location.startswith(f"{pulp_server.content_url}pulp/content/")
        served = client.get(location)
    assert served.status_code == 200
    for path in files:
        assert f"{path.name}#sha256={sha256(path)}" in served.text
    downloads = tmp_path / "pip"
    wheel = pip_download(pulp_published_index.index_url, f"{project}==1.0", downloads, sdist=False)
    assert hashes(wheel) == hashes(files[1:])


def test_fresh_publish_to_a_published_index_is_confirmed(
    pulp_published_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    files = samples.build_project(tmp_path, project, "1.0")
    result = publish(pulp_published_index, dist_dir(*files))

    assert result.code == 0, result.describe()
    result.assert_outcomes({p.name: "uploaded" for p in files})
    assert "confirmed: the index lists all 2 uploaded file(s)" in result.out
    assert servers.list_files(pulp_published_index, project) == hashes(files)


def test_rebuilt_file_on_a_published_index_is_a_mismatch_caught_before_upload(
    pulp_published_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    published = samples.build_project(tmp_path, project, "1.0", payload="first build")
    seed(pulp_published_index, published)
    rebuilt = samples.build_project(tmp_path, project, "1.0", payload="second build")

    with http_stubs.counting_proxy(pulp_published_index.root_url) as proxy:
        result = publish(http_stubs.index_via(pulp_published_index, proxy), dist_dir(*rebuilt))

    assert servers.list_files(pulp_published_index, project) == hashes(published)
    assert proxy.hits("POST") == 0, result.describe()
    assert result.code == 4, result.describe()
    result.assert_outcomes({p.name: "mismatch" for p in rebuilt})


def test_rerun_on_a_published_index_skips_everything_without_uploading(
    pulp_published_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    files = samples.build_project(tmp_path, project, "1.0")
    seed(pulp_published_index, files)  # what the first run left

    with http_stubs.counting_proxy(pulp_published_index.root_url) as proxy:
        result = publish(http_stubs.index_via(pulp_published_index, proxy), dist_dir(*files))

    assert proxy.hits("POST") == 0, result.describe()
    assert result.code == 0, result.describe()
    result.assert_outcomes({p.name: "skipped-identical" for p in files})
    assert "nothing to upload: every file is already on the index" in result.out
    assert servers.list_files(pulp_published_index, project) == hashes(files)


def test_pulp_index_url_is_derived_from_the_upload_url(
    pulp_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    published = samples.build_project(tmp_path, project, "1.0", payload="first build")
    seed(pulp_index, published)
    rebuilt = samples.build_project(tmp_path, project, "1.0", payload="second build")

    result = publish(pulp_index, dist_dir(*rebuilt), "--index-url=")  # empty: derive it

    assert "index-url derived from repository-url" in result.out, result.describe()
    assert pulp_index.index_url in result.out
    assert result.code == 4, result.describe()
    result.assert_outcomes({p.name: "mismatch" for p in rebuilt})
    assert servers.list_files(pulp_index, project) == hashes(published)
