"""sources/uv_index.py: `[[tool.uv.index]]` of a pyproject.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish_action.errors import InputError
from publish_action.sources.uv_index import UvIndex, read_uv_indexes


def pyproject(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_named_indexes_with_their_urls(tmp_path: Path) -> None:
    path = pyproject(
        tmp_path,
        '[project]\nname = "x"\n\n'
        '[[tool.uv.index]]\nname = "testpypi"\nurl = "https://test.pypi.org/simple/"\n'
        'publish-url = "https://test.pypi.org/legacy/"\nexplicit = true\n\n'
        '[[tool.uv.index]]\nurl = "https://unnamed.example/simple/"\n\n'
        '[[tool.uv.index]]\nname = "read-only"\nurl = "https://mirror.example/simple/"\n',
    )
    assert read_uv_indexes(path) == (
        UvIndex("testpypi", "https://test.pypi.org/simple/", "https://test.pypi.org/legacy/"),
        UvIndex("read-only", "https://mirror.example/simple/", ""),
    )


def test_no_file_is_none_and_no_table_is_no_index(tmp_path: Path) -> None:
    assert read_uv_indexes(tmp_path / "pyproject.toml") is None
    assert read_uv_indexes(pyproject(tmp_path, '[tool.uv]\nindex-url = "x"\n')) == ()
    assert read_uv_indexes(pyproject(tmp_path, "tool = 3\n")) == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[tool.uv.index]\n", "cannot read"),
        ("[tool.uv]\nindex = 3\n", "must be an array of tables"),
        ("[tool.uv]\nindex = [1]\n", "is not a table"),
        ('[[tool.uv.index]]\nname = "x"\npublish-url = 3\n', "publish-url must be a string"),
    ],
)
def test_a_broken_file_is_an_input_error_naming_it(tmp_path: Path, text: str, message: str) -> None:
    path = pyproject(tmp_path, text)
    with pytest.raises(InputError, match=message) as info:
        read_uv_indexes(path)
    assert str(path) in info.value.message
