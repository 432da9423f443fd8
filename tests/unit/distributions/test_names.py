"""Property-based tests (hypothesis) over the parsers that decide what the index holds and
what a distribution is: file names, simple pages, core metadata, and what reaches output."""

from __future__ import annotations

from hypothesis import given
from packaging.utils import canonicalize_name

from publish_action.distributions.names import file_key
from tests.unit.property_helpers import FAST, NAMES, VERSIONS


def _spellings(name: str) -> list[str]:
    norm = canonicalize_name(name)
    return [norm.replace("-", "_"), norm.replace("-", "_").upper(), norm.replace("-", "."), norm]


@FAST
@given(NAMES, VERSIONS)
def test_every_spelling_of_a_name_is_one_file_to_an_index(name: str, version: str) -> None:
    sdists = {file_key(f"{s}-{version}.tar.gz") for s in _spellings(name)}
    wheels = {
        file_key(f"{s.replace('-', '_').replace('.', '_')}-{version}-py3-none-any.whl")
        for s in _spellings(name)
    }
    assert len(sdists) == 1 and len(wheels) == 1
    assert sdists != wheels


@FAST
@given(NAMES, NAMES, VERSIONS)
def test_different_projects_are_different_files(a: str, b: str, version: str) -> None:
    same = canonicalize_name(a) == canonicalize_name(b)
    assert (file_key(f"{a}-{version}.tar.gz") == file_key(f"{b}-{version}.tar.gz")) == same
