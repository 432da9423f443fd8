"""Fixtures of the trusted-publishing tests: GitHub and GitLab OIDC issuers and a PyPI stand-in."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import id as id_lib
import pytest

from publish_action.net import Net, NetSettings
from tests.support.oidc_issuer import OidcIssuer
from tests.support.pypi_standin import PyPIStandIn
from tests.unit.trusted_publishing.harness import (
    GITHUB_PUBLISHER,
    GITLAB_PUBLISHER,
    Run,
)


@pytest.fixture(autouse=True)
def _not_on_google_cloud(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_file(filename: str) -> object:
        raise OSError(filename)

    monkeypatch.setattr(id_lib, "detect_credential", lambda audience: None)


@pytest.fixture(scope="module")
def issuers() -> Iterator[tuple[OidcIssuer, OidcIssuer]]:
    with OidcIssuer.github() as github, OidcIssuer.gitlab() as gitlab:
        yield github, gitlab


@pytest.fixture
def run(issuers: tuple[OidcIssuer, OidcIssuer]) -> Iterator[Run]:
    github, gitlab = issuers
    with (
        PyPIStandIn() as index,
        httpx.Client(timeout=10.0, trust_env=False) as http,
        Net(NetSettings(timeout=10.0, retries=1), environ={}) as net,
    ):
        index.trust(github)
        index.trust(gitlab)
        index.add_publisher(GITHUB_PUBLISHER)
        index.add_publisher(GITLAB_PUBLISHER)
        yield Run(index, github, gitlab, http, net)
