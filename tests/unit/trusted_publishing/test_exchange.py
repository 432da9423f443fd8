"""trusted_publishing/exchange.py: the audience and mint-token exchange with the index, and the
PyPI stand-in those requests are answered by."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.unit.trusted_publishing.harness import (
    PROJECT,
    Run,
    render,
)


def _upload(run: Run, token: str, filename: str, content: bytes, **extra: str) -> httpx.Response:
    import hashlib

    data = {
        ":action": "file_upload",
        "protocol_version": "1",
        "name": PROJECT,
        "version": "1.0.0",
        "sha256_digest": hashlib.sha256(content).hexdigest(),
        **extra,
    }
    return run.http.post(
        run.index.upload_url,
        data=data,
        files={"content": (filename, content)},
        auth=("__token__", token),
    )


def test_unexpected_audience_status(run: Run) -> None:
    run.index.audience_status = 500
    error = run.fail(run.github.github_environ())
    assert "answered the audience request with unexpected HTTP 500" in error.message
    warnings = [line for line in run.recorder.lines if line.startswith("warning:")]
    assert len(warnings) == 1 and "retrying" in warnings[0]  # retries=1


def test_unreachable_index(run: Run) -> None:
    run.index.__exit__()
    error = run.fail(run.github.github_environ())
    assert error.message.startswith("trusted publishing: could not reach 127.0.0.1:")
    assert "caused by:" in render(error)


def test_malformed_mint_answer_never_echoes_the_token(run: Run) -> None:
    run.index.mint_answer = (
        200,
        "application/json",
        '{"success": true, "token": "pypi-LEAKED-0123456789", "expires": "soon"}',
    )
    error = run.fail(run.github.github_environ())
    assert "gave a malformed answer to the token exchange" in error.message
    assert "pypi-LEAKED-0123456789" not in render(error)
    assert "pypi-LEAKED-0123456789" in run.masked


def test_mint_answer_without_token(run: Run) -> None:
    run.index.mint_answer = (200, "application/json", '{"success": false}')
    error = run.fail(run.github.github_environ())
    assert "malformed answer" in error.message


def test_mint_server_error_retries_with_a_fresh_oidc_token(run: Run) -> None:
    run.index.mint_answer = (502, "text/html", "<html><title>502 Bad Gateway</title></html>")
    issued = len(run.github.issued)
    error = run.fail(run.github.github_environ())
    assert (
        "gave an unexpected answer to the token exchange (POST /_/oidc/mint-token → HTTP "
        "502: Bad Gateway" in error.message
    )
    assert len(run.github.issued) - issued == 2  # one attempt + one retry, each its own JWT


def test_malformed_audience_answer(run: Run) -> None:
    run.index.audience_status = None
    run.index.audience = ""
    error = run.fail(run.github.github_environ())
    assert "gave a malformed answer to the audience request" in error.message


@pytest.mark.parametrize("status", [401, 403, 302])
def test_other_indexes_refusing_the_audience_path_are_not_trusted_publishing(
    run: Run, status: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A private index that wants credentials (or redirects) everywhere is not Warehouse: its
    403 is a plain page, not `{"message": "Trusted publishing functionality not enabled"}`."""

    def answer() -> tuple[int, str, bytes, str | None]:
        return status, "text/html", b"<html><body>Go away</body></html>", None

    monkeypatch.setattr(run.index, "_audience", answer)
    assert run.obtain(run.github.github_environ()) is None
    assert any(
        f"answered {status}); uploading without credentials" in line for line in run.recorder.lines
    )


def test_standin_upload_rules_and_simple_pages(run: Run) -> None:
    publisher = run.obtain(run.github.github_environ())
    assert publisher is not None
    token = publisher.current().password
    wheel = "sampleproject-1.0.0-py3-none-any.whl"
    assert _upload(run, token, wheel, b"one").status_code == 200
    assert _upload(run, token, wheel, b"one").status_code == 200  # identical again: fine
    clash = _upload(run, token, wheel, b"two")
    assert clash.status_code == 400
    assert clash.reason_phrase.startswith(f"File already exists ('{wheel}', with blake2_256")
    lying = _upload(run, token, "sampleproject-1.0.0.tar.gz", b"x", sha256_digest="0" * 64)
    assert lying.status_code == 400 and "digest" in lying.reason_phrase
    other = run.http.post(
        run.index.upload_url,
        auth=("__token__", token),
        data={":action": "file_upload", "name": "otherproject", "version": "1.0"},
        files={"content": ("otherproject-1.0.tar.gz", b"x")},
    )
    assert other.status_code == 403
    assert "not valid for project 'otherproject'" in other.reason_phrase
    upload = next(r for r in run.index.requests if r.path == "/legacy/" and r.method == "POST")
    assert upload.fields[:2] == (":action", "protocol_version") and "content" in upload.fields
    assert upload.user == "__token__"

    page = run.http.get(
        f"{run.index.index_url}{PROJECT}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
    )
    entry = page.json()["files"][0]
    assert entry["filename"] == wheel
    assert entry["hashes"]["sha256"] == run.index.files[wheel].sha256
    assert run.http.get(run.index.url + entry["url"].lstrip("/")).content == b"one"
    html_page = run.http.get(f"{run.index.index_url}{PROJECT}/")
    assert f"#sha256={run.index.files[wheel].sha256}" in html_page.text
    moved = run.http.get(f"{run.index.index_url}SampleProject/")
    assert moved.status_code == 301 and moved.headers["location"] == f"/simple/{PROJECT}/"
    assert run.http.get(f"{run.index.index_url}nothing-here/").status_code == 404


def test_standin_refuses_expired_tokens(run: Run) -> None:
    run.index.token_lifetime = -1
    publisher = run.obtain(run.github.github_environ())
    assert publisher is not None
    response = _upload(run, run.index.minted_tokens[-1], "sampleproject-1.0.0.tar.gz", b"x")
    assert response.status_code == 403
    assert response.reason_phrase == "Invalid API Token: token is expired"


def test_standin_attestation_hook(run: Run) -> None:
    seen: list[tuple[Any, ...]] = []

    def verifier(identity: Any, filename: str, content: bytes, text: str) -> str | None:
        seen.append((identity, filename, content, text))
        return None if filename.endswith(".whl") else "Verification failed: wrong workflow"

    run.index.attestation_verifier = verifier
    publisher = run.obtain(run.github.github_environ())
    assert publisher is not None
    token = publisher.current().password
    wheel = "sampleproject-1.0.0-py3-none-any.whl"
    attestation = json.dumps([{"version": 1}])
    assert _upload(run, token, wheel, b"w", attestations=attestation).status_code == 200
    refused = _upload(run, token, "sampleproject-1.0.0.tar.gz", b"s", attestations=attestation)
    assert refused.status_code == 400
    assert refused.reason_phrase == (
        "Invalid attestations supplied during upload: Verification failed: wrong workflow"
    )
    empty = _upload(run, token, "sampleproject-1.0.0.zip", b"z", attestations="[]")
    assert "an empty attestation set is not permitted" in empty.reason_phrase
    identity, filename, content, text = seen[0]
    assert (identity.kind, identity.repository, identity.workflow) == (
        "GitHub",
        "octo-org/sampleproject",
        "release.yml",
    )
    assert identity.claims["jti"] == run.index.minted[-1].claims["jti"]
    assert (filename, content, text) == (wheel, b"w", attestation)
    provenance = run.http.get(f"{run.index.url}integrity/{PROJECT}/1.0.0/{wheel}/provenance")
    bundle = provenance.json()["attestation_bundles"][0]
    assert bundle["publisher"]["kind"] == "GitHub" and bundle["attestations"] == [{"version": 1}]
