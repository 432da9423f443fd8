"""Shared fixtures: real index servers started once per test run, and a loopback-only guard.

The guard proves the suite stays offline: any connection from the test process to an address
outside 127.0.0.0/8 or ::1 fails the test that made it.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from tests.support import pulp, servers
from tests.support.static_server import static  # noqa: F401 - a fixture for every test

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


class OutsideLoopbackError(AssertionError):
    pass


def _check(address: Any) -> None:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        try:
            ip = ipaddress.ip_address(host.split("%", maxsplit=1)[0])
        except ValueError:
            raise OutsideLoopbackError(f"test tried to connect to {host!r} by name") from None
        if not ip.is_loopback:
            raise OutsideLoopbackError(f"test tried to connect outside loopback: {host}")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _check(address)
    _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _check(address)
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True, scope="session")
def _loopback_only() -> Iterator[None]:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign,assignment]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _no_ambient_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run the same inside a real CI: its identity and inputs must not leak in."""
    import os

    for name in list(os.environ):
        if name.startswith(
            ("INPUT_", "GITHUB_", "ACTIONS_", "GITLAB_", "CI_", "BUILDKITE", "CIRCLECI", "RUNNER_")
        ) or name.endswith("_ID_TOKEN"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("GOOGLE_SERVICE_ACCOUNT_NAME", raising=False)


@pytest.fixture(scope="session")
def pypiserver_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.RunningIndex]:
    with servers.pypiserver(tmp_path_factory.mktemp("pypiserver")) as index:
        yield index


@pytest.fixture(scope="session")
def devpi_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.RunningIndex]:
    with servers.devpi(tmp_path_factory.mktemp("devpi")) as index:
        yield index


@pytest.fixture(scope="session")
def pulp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pulp.PulpServer]:
    """One real Pulp for the whole run (PostgreSQL + api, content app, one worker)."""
    with pulp.pulp(tmp_path_factory.mktemp("pulp")) as server:
        yield server


@pytest.fixture(scope="session")
def pulp_index(pulp_server: pulp.PulpServer) -> servers.RunningIndex:
    """A Pulp index without a publication: the API serves the simple pages itself."""
    return pulp_server.index("scenarios")


@pytest.fixture
def pulp_published_index(pulp_server: pulp.PulpServer) -> Iterator[servers.RunningIndex]:
    """A Pulp index whose simple pages are a publication served by the content app: every
    ``simple/`` URL answers 302 to another origin. Kept current while the test runs (see
    :meth:`~tests.support.pulp.PulpServer.published_index`)."""
    with pulp_server.published_index() as index:
        yield index


INDEX_FIXTURES = {"pypiserver": "pypiserver_index", "devpi": "devpi_index", "pulp": "pulp_index"}


@pytest.fixture(scope="session", params=list(INDEX_FIXTURES))
def any_index(request: pytest.FixtureRequest) -> servers.RunningIndex:
    """Each test using this runs once per real server."""
    index: servers.RunningIndex = request.getfixturevalue(INDEX_FIXTURES[str(request.param)])
    return index


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from tests.scenarios.conftest import SECRET_SCANS

    if SECRET_SCANS[0]:
        terminalreporter.write_line(
            f"secret scans: {SECRET_SCANS[0]} (form of a secret, output) pairs checked, none leaked"
        )
