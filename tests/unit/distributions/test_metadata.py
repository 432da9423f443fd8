"""distributions/metadata.py: reading and validating core metadata."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import canonicalize_name

from publish_action.distributions import inspect, metadata
from publish_action.errors import DistributionError
from tests.support.dists import write_wheel
from tests.unit.property_helpers import FAST

CONTROL = st.sampled_from(["\x00", "\x07", "\x1b", "\x7f", "\x9b", "\x1b[2K"])


@FAST
@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=60), CONTROL)
def test_control_characters_in_a_summary_are_always_refused(summary: str, bad: str) -> None:
    text = (
        f"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"
        f"Summary: {summary.splitlines()[0] if summary.splitlines() else ''}{bad}x\n"
    )
    from packaging.version import Version

    raw, problems = metadata.parse(
        text.encode(),
        "demo-1.0/PKG-INFO",
        project=canonicalize_name("demo"),
        version=Version("1.0"),
        verify=False,
    )
    assert raw is None and problems


@FAST
@given(st.binary(max_size=300))
def test_metadata_parsing_never_raises(data: bytes) -> None:
    from packaging.version import Version

    raw, problems = metadata.parse(
        data, "m", project=canonicalize_name("demo"), version=Version("1.0"), verify=True
    )
    assert raw is not None or problems


def test_verify_metadata_false_skips_validation_not_integrity(tmp_path: Path) -> None:
    lax = write_wheel(
        tmp_path,
        "lax",
        "1.0",
        "Metadata-Version: 2.1\nName: lax\nVersion: 1.0\nRequires-Python: nonsense\n",
    )
    assert inspect([lax], verify=False)[0].project == "lax"
    with pytest.raises(DistributionError):
        inspect([lax], verify=True)
    data = bytearray(lax.read_bytes())
    data[40] ^= 0xFF  # inside the first member's compressed data
    lax.write_bytes(bytes(data))
    with pytest.raises(DistributionError, match="invalid"):
        inspect([lax], verify=False)
