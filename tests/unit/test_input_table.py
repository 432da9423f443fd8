"""`input_table`: the one table of inputs."""

from __future__ import annotations

from publish_action.input_table import DEFAULT_REPOSITORY_URL, INPUTS, InputSpec


def test_names_are_unique_kebab_case_and_documented() -> None:
    names = [spec.name for spec in INPUTS]
    assert len(names) == len(set(names))
    for spec in INPUTS:
        assert spec.name == spec.name.lower() and "_" not in spec.name, spec.name
        assert len(spec.help) > 15, spec.name


def test_each_input_is_read_from_both_spellings_of_its_variable() -> None:
    spec = InputSpec("repository-url", "", "upload endpoint")
    assert spec.env_names == ("INPUT_REPOSITORY-URL", "INPUT_REPOSITORY_URL")


def test_deprecated_names_are_upstreams_snake_case_and_get_their_own_variable() -> None:
    deprecated = {spec.name: spec.deprecated for spec in INPUTS if spec.deprecated}
    # pypa/gh-action-pypi-publish action.yml: the five inputs it still accepts in snake_case.
    assert deprecated == {
        "repository-url": "repository_url",
        "packages-dir": "packages_dir",
        "skip-existing": "skip_existing",
        "verify-metadata": "verify_metadata",
        "print-hash": "print_hash",
    }
    by_name = {spec.name: spec for spec in INPUTS}
    assert by_name["repository-url"].deprecated_env_name == "INPUT_DEPRECATED_REPOSITORY_URL"
    assert by_name["user"].deprecated_env_name == ""  # no old name, no variable


def test_only_passwords_are_secret_and_pypi_is_the_default_target() -> None:
    assert {spec.name for spec in INPUTS if spec.secret} == {"password", "check-password"}
    assert dict((s.name, s.default) for s in INPUTS)["repository-url"] == DEFAULT_REPOSITORY_URL
    assert DEFAULT_REPOSITORY_URL == "https://upload.pypi.org/legacy/"
