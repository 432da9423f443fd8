"""Where a setting's value came from, and the one order in which sources win.

A setting is taken from the most explicit source that gives it, and from nowhere else:

1. the command line (`--user`, twine's `-u`, uv's `--username`, ...);
2. an `INPUT_*` variable (how GitHub passes a step's `with:`); one holding the input's
   default counts as not given, because the runner passes the default of every input the
   step leaves out and the two cannot be told apart;
3. twine's `TWINE_*` and uv's `UV_PUBLISH_*` variables, ranked equal (see `variables`);
4. the entry of a repository name (`repository`): a `~/.pypirc` section, a
   `[[tool.uv.index]]` of the working directory's pyproject.toml, or a built-in name;
5. the input's default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum


class Level(IntEnum):
    """How explicit a source is: the lower, the more explicit."""

    COMMAND_LINE = 1
    INPUT = 2
    VARIABLE = 3
    REPOSITORY = 4


@dataclass(frozen=True, repr=False)
class Given:
    """One source's value for one setting. `source` says where, as a user would look for it
    ("--username", "INPUT_USER", "TWINE_PASSWORD", "~/.pypirc [testpypi]"); it never holds
    the value, so it may be printed for a secret too."""

    value: str
    source: str
    level: Level

    def __repr__(self) -> str:  # a value may be a secret
        return f"Given(source={self.source!r}, level={self.level.name})"


Layer = Mapping[str, Given]


def pick(name: str, layers: Sequence[Layer]) -> Given | None:
    """The most explicit value of `name` among `layers`; None: the default applies."""
    found = [layer[name] for layer in layers if name in layer]
    return min(found, key=lambda given: given.level) if found else None


def provenance(chosen: Mapping[str, Given | None]) -> tuple[str, ...]:
    """One line per setting that did not come from its default: where it came from."""
    return tuple(f"{name}: from {given.source}" for name, given in chosen.items() if given)
