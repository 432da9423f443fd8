"""The log a GitHub job shows for what a step wrote: workflow commands read as the runner reads
them (masks and group markers hidden, ``::error::``/``::warning::`` shown as their message).

Under GitHub the run's error and its warnings are annotations, which the runner prints in the
log; a test that reads "what the user sees there" reads this, not raw stderr. Messages read as
``error: ...`` and ``warning: ...``, as the console prints them elsewhere.
"""

from __future__ import annotations

import re

_COMMAND = re.compile(r"^::(?P<name>[a-z-]+)(?: (?P<props>[^:]*))?::(?P<message>.*)$")


def unescape(value: str) -> str:
    return value.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def shown(*streams: str) -> str:
    lines: list[str] = []
    for text in streams:
        for line in text.splitlines():
            command = _COMMAND.match(line)
            if command is None:
                lines.append(line)
                continue
            name = command.group("name")
            if name in ("error", "warning", "notice"):
                lines.extend(f"{name}: {unescape(command.group('message'))}".split("\n"))
    return "\n".join(lines) + "\n"


def annotation_lines(*streams: str) -> list[str]:
    """Each ``::error``/``::warning`` line as written (a problem's one annotation)."""
    return [
        line
        for text in streams
        for line in text.splitlines()
        if line.startswith(("::error", "::warning", "::notice"))
    ]
