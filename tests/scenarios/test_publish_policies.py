"""Issue 3, scenarios 6-8: a check the index refuses to answer, and the on-existing policies
`skip` and `overwrite`, on real pypiserver, devpi-server and Pulp."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.scenarios.conftest import hashes, seed
from tests.support import http_stubs, samples, servers

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from tests.scenarios.conftest import Publisher


# -- 6. the check URL answers 401/403 -------------------------------------------------------------


@pytest.fixture(scope="module")
def read_protected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.RunningIndex]:
    """pypiserver that wants the password for reading too (devpi needs a plugin for that)."""
    with servers.pypiserver(
        tmp_path_factory.mktemp("read-protected"), authenticate="download,update,list"
    ) as index:
        yield index


@pytest.mark.parametrize("check", ["anonymous", "wrong-check-password"])
def test_refused_check_is_an_auth_error_and_nothing_is_uploaded(
    read_protected: servers.RunningIndex,
    check: str,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    files = samples.build_project(tmp_path, project, "1.0")
    # Uploads and reads go through two proxies: two origins, so the upload credentials are not
    # tried for the check (the check URL is not the upload URL's host).
    with (
        http_stubs.counting_proxy(read_protected.root_url) as uploads,
        http_stubs.counting_proxy(read_protected.root_url) as reads,
    ):
        index_url = http_stubs.index_via(read_protected, reads).index_url
        extra = ["--index-url", index_url]
        if check == "wrong-check-password":
            extra += [
                f"--check-user={read_protected.username}",
                "--check-password=not-the-password",
            ]
        result = publish(http_stubs.index_via(read_protected, uploads), dist_dir(*files), *extra)

    assert result.code == 5, result.describe()
    page = f"{index_url}{project}/"
    error = result.line_with("error:")
    assert page in error
    # pypiserver: 401 without credentials, 403 for wrong ones; both are errors, never "absent"
    hint = result.line_with("hint:")
    # The refusal says what was sent, never the secret.
    if check == "anonymous":
        assert "(HTTP 401)" in error
        assert (
            "this run sent no credentials: the upload credentials only go to the upload "
            "URL's host" in hint
        )
    else:
        assert "(HTTP 403)" in error
        assert f"this run sent check-user: user {read_protected.username!r}" in hint
    assert "'check-user'" in hint and "'check-password'" in hint
    assert "pypiserver reads with" in hint and "htpasswd" in hint
    assert uploads.hits("POST") == 0
    assert uploads.hits("GET") == 1  # the one question telling pypiserver from devpi
    assert reads.hits("POST") == 0
    assert servers.list_files(read_protected, project) == {}
    assert result.report["exit_code"] == 5 and result.report["counts"]["uploaded"] == 0


@pytest.mark.parametrize("how", ["check-credentials", "upload-credentials-same-host"])
def test_read_protected_index_works_with_read_credentials(
    read_protected: servers.RunningIndex,
    how: str,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    """The advice of the test above works; and the upload credentials serve for the check
    when the check URL is on the upload URL's own host."""
    files = samples.build_project(tmp_path, project, "1.0")
    with http_stubs.counting_proxy(read_protected.root_url) as reads:
        extra: list[str] = []
        if how == "check-credentials":
            extra = [
                "--index-url",
                http_stubs.index_via(read_protected, reads).index_url,
                f"--check-user={read_protected.username}",
                f"--check-password={read_protected.password}",
            ]
        result = publish(read_protected, dist_dir(*files), *extra)
    assert result.code == 0, result.describe()
    result.assert_outcomes({p.name: "uploaded" for p in files})
    assert servers.list_files(read_protected, project) == hashes(files)
    if how == "check-credentials":
        assert reads.hits("GET") >= 2  # check and confirm went to the given index-url


# -- 7. skip with different content ---------------------------------------------------------------


@pytest.mark.parametrize(
    "flags",
    [("--on-existing", "skip"), ("--skip-existing", "true")],
    ids=["on-existing-skip", "skip-existing-alias"],
)
def test_skip_policy_skips_different_content_with_a_warning(
    any_index: servers.RunningIndex,
    flags: tuple[str, str],
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    published = samples.build_project(tmp_path, project, "1.0", payload="first")
    seed(any_index, published)
    rebuilt = samples.build_project(tmp_path, project, "1.0", payload="second")

    with http_stubs.counting_proxy(any_index.root_url) as proxy:
        result = publish(http_stubs.index_via(any_index, proxy), dist_dir(*rebuilt), *flags)

    assert result.code == 0, result.describe()
    result.assert_outcomes({p.name: "skipped-existing" for p in rebuilt})
    for path in rebuilt:
        warning = result.line_with("warning:", path.name, "different content")
        assert warning in result.err.splitlines()
    assert proxy.hits("POST") == 0
    assert servers.list_files(any_index, project) == hashes(published)


# -- 8. overwrite ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def overwriting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.RunningIndex]:
    with servers.pypiserver(tmp_path_factory.mktemp("overwriting"), overwrite=True) as index:
        yield index


@pytest.fixture(params=["pypiserver-overwrite", "devpi-volatile"])
def replacing_index(
    request: pytest.FixtureRequest, overwriting: servers.RunningIndex
) -> servers.RunningIndex:
    if request.param == "devpi-volatile":
        index: servers.RunningIndex = request.getfixturevalue("devpi_index")
        return index
    return overwriting


def test_overwrite_replaces_the_file_where_the_index_allows_it(
    replacing_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    published = samples.build_project(tmp_path, project, "1.0", payload="first")
    seed(replacing_index, published)
    rebuilt = samples.build_project(tmp_path, project, "1.0", payload="second")

    with http_stubs.counting_proxy(replacing_index.root_url) as proxy:
        result = publish(
            http_stubs.index_via(replacing_index, proxy),
            dist_dir(*rebuilt),
            "--on-existing",
            "overwrite",
        )

    assert result.code == 0, result.describe()
    result.assert_outcomes({p.name: "uploaded" for p in rebuilt})
    for path in rebuilt:
        assert "OVERWRITING" in result.line_with("warning:", path.name)
    assert proxy.hits("POST") == 2
    assert servers.list_files(replacing_index, project) == hashes(rebuilt)


def test_overwrite_refused_by_the_index_is_reported_not_hidden(
    strict_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    """pypiserver without --overwrite (409) and non-volatile devpi refuse the replacement."""
    published = samples.build_project(tmp_path, project, "1.0", payload="first")
    seed(strict_index, published)
    rebuilt = samples.build_project(tmp_path, project, "1.0", payload="second")

    result = publish(
        strict_index, dist_dir(*rebuilt), "--on-existing", "overwrite", "--max-parallel", "1"
    )

    assert result.code == 4, result.describe()
    outcomes = result.report_outcomes
    assert sorted(outcomes.values()) == ["mismatch", "not-attempted"], result.describe()
    assert result.console_outcomes == outcomes
    assert servers.list_files(strict_index, project) == hashes(published)


@pytest.mark.parametrize(
    "url", ["https://upload.pypi.org/legacy/", "https://test.pypi.org/legacy/"]
)
def test_overwrite_is_refused_up_front_for_pypi(
    url: str,
    no_network: list[object],
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    files = samples.build_project(tmp_path, project, "1.0")
    result = publish(
        None,
        dist_dir(*files),
        "--repository-url",
        url,
        "--password=pypi-secret-token",
        "--on-existing",
        "overwrite",
    )
    assert result.code == 2, result.describe()
    assert "on-existing: overwrite is refused for" in result.err
    assert "pypi-secret-token" not in result.text
    assert no_network == []
