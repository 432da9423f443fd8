from __future__ import annotations

from pathlib import Path

import pytest

from publish_action.errors import InputError
from publish_action.inputs import INPUTS, parse
from publish_action.redaction import Redactor
from publish_action.settings import Attestations, OnExisting, TrustedPublishing
from tests.unit.input_helpers import settings_of


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


def test_unknown_inputs_warn_with_closest_name() -> None:
    parsed = parse([], {"INPUT_REPOSITORY_ULR": "x", "INPUT_PASSWORD": "p4ss"}, Redactor())
    assert len(parsed.warnings) == 1
    assert "INPUT_REPOSITORY_URL" in parsed.warnings[0]
    assert "repository-url" in parsed.warnings[0]


def test_passwords_are_registered_as_secrets() -> None:
    redactor = Redactor()
    parse(["--password", "s3cr3t-token", "--check-password", "r3ad-pass"], {}, redactor)
    assert redactor("a s3cr3t-token b r3ad-pass") == "a *** b ***"


def test_help_lists_every_input(capsys: pytest.CaptureFixture[str]) -> None:
    from publish_action.cli import main

    assert main(["--help"], {}) == 0
    out = capsys.readouterr().out
    for spec in INPUTS:
        assert f"--{spec.name}" in out


def test_values_that_start_with_a_dash_are_values() -> None:
    s = settings_of(["--password", "-starts-with-dash", "--user", "u"])
    assert s.upload_credentials is not None
    assert s.upload_credentials.password == "-starts-with-dash"


def test_unknown_flag_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unrecognized"):
        settings_of(["--repository", "x"])


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
