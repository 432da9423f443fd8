"""A repository name made into the settings it stands for.

A name is looked up in the built-in names `pypi` and `testpypi`, in `~/.pypirc` (or the file
of `--config-file`) and in the `[[tool.uv.index]]` tables of the working directory's
pyproject.toml. One name may be defined in several of them, and the definitions are merged
(`-r testpypi` takes the built-in URL, the token of `~/.pypirc [testpypi]` and the check URL
of a uv index named `testpypi`), but only while they agree on where to upload: two files
naming different upload URLs for one name stop the run (exit 2). A file's URL for a built-in
name replaces the built-in one, as in twine, with a note.

The files are read only when a name is given: a `.pypirc` in a runner's home never changes a
run that did not ask for it (twine reads `[pypi]` even without `-r`; publish-action doesn't).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from publish_action.errors import InputError
from publish_action.redaction import Redactor, display_url, printable
from publish_action.sources.layers import Given, Level
from publish_action.sources.pypirc import Pypirc, read_pypirc
from publish_action.sources.uv_index import UvIndex, read_uv_indexes

BUILT_IN = {
    "pypi": "https://upload.pypi.org/legacy/",
    "testpypi": "https://test.pypi.org/legacy/",
}


@dataclass(frozen=True)
class Places:
    """Where names are looked up."""

    pypirc: Path | None  # None: no home folder is known
    pypirc_shown: str
    pypirc_required: bool  # given with --config-file: it must exist
    pyproject: Path

    @classmethod
    def of(cls, environ: Mapping[str, str], cwd: Path, config_file: str | None) -> Places:
        pyproject = cwd / "pyproject.toml"
        if config_file:
            path = Path(config_file).expanduser()
            return cls(path if path.is_absolute() else cwd / path, config_file, True, pyproject)
        home = environ.get("HOME") or environ.get("USERPROFILE")  # USERPROFILE: Windows
        pypirc = Path(home) / ".pypirc" if home else None
        return cls(pypirc, "~/.pypirc", False, pyproject)


@dataclass(frozen=True)
class Entry:
    """What a name gives: values at `Level.REPOSITORY`, each with its file as source."""

    name: str
    values: dict[str, Given]
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Definition:
    source: str
    fields: dict[str, str] = field(default_factory=dict)
    uv: bool = False  # a [[tool.uv.index]], else a .pypirc section or a built-in name


def resolve(name: str, places: Places, redactor: Redactor) -> Entry:
    """The settings `name` stands for; raises InputError for an unknown or ambiguous name."""
    pypirc = read_pypirc(places.pypirc, places.pypirc_shown, redactor) if places.pypirc else None
    if places.pypirc_required and pypirc is None:
        raise InputError(
            f"--config-file {places.pypirc_shown}: no such file",
            advice="give the path of a .pypirc file, or leave --config-file out for ~/.pypirc",
        )
    uv_indexes = read_uv_indexes(places.pyproject)
    warnings: list[str] = []
    definitions = [
        *_from_pypirc(name, pypirc, warnings),
        *_from_uv(name, uv_indexes, places.pyproject),
    ]
    built_in = BUILT_IN.get(name)
    if not definitions and built_in is None:
        raise _unknown(name, places, pypirc, uv_indexes)
    notes = _check_upload_urls(name, definitions, built_in)
    if built_in is not None:
        definitions.append(_Definition(f"the built-in name {name}", {"repository-url": built_in}))
    values: dict[str, Given] = {}
    for definition in definitions:
        for setting, value in definition.fields.items():
            if value and setting not in values:
                values[setting] = Given(value, definition.source, Level.REPOSITORY)
    return Entry(name, values, tuple(notes), tuple(warnings))


def _from_pypirc(name: str, pypirc: Pypirc | None, warnings: list[str]) -> list[_Definition]:
    section = pypirc.sections.get(name) if pypirc else None
    if pypirc is None or section is None:
        return []
    source = f"{pypirc.shown} [{name}]"
    if section.client_cert:
        warnings.append(
            f"{source} has client_cert: TLS client certificates are not supported, it is not "
            "sent (an index that requires one refuses the connection)"
        )
    # `repository` may be left out for pypi and testpypi, as twine allows: the built-in URL.
    return [
        _Definition(
            source,
            {
                "repository-url": section.repository,
                "user": section.username,
                "password": section.password,
                "cert": section.ca_cert,
            },
        )
    ]


def _from_uv(name: str, indexes: tuple[UvIndex, ...] | None, pyproject: Path) -> list[_Definition]:
    match = next((index for index in indexes or () if index.name == name), None)
    if match is None:
        return []
    source = f'{pyproject.name} [[tool.uv.index]] name = "{name}"'
    fields = {"repository-url": match.publish_url, "index-url": match.url}
    return [_Definition(source, fields, uv=True)]


def _normal(url: str) -> str:
    return display_url(url).rstrip("/") + "/"


def _check_upload_urls(
    name: str, definitions: list[_Definition], built_in: str | None
) -> list[str]:
    uploads = {d.source: d.fields["repository-url"] for d in definitions}
    uploads = {source: url for source, url in uploads.items() if url}
    if len({_normal(url) for url in uploads.values()}) > 1:
        raise InputError(
            f"repository '{name}' is defined with different upload URLs",
            details=tuple(f"{source}: {display_url(url)}" for source, url in uploads.items()),
            advice="make them agree, rename one of them, or give repository-url instead",
        )
    if not uploads and built_in is None:
        source = definitions[0].source
        if definitions[0].uv:
            raise InputError(
                f"{source} has no publish-url: it names an index to read from, not to upload to",
                advice='add publish-url = "https://HOST/.../" (the upload endpoint) to it, as '
                "uv publish --index needs too",
            )
        raise InputError(
            f"{source} has no repository (its upload URL)",
            advice="add repository = https://HOST/.../ to the section; only pypi and testpypi "
            "may leave it out",
        )
    if uploads and built_in is not None:
        source, url = next(iter(uploads.items()))
        if _normal(url) != _normal(built_in):
            return [
                f"repository '{name}' is {display_url(url)} ({source}), not the built-in {built_in}"
            ]
    return []


def _unknown(
    name: str, places: Places, pypirc: Pypirc | None, uv_indexes: tuple[UvIndex, ...] | None
) -> InputError:
    details = [f"built-in: {', '.join(BUILT_IN)}"]
    if places.pypirc is None:
        details.append("~/.pypirc: not read (neither HOME nor USERPROFILE is set)")
    elif pypirc is None:
        details.append(f"{places.pypirc_shown} ({places.pypirc}): no such file")
    else:
        names = ", ".join(pypirc.sections) or "none"
        details.append(f"{pypirc.shown} ({pypirc.path}): {names}")
        if name in pypirc.unlisted:
            details.append(
                f"{pypirc.shown} has a section [{name}], but [distutils] index-servers does "
                "not list it, so it is not a name (twine reads it the same way)"
            )
    if uv_indexes is None:
        details.append(f"{places.pyproject}: no such file")
    else:
        names = ", ".join(index.name for index in uv_indexes) or "none"
        details.append(f"{places.pyproject} [[tool.uv.index]]: {names}")
    return InputError(
        f"repository '{printable(name, one_line=True)}' is not a name known here",
        details=tuple(details),
        advice="use one of these names; or define it (a section of ~/.pypirc listed in "
        "[distutils] index-servers, or a [[tool.uv.index]] with name and publish-url in "
        "pyproject.toml); or give repository-url instead",
    )
