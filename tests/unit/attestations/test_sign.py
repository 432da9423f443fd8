"""attestations/sign.py: signing every file with one Fulcio certificate, logging each in Rekor,
and what a user reads when either service fails."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest

from publish_action.attestations import prepare
from publish_action.distributions import Distribution
from publish_action.errors import AttestationError
from tests.support.oidc_issuer import OidcIssuer
from tests.support.sigstore_standin import SigstoreStandIn
from tests.unit.attestations.harness import (
    GITHUB,
    Recorder,
    Run,
    ci_of,
    github_claims,
    oracle,
    publisher,
    settings_for,
)


def test_signs_writes_and_self_verifies_every_file(
    run: Run,
    dists: list[Distribution],
    standin: SigstoreStandIn,
    packages: Path,
    tmp_path: Path,
) -> None:
    before = sorted(p.name for p in packages.iterdir())
    arrays = run(dists)

    assert sorted(arrays) == sorted(d.filename for d in dists)
    for dist in dists:
        [attestation] = json.loads(arrays[dist.filename])
        assert attestation["version"] == 1
        written = tmp_path / "work" / f"{dist.filename}.publish.attestation"
        assert json.loads(written.read_text()) == attestation
        statement = json.loads(base64.b64decode(attestation["envelope"]["statement"]))
        assert statement["predicateType"] == "https://docs.pypi.org/attestations/publish/v1"
        assert statement["subject"] == [
            {"name": dist.filename, "digest": {"sha256": dist.hashes.sha256}}
        ]
        # What PyPI does with the form field: the real Attestation.verify, the minting identity.
        assert oracle(standin, github_claims(), dist, arrays[dist.filename]) is None
    assert sorted(p.name for p in packages.iterdir()) == before  # packages-dir untouched
    # One signing certificate for the run, one log entry per file; no timestamp authority.
    assert standin.requests.count("fulcio POST /api/v2/signingCert") == 1
    assert standin.requests.count("rekor POST /api/v1/log/entries") == len(dists)
    assert [r.query.get("audience") for r in run.issuer.requests] == ["sigstore"]
    assert run.reporter.lines == [
        "attestations: signing 2 file(s) as GitHub repository octo/pkg, workflow release.yml",
        "attestations: 2 verified for 2 file(s) against the trusted publisher pypi.org checks "
        "them with (GitHub repository octo/pkg, workflow release.yml)",
    ]


def test_running_twice_in_one_job_works(run: Run, dists: list[Distribution]) -> None:
    """TestPyPI then PyPI in one job: our folder is overwritten, packages-dir never written."""
    first = run(dists, url="https://test.pypi.org/legacy/")
    second = run(dists)
    assert first.keys() == second.keys()
    assert first != second  # two signatures, two log entries


def test_fulcio_down(run: Run, dists: list[Distribution], standin: SigstoreStandIn) -> None:
    standin.stop("fulcio")
    error = run.fails(dists)
    assert error.message == (
        f"Sigstore's certificate authority (Fulcio at {standin.fulcio_url})"
        " did not issue a signing certificate"
    )
    assert "Connection refused" in error.render()
    assert "Sigstore may be down or unreachable" in error.advice


def test_fulcio_error_shows_the_servers_message(
    run: Run,
    dists: list[Distribution],
    standin: SigstoreStandIn,
) -> None:
    standin.fulcio_status = 503
    error = run.fails(dists)
    assert error.details == (
        f"HTTP 503 from {standin.fulcio_url}/api/v2/signingCert: injected Fulcio failure",
    )
    assert "FulcioClientError" in error.render()  # its own message is empty


def test_fulcio_refuses_the_token(run: Run, dists: list[Distribution], issuer: OidcIssuer) -> None:
    run.standin.trust_issuer(GITHUB, {"keys": []})
    error = run.fails(dists)
    assert error.details[0].startswith("HTTP 401 from ")
    assert error.advice.startswith("Fulcio refused the 'sigstore' OIDC token")


def test_rekor_down(run: Run, dists: list[Distribution], standin: SigstoreStandIn) -> None:
    standin.stop("rekor")
    error = run.fails(dists)
    assert error.message == (
        "signing pkg-1.0.tar.gz failed: Sigstore's transparency log (Rekor "
        f"at {standin.rekor_url}) did not record the signature"
    )
    assert "Connection refused" in error.render()


def test_rekor_error(run: Run, dists: list[Distribution], standin: SigstoreStandIn) -> None:
    standin.rekor_status = 500
    error = run.fails(dists)
    assert "did not record the signature" in error.message
    assert "500: injected Rekor failure" in error.render()


def test_sigstore_too_slow(run: Run, dists: list[Distribution], standin: SigstoreStandIn) -> None:
    standin.delay["rekor"] = 3.0
    started = time.monotonic()
    error = run.fails(dists, timeout=0.5)
    assert time.monotonic() - started < 2.5
    assert error.message.endswith("did not record the signature: no answer in time")


def test_public_sigstore_is_never_reached_from_tests(
    tmp_path: Path,
    packages: Path,
    dists: list[Distribution],
    issuer: OidcIssuer,
    monkeypatch: pytest.MonkeyPatch,
    _loopback_names: list[str],
) -> None:
    """Without an injected trust config the real TUF refresh runs and is stopped by the guard."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(AttestationError, match="could not load Sigstore's trust root"):
        prepare(
            settings_for(tmp_path, packages),
            Recorder(),
            dists,
            publisher(),
            **ci_of(issuer.github_environ()),
        )
    assert "tuf-repo-cdn.sigstore.dev" in _loopback_names
    _loopback_names.clear()
