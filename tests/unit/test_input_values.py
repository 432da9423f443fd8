"""input_values.py: booleans, choices, numbers and URLs read from raw inputs."""

from __future__ import annotations

import pytest

from publish_action.errors import ExitCode, InputError
from tests.unit.input_helpers import settings_of


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


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "99999"])
def test_confirm_timeout_must_be_finite_and_bounded(value: str) -> None:
    with pytest.raises(InputError, match="confirm-timeout"):
        settings_of(["--confirm-timeout", value])


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
