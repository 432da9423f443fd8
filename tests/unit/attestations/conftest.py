"""Fixtures of the attestation tests: a local OIDC issuer, a Sigstore stand-in trusting it, and
the distributions they sign. Loopback names resolve only to loopback here."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from publish_action.distributions import Distribution
from tests.support.oidc_issuer import OidcIssuer
from tests.support.sigstore_standin import SigstoreStandIn, sigstore_standin
from tests.unit.attestations.harness import (
    GITHUB,
    GITLAB,
    GOOGLE,
    LOOPBACK_NAMES,
    Run,
    github_claims,
    google_claims,
    make_dist,
)


@pytest.fixture(autouse=True)
def _loopback_names(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Refuse name lookups other than loopback's: a DNS query would leave the machine even
    though the connect that follows it is refused by the suite's guard."""
    real = socket.getaddrinfo
    refused: list[str] = []

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in LOOPBACK_NAMES:
            refused.append(name)
            raise socket.gaierror(socket.EAI_NONAME, f"offline test: no lookup of {name}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    yield refused


@pytest.fixture
def issuer() -> Iterator[OidcIssuer]:
    """GitHub Actions' token service; `issuer.claims` is what its next token says."""
    with OidcIssuer(GITHUB, github_claims(), lifetime=300) as running:
        yield running


@pytest.fixture
def standin(issuer: OidcIssuer) -> Iterator[SigstoreStandIn]:
    with sigstore_standin() as running:
        running.trust_issuer(GITHUB, issuer.jwks)
        running.trust_issuer(GITLAB, OidcIssuer.gitlab().jwks)
        running.trust_issuer(GOOGLE, OidcIssuer(GOOGLE, google_claims(), lifetime=3600).jwks)
        yield running


@pytest.fixture
def packages(tmp_path: Path) -> Path:
    folder = tmp_path / "dist"
    folder.mkdir()
    return folder


@pytest.fixture
def dists(packages: Path) -> list[Distribution]:
    return [make_dist(packages, "pkg-1.0.tar.gz"), make_dist(packages, "pkg-1.0-py3-none-any.whl")]


@pytest.fixture
def run(tmp_path: Path, packages: Path, issuer: OidcIssuer, standin: SigstoreStandIn) -> Run:
    return Run(tmp_path, packages, issuer, standin)
