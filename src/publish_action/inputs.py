"""The edge: turn CLI flags and `INPUT_*` environment variables into frozen `Settings`.

Each input comes from `--<name>` or, as GitHub passes inputs to container actions, from
`INPUT_<NAME>` (upper-cased, hyphen kept or replaced by `_`). A flag beats the environment; an
empty value means "not set". Names follow `pypa/gh-action-pypi-publish` where it has the input.
"""

from __future__ import annotations

import argparse
import difflib
import ipaddress
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import NoReturn, TypeVar
from urllib.parse import urlsplit

from publish_action import __version__
from publish_action.errors import InputError
from publish_action.redaction import Redactor, display_url
from publish_action.settings import (
    Attestations,
    Credentials,
    OnExisting,
    Settings,
    TrustedPublishing,
)
from publish_action.targets import IndexKind, IndexProfile, classify

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
    InputSpec("timeout", "30", "seconds a network operation may wait for the server; a "
              "transfer must also keep above 10 kB/s after that long"),
    InputSpec("deadline", "3600", "seconds the whole run may take; then it stops like a "
              "cancelled run (exit 6)"),
    InputSpec("cert", "", "CA bundle (PEM) to trust instead of the system trust store, for a "
              "private index (twine's --cert)"),
    InputSpec("allow-insecure-http", "false", "allow sending credentials over plain http:// to "
              "a host other than this machine"),
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
    settings, notes, more = _settings(raw, environ, redactor)
    return ParsedInputs(settings=settings, warnings=(*_unknown_env_inputs(environ), *warnings,
                                                     *more), notes=notes)


def _secret_warnings(spec: InputSpec, value: str, *, from_flag: bool) -> list[str]:
    env_name = spec.env_names[1]
    warnings = []
    if from_flag:
        warnings.append(
            f"--{spec.name} was given on the command line, where other processes on this "
            f"machine can read it (ps, /proc); pass it in the environment variable {env_name} "
            "instead")
    if value and value != value.strip():
        warnings.append(
            f"'{spec.name}' begins or ends with whitespace (a newline from `echo`?); it is sent "
            "exactly as given")
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
    if any(char.isspace() for char in value):
        raise InputError(
            f"input '{name}' contains whitespace: {display_url(value)!r}",
            advice="remove the spaces or line breaks (a URL never holds them; encode a space "
            "in a path as %20)",
        )
    try:
        parts.port  # noqa: B018 - raises for a port that is not a number from 0 to 65535
    except ValueError:
        port = parts.netloc.rsplit("@", 1)[-1].rsplit(":", 1)[-1]
        raise InputError(
            f"input '{name}' has an invalid port {port!r}: {display_url(value)!r}",
            advice="a port is a number from 1 to 65535, e.g. https://host:8443/",
        ) from None
    return value if value.endswith("/") else value + "/"


def _is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _plain_http(name: str, url: str, credentials: bool, allowed: bool,
                warnings: list[str]) -> None:
    """Credentials over plain http to another host can be read by anyone on the way."""
    if not credentials or urlsplit(url).scheme != "http" or _is_loopback(url):
        return
    if not allowed:
        raise InputError(
            f"'{name}' is plain http:// to {urlsplit(url).hostname}, and credentials would "
            "be sent to it unencrypted",
            advice="use https://; on a network you trust (a service container, a private "
            "subnet), set 'allow-insecure-http: true'",
        )
    warnings.append(f"credentials go to {display_url(url)} over plain http "
                    "('allow-insecure-http: true'): anyone on the network path can read them")


def _index_url(
    raw: Mapping[str, str], profile: IndexProfile, redactor: Redactor, notes: list[str]
) -> tuple[str | None, str, Mapping[str, str], bool]:
    """The check URL (given or derived), its note, the inputs with any credentials found in
    it, and whether its user name alone is the secret."""
    if not raw["index-url"]:
        return profile.simple_url, profile.derivation, raw, False
    index_url, user, password = _split_userinfo(_url(raw, "index-url"))
    note = f"index-url (given): {display_url(index_url)}"
    if not (user or password):
        return index_url, note, raw, False
    # As for repository-url: sent as basic auth, never left in the URL.
    redactor.add(password or user)
    if not raw["check-password"]:
        raw = {**raw, "check-user": raw["check-user"] or user, "check-password": password}
    notes.append("credentials in index-url are sent as check-user/check-password to "
                 f"{display_url(index_url)}")
    return index_url, note, raw, bool(user) and not password


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
    index_url, note, raw, check_token_as_user = _index_url(raw, profile, redactor, notes)
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
    check = _credentials(raw["check-user"] or raw["user"], raw["check-password"], redactor,
                         token_as_user=check_token_as_user)
    if raw["check-user"] and not raw["check-password"]:
        warnings.append("'check-user' is ignored without 'check-password'")
    insecure = _bool(raw, "allow-insecure-http")
    _plain_http("repository-url", repository_url, upload is not None, insecure, warnings)
    if index_url is not None:
        reads_with = check if (raw["check-password"] or check_token_as_user) else (
            upload if _same_host(index_url, repository_url) else None)
        _plain_http("index-url", index_url, reads_with is not None, insecure, warnings)
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
        check_credentials_explicit=bool(raw["check-password"]) or check_token_as_user,
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
        timeout=_number(raw, "timeout", float, 1, 3600),
        deadline=_number(raw, "deadline", float, 1, 7 * 24 * 3600),
        ca_bundle=_ca_bundle(raw["cert"]),
        allow_insecure_http=insecure,
        report_path=Path(raw["report-path"]) if raw["report-path"] else None,
        work_dir=_work_dir(environ),
    )
    return settings, tuple(notes), tuple(warnings)


def _same_host(a: str, b: str) -> bool:
    return (urlsplit(a).hostname or "").lower() == (urlsplit(b).hostname or "").lower()


def _ca_bundle(value: str) -> Path | None:
    if not value:
        return None
    path = Path(value)
    if not path.is_file():
        raise InputError(
            f"input 'cert': {value} is not a file",
            advice="give the path of a PEM file holding the CA certificate(s) to trust",
        )
    return path


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
