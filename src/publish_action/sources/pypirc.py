"""twine's `.pypirc`, read as twine reads it.

Format (PyPA spec "The .pypirc file"): `[distutils] index-servers` lists the names; each name's
section may hold `repository`, `username`, `password` and twine's `ca_cert`. As in twine: a
section not listed in `index-servers` is not a name, the list defaults to `pypi testpypi`,
values are taken raw (no `%` interpolation: a password may hold one), and the obsolete
`[server-login]` gives a default user name and password. There is no field for a check URL.
"""

from __future__ import annotations

import configparser
from dataclasses import dataclass
from pathlib import Path

from publish_action.errors import InputError
from publish_action.redaction import Redactor, printable


@dataclass(frozen=True, repr=False)
class Section:
    name: str
    repository: str
    username: str
    password: str
    ca_cert: str
    client_cert: str  # twine's TLS client certificate: not supported here, said so

    def __repr__(self) -> str:
        return f"Section(name={self.name!r}, repository={self.repository!r}, password=***)"


@dataclass(frozen=True)
class Pypirc:
    path: Path
    shown: str  # as messages name it: "~/.pypirc" or the --config-file path
    sections: dict[str, Section]  # the names it defines, in index-servers order
    unlisted: tuple[str, ...]  # sections that are not names: not in index-servers


def read_pypirc(path: Path, shown: str, redactor: Redactor) -> Pypirc | None:
    """The file's names; None when there is no such file. Every password in it is registered
    with `redactor`, whichever name the run uses."""
    parser = configparser.RawConfigParser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"cannot read {shown}: {printable(str(exc))}",
            advice="make it a readable UTF-8 text file, or give the repository URL instead",
        ) from None
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as exc:
        raise InputError(
            f"{shown} is not a valid .pypirc file: {printable(str(exc).splitlines()[0])}",
            advice="see https://packaging.python.org/specifications/pypirc/",
        ) from None
    default_user = parser.get("server-login", "username", fallback="")
    default_password = parser.get("server-login", "password", fallback="")
    listed = parser.get("distutils", "index-servers", fallback="pypi testpypi").split()
    sections: dict[str, Section] = {}
    for name in listed:
        if not parser.has_section(name) and not (default_user or default_password):
            continue
        sections[name] = Section(
            name=name,
            repository=parser.get(name, "repository", fallback="").strip(),
            username=parser.get(name, "username", fallback=default_user),
            password=parser.get(name, "password", fallback=default_password),
            ca_cert=parser.get(name, "ca_cert", fallback="").strip(),
            client_cert=parser.get(name, "client_cert", fallback="").strip(),
        )
        redactor.add(sections[name].password)
    unlisted = tuple(
        s for s in parser.sections() if s not in listed and s not in ("distutils", "server-login")
    )
    for name in unlisted:
        redactor.add(parser.get(name, "password", fallback=""))
    return Pypirc(path=path, shown=shown, sections=sections, unlisted=unlisted)
