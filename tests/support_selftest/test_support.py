"""Self-tests of the test infrastructure in tests/support (real servers, real builds)."""

from __future__ import annotations

import hashlib
import time
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.support import http_stubs, samples, servers

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def plain_upload(url: str, path: Path, auth: tuple[str, str] | None) -> httpx.Response:
    """A bare legacy-API upload, written out here on purpose (no helpers)."""
    name, version = servers.dist_name_version(path.name)
    return httpx.post(
        url,
        data={
            ":action": "file_upload",
            "protocol_version": "1",
            "name": name,
            "version": version,
            "filetype": "bdist_wheel",
            "pyversion": "py3",
            "metadata_version": "2.1",
            "sha256_digest": sha256(path),
        },
        files={"content": (path.name, path.read_bytes(), "application/octet-stream")},
        auth=auth,
        timeout=30,
    )


@pytest.fixture(scope="module")
def pypi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.RunningIndex]:
    with servers.pypiserver(tmp_path_factory.mktemp("pypiserver")) as index:
        yield index


@pytest.fixture(scope="module")
def devpi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.RunningIndex]:
    with servers.devpi(tmp_path_factory.mktemp("devpi")) as index:
        yield index


@pytest.fixture(params=["pypi", "devpi"])
def index(request: pytest.FixtureRequest) -> servers.RunningIndex:
    result: servers.RunningIndex = request.getfixturevalue(request.param)
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    (built,) = samples.build_project(tmp_path_factory.mktemp("w"), "stub-probe", "0.1", sdist=False)
    return built


# -- samples ---------------------------------------------------------------------------------


def test_free_port_is_bindable() -> None:
    import socket

    port = servers.free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_hatchling_builds_are_reproducible_and_payload_changes_content(tmp_path: Path) -> None:
    started = time.monotonic()
    first = samples.build_project(tmp_path, "Sample.Pkg", "1.0")
    elapsed = time.monotonic() - started
    again = samples.build_project(tmp_path, "Sample.Pkg", "1.0")
    other = samples.build_project(tmp_path, "Sample.Pkg", "1.0", payload="different")
    assert [p.name for p in first] == ["sample_pkg-1.0.tar.gz", "sample_pkg-1.0-py3-none-any.whl"]
    assert [p.name for p in other] == [p.name for p in first]
    assert [sha256(p) for p in again] == [sha256(p) for p in first]
    assert all(sha256(a) != sha256(b) for a, b in zip(first, other, strict=True))
    assert elapsed < 5


def test_setuptools_backend_and_build_frontend(tmp_path: Path) -> None:
    built = samples.build_project(tmp_path, "st-demo", "2.0", backend="setuptools", sdist=False)
    assert [p.name for p in built] == ["st_demo-2.0-py3-none-any.whl"]
    via_build = samples.build_project(tmp_path, "fe-demo", "3.0", wheel=False, frontend="build")
    assert [p.name for p in via_build] == ["fe_demo-3.0.tar.gz"]
    samples.copy_into([*built, *via_build], tmp_path / "dist")
    assert sorted(p.name for p in (tmp_path / "dist").iterdir()) == sorted(
        p.name for p in [*built, *via_build]
    )


# -- real servers ----------------------------------------------------------------------------


def test_plain_upload_shows_up_in_list_files(index: servers.RunningIndex, tmp_path: Path) -> None:
    (whl,) = samples.build_project(tmp_path, f"probe-{index.kind}", "1.0", sdist=False)
    assert servers.list_files(index, whl.name.split("-")[0]) == {}
    response = plain_upload(index.upload_url, whl, (index.username, index.password))
    assert response.status_code == 200, response.text
    assert servers.list_files(index, f"Probe_{index.kind}") == {whl.name: sha256(whl)}
    page = httpx.get(index.simple_url(f"probe-{index.kind}"))
    assert page.status_code == 200
    assert f"#sha256={sha256(whl)}" in page.text
    assert httpx.get(index.simple_url("never-uploaded")).status_code == 404


def test_anonymous_upload_is_refused(index: servers.RunningIndex, wheel: Path) -> None:
    assert plain_upload(index.upload_url, wheel, None).status_code == 401


def test_pypiserver_refuses_duplicates_with_409(pypi: servers.RunningIndex, wheel: Path) -> None:
    assert servers.raw_upload(pypi, wheel).status_code == 200
    assert servers.raw_upload(pypi, wheel).status_code == 409


def test_pypiserver_read_auth_and_no_auth(tmp_path: Path, wheel: Path) -> None:
    with servers.pypiserver(tmp_path, authenticate="download,update,list") as locked:
        assert httpx.get(locked.index_url).status_code == 401
        creds = (locked.username, locked.password)
        assert httpx.get(locked.index_url, auth=creds).status_code == 200
    with servers.pypiserver(tmp_path, authenticate=".") as open_index:
        assert servers.raw_upload(open_index, wheel, auth=False).status_code == 200
    # stopped on exit
    with pytest.raises(httpx.TransportError):
        httpx.get(open_index.root_url, timeout=2)


def test_devpi_non_volatile_index(tmp_path: Path) -> None:
    one = samples.build_project(tmp_path, "nv-demo", "1.0", sdist=False)[0]
    two = samples.build_project(tmp_path, "nv-demo", "1.0", sdist=False, payload="x")[0]
    with servers.devpi(tmp_path, volatile=False) as index:
        assert servers.raw_upload(index, one).status_code == 200
        assert servers.raw_upload(index, one).status_code == 200  # identical: accepted no-op
        assert servers.raw_upload(index, two).status_code == 409
        assert servers.list_files(index, "nv-demo") == {one.name: sha256(one)}


def test_start_failure_reports_log_tail(tmp_path: Path) -> None:
    with (
        pytest.raises(servers.ServerStartError, match="exited with code") as info,
        servers.pypiserver(tmp_path, authenticate="bogus-action"),
    ):
        pass
    assert "bogus" in str(info.value)


# -- stubs -----------------------------------------------------------------------------------


def test_redirect_server(pypi: servers.RunningIndex) -> None:
    with http_stubs.redirect_server(pypi.root_url) as stub:
        assert stub.url.startswith("http://127.0.0.1:")
        assert stub.endswith("/")
        response = httpx.get(stub + "simple/anything/")
        assert response.status_code == 302
        assert response.headers["Location"] == pypi.root_url + "simple/anything/"
        assert stub.counts[("GET", "/simple/anything/")] == 1


def test_proxy_that_drops_then_forwards(pypi: servers.RunningIndex, tmp_path: Path) -> None:
    (whl,) = samples.build_project(tmp_path, "drop-demo", "1.0", sdist=False)
    with http_stubs.proxy_that_drops(pypi.root_url, 1) as proxy:
        via = http_stubs.index_via(pypi, proxy)
        with pytest.raises(httpx.TransportError):
            servers.raw_upload(via, whl)
        assert servers.list_files(pypi, "drop-demo") == {}
        assert servers.raw_upload(via, whl).status_code == 200
        assert servers.raw_upload(via, whl).status_code == 409  # relayed faithfully
        page = httpx.get(via.simple_url("drop-demo"))
        assert page.status_code == 200
        assert sha256(whl) in page.text
        assert proxy.counts[("POST", "/")] == 3
        assert proxy.dropped == 1
    assert servers.list_files(pypi, "drop-demo") == {whl.name: sha256(whl)}


def test_proxy_that_loses_the_response(devpi: servers.RunningIndex, tmp_path: Path) -> None:
    (whl,) = samples.build_project(tmp_path, "lost-response", "1.0", sdist=False)
    with http_stubs.proxy_that_drops(devpi.root_url, 1, forward_dropped=True) as proxy:
        via = http_stubs.index_via(devpi, proxy)
        with pytest.raises(httpx.TransportError):
            servers.raw_upload(via, whl)
        assert proxy.dropped == 1
    assert servers.list_files(devpi, "lost-response") == {whl.name: sha256(whl)}


def test_blackhole_index(pypi: servers.RunningIndex, wheel: Path, tmp_path: Path) -> None:
    with http_stubs.blackhole_index(None) as hole:
        response = plain_upload(hole, wheel, ("u", "p"))
        assert (response.status_code, response.text) == (200, "OK")
        assert httpx.get(hole + "simple/stub-probe/").status_code == 404
        assert hole.hits("POST") == 1
    with http_stubs.blackhole_index(None, empty_page=True) as hole:
        assert httpx.get(hole + "simple/stub-probe/").status_code == 200
    with http_stubs.blackhole_index(pypi) as hole:
        via = http_stubs.index_via(pypi, hole)
        (probe,) = samples.build_project(tmp_path, "blackholed", "1.0", sdist=False)
        assert servers.raw_upload(via, probe).status_code == 200
        assert httpx.get(via.simple_url("blackholed")).status_code == 404  # real index, proxied
        assert servers.list_files(pypi, "blackholed") == {}


def test_counting_proxy(devpi: servers.RunningIndex) -> None:
    with http_stubs.counting_proxy(devpi.root_url) as proxy:
        via = http_stubs.index_via(devpi, proxy)
        assert httpx.get(via.index_url).status_code == 200
        assert httpx.head(via.simple_url("nothing-here")).status_code == 404
        assert proxy.counts == {
            ("GET", "/uploader/dev/+simple/"): 1,
            ("HEAD", "/uploader/dev/+simple/nothing-here/"): 1,
        }
