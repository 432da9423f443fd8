"""Turning one input's text into a typed value, or an `InputError` that names the input."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from enum import Enum
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote, urlsplit

from publish_action.errors import InputError
from publish_action.redaction import display_url

_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}

E = TypeVar("E", bound=Enum)


def as_bool(raw: Mapping[str, str], name: str) -> bool:
    value = raw[name].lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise InputError(
        f"input '{name}' must be true or false, not {raw[name]!r}",
        advice="use one of true/false/yes/no/1/0",
    )


def choice(
    raw: Mapping[str, str], name: str, enum: type[E], *, synonyms: Mapping[str, str] | None = None
) -> E:
    value = raw[name].lower()
    value = (synonyms or {}).get(value, value)
    for member in enum:
        if member.value == value:
            return member
    allowed = ", ".join(str(m.value) for m in enum)
    raise InputError(f"input '{name}' must be one of {allowed}, not {raw[name]!r}")


def number(
    raw: Mapping[str, str], name: str, cast: Callable[[str], float], low: float, high: float
) -> float:
    try:
        value = cast(raw[name])
    except ValueError:
        raise InputError(f"input '{name}' must be a number, not {raw[name]!r}") from None
    if not low <= value <= high:  # also refuses nan
        raise InputError(f"input '{name}' must be from {low:g} to {high:g}, not {raw[name]!r}")
    return value


_UNITS = {
    "": 1,
    "b": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
}


def byte_size(raw: Mapping[str, str], name: str) -> int | None:
    """'250MB', '1.5GiB', '1000000': bytes; empty: None."""
    value = raw[name].strip()
    if not value:
        return None
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([a-zA-Z]*)", value)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS or float(match.group(1)) <= 0:
        raise InputError(
            f"input '{name}' must be a size such as 250MB or 1GiB, not {value!r}",
            advice="units: B, kB, MB, GB (powers of 1000), KiB, MiB, GiB (powers of 1024)",
        )
    return int(float(match.group(1)) * _UNITS[unit])


def url(raw: Mapping[str, str], name: str) -> str:
    value = raw[name]
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(
            f"input '{name}' must be an http(s) URL, not {display_url(value)!r}",
            advice="for example https://upload.pypi.org/legacy/",
        )
    if any(char.isspace() for char in value):
        raise InputError(
            f"input '{name}' contains whitespace: {display_url(value)!r}",
            advice="remove the spaces or line breaks (a URL never holds them; encode a space "
            "in a path as %20)",
        )
    try:
        parts.port  # noqa: B018 - raises for a port that is not a number from 0 to 65535
    except ValueError:
        port = parts.netloc.rsplit("@", 1)[-1].rsplit(":", 1)[-1]
        raise InputError(
            f"input '{name}' has an invalid port {port!r}: {display_url(value)!r}",
            advice="a port is a number from 1 to 65535, e.g. https://host:8443/",
        ) from None
    return value if value.endswith("/") else value + "/"


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_http(name: str, url: str, credentials: bool, allowed: bool, warnings: list[str]) -> None:
    """Credentials over plain http to another host can be read by anyone on the way."""
    if not credentials or urlsplit(url).scheme != "http" or is_loopback(url):
        return
    if not allowed:
        raise InputError(
            f"'{name}' is plain http:// to {urlsplit(url).hostname}, and credentials would "
            "be sent to it unencrypted",
            advice="use https://; on a network you trust (a service container, a private "
            "subnet), set 'allow-insecure-http: true'",
        )
    warnings.append(
        f"credentials go to {display_url(url)} over plain http "
        "('allow-insecure-http: true'): anyone on the network path can read them"
    )


def same_host(a: str, b: str) -> bool:
    return (urlsplit(a).hostname or "").lower() == (urlsplit(b).hostname or "").lower()


def ca_bundle(value: str) -> Path | None:
    if not value:
        return None
    path = Path(value)
    if not path.is_file():
        raise InputError(
            f"input 'cert': {value} is not a file",
            advice="give the path of a PEM file holding the CA certificate(s) to trust",
        )
    return path


def split_userinfo(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, "", ""
    return display_url(url), unquote(parts.username or ""), unquote(parts.password or "")
