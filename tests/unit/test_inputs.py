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
        False,
        True,
        True,
        False,
        True,
    )
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


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("TRUE", True), ("yes", True), ("1", True), ("False", False), ("no", False), ("0", False)],
)
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
        settings_of(
            ["--on-existing", "overwrite", "--repository-url", "https://test.pypi.org/legacy/"]
        )
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
    parsed = parse(
        ["--repository-url", "https://oauth2accesstoken:ya29.tok3n@us-python.pkg.dev/p/r/"],
        {},
        redactor,
    )
    s = parsed.settings
    assert s.repository_url == "https://us-python.pkg.dev/p/r/"
    assert s.upload_credentials is not None
    assert s.upload_credentials.username == "oauth2accesstoken"
    assert redactor("ya29.tok3n") == "***"
    assert not parsed.warnings


def test_unusual_user_for_google_is_warned_up_front() -> None:
    parsed = parse(
        ["--repository-url", "https://us-python.pkg.dev/p/r/", "--password", "tok3n"],
        {},
        Redactor(),
    )
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


# -- issue 10: bad URLs are input errors, secrets are taken as given and kept out of sight ---


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://upload.example:99999/legacy/", "invalid port '99999'"),
        ("https://upload.example:abc/legacy/", "invalid port 'abc'"),
        ("https://upload.example/leg acy/", "contains whitespace"),
        ("https://upload.example/legacy/\n", None),  # trailing whitespace is trimmed, inner is not
        ("https://upload.exa\tmple/legacy/", "contains whitespace"),
    ],
)
def test_bad_ports_and_whitespace_in_urls_are_input_errors(url: str, why: str | None) -> None:
    if why is None:
        assert settings_of(env={"INPUT_REPOSITORY_URL": url}).repository_url == url.strip()
        return
    with pytest.raises(InputError, match=why) as info:
        settings_of(env={"INPUT_REPOSITORY_URL": url})
    assert info.value.exit_code is ExitCode.INPUT


def test_passwords_are_taken_byte_for_byte_with_a_warning_for_edge_whitespace() -> None:
    parsed = parse([], {"INPUT_PASSWORD": " pypi-token\n"}, Redactor())
    assert parsed.settings.upload_credentials is not None
    assert parsed.settings.upload_credentials.password == " pypi-token\n"
    assert any("begins or ends with whitespace" in w for w in parsed.warnings)


def test_a_secret_on_the_command_line_is_warned_about() -> None:
    parsed = parse(["--password", "pypi-secret-value"], {}, Redactor())
    [warning] = [w for w in parsed.warnings if "command line" in w]
    assert "INPUT_PASSWORD" in warning and "pypi-secret-value" not in warning
    quiet = parse([], {"INPUT_PASSWORD": "pypi-secret-value"}, Redactor())
    assert not any("command line" in w for w in quiet.warnings)


def test_credentials_over_plain_http_to_another_host_are_refused_unless_allowed() -> None:
    env = {"INPUT_REPOSITORY_URL": "http://devpi.internal:3141/u/i/", "INPUT_PASSWORD": "pw-1234"}
    with pytest.raises(InputError) as info:
        settings_of(env=env)
    # Both URLs at once: the upload, and the check URL derived on the same host.
    assert info.value.message == "2 inputs are invalid"
    assert any(
        "'repository-url' is plain http:// to devpi.internal" in d for d in info.value.details
    )
    assert any("'index-url' is plain http://" in d for d in info.value.details)
    assert all("allow-insecure-http" in d for d in info.value.details)
    allowed = parse([], {**env, "INPUT_ALLOW_INSECURE_HTTP": "true"}, Redactor())
    assert allowed.settings.allow_insecure_http
    assert any("over plain http" in w for w in allowed.warnings)
    # No credentials, or this machine: nothing to protect on the way.
    assert settings_of(env={"INPUT_REPOSITORY_URL": "http://devpi.internal:3141/u/i/"})
    for local in ("http://127.0.0.1:3141/u/i/", "http://localhost:8080/", "http://[::1]:8080/"):
        assert settings_of(env={"INPUT_REPOSITORY_URL": local, "INPUT_PASSWORD": "pw-1234"})
    with pytest.raises(InputError, match="index-url"):
        settings_of(
            env={
                "INPUT_REPOSITORY_URL": "https://upload.example/legacy/",
                "INPUT_INDEX_URL": "http://reader:pw-5678@mirror.internal/simple/",
            }
        )


def test_credentials_in_index_url_are_check_credentials_and_secrets() -> None:
    redactor = Redactor()
    parsed = parse(
        [],
        {
            "INPUT_REPOSITORY_URL": "https://upload.example/legacy/",
            "INPUT_INDEX_URL": "https://reader:r%40d-pw@read.example/simple/",
        },
        redactor,
    )
    settings = parsed.settings
    assert settings.index_url == "https://read.example/simple/"
    assert settings.check_credentials is not None
    assert (settings.check_credentials.username, settings.check_credentials.password) == (
        "reader",
        "r@d-pw",
    )
    assert settings.check_credentials_explicit
    assert redactor("echo r@d-pw and r%40d-pw") == "echo *** and ***"


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [
        ("timeout", "0", "must be from 1"),
        ("deadline", "nope", "must be a number"),
        ("cert", "/nonexistent/ca.pem", "is not a file"),
    ],
)
def test_new_bounds_inputs_are_checked(name: str, value: str, why: str) -> None:
    with pytest.raises(InputError, match=why):
        settings_of([f"--{name}", value])


def test_timeout_deadline_and_cert_reach_the_settings(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    s = settings_of(["--timeout", "12", "--deadline", "600", "--cert", str(bundle)])
    assert (s.timeout, s.deadline, s.ca_bundle) == (12.0, 600.0, bundle)
    assert (settings_of().timeout, settings_of().deadline) == (30.0, 3600.0)
