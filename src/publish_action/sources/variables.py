"""twine's and uv's own variables, read in this one place (they are not CI variables).

`TWINE_*` and `UV_PUBLISH_*` rank equal, and a setting both give must get the same value
from both, or the run stops (exit 2) naming the variables. Neither tool reads the other's
variables, so an environment holding both holds two tools' configurations: preferring one
would send the other's token, or publish to the other's index, without saying so. Values
that agree (set twice during a migration) are fine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from publish_action.errors import InputError
from publish_action.redaction import Redactor, display_url
from publish_action.sources.layers import Given, Level

# variable -> setting, in the order a message names them.
TWINE = {
    "TWINE_REPOSITORY_URL": "repository-url",
    "TWINE_REPOSITORY": "repository",
    "TWINE_USERNAME": "user",
    "TWINE_PASSWORD": "password",
    "TWINE_CERT": "cert",
}
UV = {
    "UV_PUBLISH_URL": "repository-url",
    "UV_PUBLISH_CHECK_URL": "index-url",
    "UV_PUBLISH_INDEX": "repository",
    "UV_PUBLISH_USERNAME": "user",
    "UV_PUBLISH_PASSWORD": "password",
}
TOKEN = "UV_PUBLISH_TOKEN"  # noqa: S105 - a variable's name; uv's --token: the password, with the user __token__
SECRETS = frozenset({"TWINE_PASSWORD", "UV_PUBLISH_PASSWORD", TOKEN})
NAMES = (*TWINE, *UV, TOKEN)
_URLS = frozenset({"repository-url", "index-url"})
_SHOWN = frozenset({"repository-url", "index-url", "repository", "cert"})  # never a secret


@dataclass(frozen=True)
class _Read:
    variable: str
    setting: str
    value: str


def read_variables(environ: Mapping[str, str], redactor: Redactor) -> dict[str, Given]:
    """The settings twine's and uv's variables give; raises InputError when two disagree.

    Each secret is registered with `redactor` as it is read, used or not."""
    found: list[_Read] = []
    for variable, setting in (*TWINE.items(), *UV.items()):
        value = environ.get(variable, "")
        if value.strip():
            found.append(_Read(variable, setting, _clean(setting, value)))
    token = environ.get(TOKEN, "")
    if token.strip():
        found += [_Read(TOKEN, "user", "__token__"), _Read(TOKEN, "password", token)]
    for read in found:
        if read.variable in SECRETS:
            redactor.add(read.value)
    given: dict[str, Given] = {}
    problems: list[str] = []
    for setting in dict.fromkeys(r.setting for r in found):
        reads = [r for r in found if r.setting == setting]
        values = {_comparable(setting, r.value) for r in reads}
        if len(values) > 1:
            problems.append(_disagreement(setting, reads))
            continue
        sources = " and ".join(dict.fromkeys(r.variable for r in reads))
        given[setting] = Given(reads[0].value, sources, Level.VARIABLE)
    if problems:
        raise InputError(
            problems[0] if len(problems) == 1 else "twine's and uv's variables disagree",
            details=tuple(problems) if len(problems) > 1 else (),
            advice="unset the variables of the tool you no longer use (twine reads only "
            "TWINE_*, uv only UV_PUBLISH_*), or give the setting on the command line or as "
            "an input, which comes first",
        )
    return given


def _clean(setting: str, value: str) -> str:
    # Byte for byte for a secret or a user name, as for INPUT_PASSWORD; the rest is trimmed.
    return value if setting in ("password", "user") else value.strip()


def _comparable(setting: str, value: str) -> str:
    return value.rstrip("/") + "/" if setting in _URLS else value


def _disagreement(setting: str, reads: list[_Read]) -> str:
    if setting in _SHOWN:
        shown = ", ".join(f"{r.variable}={display_url(r.value)}" for r in reads)
    else:  # a password, a token, or a user name that may be one (Gemfury)
        shown = ", ".join(r.variable for r in reads) + " (values not shown)"
    return f"'{setting}' is given twice with different values: {shown}"
