"""configure.py: raw input values made into one `Settings`, every problem in one error."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish_action.errors import InputError
from publish_action.inputs import parse
from publish_action.redaction import Redactor
from publish_action.settings import Attestations, OnExisting
from tests.unit.input_helpers import settings_of


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


def test_check_credentials_default_to_upload_user() -> None:
    s = settings_of(["--user", "u", "--password", "pw12", "--check-password", "rd12"])
    assert s.check_credentials is not None
    assert (s.check_credentials.username, s.check_credentials.password) == ("u", "rd12")
    assert s.check_credentials_explicit
    assert "pw12" not in repr(s)


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


def test_token_as_the_url_user_name() -> None:
    redactor = Redactor()
    parsed = parse(["--repository-url", "https://s3cr3tT0k@push.example/acme/"], {}, redactor)
    creds = parsed.settings.upload_credentials
    assert creds is not None and (creds.username, creds.password) == ("s3cr3tT0k", "")
    assert redactor("s3cr3tT0k") == "***"


def test_check_user_without_password_is_warned() -> None:
    parsed = parse(["--check-user", "reader"], {}, Redactor())
    assert any("check-user" in w for w in parsed.warnings)


def test_forced_attestations_with_a_password_are_accepted_as_upstream_accepts_them() -> None:
    """gh-action-pypi-publish's `attestations` defaults to true and a token run goes on:
    the same workflow must not stop here (the run notes that nothing is signed)."""
    with_password = settings_of(["--attestations", "true", "--password", "pw-1234"])
    assert with_password.attestations is Attestations.TRUE
    never = settings_of(["--attestations", "true", "--trusted-publishing", "never"])
    assert never.attestations is Attestations.TRUE


def test_credentials_over_plain_http_to_another_host_are_refused_unless_allowed() -> None:
    env = {
        "INPUT_REPOSITORY_URL": "http://nexus.internal:8081/repository/pypi-hosted/",
        "INPUT_PASSWORD": "pw-1234",
    }
    with pytest.raises(InputError) as info:
        settings_of(env=env)
    # Both URLs at once: the upload, and the check URL derived on the same host.
    assert info.value.message == "2 inputs are invalid"
    assert any(
        "'repository-url' is plain http:// to nexus.internal" in d for d in info.value.details
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


def test_timeout_deadline_and_cert_reach_the_settings(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    s = settings_of(["--timeout", "12", "--deadline", "600", "--cert", str(bundle)])
    assert (s.timeout, s.deadline, s.ca_bundle) == (12.0, 600.0, bundle)
    assert (settings_of().timeout, settings_of().deadline) == (30.0, 3600.0)


# -- the index's conventions, said before anything is sent (issue 12) -------------------------


def warnings_of(argv: list[str], password: str = "") -> tuple[str, ...]:
    env = {"INPUT_PASSWORD": password} if password else {}
    return parse(argv, env, Redactor()).warnings


def test_a_user_name_the_index_refuses_is_warned_about_up_front() -> None:
    """JFrog answers 401 to '__token__' (uv's JFrog guide; notes §5)."""
    url = "https://acme.jfrog.io/artifactory/api/pypi/pypi-local"
    [warning] = warnings_of(["--repository-url", url], password="tok-123")
    assert "user '__token__' is likely to be refused by Artifactory" in warning
    assert "empty user name with an access token" in warning
    assert warnings_of(["--repository-url", url, "--user", "alice"], password="tok-123") == ()


def test_a_user_name_against_an_exact_convention_is_warned_about() -> None:
    url = "https://d-1.d.codeartifact.eu-west-1.amazonaws.com/pypi/repo/"
    [warning] = warnings_of(["--repository-url", url, "--user", "admin"], password="t-1")
    assert "user 'admin' is unusual for AWS CodeArtifact: it expects user 'aws'" in warning


def test_a_gitlab_group_url_cannot_take_uploads() -> None:
    url = "https://gitlab.example.com/api/v4/groups/7/-/packages/pypi"
    with pytest.raises(InputError) as info:
        settings_of(["--repository-url", url, "--password", "t-1"])
    assert "cannot take uploads" in info.value.message
    assert "/api/v4/projects/<id>/packages/pypi" in info.value.advice


def test_a_gemfury_push_token_as_the_user_name_is_sent_and_redacted() -> None:
    """Gemfury: the push token is the user name, the password empty (notes §1/§5)."""
    redactor = Redactor()
    parsed = parse(
        ["--repository-url", "https://push.fury.io/acme/", "--user", "push-Tk3secret"],
        {},
        redactor,
    )
    credentials = parsed.settings.upload_credentials
    assert credentials is not None and credentials.username == "push-Tk3secret"
    assert credentials.password == ""
    assert "push-Tk3secret" not in redactor("sent push-Tk3secret")
    assert credentials.describe() == "a token given as the user name"


def test_max_file_size_takes_units() -> None:
    assert settings_of(["--max-file-size", "250MB"]).max_file_size == 250_000_000
    assert settings_of(["--max-file-size", "1GiB"]).max_file_size == 2**30
    assert settings_of([]).max_file_size is None
    with pytest.raises(InputError, match="250MB"):
        settings_of(["--max-file-size", "big"])


def test_forced_attestations_with_credentials_are_for_attestation_files_in_packages_dir(
    tmp_path: Path,
) -> None:
    """Those can go to an index that takes them from any user: whether every file has one is
    decided once the uploads are known (attestations/prepare.py). Without any, the run goes
    on too, as gh-action-pypi-publish's does (a note says nothing is signed)."""
    argv = ["--attestations", "true", "--password", "pw-1234", "--packages-dir", str(tmp_path)]
    assert settings_of(argv).attestations is Attestations.TRUE
    (tmp_path / "pkg-1.0.tar.gz.publish.attestation").write_text("{}")
    assert settings_of(argv).attestations is Attestations.TRUE


def test_problems_found_reading_the_sources_come_in_the_same_one_error() -> None:
    env = {"TWINE_PASSWORD": "tw-pw-1", "UV_PUBLISH_PASSWORD": "uv-pw-2"}
    with pytest.raises(InputError) as info:
        parse(["--retries", "many", "-r", "nowhere"], env, Redactor())
    error = info.value
    assert error.message == "3 inputs are invalid"
    assert [d.split(" ")[0] for d in error.details] == ["'password'", "repository", "input"]
    assert "tw-pw-1" not in error.render() and "uv-pw-2" not in error.render()


def test_files_are_kept_in_the_settings_in_the_order_given(tmp_path: Path) -> None:
    from publish_action.ci import CiEnvironment
    from publish_action.configure import configure
    from publish_action.inputs import INPUTS

    raw = {spec.name: spec.default for spec in INPUTS}
    files = [tmp_path / "b-1.0.tar.gz", tmp_path / "a-1.0.tar.gz"]
    settings, _, _ = configure(raw, CiEnvironment.read({}), Redactor(), files=files)
    assert settings.files == tuple(files)
    assert settings.packages_dir == Path("dist")  # kept; unused while files are given
