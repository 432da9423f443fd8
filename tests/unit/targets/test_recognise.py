"""`targets.recognise`: every row's upload URL shapes, and no catch-all guess."""

from __future__ import annotations

import pytest

from publish_action.targets import IndexKind, classify

ROWS = [
    ("https://upload.pypi.org/legacy/", IndexKind.PYPI, "https://pypi.org/simple/"),
    ("https://test.pypi.org/legacy/", IndexKind.TESTPYPI, "https://test.pypi.org/simple/"),
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
    (  # GitLab under a relative URL root
        "https://example.com/gitlab/api/v4/projects/octo%2Fpkg/packages/pypi",
        IndexKind.GITLAB,
        "https://example.com/gitlab/api/v4/projects/octo%2Fpkg/packages/pypi/simple/",
    ),
    (
        "https://pkgs.dev.azure.com/org/proj/_packaging/feed/pypi/upload/",
        IndexKind.AZURE,
        "https://pkgs.dev.azure.com/org/proj/_packaging/feed/pypi/simple/",
    ),
    (  # Azure's legacy host, and the keyring form without the slash
        "https://org.pkgs.visualstudio.com/_packaging/feed/pypi/upload",
        IndexKind.AZURE,
        "https://org.pkgs.visualstudio.com/_packaging/feed/pypi/simple/",
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
    (  # Nexus under a context path
        "https://repo.example.org/nexus/repository/pypi-internal/",
        IndexKind.NEXUS,
        "https://repo.example.org/nexus/repository/pypi-internal/simple/",
    ),
    (
        "https://python.cloudsmith.io/acme/repo/",
        IndexKind.CLOUDSMITH,
        "https://dl.cloudsmith.io/basic/acme/repo/python/simple/",
    ),
    (
        "https://gitea.example.com/api/packages/octo/pypi",
        IndexKind.GITEA,
        "https://gitea.example.com/api/packages/octo/pypi/simple/",
    ),
    (
        "https://codeberg.org/api/packages/octo/pypi",
        IndexKind.GITEA,
        "https://codeberg.org/api/packages/octo/pypi/simple/",
    ),
    (
        "http://127.0.0.1:24817/pypi/team/legacy/",
        IndexKind.PULP,
        "http://127.0.0.1:24817/pypi/team/simple/",
    ),
    (  # Pulp with domains: /pypi/<domain>/<base_path>/
        "https://pulp.example/pypi/team-a/shared/legacy/",
        IndexKind.PULP,
        "https://pulp.example/pypi/team-a/shared/simple/",
    ),
    ("https://push.fury.io/acme/", IndexKind.GEMFURY, "https://pypi.fury.io/acme/"),
]


@pytest.mark.parametrize(("url", "kind", "simple"), ROWS, ids=[r[0] for r in ROWS])
def test_each_row_is_recognised_with_its_check_url(url: str, kind: IndexKind, simple: str) -> None:
    profile = classify(url)
    assert (profile.kind, profile.simple_url, profile.confirm) == (kind, simple, False)
    assert simple in profile.derivation and kind.value in profile.derivation


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/",  # pypiserver at the root
        "https://pkgs.example/pypi/",  # pypiserver under a path prefix
        "https://devpi.example/alice/dev/",  # devpi, or anything with two segments
        "https://devpi.example/alice/dev",
    ],
)
def test_shared_shapes_are_not_guessed_but_confirmed_by_the_server(url: str) -> None:
    profile = classify(url)
    assert profile.kind is IndexKind.UNKNOWN and profile.simple_url is None
    assert profile.confirm and "asking the server" in profile.derivation


def test_an_unknown_shape_says_once_what_it_costs_and_how_to_fix_it() -> None:
    profile = classify("https://example.com/a/b/c/")
    assert profile.kind is IndexKind.UNKNOWN and not profile.confirm
    assert profile.simple_url is None
    assert "no check" in profile.derivation and "set 'index-url'" in profile.derivation
    assert "cannot be skipped" in profile.derivation  # never promises a re-run will skip


def test_a_gitlab_group_url_is_read_only() -> None:
    profile = classify("https://gitlab.example.com/api/v4/groups/7/-/packages/pypi")
    assert profile.kind is IndexKind.GITLAB
    assert "read-only" in profile.read_only and "/api/v4/projects/" in profile.read_only


def test_only_pypi_and_testpypi_are_pypi() -> None:
    assert classify("https://upload.pypi.org/legacy/").is_pypi
    assert classify("https://test.pypi.org/legacy/").is_pypi
    assert not classify("https://nexus.example/repository/pypi/").is_pypi


def test_the_hint_is_the_rows_user_convention() -> None:
    hint = classify("https://us-python.pkg.dev/p/r/").auth_hint
    assert "oauth2accesstoken" in hint and "_json_key_base64" in hint
    assert (
        "gitlab-ci-token"
        in classify("https://gitlab.example.com/api/v4/projects/1/packages/pypi").auth_hint
    )
