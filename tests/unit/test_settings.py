"""settings.py: the policies' spellings (they are input values) and credentials that never show
their password."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from publish_action.settings import (
    Attestations,
    Credentials,
    OnExisting,
    Settings,
    TrustedPublishing,
)
from publish_action.targets import classify


def test_policy_values_are_the_documented_input_values() -> None:
    assert [p.value for p in OnExisting] == ["skip-identical", "error", "skip", "overwrite"]
    assert [p.value for p in TrustedPublishing] == ["auto", "always", "never"]
    assert [p.value for p in Attestations] == ["auto", "true", "false"]


def test_a_password_never_appears_in_repr_or_str() -> None:
    credentials = Credentials("__token__", "pypi-AgEIcHlwaS5vcmc-secret")
    for text in (repr(credentials), str(credentials), f"{credentials}", repr([credentials])):
        assert "pypi-AgEI" not in text
        assert "__token__" in text and "***" in text
    assert credentials == Credentials("__token__", "pypi-AgEIcHlwaS5vcmc-secret")
    assert credentials != Credentials("__token__", "other")


def test_settings_are_frozen_keyword_only_and_default_safely() -> None:
    url = "https://upload.pypi.org/legacy/"
    settings = Settings(
        repository_url=url,
        index=classify(url),
        index_url=None,
        index_url_note="",
        upload_credentials=None,
        check_credentials=None,
        check_credentials_explicit=False,
        packages_dir=Path("dist"),
    )
    assert settings.on_existing is OnExisting.SKIP_IDENTICAL
    assert settings.confirm and settings.verify_metadata and not settings.dry_run
    assert not settings.allow_insecure_http and settings.ca_bundle is None
    assert settings.work_dir == Path(".publish-action")
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.dry_run = True  # type: ignore[misc]
    with pytest.raises(TypeError):
        Settings(url)  # type: ignore[call-arg]
