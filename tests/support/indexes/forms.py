"""multipart/form-data parsing for the legacy upload API, byte-exact, without cgi or email.

Fields keep their order and repeats (``classifiers``, ``requires_dist``); the file part keeps its
file name and content type. Uploads in tests are small, so the body is held in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message

__all__ = ["FilePart", "Form", "FormError", "header_param", "parse_form"]


class FormError(ValueError):
    """The body is not the multipart/form-data its Content-Type announces."""


@dataclass(frozen=True)
class FilePart:
    filename: str
    content_type: str
    data: bytes


class Form:
    def __init__(self, parts: list[tuple[str, str | FilePart]]) -> None:
        self.parts = parts

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.parts)

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first text value of ``name``."""
        return next((v for n, v in self.parts if n == name and isinstance(v, str)), default)

    def getall(self, name: str) -> list[str]:
        return [v for n, v in self.parts if n == name and isinstance(v, str)]

    def file(self, name: str = "content") -> FilePart | None:
        return next((v for n, v in self.parts if n == name and isinstance(v, FilePart)), None)

    def __contains__(self, name: str) -> bool:
        return name in self.names

    def text_fields(self) -> dict[str, str]:
        """Text fields, the last value of each name winning (what most indexes keep)."""
        return {n: v for n, v in self.parts if isinstance(v, str)}


def header_param(value: str, param: str) -> str | None:
    """A parameter of a header value (quoted or not), as RFC 2231/7578 clients send it."""
    message = Message()
    message["x"] = value
    found = message.get_param(param, header="x")
    return found if isinstance(found, str) else None


def parse_form(content_type: str, body: bytes) -> Form:
    """Parse a multipart/form-data body; anything else gives an empty form."""
    if not content_type.lower().startswith("multipart/form-data"):
        return Form([])
    boundary = header_param(content_type, "boundary")
    if not boundary:
        raise FormError("multipart/form-data without a boundary")
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    sections = (b"\r\n" + body).split(delimiter)
    if len(sections) < 2 or not sections[-1].startswith(b"--"):
        raise FormError("multipart body is not terminated by its closing boundary")
    parts: list[tuple[str, str | FilePart]] = []
    for section in sections[1:-1]:
        head, sep, data = section.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not sep:
            raise FormError("multipart part without a header block")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name = header_param(disposition, "name")
        if name is None:
            raise FormError("multipart part without a name")
        filename = header_param(disposition, "filename")
        if filename is not None:
            parts.append((name, FilePart(filename, headers.get("content-type", ""), data)))
        else:
            parts.append((name, data.decode("utf-8", "replace")))
    return Form(parts)
