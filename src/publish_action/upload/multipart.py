"""A multipart/form-data body streamed from disk: memory does not grow with file size.

What is sent is what was checked: the file's bytes are counted and hashed as they go out, and
when they differ from what inspection saw (another size, another sha256: the file was rewritten
meanwhile) the body stops before its closing boundary. The index then holds an incomplete
request, which no index stores, and the caller learns why from `ContentChanged`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

CHUNK = 1024 * 1024


class ContentChanged(Exception):
    """The file being sent is not the file that was inspected."""

    def __init__(self, path: Path, what: str) -> None:
        super().__init__(f"{path} changed after it was checked: {what}")
        self.path = path
        self.what = what


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
        size: int,
        sha256: str,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.boundary = os.urandom(16).hex()
        self.path = path
        self.file_size = size
        self._sha256 = sha256
        self._progress = progress
        self.complete = False  # the closing boundary went out: the index has the whole body
        parts = []
        for name, value in fields:
            parts.append(
                f'--{self.boundary}\r\nContent-Disposition: form-data; name="{_escape(name)}"'
                f"\r\n\r\n".encode()
                + value.encode("utf-8")
                + b"\r\n"
            )
        parts.append(
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{_escape(file_field)}"; '
            f'filename="{_escape(path.name)}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
        )
        self._head = b"".join(parts)
        self._tail = f"\r\n--{self.boundary}--\r\n".encode()
        self.length = len(self._head) + size + len(self._tail)

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __iter__(self) -> Iterator[bytes]:
        self.complete = False
        yield self._head
        sent = 0
        digest = hashlib.sha256()
        with self.path.open("rb") as stream:
            while sent < self.file_size:
                chunk = stream.read(min(CHUNK, self.file_size - sent))
                if not chunk:
                    raise ContentChanged(
                        self.path,
                        f"it shrank from {self.file_size} to {sent} bytes while being sent",
                    )
                sent += len(chunk)
                digest.update(chunk)
                if self._progress:
                    self._progress(sent)
                yield chunk
            if stream.read(1):
                raise ContentChanged(
                    self.path, f"it grew beyond the {self.file_size} bytes that were checked"
                )
        if digest.hexdigest() != self._sha256:
            raise ContentChanged(
                self.path,
                f"its sha256 is now {digest.hexdigest()}, not the {self._sha256} that was checked",
            )
        self.complete = True
        yield self._tail
