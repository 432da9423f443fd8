"""The edge: turn CLI flags and `INPUT_*` environment variables into frozen `Settings`.

Each input comes from `--<name>` or, as GitHub passes inputs to container actions, from
`INPUT_<NAME>` (upper-cased, hyphen kept or replaced by `_`). A flag beats the environment; an
empty value means "not set". Names follow `pypa/gh-action-pypi-publish` where it has the input.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn

from publish_action import __version__
from publish_action.ci import CiEnvironment
from publish_action.errors import InputError
from publish_action.redaction import Redactor
from publish_action.settings import Settings

DEFAULT_REPOSITORY_URL = "https://upload.pypi.org/legacy/"


@dataclass(frozen=True)
class InputSpec:
    name: str
    default: str
    help: str
    secret: bool = False

    @property
    def env_names(self) -> tuple[str, str]:
        upper = self.name.upper()
        return f"INPUT_{upper}", f"INPUT_{upper.replace('-', '_')}"


INPUTS: tuple[InputSpec, ...] = (
    InputSpec("repository-url", DEFAULT_REPOSITORY_URL, "upload endpoint (legacy upload API)"),
    InputSpec("index-url", "", "simple index used for the existence check (derived if empty)"),
    InputSpec("user", "__token__", "user name for the upload"),
    InputSpec("password", "", "password or API token for the upload", secret=True),
    InputSpec("check-user", "", "user name for reading the index, when it differs"),
    InputSpec("check-password", "", "password for reading the index", secret=True),
    InputSpec("packages-dir", "dist", "folder holding the wheels and sdists"),
    InputSpec(
        "on-existing",
        "skip-identical",
        "policy for files already on the index: skip-identical, error, skip, overwrite",
    ),
    InputSpec("skip-existing", "false", "compatibility alias: true means on-existing=skip"),
    InputSpec("dry-run", "false", "do everything but the upload"),
    InputSpec("verify-metadata", "true", "validate every distribution before anything is sent"),
    InputSpec("print-hash", "true", "print sha256, blake2b-256 and md5 of each file"),
    InputSpec("verbose", "false", "show requests, responses and decisions"),
    InputSpec("confirm", "true", "after uploading, read the index again to confirm every file"),
    InputSpec("confirm-timeout", "20", "seconds to wait for uploads to appear on the index"),
    InputSpec(
        "trusted-publishing",
        "auto",
        "mint an upload token from the CI's OIDC identity: auto, always, never",
    ),
    InputSpec("attestations", "auto", "sign PEP 740 attestations: auto, true, false"),
    InputSpec("max-parallel", "4", "uploads in flight at once (1 = sequential)"),
    InputSpec(
        "max-file-size",
        "",
        "largest file the index takes, e.g. 250MB, when it raised this project's limit "
        "(empty: the index's known limit)",
    ),
    InputSpec("retries", "3", "retries of a transient failure (connection error, 429, 5xx)"),
    InputSpec(
        "timeout",
        "30",
        "seconds a network operation may wait for the server; a "
        "transfer must also keep above 10 kB/s after that long",
    ),
    InputSpec(
        "deadline",
        "3600",
        "seconds the whole run may take; then it stops like a cancelled run (exit 6)",
    ),
    InputSpec(
        "cert",
        "",
        "CA bundle (PEM) to trust instead of the system trust store, for a "
        "private index (twine's --cert)",
    ),
    InputSpec(
        "allow-insecure-http",
        "false",
        "allow sending credentials over plain http:// to a host other than this machine",
    ),
    InputSpec("report-path", "", "where to write the JSON report of every file's outcome"),
)


@dataclass(frozen=True)
class ParsedInputs:
    settings: Settings
    warnings: tuple[str, ...]
    notes: tuple[str, ...]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise InputError(f"{message}", advice="see --help for every input")


def _join_values(argv: Sequence[str]) -> list[str]:
    """`--password -abc` means the value "-abc": every input flag takes a value."""
    flags = {f"--{spec.name}" for spec in INPUTS}
    joined: list[str] = []
    items = iter(argv)
    for item in items:
        if item in flags:
            value = next(items, None)
            joined.append(item if value is None else f"{item}={value}")
        else:
            joined.append(item)
    return joined


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="publish-action",
        allow_abbrev=False,
        description=(
            "Publish wheels and sdists to PyPI or any PyPI-compatible index. Re-runs are safe: "
            "files already on the index byte-identical are skipped; a file of the same name "
            "with different content stops the run before anything is uploaded. Every input "
            "may also be given as the environment variable INPUT_<NAME>."
        ),
        epilog=(
            "exit codes: 0 ok, 1 internal error, 2 invalid input, 3 invalid distribution, "
            "4 content mismatch, 5 authentication refused, 6 index refused or unreachable, "
            "7 trusted publishing failed, 8 attestation failed"
        ),
    )
    for spec in INPUTS:
        default = "(none)" if spec.default == "" else spec.default
        parser.add_argument(
            f"--{spec.name}",
            metavar="VALUE",
            default=None,
            help=f"{spec.help} [default: {default}]",
        )
    parser.add_argument("--version", action="version", version=f"publish-action {__version__}")
    return parser


def parse(
    argv: Sequence[str] | None,
    environ: Mapping[str, str],
    redactor: Redactor,
    ci_env: CiEnvironment | None = None,
) -> ParsedInputs:
    """The run's settings from flags (first) and `INPUT_*` variables; raises InputError."""
    from publish_action.configure import configure

    given = list(sys.argv[1:] if argv is None else argv)
    args = vars(build_parser().parse_args(_join_values(given)))
    raw: dict[str, str] = {}
    warnings: list[str] = []
    for spec in INPUTS:
        flag = args.get(spec.name.replace("-", "_"))
        value = flag if flag not in (None, "") else _from_env(spec, environ)
        if spec.secret:
            # Byte for byte: a password may begin or end with a space.
            raw[spec.name] = value or spec.default
            redactor.add(raw[spec.name])
            warnings.extend(_secret_warnings(spec, raw[spec.name], from_flag=bool(flag)))
        else:
            raw[spec.name] = value.strip() if value else spec.default
    settings, notes, more = configure(raw, ci_env or CiEnvironment.read(environ), redactor)
    return ParsedInputs(
        settings=settings, warnings=(*_unknown_env_inputs(environ), *warnings, *more), notes=notes
    )


def _secret_warnings(spec: InputSpec, value: str, *, from_flag: bool) -> list[str]:
    env_name = spec.env_names[1]
    warnings = []
    if from_flag:
        warnings.append(
            f"--{spec.name} was given on the command line, where other processes on this "
            f"machine can read it (ps, /proc); pass it in the environment variable {env_name} "
            "instead"
        )
    if value and value != value.strip():
        warnings.append(
            f"'{spec.name}' begins or ends with whitespace (a newline from `echo`?); it is sent "
            "exactly as given"
        )
    return warnings


def _from_env(spec: InputSpec, environ: Mapping[str, str]) -> str:
    for name in spec.env_names:
        value = environ.get(name, "")
        if value.strip():
            return value
    return ""


def _unknown_env_inputs(environ: Mapping[str, str]) -> list[str]:
    known = {name for spec in INPUTS for name in spec.env_names}
    candidates = sorted(known)
    warnings = []
    for name in sorted(environ):
        if not name.startswith("INPUT_") or name in known:
            continue
        close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]} (input '{_input_name(close[0])}')?" if close else ""
        warnings.append(f"ignoring unknown input {name}{hint}")
    return warnings


def _input_name(env_name: str) -> str:
    return env_name.removeprefix("INPUT_").lower().replace("_", "-")
