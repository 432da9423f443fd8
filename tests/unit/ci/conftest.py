"""Fixtures shared by the tests of this package."""

from __future__ import annotations

from collections.abc import Iterator

import id as id_lib
import pytest

from tests.support.oidc_issuer import OidcIssuer


@pytest.fixture(autouse=True)
def _no_cloud(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """`id.detect_credential` would ask Google Cloud's metadata server: off loopback."""
    asked: list[str] = []

    def nothing(audience: str) -> None:
        asked.append(audience)

    monkeypatch.setattr(id_lib, "detect_credential", nothing)
    return asked


@pytest.fixture(scope="module")
def github() -> Iterator[OidcIssuer]:
    with OidcIssuer.github() as issuer:
        yield issuer


@pytest.fixture(scope="module")
def gitlab() -> Iterator[OidcIssuer]:
    with OidcIssuer.gitlab() as issuer:
        yield issuer
