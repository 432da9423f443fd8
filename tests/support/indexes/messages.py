"""HTTP requests and responses as the stand-ins see them, without sockets.

:class:`~tests.support.indexes.network.FakeInternet` parses the bytes into a :class:`Request`
and writes the :class:`Response` back; a stand-in only maps one to the other.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tests.support.indexes.forms import Form, parse_form

__all__ = ["Origin", "Request", "Response", "www_authenticate"]


@dataclass(frozen=True)
class Origin:
    """Scheme, host and port a stand-in answers for (the host is the real public name)."""

    scheme: str
    host: str
    port: int

    @classmethod
    def of(cls, url: str) -> Origin:
        parts = urlsplit(url)
        scheme = parts.scheme or "https"
        return cls(
            scheme, (parts.hostname or "").lower(), parts.port or (443 if scheme == "https" else 80)
        )

    @classmethod
    def site(cls, host_or_url: str) -> Origin:
        """``"gitlab.example.com"`` (https, 443) or a URL such as ``"http://nexus:8081"``."""
        return cls.of(host_or_url if "://" in host_or_url else f"https://{host_or_url}")

    @property
    def base(self) -> str:
        default = 443 if self.scheme == "https" else 80
        port = "" if self.port == default else f":{self.port}"
        return f"{self.scheme}://{self.host}{port}"


@dataclass
class Request:
    method: str
    origin: Origin
    target: str
    """The request target as sent: path plus ``?query``."""
    headers: dict[str, str]
    """Lower-cased names; repeated headers joined with ", "."""
    body: bytes = b""
    _form: Form | None = None

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> str:
        return self.target.split("?", 1)[1] if "?" in self.target else ""

    @property
    def url(self) -> str:
        return self.origin.base + self.target

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def basic(self) -> tuple[str, str] | None:
        """Basic credentials, or None (no header, another scheme, or undecodable)."""
        scheme, _, encoded = self.header("authorization").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, sep, password = (
                base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
            )
        except ValueError:
            return None
        return (user, password) if sep else (user, "")

    def bearer(self) -> str | None:
        scheme, _, token = self.header("authorization").partition(" ")
        return token.strip() if scheme.lower() == "bearer" else None

    def form(self) -> Form:
        if self._form is None:
            self._form = parse_form(self.header("content-type"), self.body)
        return self._form


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = "text/plain; charset=utf-8"
    reason: str | None = None
    """Reason phrase; None means the standard one. Indexes that put messages there set it."""
    headers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    @classmethod
    def text(
        cls,
        status: int,
        text: str,
        *,
        reason: str | None = None,
        content_type: str = "text/plain; charset=utf-8",
        headers: Iterable[tuple[str, str]] = (),
    ) -> Response:
        return cls(status, text.encode(), content_type, reason, list(headers))

    @classmethod
    def json(
        cls,
        status: int,
        data: object,
        *,
        reason: str | None = None,
        content_type: str = "application/json",
        headers: Iterable[tuple[str, str]] = (),
        compact: bool = False,
    ) -> Response:
        body = json.dumps(data, separators=(",", ":") if compact else None)
        return cls(status, body.encode(), content_type, reason, list(headers))

    @classmethod
    def redirect(
        cls,
        status: int,
        location: str,
        *,
        body: bytes = b"",
        content_type: str | None = None,
        reason: str | None = None,
    ) -> Response:
        return cls(status, body, content_type, reason, [("Location", location)])


def www_authenticate(realm: str, scheme: str = "Basic") -> tuple[str, str]:
    return ("WWW-Authenticate", f'{scheme} realm="{realm}"')
