from __future__ import annotations

import hashlib
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path

from publish_action.upload.multipart import MultipartBody


def test_body_is_valid_multipart_of_known_length(tmp_path: Path) -> None:
    path = tmp_path / "demo-1.0.tar.gz"
    path.write_bytes(bytes(range(256)) * 5000)
    sizes: list[int] = []
    body = MultipartBody(
        [("name", "demo"), ("classifiers", "A :: B"), ("description", 'quote " and\nnewline')],
        file_field="content",
        path=path,
        size=path.stat().st_size,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        progress=sizes.append,
    )
    data = b"".join(body)
    assert len(data) == body.length
    assert b"".join(body) == data  # re-iterable for retries
    assert sizes[-1] == path.stat().st_size
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {body.content_type}\r\n\r\n".encode() + data
    )
    parts = {p.get_param("name", header="content-disposition"): p for p in message.iter_parts()}
    assert parts["name"].get_payload(decode=True) == b"demo"
    assert parts["description"].get_payload(decode=True) == b'quote " and\nnewline'
    assert parts["content"].get_filename() == "demo-1.0.tar.gz"
    assert parts["content"].get_payload(decode=True) == path.read_bytes()


def test_memory_does_not_hold_the_file(tmp_path: Path) -> None:
    path = tmp_path / "big-1.0-py3-none-any.whl"
    with path.open("wb") as stream:
        stream.truncate(64 * 1024 * 1024)
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    body = MultipartBody(
        [("name", "big")],
        file_field="content",
        path=path,
        size=path.stat().st_size,
        sha256=digest.hexdigest(),
    )
    largest = max(len(chunk) for chunk in body)
    assert largest <= 1024 * 1024
