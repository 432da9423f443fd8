"""Property-based tests (hypothesis) over the parsers that decide what the index holds and
what a distribution is: file names, simple pages, core metadata, and what reaches output."""

from __future__ import annotations

import pytest
from hypothesis import given
from packaging.utils import canonicalize_name

from publish_action.distributions.names import file_key, is_distribution_name
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


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Foo_Bar-1.0.tar.gz", "foo-bar-1.0.tar.gz", True),
        ("foo-1.0.tar.gz", "foo-1.0.tar.gz", True),
        ("foo-01.0.tar.gz", "foo-1.0.tar.gz", True),  # one version, two spellings
        ("foo-1.0.tar.gz", "foo-1.0.zip", False),  # another file to an index
        ("foo-1.0-py3-none-any.whl", "Foo-1.0-py3-none-any.whl", True),
        ("foo-1.0-py3-none-any.whl", "foo-1.0-1-py3-none-any.whl", False),  # a build tag
        ("foo-1.0-py2.py3-none-any.whl", "foo-1.0-py3.py2-none-any.whl", True),
        ("README.txt", "readme.TXT", True),
        ("foo-1.0-bad.whl", "foo-1.0-bad.whl", True),
    ],
)
def test_file_key_compares_what_an_index_compares(a: str, b: str, same: bool) -> None:
    assert (file_key(a) == file_key(b)) is same


def test_unparsable_names_are_other_files_and_suffixes_say_what_is_a_distribution() -> None:
    assert file_key("foo-1.0-bad.whl") == ("other", "foo-1.0-bad.whl")
    assert file_key("demo-1.0.tar.gz")[0] == "sdist"
    assert [is_distribution_name(n) for n in ("a.whl", "a.tar.gz", "a.zip", "a.tgz")] == [
        True,
        True,
        True,
        False,
    ]
