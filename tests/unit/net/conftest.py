"""Fixtures shared by the tests of this package."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fault_proxy import FaultProxy
from tests.support.loopback import LoopbackServer
from tests.unit.net.harness import Echo


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    server = LoopbackServer(Echo)
    yield server.url
    server.close()


@pytest.fixture
def proxy(upstream: str) -> Iterator[FaultProxy]:
    with FaultProxy(upstream) as fault:
        yield fault
