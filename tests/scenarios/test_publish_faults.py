"""Issue 3, scenarios 9 and 12-14: races, dropped connections, cross-origin redirects of the
check, and an index that accepts uploads but stores nothing — on real pypiserver, devpi and
Pulp."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.scenarios.conftest import Result, hashes, path_of, seed
from tests.scenarios.stubs import fallback_proxy, race_proxy
from tests.support import http_stubs, samples, servers

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from tests.scenarios.conftest import Publisher


# -- 9. race: the file appears on the index between check and upload ------------------------------


@pytest.mark.parametrize("racer", ["identical", "different"])
def test_file_appearing_between_check_and_upload(
    strict_index: servers.RunningIndex,
    racer: str,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    """Another job publishes the sdist just before our POST of it reaches the index."""
    ours = samples.build_project(tmp_path, project, "1.0", payload="ours")
    theirs = (
        ours
        if racer == "identical"
        else samples.build_project(tmp_path, project, "1.0", payload="theirs")
    )
    sdist, wheel = ours

    with race_proxy(
        strict_index.root_url, {sdist.name: lambda: seed(strict_index, [theirs[0]])}
    ) as proxy:
        result = publish(
            http_stubs.index_via(strict_index, proxy), dist_dir(*ours), "--max-parallel", "1"
        )

    assert proxy.fired == [sdist.name]  # type: ignore[attr-defined]
    assert "checked 1 project(s): 2 file(s) to upload, 0 already on the index" in result.out
    if racer == "identical":
        assert result.code == 0, result.describe()
        # pypiserver (409) and Pulp (400 "already exists") refuse the duplicate and the re-read
        # finds it identical; devpi accepts an identical re-upload as a no-op (200). Either
        # way: on the index, exit 0.
        expected = "uploaded" if strict_index.kind == "devpi" else "skipped-identical"
        result.assert_outcomes({sdist.name: expected, wheel.name: "uploaded"})
        if expected == "skipped-identical":
            assert "another job won the race" in result.line_with(sdist.name, expected)
        assert servers.list_files(strict_index, project) == hashes(ours)
    else:
        assert result.code == 4, result.describe()
        # the sdist goes first (a new project's smallest file goes alone), so the wheel waits
        result.assert_outcomes({sdist.name: "mismatch", wheel.name: "not-attempted"})
        error = result.line_with("error:")
        assert sdist.name in error and "different content" in error
        assert servers.list_files(strict_index, project) == hashes([theirs[0]])


# -- 12. a server that drops the connection mid-upload, then answers ------------------------------


@pytest.mark.parametrize("forward_dropped", [False, True], ids=["lost-request", "lost-answer"])
def test_dropped_upload_is_retried_and_converges(
    any_index: servers.RunningIndex,
    forward_dropped: bool,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    """lost-request: the index never saw the first POST. lost-answer: the index stored it, but
    the answer never came back (the retry then meets the file already there)."""
    files = samples.build_project(tmp_path, project, "1.0", payload="x" * 200_000)
    with http_stubs.proxy_that_drops(
        any_index.root_url, 1, forward_dropped=forward_dropped
    ) as proxy:
        result = publish(http_stubs.index_via(any_index, proxy), dist_dir(*files))

    assert result.code == 0, result.describe()
    assert proxy.dropped == 1
    assert proxy.hits("POST") == 3  # the dropped one, its retry, and the other file
    result.assert_outcomes({p.name: "uploaded" for p in files})
    assert "upload interrupted" in result.err
    assert servers.list_files(any_index, project) == hashes(files)
    assert "confirmed: the index lists all 2 uploaded file(s)" in result.out


# -- 13. the check is redirected to another origin ------------------------------------------------


@pytest.fixture
def other_origin(
    any_index: servers.RunningIndex, request: pytest.FixtureRequest
) -> servers.RunningIndex:
    """The *other* real server: it plays "pypi.org", someone else's index."""
    name = "devpi_index" if any_index.kind == "pypiserver" else "pypiserver_index"
    index: servers.RunningIndex = request.getfixturevalue(name)
    return index


def _assert_redirect_not_followed(
    result: Result,
    target: servers.RunningIndex,
    other: servers.RunningIndex,
    other_proxy: http_stubs.StubServer,
    ours: list[Path],
    theirs: list[Path],
    project: str,
) -> None:
    assert result.code == 0, result.describe()
    if target.kind == "pulp":
        # Pulp stores an upload in a task after its 202: the confirmation's first reads can
        # come before it, see the 404 (redirected again), and read once more.
        lines = result.lines_with("redirects to another origin").splitlines()
    else:
        lines = [result.line_with("redirects to another origin")]
    for line in lines:
        assert other_proxy.url.rstrip("/") in line and "not followed" in line and project in line
    result.assert_outcomes({p.name: "uploaded" for p in ours})
    assert sum(other_proxy.counts.values()) == 0  # never read, credentials never sent there
    assert servers.list_files(target, project) == hashes(ours)
    assert servers.list_files(other, project) == hashes(theirs)  # untouched


def test_check_redirected_to_another_origin_is_not_followed(
    any_index: servers.RunningIndex,
    other_origin: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    """pypiserver's fallback, emulated in front of either server: an unknown project's page
    redirects to another origin, which holds a DIFFERENT file of the same name (if that page
    decided, the run would stop on a mismatch or wrongly skip)."""
    ours = samples.build_project(tmp_path, project, "1.0", payload="ours")
    theirs = samples.build_project(tmp_path, project, "1.0", payload="someone else's")
    seed(other_origin, theirs)

    with (
        http_stubs.counting_proxy(other_origin.root_url) as other_proxy,
        fallback_proxy(
            any_index.root_url, http_stubs.index_via(other_origin, other_proxy).index_url
        ) as front,
    ):
        via = http_stubs.index_via(any_index, front)
        result = publish(any_index, dist_dir(*ours), "--index-url", via.index_url)

    if any_index.kind != "pypiserver":
        # Only pypiserver's fallback and GitLab's forwarding mean "not here" (the targets
        # table); devpi never redirects elsewhere, and Pulp only to its content app (the same
        # <base_path>/simple/ path), so such an answer proves nothing.
        assert result.code == 6, result.describe()
        assert f"cannot tell whether {project} is here" in result.err
        assert sum(other_proxy.counts.values()) == 0
        assert servers.list_files(any_index, project) == {}
        return
    _assert_redirect_not_followed(
        result, any_index, other_origin, other_proxy, ours, theirs, project
    )
    reads = front.hits("GET", path_of(via.simple_url(project)))
    if any_index.kind == "pulp":  # the confirmation may read again while Pulp's task runs
        assert reads >= 2
    else:
        assert reads == 2  # the check and the confirm


@pytest.fixture
def pypiserver_with_fallback(
    tmp_path_factory: pytest.TempPathFactory, pypiserver_index: servers.RunningIndex
) -> Iterator[tuple[servers.RunningIndex, servers.RunningIndex, http_stubs.StubServer]]:
    """A real pypiserver whose fallback (normally pypi.org) is another loopback pypiserver."""
    with (
        http_stubs.counting_proxy(pypiserver_index.root_url) as other_proxy,
        servers.pypiserver(
            tmp_path_factory.mktemp("fallback"),
            fallback_url=http_stubs.index_via(pypiserver_index, other_proxy).index_url,
        ) as index,
    ):
        yield index, pypiserver_index, other_proxy


def test_real_pypiserver_fallback_redirect_is_not_followed(
    pypiserver_with_fallback: tuple[
        servers.RunningIndex, servers.RunningIndex, http_stubs.StubServer
    ],
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    target, other, other_proxy = pypiserver_with_fallback
    ours = samples.build_project(tmp_path, project, "1.0", payload="ours")
    theirs = samples.build_project(tmp_path, project, "1.0", payload="someone else's")
    seed(other, theirs)

    result = publish(target, dist_dir(*ours))

    _assert_redirect_not_followed(result, target, other, other_proxy, ours, theirs, project)


def test_check_url_that_always_redirects_elsewhere(
    any_index: servers.RunningIndex,
    other_origin: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    """An index-url that redirects every page, its root included, to another origin: a wrong
    check URL. "Redirected to the same project elsewhere" means "not here" only once the check
    URL has shown it is a simple index; here it cannot, so the run stops before uploading
    (issue 10: fail closed)."""
    ours = samples.build_project(tmp_path, project, "1.0", payload="ours")
    theirs = samples.build_project(tmp_path, project, "1.0", payload="someone else's")
    seed(other_origin, theirs)

    with (
        http_stubs.counting_proxy(other_origin.root_url) as other_proxy,
        http_stubs.redirect_server(other_proxy.url) as redirector,
    ):
        index_url = http_stubs.index_via(any_index, redirector).index_url
        with http_stubs.counting_proxy(any_index.root_url) as uploads:
            result = publish(
                http_stubs.index_via(any_index, uploads),
                dist_dir(*ours),
                "--index-url",
                index_url,
                "--confirm",
                "false",
            )

    assert result.code == 6, result.describe()
    assert "nothing was uploaded" in result.err
    assert sum(other_proxy.counts.values()) == 0  # never read, credentials never sent there
    if any_index.kind != "pypiserver":  # only pypiserver's fallback means "not here"
        assert f"cannot tell whether {project} is here" in result.err
        assert redirector.hits("GET") == 1
    else:
        assert "does not look like a working simple index" in result.err
        assert "asked GET http://127.0.0.1:" in result.err
        assert redirector.hits("GET") == 2  # the project page, then the root as evidence
    assert uploads.hits("POST") == 0
    assert servers.list_files(any_index, project) == {}
    assert servers.list_files(other_origin, project) == hashes(theirs)


# -- 14. an index that answers 200 to the upload but stores nothing -------------------------------


def test_index_that_stores_nothing_fails_after_confirmation(
    any_index: servers.RunningIndex,
    project: str,
    tmp_path: Path,
    publish: Publisher,
    dist_dir: Callable[..., Path],
) -> None:
    files = samples.build_project(tmp_path, project, "1.0")
    with http_stubs.blackhole_index(any_index) as hole:
        via = http_stubs.index_via(any_index, hole)
        result = publish(via, dist_dir(*files), "--confirm-timeout", "1")

    assert result.code == 6, result.describe()
    assert hole.hits("POST") == 2
    # Announced once, when the confirmation gives up: failed (never "uploaded" first).
    assert result.console_outcomes == {p.name: "failed" for p in files}
    assert result.report_outcomes == {p.name: "failed" for p in files}
    assert "2 failed in" in result.line_with("exit code 6")
    assert "2 uploaded file(s) do not appear on the index" in result.err
    for path in files:
        assert via.simple_url(project) in result.line_with(path.name, "not listed at")
    assert "'confirm: false'" in result.line_with("hint:")
    assert servers.list_files(any_index, project) == {}
    assert result.report["counts"]["failed"] == 2
