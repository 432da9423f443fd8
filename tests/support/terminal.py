"""A tiny terminal: replays what a program wrote to a TTY and gives the screen a person sees.

Enough of VT100 for what rich's live display writes (carriage return, line feed, cursor up and
down, erase line, show/hide cursor, colours); any other escape sequence is an error, so a test
learns when the output holds something this model cannot judge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_CSI = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])")


@dataclass
class Screen:
    lines: list[str] = field(default_factory=lambda: [""])
    row: int = 0
    column: int = 0
    cursor_visible: bool = True

    def feed(self, text: str) -> Screen:
        i = 0
        while i < len(text):
            char = text[i]
            if char == "\x1b":
                match = _CSI.match(text, i)
                if match is None:
                    raise ValueError(f"unknown escape sequence at {text[i : i + 12]!r}")
                self._control(match.group(1), match.group(2))
                i = match.end()
                continue
            if char == "\r":
                self.column = 0
            elif char == "\n":
                self.row += 1
                self.column = 0
                while len(self.lines) <= self.row:
                    self.lines.append("")
            else:
                line = self.lines[self.row].ljust(self.column)
                self.lines[self.row] = line[: self.column] + char + line[self.column + 1 :]
                self.column += 1
            i += 1
        return self

    def _control(self, params: str, command: str) -> None:
        count = int(params) if params.isdigit() else 1
        if command == "m":
            return  # colours: the text is what counts
        if params == "?25" and command in "hl":
            self.cursor_visible = command == "h"
        elif command == "A":
            self.row = max(0, self.row - count)
        elif command == "B":
            self.row += count
            while len(self.lines) <= self.row:
                self.lines.append("")
        elif command == "K" and params in ("2", ""):
            if params == "2":
                self.lines[self.row] = ""
            else:
                self.lines[self.row] = self.lines[self.row][: self.column]
        elif command == "G":
            self.column = count - 1
        else:
            raise ValueError(f"unknown control sequence ESC[{params}{command}")

    @property
    def text(self) -> list[str]:
        """The visible lines, trailing blank lines dropped."""
        lines = [line.rstrip() for line in self.lines]
        while lines and not lines[-1]:
            lines.pop()
        return lines


def screen(text: str) -> Screen:
    return Screen().feed(text)
