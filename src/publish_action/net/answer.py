"""A server's answer, read whole (within a cap) and typed, with its own words extracted."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx

from publish_action.redaction import printable


@dataclass(frozen=True)
class Answer:
    """Status, headers and the body of one response (`truncated` when it was cut at a cap)."""

    status: int
    reason: str
    headers: httpx.Headers
    url: str
    body: bytes
    truncated: bool = False
    method: str = "GET"

    @classmethod
    def empty(cls, response: httpx.Response) -> Answer:
        return cls(
            response.status_code,
            response.reason_phrase,
            response.headers,
            str(response.url),
            b"",
            method=response.request.method,
        )

    @property
    def content_type(self) -> str:
        return str(self.headers.get("content-type", "")).split(";", 1)[0].strip().lower()

    @property
    def is_redirect(self) -> bool:
        return self.status in (301, 302, 303, 307, 308) and "location" in self.headers

    @property
    def location(self) -> str:
        return urljoin(self.url, str(self.headers.get("location", "")))

    def text(self) -> str:
        charset = "utf-8"
        match = re.search(r"charset=([\w.-]+)", self.headers.get("content-type", ""), re.I)
        if match:
            charset = match.group(1)
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")

    def json(self) -> object:
        return json.loads(self.body)

    def message(self, *, limit: int = 500) -> str:
        """The server's own reason, preferring structured JSON over HTML, on one line."""
        return server_message(self.status, self.reason, self.content_type, self.text(), limit=limit)

    def describe(self) -> str:
        """What came back, for an error message: status, type, size and the start of it."""
        size = f"{len(self.body)} bytes" + (" (cut at the cap)" if self.truncated else "")
        kind = self.content_type or "no content type"
        start = " ".join(self.text()[:160].split())
        shown = f": {printable(start)!r}" if start else ", an empty body"
        return f"HTTP {self.status}, {kind}, {size}{shown}"


def server_message(
    status: int, reason: str, content_type: str, body: str, *, limit: int = 500
) -> str:
    text = ""
    if "json" in content_type:
        text = _json_message(body)
    if not text and body:
        text = _html_text(body) if "html" in content_type or "<" in body[:200] else body
    # PyPI and devpi put the real reason in the status line ("400 File already exists...").
    # devpi repeats it (and the status) in <title> and <h1>: say it once.
    text = " ".join(text.split())
    for prefix in (f"{status} {reason}", reason):
        while prefix and text.lower().startswith(prefix.lower()):
            text = text[len(prefix) :].lstrip(" :-")
    if reason and reason.lower() not in text.lower():
        text = f"{reason}: {text}" if text else reason
    text = printable(text)
    return text[:limit] + ("…" if len(text) > limit else "")


def _json_message(body: str) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    parts = [str(data[k]) for k in ("message", "title", "detail", "error") if data.get(k)]
    for error in data.get("errors", []) or []:
        if isinstance(error, dict):
            pair = (error.get("code"), error.get("description") or error.get("message"))
            parts.append(" ".join(str(v) for v in pair if v))
        else:
            parts.append(str(error))
    return "; ".join(dict.fromkeys(p for p in parts if p))


def _html_text(body: str) -> str:
    title = re.search(r"<title>(.*?)</title>", body, re.S | re.I)
    text = re.sub(r"<(script|style|title)\b.*?</\1>", " ", body, flags=re.S | re.I)
    text = re.sub(r"<[^>]+>", " ", text)
    text = html.unescape(" ".join(text.split()))
    if title:
        heading = html.unescape(" ".join(title.group(1).split()))
        if heading and heading not in text:
            text = f"{heading}: {text}"
    return text
