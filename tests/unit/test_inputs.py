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
    # print-hash off, as upstream: pypa/gh-action-pypi-publish action.yml gives `print_hash`
    # "default: 'false'" (and `print-hash` the same, commented out until the alias goes).
    assert (s.dry_run, s.verify_metadata, s.print_hash, s.verbose, s.confirm) == (
        False,
        True,
        False,
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


def test_an_unknown_input_variable_is_an_input_error_naming_the_closest_input() -> None:
    """A typo of `repository-url` would otherwise publish to PyPI."""
    with pytest.raises(InputError) as caught:
        parse([], {"INPUT_REPOSITORY_ULR": "x", "INPUT_PASSWORD": "p4ss"}, Redactor())
    assert caught.value.exit_code == 2
    text = caught.value.render()
    assert "unknown input INPUT_REPOSITORY_ULR" in text
    assert "did you mean INPUT_REPOSITORY_URL (input 'repository-url')?" in text


def test_an_unknown_input_far_from_every_name_still_stops_the_run() -> None:
    with pytest.raises(InputError, match="unknown input INPUT_ZZZ") as caught:
        parse([], {"INPUT_ZZZ": ""}, Redactor())
    assert "see --help for every input" in caught.value.render()


def test_a_typo_of_a_deprecated_name_points_to_it() -> None:
    with pytest.raises(InputError) as caught:
        parse([], {"INPUT_DEPRECATED_SKIP_EXISTNG": "true"}, Redactor())
    assert "(input 'skip_existing')" in caught.value.render()


def test_every_variable_action_yml_and_github_pass_is_known() -> None:
    """action.yml's env (underscore forms, the deprecated names') and a container action's
    INPUT_<NAME> with the hyphen kept: none of them may count as unknown."""
    environ = {name: "" for spec in INPUTS for name in spec.env_names}
    environ |= {spec.deprecated_env_name: "" for spec in INPUTS if spec.deprecated}
    assert parse([], environ, Redactor()).settings.repository_url.startswith("https://upload")


UPSTREAM_DEPRECATED = {
    "repository_url": "repository-url",
    "packages_dir": "packages-dir",
    "skip_existing": "skip-existing",
    "verify_metadata": "verify-metadata",
    "print_hash": "print-hash",
}


def test_the_deprecated_names_are_gh_action_pypi_publish_s() -> None:
    assert {s.deprecated: s.name for s in INPUTS if s.deprecated} == UPSTREAM_DEPRECATED


def test_a_deprecated_name_sets_its_input() -> None:
    env = {
        "INPUT_DEPRECATED_REPOSITORY_URL": "https://test.pypi.org/legacy/",
        "INPUT_DEPRECATED_PACKAGES_DIR": "wheelhouse",
        "INPUT_DEPRECATED_SKIP_EXISTING": "true",
        "INPUT_DEPRECATED_VERIFY_METADATA": "false",
        "INPUT_DEPRECATED_PRINT_HASH": "false",
        # what action.yml passes for the canonical names the step leaves out: their defaults
        "INPUT_REPOSITORY_URL": "https://upload.pypi.org/legacy/",
        "INPUT_PACKAGES_DIR": "dist",
    }
    parsed = parse([], env, Redactor())
    s = parsed.settings
    assert s.repository_url == "https://test.pypi.org/legacy/"
    assert s.index_url == "https://test.pypi.org/simple/"
    assert s.packages_dir == Path("wheelhouse")
    assert s.on_existing is OnExisting.SKIP
    assert (s.verify_metadata, s.print_hash) == (False, False)
    assert (
        "repository-url: from input 'repository_url' (deprecated: use 'repository-url')"
        in parsed.sources
    )


def test_the_canonical_name_wins_when_both_agree_and_both_differing_is_an_error() -> None:
    same = {
        "INPUT_PACKAGES_DIR": "out",
        "INPUT_DEPRECATED_PACKAGES_DIR": "out",
    }
    assert parse([], same, Redactor()).settings.packages_dir == Path("out")
    differ = {
        "INPUT_REPOSITORY_URL": "http://127.0.0.1:9/a/",
        "INPUT_DEPRECATED_REPOSITORY_URL": "https://test.pypi.org/legacy/",
    }
    with pytest.raises(InputError) as caught:
        parse([], differ, Redactor())
    text = caught.value.render()
    assert "'repository-url' and its deprecated name 'repository_url' give different" in text
    assert "keep 'repository-url' only" in text


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
        settings_of(["--repo", "x"])


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


# -- twine's and uv's habits (issue 13) -------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        # twine upload
        ["upload", "--repository-url", "http://127.0.0.1:9/", "-u", "bob", "-p", "pw-1234"],
        ["--repository-url=http://127.0.0.1:9/", "--username", "bob", "--password", "pw-1234"],
        # uv publish
        ["publish", "--publish-url", "http://127.0.0.1:9/", "--username", "bob", "-p", "pw-1234"],
    ],
)
def test_twine_and_uv_spellings_are_aliases(argv: list[str]) -> None:
    s = settings_of(argv)
    assert s.repository_url == "http://127.0.0.1:9/"
    assert s.upload_credentials is not None
    assert (s.upload_credentials.username, s.upload_credentials.password) == ("bob", "pw-1234")


def test_uv_check_url_is_the_index_url() -> None:
    s = settings_of(
        ["--publish-url", "http://127.0.0.1:9/u/", "--check-url", "http://127.0.0.1:9/s/"]
    )
    assert s.index_url == "http://127.0.0.1:9/s/"


@pytest.mark.parametrize("flag", ["-t", "--token"])
def test_uv_token_is_the_password_with_the_user_token(flag: str) -> None:
    parsed = parse([flag, "pypi-t0ken-value"], {}, Redactor())
    creds = parsed.settings.upload_credentials
    assert creds is not None and (creds.username, creds.password) == (
        "__token__",
        "pypi-t0ken-value",
    )
    [warning] = [w for w in parsed.warnings if "command line" in w]
    assert warning.startswith(f"{flag} was given on the command line")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-t", "pypi-tok", "-p", "pw-1234"], "both give the password"),
        (["-t", "pypi-tok", "-u", "alice"], "means the user __token__"),
    ],
)
def test_a_token_beside_a_password_or_another_user_is_refused(
    argv: list[str], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        settings_of(argv)
    assert settings_of(["-t", "pypi-tok", "-u", "__token__"]).upload_credentials is not None


@pytest.mark.parametrize("flag", ["--dry-run", "--verbose", "-v", "--skip-existing", "--confirm"])
def test_a_boolean_flag_alone_means_true(flag: str, tmp_path: Path) -> None:
    wheel = tmp_path / "a-1.0-py3-none-any.whl"
    wheel.write_bytes(b"x")
    for argv in ([flag], [flag, str(wheel)], [str(wheel), flag]):
        s = parse(argv, {}, Redactor(), cwd=tmp_path).settings
        name = {"-v": "verbose", "--skip-existing": "on_existing"}.get(
            flag, flag[2:].replace("-", "_")
        )
        value = getattr(s, name)
        assert value is True or value is OnExisting.SKIP, (argv, value)


def test_a_boolean_flag_still_takes_a_value() -> None:
    assert settings_of(["--dry-run", "true"]).dry_run is True
    assert settings_of(["--dry-run", "false", "--verify-metadata", "no"]).dry_run is False
    assert settings_of(["--verify-metadata", "no"]).verify_metadata is False
    with pytest.raises(InputError, match="'verbose' must be true or false"):
        settings_of(["--verbose", "maybe"])


def test_inputs_that_are_not_booleans_still_take_a_dashed_value() -> None:
    s = settings_of(["-p", "-dash-pw", "--user", "-u-"])
    assert s.upload_credentials is not None
    assert (s.upload_credentials.username, s.upload_credentials.password) == ("-u-", "-dash-pw")


def test_uv_trusted_publishing_automatic_is_auto() -> None:
    assert settings_of(["--trusted-publishing", "automatic"]).trusted_publishing is (
        TrustedPublishing.AUTO
    )


def test_twine_no_op_flags_are_accepted() -> None:
    assert settings_of(["--non-interactive", "--disable-progress-bar"]).dry_run is False


def test_files_as_arguments_reach_the_settings_frozen(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    for name in ("a-1.0-py3-none-any.whl", "a-1.0.tar.gz"):
        (dist / name).write_bytes(b"x")
    parsed = parse(["upload", "--skip-existing", "dist/*"], {}, Redactor(), cwd=tmp_path)
    assert parsed.settings.files == (dist / "a-1.0-py3-none-any.whl", dist / "a-1.0.tar.gz")
    assert isinstance(parsed.settings.files, tuple)
    assert "files: 2 from the command line" in parsed.sources
    assert settings_of().files == ()
    with pytest.raises(InputError, match="no file matches it"):
        parse(["dist/*.zip"], {}, Redactor(), cwd=tmp_path)


def test_an_input_holding_its_default_lets_a_lower_source_decide() -> None:
    # The runner passes `repository-url`'s default with `repository: testpypi`.
    env = {
        "INPUT_REPOSITORY_URL": "https://upload.pypi.org/legacy/",
        "INPUT_REPOSITORY": "testpypi",
        "INPUT_USER": "__token__",
        "TWINE_USERNAME": "alice",
    }
    parsed = parse([], {**env, "INPUT_PASSWORD": "pw-1234"}, Redactor())
    assert parsed.settings.repository_url == "https://test.pypi.org/legacy/"
    assert parsed.settings.upload_credentials is not None
    assert parsed.settings.upload_credentials.username == "alice"
    assert "repository-url: from the built-in name testpypi" in parsed.sources
    assert "user: from TWINE_USERNAME" in parsed.sources


def test_an_input_beats_the_variables_and_a_flag_beats_the_input() -> None:
    env = {
        "TWINE_REPOSITORY_URL": "http://127.0.0.1:1/",
        "INPUT_REPOSITORY_URL": "http://127.0.0.1:2/",
    }
    assert settings_of([], env).repository_url == "http://127.0.0.1:2/"
    assert settings_of(["--repository-url", "http://127.0.0.1:3/"], env).repository_url == (
        "http://127.0.0.1:3/"
    )
    del env["INPUT_REPOSITORY_URL"]
    assert settings_of([], env).repository_url == "http://127.0.0.1:1/"


def test_secrets_of_the_variables_are_registered_and_checked_for_whitespace() -> None:
    redactor = Redactor()
    parsed = parse([], {"UV_PUBLISH_TOKEN": "pypi-uv-token\n"}, redactor)
    assert redactor("[pypi-uv-token\n]") == "[***]"
    assert any("begins or ends with whitespace" in w for w in parsed.warnings)
    assert not any("command line" in w for w in parsed.warnings)


def test_the_help_lists_the_aliases_and_files(capsys: pytest.CaptureFixture[str]) -> None:
    from publish_action.cli import main

    assert main(["--help"], {}) == 0
    out = capsys.readouterr().out
    for option in (
        "-r",
        "--index",
        "--publish-url",
        "--check-url",
        "-u",
        "--username",
        "-t",
        "--token",
        "--config-file",
        "--non-interactive",
        "FILE",
    ):
        assert option in out, option


def test_an_invalid_value_from_a_variable_or_a_file_says_where_it_came_from(
    tmp_path: Path,
) -> None:
    with pytest.raises(InputError) as info:
        parse([], {"TWINE_CERT": str(tmp_path / "missing.pem")}, Redactor())
    assert info.value.details == ("'cert' came from TWINE_CERT",)
    (tmp_path / ".pypirc").write_text(
        "[distutils]\nindex-servers = bad\n[bad]\nrepository = ftp://x/\n", encoding="utf-8"
    )
    with pytest.raises(InputError) as info:
        parse(["-r", "bad"], {"HOME": str(tmp_path)}, Redactor())
    assert "'repository-url' came from ~/.pypirc [bad]" in info.value.details
    with pytest.raises(InputError) as info:
        parse(["--cert", str(tmp_path / "missing.pem")], {}, Redactor())
    assert info.value.details == ()  # given where the user looks: nothing to add
