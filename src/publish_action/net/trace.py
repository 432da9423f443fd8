"""How requests and failures read in a log line: `POST https://host/legacy/ (x.whl, 1.2 MB)`,
"connection refused". Never a header (they carry the credentials), never a query value."""

from __future__ import annotations

import socket

import httpx

from publish_action.redaction import logged_url


def amount(count: float) -> str:
    """A number of bytes as a log line shows it: 512 B, 1.1 KB, 12.3 MB."""
    for unit in ("B", "KB", "MB"):
        if count < 1000:
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return f"{count:.1f} GB"


def request_line(request: httpx.Request, what: str) -> str:
    """`POST https://host/legacy/ (x.whl, 1.2 MB)`: never a header, never a query value."""
    sent = request.headers.get("content-length", "")
    carried = [what] if what else []
    if sent.isdigit() and int(sent):
        carried.append(amount(int(sent)))
    detail = f" ({', '.join(carried)})" if carried else ""
    return f"{request.method} {logged_url(str(request.url))}{detail}"


def size_text(count: int) -> str:
    return f"{count // (1024 * 1024)} MiB" if count >= 1024 * 1024 else f"{count} bytes"


def describe_failure(exc: BaseException) -> str:
    """What went wrong in words, not an exception's repr: "connection refused"."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError):
            return "connection refused"
        if isinstance(current, ConnectionResetError):
            return "connection reset by the server"
        if isinstance(current, socket.gaierror):
            return "its host name could not be resolved"
        current = current.__cause__ or current.__context__
    text = str(exc).strip()
    name = type(exc).__name__
    return f"{name}: {text}" if text else name
