"""Every source of settings put together in the documented order (see `layers`), with a
note of where each value came from and every problem found on the way."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from publish_action.errors import InputError
from publish_action.redaction import Redactor, display_url
from publish_action.sources.files import ExplicitFiles, expand
from publish_action.sources.layers import Given, Layer, pick, provenance
from publish_action.sources.repositories import Places, resolve
from publish_action.sources.variables import read_variables


@dataclass(frozen=True)
class Gathered:
    raw: dict[str, str]  # every input's value, its default where no source gave one
    chosen: dict[str, Given | None]  # where each came from; None: the default
    files: ExplicitFiles | None  # None: no files given, packages-dir is published
    sources: tuple[str, ...]  # for verbose output: which source supplied each setting
    notes: tuple[str, ...]
    warnings: tuple[str, ...]
    errors: tuple[InputError, ...]


def gather(
    *,
    defaults: Mapping[str, str],
    command_line: Layer,
    inputs: Layer,
    environ: Mapping[str, str],
    cwd: Path,
    redactor: Redactor,
    files: Sequence[str] = (),
    config_file: str | None = None,
) -> Gathered:
    """The value of every input in `defaults`, from the most explicit source that gives it."""
    errors: list[InputError] = []
    notes: list[str] = []
    warnings: list[str] = []
    try:
        variables = read_variables(environ, redactor)
    except InputError as error:
        errors.append(error)
        variables = {}
    above = [command_line, inputs, variables]
    entry: Layer = {}
    name = pick("repository", above)
    if name is not None:
        url = pick("repository-url", above)
        if url is not None and url.level < name.level:
            # As twine does: a URL given more explicitly than the name wins; said, not guessed.
            notes.append(
                f"repository '{name.value}' (from {name.source}) is not used: repository-url "
                f"is given by {url.source}"
            )
        else:
            try:
                resolved = resolve(name.value, Places.of(environ, cwd, config_file), redactor)
                notes += resolved.notes
                warnings += resolved.warnings
                entry = resolved.values
                _same_place(name, url, entry["repository-url"])
            except InputError as error:
                errors.append(error)
                entry = {}
    chosen = {setting: pick(setting, [*above, entry]) for setting in defaults}
    raw = {
        setting: given.value if given else defaults[setting] for setting, given in chosen.items()
    }
    explicit = None
    if files:
        try:
            explicit = expand(files, cwd)
        except InputError as error:
            errors.append(error)
        packages_dir = chosen.get("packages-dir")
        if packages_dir is not None:
            warnings.append(
                f"packages-dir (from {packages_dir.source}) is not used: the files given on "
                "the command line are published instead"
            )
    lines = provenance(chosen)
    if explicit is not None:
        lines += (f"files: {len(explicit.distributions)} from the command line", *explicit.notes)
    return Gathered(
        raw=raw,
        chosen=chosen,
        files=explicit,
        sources=lines,
        notes=tuple(notes),
        warnings=tuple(warnings),
        errors=tuple(errors),
    )


def _same_place(name: Given, url: Given | None, named: Given) -> None:
    """A repository name given at least as explicitly as a repository-url must name the same
    URL: which of the two was meant cannot be known, and a wrong guess publishes elsewhere."""
    if url is None or _normal(url.value) == _normal(named.value):
        return
    raise InputError(
        f"repository '{name.value}' (from {name.source}) is {display_url(named.value)} "
        f"({named.source}), but repository-url from {url.source} is {display_url(url.value)}",
        advice="give one of them: the repository name or the repository-url",
    )


def _normal(url: str) -> str:
    return display_url(url.strip()).rstrip("/") + "/"
