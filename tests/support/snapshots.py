"""Whole-output snapshots: the exact text a user sees, compared with a committed file.

What varies between runs is normalised first (ports, temp paths, timings, rates, digests,
delimiters), so a snapshot changes only when what the user reads changes. Run with
`SNAPSHOT_UPDATE=1` to rewrite the files after a deliberate change, and review the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

FOLDER = Path(__file__).resolve().parent.parent / "snapshots"

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # A traceback's frames name our line numbers: keep that there was one, and its last line.
    (
        re.compile(r"Traceback \(most recent call last\):\n(?:  .*\n)+"),
        "Traceback (most recent call last):\n  <frames>\n",
    ),
    (re.compile(r"/(?:tmp|var/folders)/[^\s'\"`)]*?/(packages-\d+|dist|reports)\b"), r"<tmp>/\1"),
    (re.compile(r"/(?:tmp|var/folders)/[^\s'\"`)]+"), "<tmp>"),
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:<port>"),
    (re.compile(r"^::add-mask::.*$", re.M), "::add-mask::<secret>"),
    (re.compile(r"\b\d\d:\d\d:\d\d UTC\b"), "<hh:mm:ss> UTC"),
    (re.compile(r"\b[0-9a-f]{64}\b"), "<sha256>"),
    (re.compile(r"\b[0-9a-f]{32}\b"), "<md5>"),
    (re.compile(r"ghadelimiter_[0-9a-f]+"), "ghadelimiter_<random>"),
    (re.compile(r"\d+\.\d+ s\b"), "<t> s"),
    (re.compile(r"\d+\.\d+ MB/s"), "<rate> MB/s"),
    (re.compile(r"retrying in \d+\.\d+ s"), "retrying in <t> s"),
    (re.compile(r"\b\d+(\.\d+)? (KB|MB|B)\b"), r"<size> \2"),
)


def normalise(text: str) -> str:
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


def check(name: str, text: str) -> None:
    """Assert `text` (normalised) equals the snapshot `name`; write it when updating."""
    path = FOLDER / f"{name}.txt"
    shown = normalise(text)
    if os.environ.get("SNAPSHOT_UPDATE") == "1":
        path.write_text(shown, encoding="utf-8")
        return
    assert path.exists(), f"snapshot {path} is missing: run with SNAPSHOT_UPDATE=1, then review"
    expected = path.read_text(encoding="utf-8")
    assert shown == expected, (
        f"output differs from {path} (SNAPSHOT_UPDATE=1 rewrites it):\n" + _diff(expected, shown)
    )


def _diff(expected: str, actual: str) -> str:
    import difflib

    return "".join(
        difflib.unified_diff(
            expected.splitlines(True), actual.splitlines(True), "snapshot", "output"
        )
    )
