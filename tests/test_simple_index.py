from __future__ import annotations

import json

from publish_action.simple_index import parse_html, parse_json


def test_pep503_html_with_relative_links_and_hash_fragments() -> None:
    body = """<html><body>
    <a href="../../+f/abc/demo-1.0.tar.gz#sha256=AB12" data-requires-python="">demo-1.0.tar.gz</a>
    <a href="/packages/demo-1.0-py3-none-any.whl#md5=ff00">demo-1.0-py3-none-any.whl</a>
    <a href="https://files.example/demo-0.9.tar.gz">demo-0.9.tar.gz</a>
    </body></html>"""
    files = parse_html("http://127.0.0.1:1/u/i/+simple/demo/", body)
    assert files["demo-1.0.tar.gz"].url == "http://127.0.0.1:1/u/i/+f/abc/demo-1.0.tar.gz"
    assert files["demo-1.0.tar.gz"].hashes == {"sha256": "ab12"}
    assert files["demo-1.0-py3-none-any.whl"].url == (
        "http://127.0.0.1:1/packages/demo-1.0-py3-none-any.whl")
    assert files["demo-1.0-py3-none-any.whl"].hashes == {"md5": "ff00"}
    assert files["demo-0.9.tar.gz"].hashes == {}


def test_pep691_json() -> None:
    body = json.dumps({
        "meta": {"api-version": "1.1"},
        "name": "demo",
        "files": [
            {"filename": "demo-1.0.tar.gz", "url": "../../f/demo-1.0.tar.gz",
             "hashes": {"sha256": "CAFE", "blake2b-256": "beef"}},
        ],
    })
    files = parse_json("http://127.0.0.1:1/simple/demo/", body)
    remote = files["demo-1.0.tar.gz"]
    assert remote.url == "http://127.0.0.1:1/f/demo-1.0.tar.gz"
    assert remote.hashes == {"sha256": "cafe", "blake2b_256": "beef"}
