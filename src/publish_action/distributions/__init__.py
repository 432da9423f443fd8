"""Find, verify and hash the distributions in packages-dir, before any request is made.

`discover` lists the files (and refuses what would be ambiguous or unsafe there); `inspect`
verifies each archive through (`wheel`, `sdist`), reads and validates its metadata (`metadata`)
and hashes it, reporting every problem in every file together.

The names below load on first use: importing one small module of this package (`hashing`,
`names`, as the reporters and input parsing do) must not load packaging's metadata parser and
the archive readers, which `--help` and an input error never need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from publish_action.distributions.discover import Discovery, discover, discover_files
    from publish_action.distributions.inspection import inspect
    from publish_action.distributions.model import Distribution

__all__ = ["Discovery", "Distribution", "discover", "discover_files", "inspect"]

_WHERE = {
    "Discovery": "discover",
    "discover": "discover",
    "discover_files": "discover",
    "inspect": "inspection",
    "Distribution": "model",
}


def __getattr__(name: str) -> Any:  # noqa: ANN401 - PEP 562: whatever the name is
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value
