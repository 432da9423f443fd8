"""Fixtures shared by the tests of this package."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.unit.simple_index.harness import Route, Static


@pytest.fixture
def static() -> Iterator[Callable[[dict[str, Route]], Static]]:
    made: list[Static] = []

    def make(routes: dict[str, Route]) -> Static:
        made.append(Static(routes))
        return made[-1]

    yield make
    for server in made:
        server.server.close()
