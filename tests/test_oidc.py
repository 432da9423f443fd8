"""Ambient OIDC tokens through the real `id` library, against the local issuer stand-in."""

from __future__ import annotations

import json
import os
import re
import socket
import time
from typing import TYPE_CHECKING

import pytest
from id._internal.oidc import ambient

from publish_action import oidc
from tests.support.oidc_issuer import GITHUB_ISSUER, OidcIssuer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture(autouse=True)
def _not_on_google_cloud(monkeypatch: pytest.MonkeyPatch) -> None:
    """id's GCP detector reads a DMI file; on a GCE host it would call the metadata server."""

    def no_file(filename: str) -> object:
        raise OSError(f"{filename}: not here")

    monkeypatch.setattr(ambient, "_open", no_file)


@pytest.fixture(scope="module")
def github() -> Iterator[OidcIssuer]:
    with OidcIssuer.github() as issuer:
        yield issuer


@pytest.fixture
def fresh_github() -> Iterator[OidcIssuer]:
    with OidcIssuer.github() as issuer:
        yield issuer


@pytest.fixture(scope="module")
def gitlab() -> Iterator[OidcIssuer]:
    with OidcIssuer.gitlab() as issuer:
        yield issuer


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# -- GitHub: the real detector against the token request endpoint -------------------------


def test_github_token_through_id(github: OidcIssuer) -> None:
    before = len(github.requests)
    token = oidc.ambient_token("pypi", github.github_environ())
    assert token.ci is oidc.GITHUB
    assert token.claims["aud"] == "pypi"
    assert token.claims["repository"] == "octo-org/sampleproject"
    assert token.jwt == github.issued[-1]
    assert token.source.startswith("ACTIONS_ID_TOKEN_REQUEST_URL (http://127.0.0.1:")
    request = github.requests[before]
    assert request.query == {"api-version": "2.0", "audience": "pypi"}
    assert request.authorized
    assert "jwt=***" in repr(token) and token.jwt not in repr(token)


def test_every_call_gets_a_fresh_token(github: OidcIssuer) -> None:
    environ = github.github_environ()
    first = oidc.ambient_token("pypi", environ)
    second = oidc.ambient_token("pypi", environ)
    assert first.jti and second.jti and first.jti != second.jti


def test_environment_is_applied_only_for_the_call(github: OidcIssuer) -> None:
    snapshot = dict(os.environ)
    oidc.ambient_token("pypi", github.github_environ())
    assert dict(os.environ) == snapshot
    assert "GITHUB_ACTIONS" not in os.environ


def test_variables_id_reads_are_hidden_when_the_mapping_lacks_them(
    github: OidcIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The process itself looks like GitHub, the mapping we were given does not.
    for name, value in github.github_environ().items():
        monkeypatch.setenv(name, value)
    with pytest.raises(oidc.AmbientTokenError) as caught:
        oidc.ambient_token("pypi", {"PATH": os.environ.get("PATH", "")})
    assert caught.value.problem is oidc.Problem.NO_IDENTITY
    assert os.environ["GITHUB_ACTIONS"] == "true"  # restored


def test_missing_permission(github: OidcIssuer) -> None:
    environ = github.github_environ()
    del environ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]
    del environ["ACTIONS_ID_TOKEN_REQUEST_URL"]
    with pytest.raises(oidc.AmbientTokenError) as caught:
        oidc.ambient_token("pypi", environ)
    error = caught.value
    assert error.problem is oidc.Problem.PERMISSION
    assert error.ci is oidc.GITHUB
    assert error.message == (
        "GitHub Actions (GITHUB_ACTIONS=true): this job may not request an OIDC token "
        "(ACTIONS_ID_TOKEN_REQUEST_TOKEN and ACTIONS_ID_TOKEN_REQUEST_URL are not set)"
    )


def test_pull_request_from_a_fork(github: OidcIssuer, tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {
        "head": {"repo": {"full_name": "mallory/sampleproject", "fork": True}},
        "base": {"repo": {"full_name": "octo-org/sampleproject", "fork": False}},
    }}))
    environ = github.github_environ(GITHUB_EVENT_NAME="pull_request",
                                    GITHUB_EVENT_PATH=str(event))
    del environ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]
    with pytest.raises(oidc.AmbientTokenError) as caught:
        oidc.ambient_token("pypi", environ)
    error = caught.value
    assert error.problem is oidc.Problem.FORK_PULL_REQUEST
    assert error.fork == ("mallory/sampleproject", "octo-org/sampleproject")
    assert "pull request from a fork (mallory/sampleproject → octo-org/sampleproject)" in str(error)


def test_same_repository_pull_request_is_a_permission_problem(
    github: OidcIssuer, tmp_path: Path
) -> None:
    event = tmp_path / "event.json"
    repo = {"full_name": "octo-org/sampleproject", "fork": False}
    event.write_text(json.dumps({"pull_request": {"head": {"repo": repo}, "base": {"repo": repo}}}))
    environ = github.github_environ(GITHUB_EVENT_NAME="pull_request",
                                    GITHUB_EVENT_PATH=str(event))
    del environ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]
    with pytest.raises(oidc.AmbientTokenError) as caught:
        oidc.ambient_token("pypi", environ)
    assert caught.value.problem is oidc.Problem.PERMISSION


def test_refused_connection_is_not_called_a_timeout(github: OidcIssuer) -> None:
    url = f"http://127.0.0.1:{closed_port()}/idtoken?api-version=2.0"
    environ = github.github_environ(ACTIONS_ID_TOKEN_REQUEST_URL=url)
    started = time.monotonic()
    with pytest.raises(oidc.AmbientTokenError) as caught:
        oidc.ambient_token("pypi", environ)
    error = caught.value
    assert error.problem is oidc.Problem.UNREACHABLE
    assert str(error).endswith(": connection refused")
    assert "ACTIONS_ID_TOKEN_REQUEST_URL (http://127.0.0.1:" in str(error)
    assert "timed out" not in str(error)
    assert time.monotonic() - started < 10


def test_slow_token_service_is_bounded(fresh_github: OidcIssuer) -> None:
    fresh_github.delay = 3.0
    started = time.monotonic()
    with pytest.raises(oidc.AmbientTokenError) as caught:
        oidc.ambient_token("pypi", fresh_github.github_environ(), timeout=0.3)
    assert time.monotonic() - started < 2.0
    error = caught.value
    assert error.problem is oidc.Problem.TIMEOUT
    assert str(error).startswith("GitHub Actions (GITHUB_ACTIONS=true): no OIDC token after 0.3 s")
    assert "ACTIONS_ID_TOKEN_REQUEST_URL" in str(error)


def test_token_service_refuses(fresh_github: OidcIssuer) -> None:
    fresh_github.fail_with = (500, '{"message": "internal error"}')
    with pytest.raises(oidc.AmbientTokenError) as caught:
        oidc.ambient_token("pypi", fresh_github.github_environ())
    assert caught.value.problem is oidc.Problem.REFUSED
    assert "code=500" in str(caught.value)


def test_wrong_request_token_is_refused(github: OidcIssuer) -> None:
    environ = github.github_environ(ACTIONS_ID_TOKEN_REQUEST_TOKEN="not-the-token")
    with pytest.raises(oidc.AmbientTokenError) as caught:
        oidc.ambient_token("pypi", environ)
    assert caught.value.problem is oidc.Problem.REFUSED
    assert "code=401" in str(caught.value)


def test_malformed_answer(fresh_github: OidcIssuer) -> None:
    fresh_github.answer_body = '{"count": 1}'
    with pytest.raises(oidc.AmbientTokenError) as caught:
        oidc.ambient_token("pypi", fresh_github.github_environ())
    assert caught.value.problem is oidc.Problem.MALFORMED


# -- GitLab: the `<AUD>_ID_TOKEN` variable -------------------------------------------------


def test_gitlab_token_from_its_variable(gitlab: OidcIssuer) -> None:
    environ = gitlab.gitlab_environ()
    token = oidc.ambient_token("pypi", environ)
    assert token.ci is oidc.GITLAB
    assert token.source == "PYPI_ID_TOKEN"
    assert token.jwt == environ["PYPI_ID_TOKEN"]
    assert token.claims["project_path"] == "octo-group/sampleproject"


def test_known_ci_is_asked_before_google_cloud(
    gitlab: OidcIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GitLab.com runners are GCE VMs: id's own order would ask Google Cloud first."""
    asked: list[str] = []

    def gcp(audience: str) -> str:
        asked.append(audience)
        return gitlab.issue(audience, claims={"iss": "https://accounts.google.com"})

    monkeypatch.setattr(ambient, "detect_gcp", gcp)
    token = oidc.ambient_token("pypi", gitlab.gitlab_environ())
    assert token.ci is oidc.GITLAB
    assert asked == []


def test_fallback_to_id_detect_credential(
    gitlab: OidcIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ambient, "detect_gcp", lambda audience: gitlab.issue(
        audience, claims={"iss": "https://accounts.google.com", "email": "ci@p.iam"}))
    token = oidc.ambient_token("pypi", {})
    assert token.ci is oidc.GOOGLE


def test_gitlab_variable_missing(gitlab: OidcIssuer) -> None:
    environ = gitlab.gitlab_environ(audiences=("sigstore",))
    with pytest.raises(oidc.AmbientTokenError) as caught:
        oidc.ambient_token("testpypi", environ)
    error = caught.value
    assert error.problem is oidc.Problem.MISSING_TOKEN
    assert error.message == (
        "GitLab CI/CD (GITLAB_CI=true): no ID token for audience 'testpypi': the variable "
        "TESTPYPI_ID_TOKEN is not set"
    )


def test_gitlab_token_for_another_audience(gitlab: OidcIssuer) -> None:
    environ = gitlab.gitlab_environ(PYPI_ID_TOKEN=gitlab.issue("sigstore"))
    with pytest.raises(oidc.AmbientTokenError) as caught:
        oidc.ambient_token("pypi", environ)
    assert caught.value.problem is oidc.Problem.WRONG_AUDIENCE
    assert "'sigstore', not 'pypi'" in str(caught.value)


def test_gitlab_token_not_a_jwt(gitlab: OidcIssuer) -> None:
    environ = gitlab.gitlab_environ(PYPI_ID_TOKEN="definitely-not-a-jwt")
    with pytest.raises(oidc.AmbientTokenError) as caught:
        oidc.ambient_token("pypi", environ)
    assert caught.value.problem is oidc.Problem.MALFORMED
    assert "definitely-not-a-jwt" not in str(caught.value)


# -- other CIs and no CI -----------------------------------------------------------------------


def test_no_ci_at_all() -> None:
    with pytest.raises(oidc.AmbientTokenError) as caught:
        oidc.ambient_token("pypi", {})
    error = caught.value
    assert error.problem is oidc.Problem.NO_IDENTITY
    for ci in oidc.SUPPORTED:
        assert ci.variable in str(error)


def test_buildkite_without_its_agent(tmp_path: Path) -> None:
    with pytest.raises(oidc.AmbientTokenError) as caught:
        oidc.ambient_token("pypi", {"BUILDKITE": "true", "PATH": str(tmp_path)})
    error = caught.value
    assert error.problem is oidc.Problem.TOOL
    assert error.ci is oidc.BUILDKITE
    assert str(error).startswith("Buildkite (BUILDKITE=true): could not find Buildkite agent")


def test_circleci_tool_is_used(tmp_path: Path, gitlab: OidcIssuer) -> None:
    token = gitlab.issue("pypi", claims={"iss": "https://oidc.circleci.com"})
    tool = tmp_path / "circleci"
    tool.write_text(f"#!/bin/sh\necho {token}\n")
    tool.chmod(0o755)
    found = oidc.ambient_token("pypi", {"CIRCLECI": "true", "PATH": str(tmp_path)})
    assert found.ci is oidc.CIRCLECI
    assert found.jwt == token


@pytest.mark.parametrize(("audience", "variable"), [
    ("pypi", "PYPI_ID_TOKEN"), ("testpypi", "TESTPYPI_ID_TOKEN"),
    ("https://x.example/aud", "HTTPS___X_EXAMPLE_AUD_ID_TOKEN"), ("1pypi", "_PYPI_ID_TOKEN"),
])
def test_gitlab_variable_name_matches_id(audience: str, variable: str) -> None:
    assert oidc.gitlab_variable(audience) == variable
    sanitized = ambient._env_var_regex.sub("_", audience.upper())
    assert f"{sanitized}_ID_TOKEN" == variable


def test_what_each_ci_needs_names_them_all() -> None:
    lines = oidc.what_each_ci_needs("testpypi")
    text = "\n".join(lines)
    for ci in oidc.SUPPORTED:
        assert ci.name in text
    assert "id-token: write" in text
    assert "`TESTPYPI_ID_TOKEN: {aud: testpypi}`" in text


def test_ci_for_issuer() -> None:
    assert oidc.ci_for_issuer(GITHUB_ISSUER) is oidc.GITHUB
    assert oidc.ci_for_issuer("https://elsewhere.example") is oidc.UNKNOWN


def test_decode_claims_rejects_non_jwts() -> None:
    with pytest.raises(ValueError, match="not a JWT"):
        oidc.decode_claims("a.b")
    header = "eyJhbGciOiJSUzI1NiJ9"
    with pytest.raises(ValueError, match="not a JSON object"):
        oidc.decode_claims(f"{header}.WzFd.sig")  # payload [1]
    assert re.fullmatch(r"[A-Z_]+", oidc.gitlab_variable("pypi"))
