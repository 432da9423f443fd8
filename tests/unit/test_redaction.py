from __future__ import annotations

import html
import re
from urllib.parse import quote, quote_plus

from hypothesis import given
from hypothesis import strategies as st

from publish_action.redaction import Redactor, display_url, logged_url, printable
from tests.unit.property_helpers import FAST


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


_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@FAST
@given(st.text(max_size=200))
def test_printable_output_holds_no_control_character(text: str) -> None:
    shown = printable(text)
    assert not _UNPRINTABLE.search(shown)
    assert "\n" not in printable(text, one_line=True) and "\t" not in printable(text, one_line=True)
    assert printable(shown) == shown


@FAST
@given(st.text(min_size=4, max_size=30).filter(lambda s: s.strip() == s and len(s) >= 4))
def test_a_secret_is_redacted_in_every_form_a_server_echoes(secret: str) -> None:
    redact = Redactor()
    redact.add(secret)
    lower_hex = re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(secret, safe=""))
    forms = [secret, quote(secret, safe=""), quote_plus(secret), html.escape(secret), lower_hex]
    shown = redact(" | ".join(f"<{form}>" for form in forms))
    for form in forms:
        if len(form) >= 4:
            assert f"<{form}>" not in shown


def test_a_logged_url_has_no_user_info_and_no_query_value() -> None:
    assert logged_url("https://bob:hunter2@host/x/") == "https://host/x/"
    assert (
        logged_url("https://host/x/?a=1&sig=s3cr3t&flag#frag")
        == "https://host/x/?a=***&sig=***&flag=***"
    )
    assert logged_url("https://host/x/#frag") == "https://host/x/"
