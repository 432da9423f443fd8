"""Keeping secrets and terminal tricks out of output: every reporter and error path goes
through the run's `Redactor`, and everything printed through `printable`.

A secret is replaced in every form a server might echo it in: as is, URL-encoded (`%XX`, with
either case of hex digits, and `+` for spaces), HTML-escaped and JSON-escaped, and as the Basic
auth header value. User info in any URL is replaced too (a user name alone can be the secret:
Gemfury-style `https://TOKEN@host/`).
"""

from __future__ import annotations

import html
import json
import re
import threading
from collections.abc import Callable
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

_MIN_SECRET_LENGTH = 4
_REDACTED = "***"

_Listener = Callable[[str], None]


def _variants(secret: str) -> set[str]:
    forms = {
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret, safe=""),
        html.escape(secret),
        html.escape(secret, quote=False),
        json.dumps(secret)[1:-1],
    }
    # %2f as well as %2F: servers differ in the case of their hex digits.
    forms |= {re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), f) for f in forms}
    return {f for f in forms if len(f) >= _MIN_SECRET_LENGTH}


class Redactor:
    """Replaces every registered secret in text; secrets are added as they become known."""

    def __init__(self) -> None:
        self._secrets: dict[str, None] = {}  # insertion order: masks go out as learnt
        self._forms: set[str] = set()
        self._lock = threading.Lock()
        self._listeners: list[_Listener] = []

    def add(self, secret: str | None) -> None:
        if not secret or len(secret) < _MIN_SECRET_LENGTH:
            return
        with self._lock:
            if secret in self._secrets:
                return
            self._secrets[secret] = None
            self._forms |= _variants(secret)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(secret)

    def add_credentials(self, username: str, password: str) -> None:
        """The password, and the Basic auth header value an error page might echo."""
        self.add(password)
        if password:
            import base64

            self.add(base64.b64encode(f"{username}:{password}".encode()).decode())

    def on_new_secret(self, listener: _Listener) -> None:
        """Called for each secret (existing and future): GitHub masks them with `::add-mask::`.

        The runner masks the encoded forms of a masked value itself, so only the secret as
        given is passed on.
        """
        with self._lock:
            self._listeners.append(listener)
            existing = list(self._secrets)
        for secret in existing:
            listener(secret)

    def __call__(self, text: str) -> str:
        with self._lock:
            forms = sorted(self._forms, key=len, reverse=True)
        for form in forms:
            text = text.replace(form, _REDACTED)
        return _strip_url_passwords(text)


_URL_WITH_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@")


def _strip_url_passwords(text: str) -> str:
    return _URL_WITH_USERINFO.sub(rf"\g<scheme>{_REDACTED}@", text)


def display_url(url: str) -> str:
    """A URL safe to print: user info removed entirely."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def logged_url(url: str) -> str:
    """A URL as a request log shows it: no user info, and no query value (a pre-signed
    redirect or a token request may carry a signature there); the names stay."""
    parts = urlsplit(display_url(url))
    if not parts.query:
        return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    names = [item.split("=", 1)[0] for item in parts.query.split("&") if item]
    query = "&".join(f"{name}={_REDACTED}" for name in names)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


# C0 controls but tab and newline, DEL, C1 controls, and the Unicode bidi overrides and
# isolates, which make a line read differently from what it holds (CVE-2021-42574).
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNPRINTABLE_IN_A_NAME = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str, *, one_line: bool = False) -> str:
    """`text` with every control character shown as an escape (`\\x1b`), never sent raw.

    A file name or a server's message may carry ESC sequences that rewrite the terminal, or
    a carriage return that hides what came before on the line. `one_line` escapes tabs and
    line breaks too: a name holds none, and a line break would start a new log line (on
    GitHub, one that may read as a workflow command).
    """
    pattern = _UNPRINTABLE_IN_A_NAME if one_line else _UNPRINTABLE
    return pattern.sub(lambda m: _escape(m.group(0)), text)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
