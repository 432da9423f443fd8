"""Files and globs given as arguments (`publish-action dist/*.whl 'dist/*.tar.gz'`), as twine
and uv take them; they replace packages-dir for the run.

A shell expands an unquoted glob itself; a quoted one is expanded here (`*`, `?`, `[...]`,
and `**` across folders), relative to the working directory. What each file becomes:

* a wheel or sdist (`.whl`, `.tar.gz`, `.zip`): published;
* `<dist>.<kind>.attestation`: not published on its own; the attestations step finds it
  beside its distribution, as it does in packages-dir, so it must be in the same folder as a
  distribution that is given too;
* `.asc` (a GPG signature): ignored, as twine ignores it (PyPI takes signatures no more);
* anything else: an input error when named, ignored (with a note) when a glob matched it, as
  packages-dir ignores what is not a distribution.

A glob that matches nothing, or a file that does not exist, is an input error naming it.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from publish_action.errors import InputError
from publish_action.redaction import printable

ATTESTATION_SUFFIX = ".attestation"
SIGNATURE_SUFFIX = ".asc"


@dataclass(frozen=True)
class ExplicitFiles:
    distributions: tuple[Path, ...]
    notes: tuple[str, ...]  # what was left out and why, for verbose output


@dataclass
class _Found:
    dists: dict[str, Path] = field(default_factory=dict)  # by absolute path: given once
    attestations: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def expand(arguments: Sequence[str], cwd: Path) -> ExplicitFiles:
    """The distributions `arguments` name; raises one InputError for every problem."""
    found = _Found()
    for argument in arguments:
        shown = printable(argument, one_line=True)
        if not _is_glob(argument):
            _take(found, argument, cwd, named=True, shown=shown)
            continue
        matches = sorted(glob.glob(argument, root_dir=cwd, recursive=True))
        if not matches:
            found.problems.append(f"{shown}: no file matches it")
        for match in matches:
            _take(found, match, cwd, named=False, shown=shown)
    problems = found.problems + _orphan_attestations(found.attestations, [*found.dists.values()])
    if not found.dists and not problems:
        given = ", ".join(printable(a, one_line=True) for a in arguments)
        problems.append(f"none of the files given is a wheel or sdist ({given})")
    if len(problems) == 1:
        raise InputError(problems[0], advice=_ADVICE)
    if problems:
        raise InputError(
            f"{len(problems)} of the files given are unusable",
            details=tuple(problems),
            advice=_ADVICE,
        )
    return ExplicitFiles(tuple(found.dists.values()), tuple(found.notes))


_ADVICE = (
    "give wheels and sdists (dist/*.whl dist/*.tar.gz), or a glob in quotes ('dist/*'); or "
    "leave the files out to publish packages-dir"
)


def _take(found: _Found, item: str, cwd: Path, *, named: bool, shown: str) -> None:
    path = Path(item) if Path(item).is_absolute() else cwd / item
    shown_item = printable(item, one_line=True)
    what = _kind(path)
    if named and not path.exists() and not path.is_symlink():
        found.problems.append(f"{shown}: no such file")
    elif what == "distribution":
        found.dists.setdefault(os.path.normpath(path.absolute()), path)
    elif what == "attestation":
        found.attestations.append(path)
    elif what == "signature":
        found.notes.append(f"ignoring {shown_item} (a GPG signature: PyPI takes them no more)")
    elif named:
        found.problems.append(_named_problem(path, shown))
    else:
        found.notes.append(f"ignoring {shown_item} (matched by {shown}, not a wheel or sdist)")


def _is_glob(argument: str) -> bool:
    return any(char in argument for char in "*?[")


def _kind(path: Path) -> str:
    # Imported here: importing `distributions` loads packaging's metadata parser, which
    # `--help` and input errors never need (0.1 s of start-up).
    from publish_action.distributions.names import is_distribution_name

    name = path.name
    if is_distribution_name(name):
        return "distribution"  # a folder or a link named so is refused by discovery
    if name.endswith(ATTESTATION_SUFFIX):
        return "attestation"
    if name.endswith(SIGNATURE_SUFFIX):
        return "signature"
    return "other"


def _named_problem(path: Path, shown: str) -> str:
    if path.is_dir():
        return f"{shown} is a folder: give its files ({shown}/*) or --packages-dir {shown}"
    return f"{shown} is not a wheel or sdist (.whl, .tar.gz, .zip)"


def _orphan_attestations(attestations: list[Path], dists: list[Path]) -> list[str]:
    """An attestation goes with a distribution given beside it: `<dist>.<kind>.attestation`."""
    problems = []
    for path in attestations:
        beside = [d.name for d in dists if _folder(d) == _folder(path)]
        if not any(path.name.startswith(f"{name}.") for name in beside):
            problems.append(
                f"{printable(path.name, one_line=True)}: an attestation is sent with its "
                "distribution, and that distribution is not among the files given in the "
                "same folder"
            )
    return problems


def _folder(path: Path) -> str:
    return os.path.normpath(path.parent.absolute())
