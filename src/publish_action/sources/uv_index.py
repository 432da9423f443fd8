"""uv's named indexes: `[[tool.uv.index]]` in the working directory's pyproject.toml.

An entry has a `name`, a `url` (its simple index: the check URL) and, to be published to, a
`publish-url` (the upload URL), as `uv publish --index NAME` reads them. The file holds no
credentials: they come from the variables or the command line.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from publish_action.errors import InputError
from publish_action.redaction import printable

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, before it joined the standard library
    import tomli as tomllib


@dataclass(frozen=True)
class UvIndex:
    name: str
    url: str  # the simple index; empty if not given
    publish_url: str  # the upload endpoint; empty if not given


def read_uv_indexes(pyproject: Path) -> tuple[UvIndex, ...] | None:
    """The named indexes of `pyproject`; None when there is no such file."""
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(
            f"cannot read {pyproject}: {printable(str(exc))}",
            advice="the repository name is looked up in its [[tool.uv.index]] tables; fix "
            "the file, or give the repository URL instead",
        ) from None
    tool = data.get("tool", {})
    uv = tool.get("uv", {}) if isinstance(tool, dict) else {}
    entries = uv.get("index", []) if isinstance(uv, dict) else []
    if not isinstance(entries, list):
        raise _invalid(pyproject, "tool.uv.index must be an array of tables ([[tool.uv.index]])")
    indexes = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise _invalid(pyproject, f"[[tool.uv.index]] number {number} is not a table")
        name = _text(pyproject, entry, "name", number)
        if name:  # uv's unnamed indexes cannot be published to by name
            indexes.append(
                UvIndex(
                    name,
                    _text(pyproject, entry, "url", number),
                    _text(pyproject, entry, "publish-url", number),
                )
            )
    return tuple(indexes)


def _text(pyproject: Path, entry: dict[str, Any], key: str, number: int) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str):
        raise _invalid(pyproject, f"[[tool.uv.index]] number {number}: {key} must be a string")
    return value.strip()


def _invalid(pyproject: Path, message: str) -> InputError:
    return InputError(
        f"{pyproject}: {message}",
        advice="see https://docs.astral.sh/uv/concepts/indexes/",
    )
