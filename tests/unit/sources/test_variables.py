"""sources/variables.py: twine's and uv's variables, ranked equal, agreeing or refused."""

from __future__ import annotations

import pytest

from publish_action.errors import ExitCode, InputError
from publish_action.redaction import Redactor
from publish_action.sources.layers import Level
from publish_action.sources.variables import NAMES, read_variables


def values(environ: dict[str, str]) -> dict[str, tuple[str, str]]:
    return {k: (g.value, g.source) for k, g in read_variables(environ, Redactor()).items()}


def test_every_twine_variable_gives_its_setting() -> None:
    assert values(
        {
            "TWINE_REPOSITORY_URL": "https://test.pypi.org/legacy/",
            "TWINE_REPOSITORY": "testpypi",
            "TWINE_USERNAME": "__token__",
            "TWINE_PASSWORD": "pypi-tok3n",
            "TWINE_CERT": " /etc/ca.pem ",
        }
    ) == {
        "repository-url": ("https://test.pypi.org/legacy/", "TWINE_REPOSITORY_URL"),
        "repository": ("testpypi", "TWINE_REPOSITORY"),
        "user": ("__token__", "TWINE_USERNAME"),
        "password": ("pypi-tok3n", "TWINE_PASSWORD"),
        "cert": ("/etc/ca.pem", "TWINE_CERT"),
    }


def test_every_uv_variable_gives_its_setting() -> None:
    assert values(
        {
            "UV_PUBLISH_URL": "https://upload.example/",
            "UV_PUBLISH_CHECK_URL": "https://read.example/simple/",
            "UV_PUBLISH_INDEX": "private",
            "UV_PUBLISH_USERNAME": "ci",
            "UV_PUBLISH_PASSWORD": "pw-1234",
        }
    ) == {
        "repository-url": ("https://upload.example/", "UV_PUBLISH_URL"),
        "index-url": ("https://read.example/simple/", "UV_PUBLISH_CHECK_URL"),
        "repository": ("private", "UV_PUBLISH_INDEX"),
        "user": ("ci", "UV_PUBLISH_USERNAME"),
        "password": ("pw-1234", "UV_PUBLISH_PASSWORD"),
    }


def test_the_uv_token_is_the_password_with_the_user_token() -> None:
    assert values({"UV_PUBLISH_TOKEN": "pypi-abcd"}) == {
        "user": ("__token__", "UV_PUBLISH_TOKEN"),
        "password": ("pypi-abcd", "UV_PUBLISH_TOKEN"),
    }


def test_every_value_is_at_the_variable_level_and_empty_means_unset() -> None:
    given = read_variables({"TWINE_USERNAME": "u", "TWINE_PASSWORD": "  ", "X": "y"}, Redactor())
    assert list(given) == ["user"]
    assert given["user"].level is Level.VARIABLE


def test_secrets_are_registered_as_read_even_when_unused() -> None:
    redactor = Redactor()
    # The token and the password disagree, so the read stops; both were registered first.
    with pytest.raises(InputError):
        read_variables({"TWINE_PASSWORD": "tw-s3cret", "UV_PUBLISH_TOKEN": "uv-t0ken"}, redactor)
    assert redactor("tw-s3cret uv-t0ken") == "*** ***"


def test_agreeing_values_from_both_tools_are_fine_and_both_are_named() -> None:
    given = values(
        {
            "TWINE_PASSWORD": "same-pw",
            "UV_PUBLISH_PASSWORD": "same-pw",
            "TWINE_REPOSITORY_URL": "https://u.example/legacy",
            "UV_PUBLISH_URL": "https://u.example/legacy/",
        }
    )
    assert given["password"] == ("same-pw", "TWINE_PASSWORD and UV_PUBLISH_PASSWORD")
    assert given["repository-url"][1] == "TWINE_REPOSITORY_URL and UV_PUBLISH_URL"


def test_disagreeing_values_stop_the_run_naming_the_variables_not_the_secrets() -> None:
    with pytest.raises(InputError) as info:
        read_variables(
            {
                "TWINE_PASSWORD": "tw-s3cret",
                "UV_PUBLISH_PASSWORD": "uv-s3cret",
                "TWINE_REPOSITORY_URL": "https://test.pypi.org/legacy/",
                "UV_PUBLISH_URL": "https://upload.pypi.org/legacy/",
            },
            Redactor(),
        )
    error = info.value
    assert error.exit_code is ExitCode.INPUT
    text = error.render()
    assert "TWINE_PASSWORD, UV_PUBLISH_PASSWORD (values not shown)" in text
    assert "TWINE_REPOSITORY_URL=https://test.pypi.org/legacy/" in text
    assert "UV_PUBLISH_URL=https://upload.pypi.org/legacy/" in text
    assert "s3cret" not in text


def test_a_token_and_another_user_disagree() -> None:
    with pytest.raises(InputError, match="'user' is given twice"):
        read_variables({"UV_PUBLISH_TOKEN": "pypi-abcd", "TWINE_USERNAME": "alice"}, Redactor())


def test_the_names_read_are_exactly_the_documented_ones() -> None:
    assert sorted(NAMES) == sorted(
        [
            "TWINE_USERNAME",
            "TWINE_PASSWORD",
            "TWINE_REPOSITORY_URL",
            "TWINE_REPOSITORY",
            "TWINE_CERT",
            "UV_PUBLISH_URL",
            "UV_PUBLISH_USERNAME",
            "UV_PUBLISH_PASSWORD",
            "UV_PUBLISH_TOKEN",
            "UV_PUBLISH_CHECK_URL",
            "UV_PUBLISH_INDEX",
        ]
    )
