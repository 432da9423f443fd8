"""A multipart/form-data body streamed from disk: memory does not grow with file size."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from publish_action.hashing import CHUNK


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


class MultipartBody:
    """Form fields, then one file part; its length is known up front (no chunked encoding).

    Iterating it reads the file afresh, so a retry builds nothing new in memory.
    """

    def __init__(
        self,
        fields: Sequence[tuple[str, str]],
        *,
        file_field: str,
        path: Path,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.boundary = os.urandom(16).hex()
        self.path = path
        self._progress = progress
        parts = []
        for name, value in fields:
            parts.append(
                f'--{self.boundary}\r\nContent-Disposition: form-data; name="{_escape(name)}"'
                f"\r\n\r\n".encode() + value.encode("utf-8") + b"\r\n"
            )
        parts.append(
            f"--{self.boundary}\r\nContent-Disposition: form-data; name=\"{_escape(file_field)}\"; "
            f'filename="{_escape(path.name)}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
        )
        self._head = b"".join(parts)
        self._tail = f"\r\n--{self.boundary}--\r\n".encode()
        self.file_size = path.stat().st_size
        self.length = len(self._head) + self.file_size + len(self._tail)

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __iter__(self) -> Iterator[bytes]:
        yield self._head
        sent = 0
        with self.path.open("rb") as stream:
            while chunk := stream.read(CHUNK):
                sent += len(chunk)
                if self._progress:
                    self._progress(sent)
                yield chunk
        if sent != self.file_size:
            raise OSError(f"{self.path} changed size while it was being uploaded")
        yield self._tail
