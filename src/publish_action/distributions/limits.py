"""Bounds on what reading a distribution may cost, and the problem a file is refused for.

Sizes written in an archive's headers are never trusted: every byte is counted as it is
decompressed, and reading stops as soon as a bound is passed. Memory stays flat (chunks of at
most `CHUNK`); time is bounded by the total a file may inflate to.
"""

from __future__ import annotations

from dataclasses import dataclass

CHUNK = 1024 * 1024
MAX_METADATA = 16 * 1024 * 1024  # METADATA / PKG-INFO; real ones are kilobytes
MAX_RECORD = 32 * 1024 * 1024
# A distribution may inflate to 100 times its size, or 128 MiB, whichever is more: real
# wheels inflate 2-5 times, and zip or gzip bombs a thousand times.
RATIO = 100
FLOOR = 128 * 1024 * 1024


def inflate_limit(archive_size: int) -> int:
    return max(FLOOR, RATIO * archive_size)


@dataclass(frozen=True)
class Problem:
    """What is wrong with a distribution; `member` names the archive member, if one."""

    text: str
    member: str = ""

    def render(self) -> str:
        return f"{self.member}: {self.text}" if self.member else self.text


class Refused(Exception):
    """Reading cannot go on (a truncated stream, a bomb): the file's last problem."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.render())
        self.problem = problem


class Budget:
    """The bytes a file may still inflate to; `spend` refuses once they are used up."""

    def __init__(self, archive_size: int) -> None:
        self.limit = inflate_limit(archive_size)
        self.spent = 0

    def spend(self, amount: int, member: str = "") -> None:
        self.spent += amount
        if self.spent > self.limit:
            raise Refused(
                Problem(
                    f"inflates to more than {self.limit // (1024 * 1024)} MiB (100 times the "
                    "file's size, at least 128 MiB): a decompression bomb, or a broken build",
                    member,
                )
            )
