from __future__ import annotations

import pytest

from publish_action.targets import IndexKind, classify


@pytest.mark.parametrize(
    ("url", "kind", "simple"),
    [
        ("https://upload.pypi.org/legacy/", IndexKind.PYPI, "https://pypi.org/simple/"),
        ("https://test.pypi.org/legacy/", IndexKind.TESTPYPI, "https://test.pypi.org/simple/"),
        (
            "https://devpi.example/alice/dev/",
            IndexKind.DEVPI,
            "https://devpi.example/alice/dev/+simple/",
        ),
        ("http://127.0.0.1:8080/", IndexKind.PYPISERVER, "http://127.0.0.1:8080/simple/"),
        (
            "https://europe-west1-python.pkg.dev/proj/repo/",
            IndexKind.GOOGLE,
            "https://europe-west1-python.pkg.dev/proj/repo/simple/",
        ),
        (
            "https://d-123.d.codeartifact.eu-west-1.amazonaws.com/pypi/repo/",
            IndexKind.CODEARTIFACT,
            "https://d-123.d.codeartifact.eu-west-1.amazonaws.com/pypi/repo/simple/",
        ),
        (
            "https://gitlab.example.com/api/v4/projects/42/packages/pypi",
            IndexKind.GITLAB,
            "https://gitlab.example.com/api/v4/projects/42/packages/pypi/simple/",
        ),
        (
            "https://pkgs.dev.azure.com/org/proj/_packaging/feed/pypi/upload/",
            IndexKind.AZURE,
            "https://pkgs.dev.azure.com/org/proj/_packaging/feed/pypi/simple/",
        ),
        (
            "https://acme.jfrog.io/artifactory/api/pypi/pypi-local",
            IndexKind.ARTIFACTORY,
            "https://acme.jfrog.io/artifactory/api/pypi/pypi-local/simple/",
        ),
        (
            "https://nexus.example/repository/pypi-internal/",
            IndexKind.NEXUS,
            "https://nexus.example/repository/pypi-internal/simple/",
        ),
        ("https://python.cloudsmith.io/acme/repo/", IndexKind.CLOUDSMITH, None),
        ("https://example.com/a/b/c/", IndexKind.UNKNOWN, None),
    ],
)
def test_classify(url: str, kind: IndexKind, simple: str | None) -> None:
    profile = classify(url)
    assert profile.kind is kind
    assert profile.simple_url == simple
    assert profile.auth_hint
    if simple:
        assert simple in profile.derivation
    else:
        assert "index-url" in profile.derivation


def test_only_pypi_and_testpypi_are_pypi() -> None:
    assert classify("https://upload.pypi.org/legacy/").is_pypi
    assert classify("https://test.pypi.org/legacy/").is_pypi
    assert not classify("http://127.0.0.1:1/").is_pypi


def test_google_hint_names_its_usernames() -> None:
    hint = classify("https://us-python.pkg.dev/p/r/").auth_hint
    assert "oauth2accesstoken" in hint and "_json_key_base64" in hint
