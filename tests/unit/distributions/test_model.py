"""distributions/model.py: a distribution's file name and upload filetype come from what was
inspected."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.support.dists import distribution


def test_filename_and_filetype() -> None:
    wheel = distribution("demo-1.0-py3-none-any.whl", folder=Path("/dist"))
    sdist = distribution("demo-1.0.tar.gz", folder=Path("/dist"))
    assert (wheel.filename, wheel.filetype, wheel.kind) == (
        "demo-1.0-py3-none-any.whl",
        "bdist_wheel",
        "wheel",
    )
    assert (sdist.filename, sdist.filetype, sdist.kind) == ("demo-1.0.tar.gz", "sdist", "sdist")


def test_a_distribution_is_frozen() -> None:
    dist = distribution()
    with pytest.raises(dataclasses.FrozenInstanceError):
        dist.size = 1  # type: ignore[misc]
