"""`targets.identify`: one request tells pypiserver from devpi; aggregates are warned about.

Against the real servers of the suite (pypiserver 2.4.2, devpi-server 6.20.3) and loopback
stand-ins answering as Nexus's and Artifactory's repository APIs document.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest

from publish_action.errors import IndexError_
from publish_action.net import Net, NetSettings
from publish_action.settings import Credentials
from publish_action.targets import IndexKind, classify
from publish_action.targets.identify import identify
from tests.support import servers
from tests.support.static_server import Route, Static

StaticFactory = Callable[[dict[str, Route]], Static]


@pytest.fixture
def net() -> Iterator[Net]:
    with Net(NetSettings(timeout=5, retries=0), environ={}) as client:
        yield client


def run(url: str, net: Net, *, given: str | None = None) -> tuple[IndexKind, str | None, str]:
    identified = identify(classify(url), url, net, credentials=None, given_index_url=given)
    profile = identified.profile
    return profile.kind, profile.simple_url, " | ".join(identified.warnings)


def test_pypiserver_is_told_by_its_welcome_page(
    pypiserver_index: servers.RunningIndex, net: Net
) -> None:
    kind, simple, _ = run(pypiserver_index.upload_url, net)
    assert (kind, simple) == (IndexKind.PYPISERVER, pypiserver_index.index_url)


def test_devpi_is_told_by_its_index_description(
    devpi_index: servers.RunningIndex, net: Net
) -> None:
    kind, simple, _ = run(devpi_index.upload_url, net)
    assert (kind, simple) == (IndexKind.DEVPI, devpi_index.index_url)


def test_pypiserver_under_a_path_prefix_gives_its_own_simple_link(
    static: StaticFactory, net: Net
) -> None:
    welcome = (
        b"<html><head><title>Welcome to pypiserver!</title></head><body>"
        b'<a href="/pkgs/packages/">here</a> or via the <a href="/pkgs/simple/">simple</a>'
        b"</body></html>"
    )
    server = static({"/pkgs/": (200, {"Content-Type": "text/html"}, welcome)})
    kind, simple, _ = run(f"{server.url}pkgs/", net)
    assert (kind, simple) == (IndexKind.PYPISERVER, f"{server.url}pkgs/simple/")


@pytest.mark.parametrize(
    "route",
    [
        (404, {"Content-Type": "text/plain"}, b"no"),
        (200, {"Content-Type": "text/html"}, b"<html><title>Some app</title></html>"),
        (200, {"Content-Type": "application/json"}, b'{"type": "list:userconfig"}'),
    ],
    ids=["404", "another-app", "devpi-root"],
)
def test_anything_else_stays_unknown_and_says_what_it_asked(
    static: StaticFactory, net: Net, route: Route
) -> None:
    server = static({"/a/b/": route})
    kind, simple, _ = run(f"{server.url}a/b/", net)
    assert (kind, simple) == (IndexKind.UNKNOWN, None)
    profile = identify(
        classify(f"{server.url}a/b/"),
        f"{server.url}a/b/",
        net,
        credentials=None,
        given_index_url=None,
    ).profile
    assert f"asked GET {server.url}a/b/: HTTP {route[0]}" in profile.derivation
    assert "set 'index-url'" in profile.derivation


def test_an_unreachable_server_is_an_error_not_unknown(net: Net) -> None:
    port = servers.free_port()
    with pytest.raises(IndexError_, match=r"asking .* what it is"):
        run(f"http://127.0.0.1:{port}/", net)


def test_a_nexus_group_as_index_url_is_warned_about(static: StaticFactory, net: Net) -> None:
    """Nexus REST API: GET /service/rest/v1/repositories lists name, format, type
    (hosted/proxy/group); a group mixes in its members' files (notes: Nexus)."""
    listing = [
        {"name": "pypi-hosted", "format": "pypi", "type": "hosted"},
        {"name": "pypi-all", "format": "pypi", "type": "group"},
    ]
    server = static(
        {
            "/nexus/service/rest/v1/repositories": (
                200,
                {"Content-Type": "application/json"},
                json.dumps(listing).encode(),
            )
        }
    )
    upload = f"{server.url}nexus/repository/pypi-hosted/"
    _, _, warning = run(upload, net, given=f"{server.url}nexus/repository/pypi-all/simple/")
    assert "Nexus group repository" in warning and "hosted repository" in warning
    _, _, none = run(upload, net, given=f"{server.url}nexus/repository/pypi-hosted/simple/")
    assert none == ""


def test_an_artifactory_virtual_repository_is_warned_about(static: StaticFactory, net: Net) -> None:
    """JFrog REST API "Get Repository Configuration": rclass local/remote/virtual, and a
    virtual repository's defaultDeploymentRepo."""
    config = {"key": "pypi", "rclass": "virtual", "defaultDeploymentRepo": "pypi-local"}
    server = static(
        {
            "/artifactory/api/repositories/pypi": (
                200,
                {"Content-Type": "application/json"},
                json.dumps(config).encode(),
            )
        }
    )
    _, simple, warning = run(f"{server.url}artifactory/api/pypi/pypi", net)
    assert simple == f"{server.url}artifactory/api/pypi/pypi/simple/"
    assert "virtual repository" in warning and "'pypi-local'" in warning
    _, _, quiet = run(f"{server.url}artifactory/api/pypi/other", net)  # 404: no warning
    assert quiet == ""


def test_a_gitlab_group_as_index_url_is_warned_about(net: Net) -> None:
    url = "https://gitlab.example.com/api/v4/projects/42/packages/pypi"
    _, _, warning = run(
        url, net, given="https://gitlab.example.com/api/v4/groups/7/-/packages/pypi/simple/"
    )
    assert "GitLab group index" in warning and "/api/v4/projects/" in warning


def test_credentials_are_sent_to_the_upload_url_only(static: StaticFactory, net: Net) -> None:
    server = static({"/u/i/": (404, {}, b"")})
    identify(
        classify(f"{server.url}u/i/"),
        f"{server.url}u/i/",
        net,
        credentials=Credentials("alice", "pw-1111"),
        given_index_url=None,
    )
    assert [(m, p, a is not None) for m, p, a in server.seen] == [("GET", "/u/i/", True)]
