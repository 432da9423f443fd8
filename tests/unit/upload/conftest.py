"""Fixtures shared by the tests of this package."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from publish_action.distributions import Distribution, inspect
from tests.support import samples, servers
from tests.support.fault_proxy import FaultProxy


@pytest.fixture
def dists(tmp_path: Path, request: pytest.FixtureRequest) -> list[Distribution]:
    name = "up-" + request.node.name.removeprefix("test_").replace("_", "-")[:40]
    return list(inspect(samples.build_project(tmp_path, name, "1.0"), verify=True))


@pytest.fixture
def proxy(pypiserver_index: servers.RunningIndex) -> Iterator[FaultProxy]:
    with FaultProxy(pypiserver_index.root_url) as fault:
        yield fault
