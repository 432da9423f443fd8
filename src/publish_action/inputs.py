"""The edge: turn CLI flags and `INPUT_*` environment variables into frozen `Settings`.

Each input comes from `--<name>` or, as GitHub passes inputs to container actions, from
`INPUT_<NAME>` (upper-cased, hyphen kept or replaced by `_`). A flag beats the environment; an
empty value means "not set". Names follow `pypa/gh-action-pypi-publish` where it has the input.
twine's and uv's habits (their flags, files as arguments, their variables, repository names)
are read by `sources`, which also holds the one order in which sources win.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from publish_action import __version__
from publish_action.ci import CiEnvironment
from publish_action.errors import InputError, PublishError
from publish_action.input_table import DEFAULT_REPOSITORY_URL, INPUTS, InputSpec
from publish_action.redaction import Redactor
from publish_action.settings import Settings
from publish_action.sources import Given, Level, command_line, gather

__all__ = ["DEFAULT_REPOSITORY_URL", "INPUTS", "InputSpec", "ParsedInputs", "build_parser", "parse"]


@dataclass(frozen=True)
class ParsedInputs:
    settings: Settings
    warnings: tuple[str, ...]
    notes: tuple[str, ...]
    sources: tuple[str, ...] = ()  # verbose: which source supplied each setting


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise InputError(f"{message}", advice="see --help for every input")


class _Record(argparse.Action):
    """Stores the value and the option string it was given with (`-u`, `--username`), so
    that verbose output and warnings name the spelling the user typed."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[object] | None,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, self.dest, values)
        spelled = dict(getattr(namespace, "spelled", None) or {})
        spelled[self.dest] = option_string or self.dest
        namespace.spelled = spelled


def _option_strings(spec: InputSpec) -> tuple[str, ...]:
    return (f"--{spec.name}", *command_line.ALIASES.get(spec.name, ()))


def _is_boolean(spec: InputSpec) -> bool:
    return spec.default in ("true", "false")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="publish-action",
        allow_abbrev=False,
        description=(
            "Publish wheels and sdists to PyPI or any PyPI-compatible index. Re-runs are safe: "
            "files already on the index byte-identical are skipped; a file of the same name "
            "with different content stops the run before anything is uploaded. Every input "
            "may also be given as the environment variable INPUT_<NAME>; twine's and uv's "
            "flags, variables (TWINE_*, UV_PUBLISH_*) and repository names work too."
        ),
        epilog=(
            "exit codes: 0 ok, 1 internal error, 2 invalid input, 3 invalid distribution, "
            "4 content mismatch, 5 authentication refused, 6 index refused or unreachable, "
            "7 trusted publishing failed, 8 attestation failed"
        ),
    )
    parser.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="wheels and sdists to publish, or globs ('dist/*'), instead of packages-dir; "
        "a leading 'upload' or 'publish' word is accepted, as twine and uv take it",
    )
    for spec in INPUTS:
        default = "(none)" if spec.default == "" else spec.default
        value = "[true|false]" if _is_boolean(spec) else "VALUE"
        parser.add_argument(
            *_option_strings(spec),
            dest=spec.name.replace("-", "_"),
            metavar=value,
            default=None,
            action=_Record,
            help=f"{spec.help} [default: {default}]",
        )
    parser.add_argument(
        *command_line.TOKEN,
        dest="token",
        metavar="TOKEN",
        default=None,
        action=_Record,
        help="uv's --token: the password, with the user __token__",
    )
    parser.add_argument(
        command_line.CONFIG_FILE,
        dest="config_file",
        metavar="PATH",
        default=None,
        help="twine's --config-file: the .pypirc file repository names are read from "
        "[default: ~/.pypirc]",
    )
    for flag in command_line.NO_OPS:
        parser.add_argument(flag, action="store_true", help="accepted as twine takes it; no effect")
    parser.add_argument("--version", action="version", version=f"publish-action {__version__}")
    return parser


@dataclass(frozen=True)
class _CommandLine:
    values: dict[str, Given]
    files: tuple[str, ...]
    config_file: str | None
    errors: tuple[InputError, ...]


def _read_command_line(argv: Sequence[str]) -> _CommandLine:
    takes_value = {*command_line.TOKEN, command_line.CONFIG_FILE}
    boolean: set[str] = set()
    for spec in INPUTS:
        (boolean if _is_boolean(spec) else takes_value).update(_option_strings(spec))
    normalised = command_line.normalise(argv, takes_value=takes_value, boolean=boolean)
    args = vars(build_parser().parse_intermixed_args(normalised))
    spelled: dict[str, str] = args.get("spelled") or {}
    values: dict[str, Given] = {}
    for spec in INPUTS:
        dest = spec.name.replace("-", "_")
        if args.get(dest) not in (None, ""):
            values[spec.name] = Given(args[dest], spelled[dest], Level.COMMAND_LINE)
    errors = []
    if args.get("token") not in (None, ""):
        errors += _token(values, Given(args["token"], spelled["token"], Level.COMMAND_LINE))
    return _CommandLine(values, tuple(args["files"]), args.get("config_file"), tuple(errors))


def _token(values: dict[str, Given], token: Given) -> list[InputError]:
    """uv's --token: the password, and the user __token__ (uv refuses either beside it)."""
    problems = []
    if "password" in values:
        problems.append(
            InputError(
                f"{token.source} and {values['password'].source} both give the password",
                advice="give one of them",
            )
        )
    user = values.get("user")
    if user is not None and user.value != "__token__":
        problems.append(
            InputError(
                f"{token.source} means the user __token__, and {user.source} gives another",
                advice=f"leave {user.source} out with a token, or give --password instead",
            )
        )
    values.setdefault("password", token)
    values.setdefault("user", Given("__token__", token.source, Level.COMMAND_LINE))
    return problems


def _inputs(environ: Mapping[str, str]) -> tuple[dict[str, Given], list[InputError]]:
    """`INPUT_*` values; one holding its input's default counts as not given: the runner
    passes every input's default and a lower source (TWINE_*, a repository name) must still
    be able to set it. A deprecated snake_case name (declared without a default in
    action.yml, so it is empty unless the step gives it) is taken when the canonical name is
    not given; both given with different values is an error, not a guess."""
    values: dict[str, Given] = {}
    errors: list[InputError] = []
    for spec in INPUTS:
        for name in spec.env_names:
            value = environ.get(name, "")
            if value.strip():
                if not spec.default or value.strip() != spec.default:
                    values[spec.name] = Given(value, name, Level.INPUT)
                break
        old = environ.get(spec.deprecated_env_name, "") if spec.deprecated else ""
        if not old.strip():
            continue
        given = values.get(spec.name)
        if given is None:
            source = f"input '{spec.deprecated}' (deprecated: use '{spec.name}')"
            values[spec.name] = Given(old, source, Level.INPUT)
        elif given.value.strip() != old.strip():
            errors.append(
                InputError(
                    f"input '{spec.name}' and its deprecated name '{spec.deprecated}' give "
                    "different values",
                    advice=f"keep '{spec.name}' only",
                )
            )
    return values, errors


def parse(
    argv: Sequence[str] | None,
    environ: Mapping[str, str],
    redactor: Redactor,
    ci_env: CiEnvironment | None = None,
    *,
    cwd: Path | None = None,
) -> ParsedInputs:
    """The run's settings from every source, most explicit first (see `sources.layers`);
    raises one InputError for every problem. `cwd` holds the pyproject.toml repository names
    are looked up in and is where file arguments are relative to (default: the current one)."""
    from publish_action.configure import configure

    given = list(sys.argv[1:] if argv is None else argv)
    line = _read_command_line(given)
    inputs, input_errors = _inputs(environ)
    gathered = gather(
        defaults={spec.name: spec.default for spec in INPUTS},
        command_line=line.values,
        inputs=inputs,
        environ=environ,
        cwd=cwd or Path.cwd(),
        redactor=redactor,
        files=line.files,
        config_file=line.config_file,
    )
    raw = dict(gathered.raw)
    warnings: list[str] = []
    for spec in INPUTS:
        chosen = gathered.chosen[spec.name]
        if spec.secret:
            # Byte for byte: a password may begin or end with a space.
            redactor.add(raw[spec.name])
            from_flag = chosen.source if chosen and chosen.level is Level.COMMAND_LINE else ""
            warnings.extend(_secret_warnings(spec, raw[spec.name], flag=from_flag))
        else:
            raw[spec.name] = raw[spec.name].strip()
    try:
        settings, notes, more = configure(
            raw,
            ci_env or CiEnvironment.read(environ),
            redactor,
            files=gathered.files.distributions if gathered.files else (),
            earlier=(*line.errors, *input_errors, *_unknown_env_inputs(environ), *gathered.errors),
        )
    except InputError as error:
        raise _with_origins(error, gathered.chosen) from error.__cause__
    return ParsedInputs(
        settings=settings,
        warnings=(*gathered.warnings, *warnings, *more),
        notes=(*gathered.notes, *notes),
        sources=gathered.sources,
    )


def _with_origins(error: InputError, chosen: Mapping[str, Given | None]) -> PublishError:
    """An error about an input whose value came from a variable or a file says which: the
    user looks for `input 'cert'` in the workflow, and it was TWINE_CERT."""
    text = error.render()
    origins = [
        f"'{name}' came from {given.source}"
        for name, given in chosen.items()
        if given is not None and given.level >= Level.VARIABLE and f"'{name}'" in text
    ]
    return error.with_details(*origins) if origins else error


def _secret_warnings(spec: InputSpec, value: str, *, flag: str) -> list[str]:
    env_name = spec.env_names[1]
    warnings = []
    if flag:
        warnings.append(
            f"{flag} was given on the command line, where other processes on this "
            f"machine can read it (ps, /proc); pass it in the environment variable {env_name} "
            "instead"
        )
    if value and value != value.strip():
        warnings.append(
            f"'{spec.name}' begins or ends with whitespace (a newline from `echo`?); it is sent "
            "exactly as given"
        )
    return warnings


# Which INPUT_* variables are ours: action.yml passes exactly the names below, GitHub passes a
# container action's inputs as INPUT_<NAME> with the hyphen kept, and nothing else sets any:
# GitHub's runner gives a composite action's steps no INPUT_* of its own (actions/runner#665),
# and `act`, which does (nektos/act#2874), uses the same two spellings. So any other INPUT_*
# is a typo, and a typo of `repository-url` would publish to PyPI: it stops the run.
KNOWN_ENV_NAMES = frozenset(
    {name for spec in INPUTS for name in spec.env_names}
    | {spec.deprecated_env_name for spec in INPUTS if spec.deprecated}
)


def _unknown_env_inputs(environ: Mapping[str, str]) -> list[InputError]:
    # Compared without the common prefix, which would make every name look close.
    candidates = sorted(name.removeprefix("INPUT_") for name in KNOWN_ENV_NAMES)
    errors = []
    for name in sorted(environ):
        if not name.startswith("INPUT_") or name in KNOWN_ENV_NAMES:
            continue
        close = difflib.get_close_matches(name[6:], candidates, n=1, cutoff=0.6)
        advice = (
            f"did you mean INPUT_{close[0]} (input '{_input_name('INPUT_' + close[0])}')?"
            if close
            else "see --help for every input, or unset the variable"
        )
        errors.append(InputError(f"unknown input {name}", advice=advice))
    return errors


def _input_name(env_name: str) -> str:
    deprecated = {spec.deprecated_env_name: spec.deprecated for spec in INPUTS if spec.deprecated}
    if env_name in deprecated:
        return deprecated[env_name]
    return env_name.removeprefix("INPUT_").lower().replace("_", "-")
