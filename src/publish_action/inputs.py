"""The edge: turn CLI flags and `INPUT_*` environment variables into frozen `Settings`.

Each input comes from `--<name>` or, as GitHub passes inputs to container actions, from
`INPUT_<NAME>` (upper-cased, hyphen kept or replaced by `_`). A flag beats the environment; an
empty value means "not set". Names follow `pypa/gh-action-pypi-publish` where it has the input.
"""

from __future__ import annotations

import argparse
import difflib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import NoReturn, TypeVar
from urllib.parse import urlsplit

from publish_action import __version__
from publish_action.errors import InputError
from publish_action.indexes import IndexKind, IndexProfile, classify
from publish_action.secrets import Redactor, display_url
from publish_action.settings import (
    Attestations,
    Credentials,
    OnExisting,
    Settings,
    TrustedPublishing,
)

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
    InputSpec("trusted-publishing", "auto", "mint an upload token from the CI's OIDC identity: "
              "auto, always, never"),
    InputSpec("attestations", "auto", "sign PEP 740 attestations: auto, true, false"),
    InputSpec("max-parallel", "4", "uploads in flight at once (1 = sequential)"),
    InputSpec("retries", "3", "retries of a transient failure (connection error, 429, 5xx)"),
    InputSpec("report-path", "", "where to write the JSON report of every file's outcome"),
)

_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}

E = TypeVar("E", bound=Enum)


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
    argv: Sequence[str] | None, environ: Mapping[str, str], redactor: Redactor
) -> ParsedInputs:
    args = vars(build_parser().parse_args(None if argv is None else _join_values(argv)))
    raw: dict[str, str] = {}
    for spec in INPUTS:
        flag = args.get(spec.name.replace("-", "_"))
        value = flag if flag not in (None, "") else _from_env(spec, environ)
        raw[spec.name] = value.strip() if value else spec.default
        if spec.secret:
            redactor.add(raw[spec.name])
    settings, notes, warnings = _settings(raw, environ, redactor)
    warnings = (*_unknown_env_inputs(environ), *warnings)
    return ParsedInputs(settings=settings, warnings=warnings, notes=notes)


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


def _bool(raw: Mapping[str, str], name: str) -> bool:
    value = raw[name].lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise InputError(
        f"input '{name}' must be true or false, not {raw[name]!r}",
        advice="use one of true/false/yes/no/1/0",
    )


def _choice(raw: Mapping[str, str], name: str, enum: type[E]) -> E:
    value = raw[name].lower()
    for member in enum:
        if member.value == value:
            return member
    allowed = ", ".join(str(m.value) for m in enum)
    raise InputError(f"input '{name}' must be one of {allowed}, not {raw[name]!r}")


def _number(
    raw: Mapping[str, str], name: str, cast: Callable[[str], float], low: float, high: float
) -> float:
    try:
        value = cast(raw[name])
    except ValueError:
        raise InputError(f"input '{name}' must be a number, not {raw[name]!r}") from None
    if not low <= value <= high:  # also refuses nan
        raise InputError(f"input '{name}' must be from {low:g} to {high:g}, not {raw[name]!r}")
    return value


def _url(raw: Mapping[str, str], name: str) -> str:
    value = raw[name]
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(
            f"input '{name}' must be an http(s) URL, not {display_url(value)!r}",
            advice="for example https://upload.pypi.org/legacy/",
        )
    return value if value.endswith("/") else value + "/"


def _settings(
    raw: Mapping[str, str], environ: Mapping[str, str], redactor: Redactor
) -> tuple[Settings, tuple[str, ...], tuple[str, ...]]:
    notes: list[str] = []
    warnings: list[str] = []
    repository_url, url_user, url_password = _split_userinfo(_url(raw, "repository-url"))
    token_as_user = False
    if url_user or url_password:
        # Credentials in the URL are dropped by indexes that redirect to the bare URL (Google
        # Artifact Registry does); send them as basic auth to the bare URL instead.
        user = raw["user"] if raw["user"] != "__token__" else url_user or "__token__"
        raw = {**raw, "user": user, "password": raw["password"] or url_password}
        # https://TOKEN@host/ (Gemfury-style): the user name is the secret.
        token_as_user = bool(url_user) and not raw["password"]
        redactor.add(url_user if token_as_user else url_password)
        notes.append("credentials in repository-url are sent as user/password to "
                     f"{display_url(repository_url)}")
    if urlsplit(repository_url).path.rstrip("/").endswith(("/simple", "/+simple")):
        raise InputError(
            f"repository-url {display_url(repository_url)} is a simple index (read) URL, "
            "not an upload URL",
            advice="some indexes answer 200 to an upload there and store nothing; use the "
            "upload endpoint (devpi: https://HOST/USER/INDEX/) and put the simple URL in "
            "'index-url'",
        )
    profile = classify(repository_url)
    if raw["index-url"]:
        index_url: str | None = _url(raw, "index-url")
        note = f"index-url (given): {display_url(index_url or '')}"
    else:
        index_url = profile.simple_url
        note = profile.derivation
    on_existing = _choice(raw, "on-existing", OnExisting)
    if _bool(raw, "skip-existing"):
        if raw["on-existing"] not in ("skip-identical", "skip"):
            raise InputError(
                "inputs 'skip-existing: true' and 'on-existing: "
                f"{raw['on-existing']}' contradict each other",
                advice="drop skip-existing (it is an alias for on-existing: skip)",
            )
        on_existing = OnExisting.SKIP
        notes.append("skip-existing: true is treated as on-existing: skip")
    if on_existing is OnExisting.OVERWRITE and profile.is_pypi:
        raise InputError(
            f"on-existing: overwrite is refused for {profile.kind.value}: it never allows a "
            "file to be replaced",
            advice="publish a new version (or a post release) instead",
        )
    upload = _credentials(raw["user"], raw["password"], redactor, token_as_user=token_as_user)
    warnings.extend(_user_warnings(profile, raw["user"], bool(raw["password"])))
    check = _credentials(raw["check-user"] or raw["user"], raw["check-password"], redactor)
    if raw["check-user"] and not raw["check-password"]:
        warnings.append("'check-user' is ignored without 'check-password'")
    attestations = _choice(raw, "attestations", Attestations)
    trusted = _choice(raw, "trusted-publishing", TrustedPublishing)
    _check_attestations(attestations, trusted, has_password=upload is not None)
    packages_dir = Path(raw["packages-dir"])
    workspace = environ.get("GITHUB_WORKSPACE")
    if not packages_dir.is_absolute() and workspace and not packages_dir.exists():
        packages_dir = Path(workspace) / packages_dir
    settings = Settings(
        repository_url=repository_url,
        index=profile,
        index_url=index_url,
        index_url_note=note,
        upload_credentials=upload,
        check_credentials=check,
        check_credentials_explicit=bool(raw["check-password"]),
        packages_dir=packages_dir,
        on_existing=on_existing,
        dry_run=_bool(raw, "dry-run"),
        verify_metadata=_bool(raw, "verify-metadata"),
        print_hash=_bool(raw, "print-hash"),
        verbose=_bool(raw, "verbose"),
        confirm=_bool(raw, "confirm"),
        confirm_timeout=_number(raw, "confirm-timeout", float, 0, 3600),
        trusted_publishing=trusted,
        attestations=attestations,
        max_parallel=int(_number(raw, "max-parallel", int, 1, 32)),
        retries=int(_number(raw, "retries", int, 0, 10)),
        report_path=Path(raw["report-path"]) if raw["report-path"] else None,
        work_dir=_work_dir(environ),
    )
    return settings, tuple(notes), tuple(warnings)


def _split_userinfo(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, "", ""
    from urllib.parse import unquote

    return display_url(url), unquote(parts.username or ""), unquote(parts.password or "")


_EXPECTED_USERS = {
    IndexKind.GOOGLE: ("oauth2accesstoken", "_json_key_base64", "_json_key"),
    IndexKind.CODEARTIFACT: ("aws",),
}


def _user_warnings(profile: IndexProfile, user: str, has_password: bool) -> list[str]:
    expected = _EXPECTED_USERS.get(profile.kind)
    if not has_password or expected is None or user in expected:
        return []
    return [f"user {user!r} is unusual for {profile.kind.value}: {profile.auth_hint}"]


def _credentials(
    user: str, password: str, redactor: Redactor, *, token_as_user: bool = False
) -> Credentials | None:
    if not password and not token_as_user:
        return None
    redactor.add_credentials(user, password)
    return Credentials(user, password)


def _check_attestations(
    attestations: Attestations, trusted: TrustedPublishing, *, has_password: bool
) -> None:
    """Refused up front, so a dry run exits as the real run would."""
    uses_tp = trusted is TrustedPublishing.ALWAYS or (
        trusted is TrustedPublishing.AUTO and not has_password
    )
    if attestations is Attestations.TRUE and not uses_tp:
        raise InputError(
            "'attestations: true' needs trusted publishing, but this run uploads with "
            "configured credentials",
            advice="attestations are signed with the CI's OIDC identity: enable trusted "
            "publishing (and remove the password), or set 'attestations: auto' or 'false'",
        )


def _work_dir(environ: Mapping[str, str]) -> Path:
    # Our own scratch space (attestations, reports): never inside the user's packages-dir.
    base = environ.get("RUNNER_TEMP") or environ.get("TMPDIR") or "/tmp"  # noqa: S108
    return Path(base) / f"publish-action-{os.getpid()}"
