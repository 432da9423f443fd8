from __future__ import annotations

from publish_action.redaction import Redactor, display_url


def test_redacts_registered_secrets_longest_first() -> None:
    r = Redactor()
    r.add("abcd")
    r.add("abcdef")
    assert r("x abcdef y abcd") == "x *** y ***"


def test_ignores_trivially_short_values() -> None:
    r = Redactor()
    r.add("ab")
    r.add("")
    r.add(None)
    assert r("ab") == "ab"


def test_listener_sees_existing_and_future_secrets() -> None:
    r = Redactor()
    r.add("first-secret")
    seen: list[str] = []
    r.on_new_secret(seen.append)
    r.add("second-secret")
    r.add("second-secret")
    assert seen == ["first-secret", "second-secret"]


def test_url_passwords_are_stripped() -> None:
    r = Redactor()
    assert r("see https://bob:hunter2@host/x") == "see https://***@host/x"
    assert r("token https://t0k3n@push.example/acme/") == "token https://***@push.example/acme/"
    assert display_url("https://bob:hunter2@host/x/") == "https://host/x/"
    assert display_url("https://host/x/") == "https://host/x/"


def test_basic_auth_header_value_is_a_secret_too() -> None:
    import base64

    r = Redactor()
    r.add_credentials("__token__", "pypi-AgEIcHlwaS5vcmc")
    header = base64.b64encode(b"__token__:pypi-AgEIcHlwaS5vcmc").decode()
    assert r(f"echo: Authorization: Basic {header}") == "echo: Authorization: Basic ***"
