"""From the inputs a user gave to the frozen `Settings` of a run.

Every input is checked, and every problem is reported together in one error (exit 2): a user
fixing a workflow should not discover its mistakes one run at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from publish_action.ci import CiEnvironment
from publish_action.errors import InputError
from publish_action.input_values import (
    as_bool,
    byte_size,
    ca_bundle,
    choice,
    number,
    plain_http,
    same_host,
    split_userinfo,
    url,
)
from publish_action.inputs import DEFAULT_REPOSITORY_URL
from publish_action.redaction import Redactor, display_url
from publish_action.settings import (
    Attestations,
    Credentials,
    OnExisting,
    Settings,
    TrustedPublishing,
)
from publish_action.targets import IndexProfile, classify

T = TypeVar("T")
_UV_SPELLING = {"automatic": "auto"}


class _Problems:
    """Collects every InputError instead of stopping at the first."""

    def __init__(self, earlier: Sequence[InputError] = ()) -> None:
        self.errors: list[InputError] = list(earlier)

    def take(self, convert: Callable[[], T], default: T) -> T:
        try:
            return convert()
        except InputError as error:
            self.errors.append(error)
            return default

    def raise_if_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise InputError(
                f"{len(self.errors)} inputs are invalid",
                details=tuple(
                    e.message + (f" ({e.advice})" if e.advice else "") for e in self.errors
                ),
                advice="fix each of them; see --help for every input",
            )


def configure(
    raw: Mapping[str, str],
    ci_env: CiEnvironment,
    redactor: Redactor,
    *,
    files: Sequence[Path] = (),
    earlier: Sequence[InputError] = (),
) -> tuple[Settings, tuple[str, ...], tuple[str, ...]]:
    """Settings, notes and warnings from the raw inputs; raises one InputError for all, the
    `earlier` ones (found while reading the sources) included. `files`: the distributions
    given as arguments, published instead of packages-dir."""
    notes: list[str] = []
    warnings: list[str] = []
    problems = _Problems(earlier)
    given = problems.take(lambda: url(raw, "repository-url"), DEFAULT_REPOSITORY_URL)
    repository_url, raw, token_as_user = _upload_userinfo(given, raw, redactor, notes)
    problems.take(lambda: _not_a_simple_url(repository_url), None)
    profile = classify(repository_url)
    problems.take(lambda: _not_read_only(profile, repository_url), None)
    if profile.facts.users.token_as_user and raw["user"] != "__token__" and not raw["password"]:
        token_as_user = True  # Gemfury: the push token is the user name
        redactor.add(raw["user"])
    fallback: tuple[str | None, str, Mapping[str, str], bool] = (None, "", raw, False)
    index_url, note, raw, check_token_as_user = problems.take(
        lambda: _index_url(raw, profile, redactor, notes), fallback
    )
    on_existing = problems.take(
        lambda: _on_existing(raw, profile, notes), OnExisting.SKIP_IDENTICAL
    )
    upload = _credentials(raw["user"], raw["password"], redactor, token_as_user=token_as_user)
    warnings.extend(_user_warnings(profile, raw["user"], upload is not None))
    check = _credentials(
        raw["check-user"] or raw["user"],
        raw["check-password"],
        redactor,
        token_as_user=check_token_as_user,
    )
    if raw["check-user"] and not raw["check-password"]:
        warnings.append("'check-user' is ignored without 'check-password'")
    insecure = problems.take(lambda: as_bool(raw, "allow-insecure-http"), False)
    problems.take(
        lambda: plain_http(
            "repository-url", repository_url, upload is not None, insecure, warnings
        ),
        None,
    )
    if index_url is not None:
        explicit = bool(raw["check-password"]) or check_token_as_user
        reads_with = (
            check if explicit else (upload if same_host(index_url, repository_url) else None)
        )
        problems.take(
            lambda: plain_http("index-url", index_url, reads_with is not None, insecure, warnings),
            None,
        )
    attestations = problems.take(
        lambda: choice(raw, "attestations", Attestations), Attestations.AUTO
    )
    trusted = problems.take(
        # uv spells auto "automatic".
        lambda: choice(raw, "trusted-publishing", TrustedPublishing, synonyms=_UV_SPELLING),
        TrustedPublishing.AUTO,
    )
    flags = {
        name: _flag(problems, raw, name)
        for name in ("dry-run", "verify-metadata", "print-hash", "verbose", "confirm")
    }
    numbers = {
        name: _number(problems, raw, name, cast, low, high)
        for name, cast, low, high in (
            ("confirm-timeout", float, 0, 3600),
            ("max-parallel", int, 1, 32),
            ("retries", int, 0, 10),
            ("timeout", float, 1, 3600),
            ("deadline", float, 1, 7 * 24 * 3600),
        )
    }
    max_file_size = problems.take(lambda: byte_size(raw, "max-file-size"), None)
    bundle = problems.take(lambda: ca_bundle(raw["cert"]), None)
    problems.raise_if_any()
    settings = Settings(
        repository_url=repository_url,
        index=profile,
        index_url=index_url,
        index_url_note=note,
        index_url_given=bool(raw["index-url"]),
        upload_credentials=upload,
        check_credentials=check,
        check_credentials_explicit=bool(raw["check-password"]) or check_token_as_user,
        packages_dir=_packages_dir(raw["packages-dir"], ci_env),
        files=tuple(files),
        on_existing=on_existing,
        dry_run=flags["dry-run"],
        verify_metadata=flags["verify-metadata"],
        print_hash=flags["print-hash"],
        verbose=flags["verbose"],
        confirm=flags["confirm"],
        confirm_timeout=numbers["confirm-timeout"],
        trusted_publishing=trusted,
        attestations=attestations,
        max_parallel=int(numbers["max-parallel"]),
        max_file_size=max_file_size,
        retries=int(numbers["retries"]),
        timeout=numbers["timeout"],
        deadline=numbers["deadline"],
        ca_bundle=bundle,
        allow_insecure_http=insecure,
        report_path=Path(raw["report-path"]) if raw["report-path"] else None,
        work_dir=ci_env.temp_dir / f"publish-action-{_pid()}",
    )
    return settings, tuple(notes), tuple(warnings)


def _flag(problems: _Problems, raw: Mapping[str, str], name: str) -> bool:
    return problems.take(lambda: as_bool(raw, name), False)


def _number(
    problems: _Problems,
    raw: Mapping[str, str],
    name: str,
    cast: Callable[[str], float],
    low: float,
    high: float,
) -> float:
    return problems.take(lambda: number(raw, name, cast, low, high), low)


def _pid() -> int:
    import os

    return os.getpid()


def _packages_dir(value: str, ci_env: CiEnvironment) -> Path:
    packages_dir = Path(value)
    workspace = ci_env.github.workspace if ci_env.github else None
    if not packages_dir.is_absolute() and workspace and not packages_dir.exists():
        return workspace / packages_dir
    return packages_dir


def _upload_userinfo(
    given: str, raw: Mapping[str, str], redactor: Redactor, notes: list[str]
) -> tuple[str, Mapping[str, str], bool]:
    """Credentials written into repository-url become user/password for the bare URL (indexes
    that redirect drop them: Google Artifact Registry does); `https://TOKEN@host/`
    (Gemfury-style) makes the user name the secret."""
    repository_url, url_user, url_password = split_userinfo(given)
    if not (url_user or url_password):
        return repository_url, raw, False
    user = raw["user"] if raw["user"] != "__token__" else url_user or "__token__"
    raw = {**raw, "user": user, "password": raw["password"] or url_password}
    token_as_user = bool(url_user) and not raw["password"]
    redactor.add(url_user if token_as_user else url_password)
    notes.append(
        f"credentials in repository-url are sent as user/password to {display_url(repository_url)}"
    )
    return repository_url, raw, token_as_user


def _not_a_simple_url(repository_url: str) -> None:
    if urlsplit(repository_url).path.rstrip("/").endswith(("/simple", "/+simple")):
        raise InputError(
            f"repository-url {display_url(repository_url)} is a simple index (read) URL, "
            "not an upload URL",
            advice="some indexes answer 200 to an upload there and store nothing; use the "
            "upload endpoint (devpi: https://HOST/USER/INDEX/) and put the simple URL in "
            "'index-url'",
        )


def _not_read_only(profile: IndexProfile, repository_url: str) -> None:
    if profile.read_only:
        raise InputError(
            f"repository-url {display_url(repository_url)} cannot take uploads",
            advice=profile.read_only,
        )


def _on_existing(raw: Mapping[str, str], profile: IndexProfile, notes: list[str]) -> OnExisting:
    on_existing = choice(raw, "on-existing", OnExisting)
    if as_bool(raw, "skip-existing"):
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
    return on_existing


def _index_url(
    raw: Mapping[str, str], profile: IndexProfile, redactor: Redactor, notes: list[str]
) -> tuple[str | None, str, Mapping[str, str], bool]:
    """The check URL (given or derived), its note, the inputs with any credentials found in
    it, and whether its user name alone is the secret."""
    if not raw["index-url"]:
        return profile.simple_url, profile.derivation, raw, False
    index_url, user, password = split_userinfo(url(raw, "index-url"))
    note = f"index-url (given): {display_url(index_url)}"
    if not (user or password):
        return index_url, note, raw, False
    # As for repository-url: sent as basic auth, never left in the URL.
    redactor.add(password or user)
    if not raw["check-password"]:
        raw = {**raw, "check-user": raw["check-user"] or user, "check-password": password}
    notes.append(
        "credentials in index-url are sent as check-user/check-password to "
        f"{display_url(index_url)}"
    )
    return index_url, note, raw, bool(user) and not password


def _user_warnings(profile: IndexProfile, user: str, has_credentials: bool) -> list[str]:
    """The user name against the index's convention, said before anything is sent."""
    users = profile.facts.users
    if not has_credentials:
        return []
    refused = dict(users.refused).get(user)
    if refused:
        return [f"user {user!r} is likely to be refused by {profile.facts.name}: {refused}"]
    if users.expected and user not in users.expected and not users.token_as_user:
        return [f"user {user!r} is unusual for {profile.facts.name}: it expects {users.convention}"]
    return []


def _credentials(
    user: str, password: str, redactor: Redactor, *, token_as_user: bool = False
) -> Credentials | None:
    if not password and not token_as_user:
        return None
    redactor.add_credentials(user, password)
    return Credentials(user, password)
