from __future__ import annotations

from pathlib import Path

import pytest

from publish_action.errors import ExitCode, InputError
from publish_action.inputs import INPUTS, parse
from publish_action.redaction import Redactor
from publish_action.settings import Attestations, OnExisting, TrustedPublishing


def settings_of(argv: list[str] | None = None, env: dict[str, str] | None = None):
    return parse(argv or [], env or {}, Redactor()).settings


def test_defaults_match_gh_action_pypi_publish() -> None:
    s = settings_of()
    assert s.repository_url == "https://upload.pypi.org/legacy/"
    assert s.index_url == "https://pypi.org/simple/"
    assert s.upload_credentials is None
    assert s.packages_dir == Path("dist")
    assert s.on_existing is OnExisting.SKIP_IDENTICAL
    assert (s.dry_run, s.verify_metadata, s.print_hash, s.verbose, s.confirm) == (
        False, True, True, False, True)
    assert s.trusted_publishing is TrustedPublishing.AUTO
    assert s.attestations is Attestations.AUTO


@pytest.mark.parametrize("name", ["INPUT_REPOSITORY-URL", "INPUT_REPOSITORY_URL"])
def test_env_input_with_hyphen_or_underscore(name: str) -> None:
    s = settings_of(env={name: "http://127.0.0.1:9/x/y/"})
    assert s.repository_url == "http://127.0.0.1:9/x/y/"


def test_flag_beats_environment_and_empty_means_unset() -> None:
    env = {"INPUT_PACKAGES-DIR": "from-env", "INPUT_USER": ""}
    s = settings_of(["--packages-dir", "from-flag"], env)
    assert s.packages_dir == Path("from-flag")


@pytest.mark.parametrize(("raw", "expected"), [("TRUE", True), ("yes", True), ("1", True),
                                                ("False", False), ("no", False), ("0", False)])
def test_booleans(raw: str, expected: bool) -> None:
    assert settings_of(env={"INPUT_DRY-RUN": raw}).dry_run is expected


def test_bad_boolean_names_the_input() -> None:
    with pytest.raises(InputError) as info:
        settings_of(["--verbose", "maybe"])
    assert "'verbose'" in info.value.message
    assert info.value.exit_code is ExitCode.INPUT


def test_unknown_policy_is_an_input_error() -> None:
    with pytest.raises(InputError, match="on-existing"):
        settings_of(["--on-existing", "replace"])


def test_skip_existing_alias() -> None:
    assert settings_of(["--skip-existing", "true"]).on_existing is OnExisting.SKIP
    with pytest.raises(InputError, match="contradict"):
        settings_of(["--skip-existing", "true", "--on-existing", "error"])


def test_overwrite_refused_for_pypi_up_front() -> None:
    with pytest.raises(InputError, match="never allows"):
        settings_of(["--on-existing", "overwrite"])
    with pytest.raises(InputError):
        settings_of(["--on-existing", "overwrite", "--repository-url",
                     "https://test.pypi.org/legacy/"])
    s = settings_of(["--on-existing", "overwrite", "--repository-url", "http://127.0.0.1:1/"])
    assert s.on_existing is OnExisting.OVERWRITE


def test_bad_url_and_simple_url_as_upload_url() -> None:
    with pytest.raises(InputError, match="http"):
        settings_of(["--repository-url", "ftp://x"])
    with pytest.raises(InputError, match="simple index"):
        settings_of(["--repository-url", "http://127.0.0.1:1/root/dev/+simple/"])


def test_unknown_inputs_warn_with_closest_name() -> None:
    parsed = parse([], {"INPUT_REPOSITORY_ULR": "x", "INPUT_PASSWORD": "p4ss"}, Redactor())
    assert len(parsed.warnings) == 1
    assert "INPUT_REPOSITORY_URL" in parsed.warnings[0]
    assert "repository-url" in parsed.warnings[0]


def test_passwords_are_registered_as_secrets() -> None:
    redactor = Redactor()
    parse(["--password", "s3cr3t-token", "--check-password", "r3ad-pass"], {}, redactor)
    assert redactor("a s3cr3t-token b r3ad-pass") == "a *** b ***"


def test_check_credentials_default_to_upload_user() -> None:
    s = settings_of(["--user", "u", "--password", "pw12", "--check-password", "rd12"])
    assert s.check_credentials is not None
    assert (s.check_credentials.username, s.check_credentials.password) == ("u", "rd12")
    assert s.check_credentials_explicit
    assert "pw12" not in repr(s)


def test_help_lists_every_input(capsys: pytest.CaptureFixture[str]) -> None:
    from publish_action.cli import main

    assert main(["--help"], {}) == 0
    out = capsys.readouterr().out
    for spec in INPUTS:
        assert f"--{spec.name}" in out


def test_credentials_in_the_url_become_basic_auth_on_the_bare_url() -> None:
    redactor = Redactor()
    parsed = parse(["--repository-url",
                    "https://oauth2accesstoken:ya29.tok3n@us-python.pkg.dev/p/r/"], {}, redactor)
    s = parsed.settings
    assert s.repository_url == "https://us-python.pkg.dev/p/r/"
    assert s.upload_credentials is not None
    assert s.upload_credentials.username == "oauth2accesstoken"
    assert redactor("ya29.tok3n") == "***"
    assert not parsed.warnings


def test_unusual_user_for_google_is_warned_up_front() -> None:
    parsed = parse(["--repository-url", "https://us-python.pkg.dev/p/r/", "--password", "tok3n"],
                   {}, Redactor())
    assert any("oauth2accesstoken" in w for w in parsed.warnings)


def test_values_that_start_with_a_dash_are_values() -> None:
    s = settings_of(["--password", "-starts-with-dash", "--user", "u"])
    assert s.upload_credentials is not None
    assert s.upload_credentials.password == "-starts-with-dash"


def test_unknown_flag_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unrecognized"):
        settings_of(["--repository", "x"])


def test_token_as_the_url_user_name() -> None:
    redactor = Redactor()
    parsed = parse(["--repository-url", "https://s3cr3tT0k@push.example/acme/"], {}, redactor)
    creds = parsed.settings.upload_credentials
    assert creds is not None and (creds.username, creds.password) == ("s3cr3tT0k", "")
    assert redactor("s3cr3tT0k") == "***"


def test_check_user_without_password_is_warned() -> None:
    parsed = parse(["--check-user", "reader"], {}, Redactor())
    assert any("check-user" in w for w in parsed.warnings)


def test_forced_attestations_without_trusted_publishing_is_refused_up_front() -> None:
    with pytest.raises(InputError, match="needs trusted publishing"):
        settings_of(["--attestations", "true", "--password", "pw-1234"])
    with pytest.raises(InputError, match="needs trusted publishing"):
        settings_of(["--attestations", "true", "--trusted-publishing", "never"])
    assert settings_of(["--attestations", "true"]).attestations is Attestations.TRUE


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "99999"])
def test_confirm_timeout_must_be_finite_and_bounded(value: str) -> None:
    with pytest.raises(InputError, match="confirm-timeout"):
        settings_of(["--confirm-timeout", value])
