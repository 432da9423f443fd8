"""The README and the usage guide cannot drift from the code: their input tables list exactly
the inputs of `inputs.INPUTS` with its defaults, and their exit-code tables exactly the
`errors.ExitCode` values, each with its meaning."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from publish_action.errors import ExitCode
from publish_action.inputs import INPUTS

ROOT = Path(__file__).resolve().parents[2]
DOCS = ["README.md", "docs/usage.md"]

# What each exit code's row must say: a word of its meaning, checked against the enum's names.
MEANING = {
    ExitCode.OK: "every file is on the index",
    ExitCode.INTERNAL: "internal error",
    ExitCode.INPUT: "invalid input",
    ExitCode.DISTRIBUTION: "invalid distribution",
    ExitCode.MISMATCH: "content mismatch",
    ExitCode.AUTH: "authentication or authorization refused",
    ExitCode.INDEX: "the index refused a file",
    ExitCode.TRUSTED_PUBLISHING: "trusted publishing failed",
    ExitCode.ATTESTATION: "attestation failed",
    ExitCode.INTERRUPTED: "SIGINT",
    ExitCode.TERMINATED: "SIGTERM",
}


def table(doc: str, header: str) -> list[list[str]]:
    """The rows of the table whose header row is `header` (there must be exactly one)."""
    lines = (ROOT / doc).read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() == header]
    assert len(starts) == 1, f"{doc}: {len(starts)} tables with the header {header!r}"
    rows = []
    for line in lines[starts[0] + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def test_the_tables_are_read_as_tables() -> None:
    rows = table("README.md", "| code | meaning |")
    assert rows[0][0] == "0" and len(rows) == len(ExitCode)


@pytest.mark.parametrize("doc", DOCS)
def test_the_input_table_lists_exactly_the_inputs_with_their_defaults(doc: str) -> None:
    documented: dict[str, str] = {}
    for row in table(doc, "| input | default | meaning |"):
        names = re.findall(r"`([a-z-]+)`", row[0])
        assert names, f"{doc}: a row without an input name: {row}"
        for name in names:
            assert name not in documented, f"{doc}: {name} is listed twice"
            documented[name] = row[1]
    specs = {spec.name: spec for spec in INPUTS}
    assert sorted(documented) == sorted(specs), doc
    for name, cell in documented.items():
        default = specs[name].default
        if default:
            assert cell == f"`{default}`", f"{doc}: {name}: {cell!r}, the code says {default!r}"
        else:  # empty in the code: empty in the docs, or a word saying what empty means
            assert "`" not in cell, f"{doc}: {name} has no default, the docs say {cell!r}"


@pytest.mark.parametrize("doc", DOCS)
def test_the_exit_code_table_is_the_exit_code_enum(doc: str) -> None:
    rows = table(doc, "| code | meaning |")
    codes = [int(row[0]) for row in rows]
    assert codes == sorted(int(code) for code in ExitCode), doc
    for row in rows:
        code = ExitCode(int(row[0]))
        assert MEANING[code].lower() in row[1].lower(), f"{doc}: {code.name}: {row[1]!r}"


def test_every_exit_code_has_a_meaning_to_check() -> None:
    assert set(MEANING) == set(ExitCode)
