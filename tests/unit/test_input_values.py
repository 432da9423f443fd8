"""input_values.py: booleans, choices, numbers and URLs read from raw inputs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from publish_action.errors import ExitCode, InputError
from publish_action.input_values import (
    as_bool,
    ca_bundle,
    choice,
    is_loopback,
    number,
    plain_http,
    same_host,
    split_userinfo,
    url,
)
from publish_action.settings import OnExisting
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


# -- the functions themselves ------------------------------------------------------------------


def test_as_bool_reads_six_spellings_in_any_case() -> None:
    for raw, value in (("TRUE", True), ("Yes", True), ("1", True), ("no", False), ("0", False)):
        assert as_bool({"x": raw}, "x") is value
    with pytest.raises(InputError, match="input 'x' must be true or false, not 'on'"):
        as_bool({"x": "on"}, "x")


def test_choice_and_number_name_what_is_allowed() -> None:
    assert choice({"p": "SKIP"}, "p", OnExisting) is OnExisting.SKIP
    with pytest.raises(InputError) as caught:
        choice({"p": "ignore"}, "p", OnExisting)
    assert caught.value.message == (
        "input 'p' must be one of skip-identical, error, skip, overwrite, not 'ignore'"
    )
    assert number({"n": "2.5"}, "n", float, 0, 10) == 2.5
    for raw, why in (("x", "a number"), ("nan", "from 0 to 10"), ("11", "from 0 to 10")):
        with pytest.raises(InputError, match=why):
            number({"n": raw}, "n", float, 0, 10)


def test_url_gets_its_slash_and_refuses_what_is_not_an_http_url() -> None:
    assert url({"u": "https://h/legacy"}, "u") == "https://h/legacy/"
    for raw, why in (
        ("ftp://h/", "must be an http(s) URL"),
        ("https:///x", "must be an http(s) URL"),
        ("https://h/a b", "contains whitespace"),
        ("https://h:99999/", "has an invalid port '99999'"),
    ):
        with pytest.raises(InputError, match=re.escape(why)):
            url({"u": raw}, "u")


def test_plain_http_is_refused_only_with_credentials_to_another_machine() -> None:
    assert is_loopback("http://127.0.0.5/") and is_loopback("http://app.localhost/")
    assert is_loopback("http://[::1]:8080/") and not is_loopback("http://10.0.0.1/")
    warnings: list[str] = []
    plain_http("u", "http://127.0.0.1/", True, False, warnings)  # this machine
    plain_http("u", "https://index.example/", True, False, warnings)  # encrypted
    plain_http("u", "http://index.example/", False, False, warnings)  # nothing to read
    assert warnings == []
    with pytest.raises(InputError, match=re.escape("plain http:// to index.example")):
        plain_http("u", "http://index.example/", True, False, warnings)
    plain_http("u", "http://index.example/", True, True, warnings)
    assert len(warnings) == 1 and "anyone on the network path can read them" in warnings[0]


def test_userinfo_is_split_off_decoded_and_hidden(tmp_path: Path) -> None:
    bare, user, password = split_userinfo("https://me%40corp:p%3Ass@h.example/simple/")
    assert (user, password) == ("me@corp", "p:ss") and "p%3Ass" not in bare
    assert split_userinfo("https://h.example/") == ("https://h.example/", "", "")
    assert same_host("https://H.example:1/a", "http://h.example/b")
    assert not same_host("https://a.example/", "https://b.example/")
    assert ca_bundle("") is None
    pem = tmp_path / "ca.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\n")
    assert ca_bundle(str(pem)) == pem
    with pytest.raises(InputError, match="is not a file"):
        ca_bundle(str(tmp_path / "missing.pem"))
