"""distributions/zip_reader.py: the bounded zip reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish_action.distributions import inspect
from publish_action.errors import DistributionError
from tests.support.dists import METADATA, write_wheel


def test_corrupt_deflate_stream_is_a_distribution_error(tmp_path: Path) -> None:
    path = write_wheel(
        tmp_path,
        "deflated",
        "1.0",
        METADATA.format(name="deflated", version="1.0") + "Description: x\n" * 50,
    )
    data = bytearray(path.read_bytes())
    name = b"deflated-1.0.dist-info/METADATA"
    start = data.index(name) + len(name)
    for i in range(start, start + 40):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(DistributionError) as info:
        inspect([path], verify=True)
    assert "deflated-1.0.dist-info/METADATA" in "\n".join(info.value.details)
