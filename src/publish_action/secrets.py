"""Keeping secrets out of output: a redactor every reporter and error path goes through."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

_MIN_SECRET_LENGTH = 4
_REDACTED = "***"

_Listener = Callable[[str], None]


class Redactor:
    """Replaces every registered secret in text; secrets are added as they become known."""

    def __init__(self) -> None:
        self._secrets: dict[str, None] = {}  # insertion order: masks go out as learnt
        self._lock = threading.Lock()
        self._listeners: list[_Listener] = []

    def add(self, secret: str | None) -> None:
        if not secret or len(secret) < _MIN_SECRET_LENGTH:
            return
        with self._lock:
            if secret in self._secrets:
                return
            self._secrets[secret] = None
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
        """Called for each secret (existing and future): GitHub masks them with `::add-mask::`."""
        with self._lock:
            self._listeners.append(listener)
            existing = list(self._secrets)
        for secret in existing:
            listener(secret)

    def __call__(self, text: str) -> str:
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            text = text.replace(secret, _REDACTED)
        return _strip_url_passwords(text)


_URL_WITH_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@")


def _strip_url_passwords(text: str) -> str:
    # A user name alone can be the secret (Gemfury-style https://TOKEN@host/).
    return _URL_WITH_USERINFO.sub(rf"\g<scheme>{_REDACTED}@", text)


def display_url(url: str) -> str:
    """A URL safe to print: user info removed entirely."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
