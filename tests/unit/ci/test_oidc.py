"""`ci`: the CI's variables read once, its tokens' claims, and OIDC tokens from each CI
(GitHub's endpoint against the local issuer stand-in, GitLab's variables, Buildkite's and
CircleCI's tools, `id.detect_credential` for the rest)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import id as id_lib
import pytest

from publish_action import ci
from publish_action.ci import CiEnvironment, Problem
from publish_action.net import Net, NetSettings
from tests.support.oidc_issuer import OidcIssuer


@pytest.fixture
def fresh_github() -> Iterator[OidcIssuer]:
    with OidcIssuer.github() as issuer:
        yield issuer


def token(audience: str, environ: dict[str, str], *, timeout: float = 5.0) -> ci.AmbientToken:
    with Net(NetSettings(timeout=timeout, retries=0), environ={}) as net:
        return ci.ambient_token(audience, CiEnvironment.read(environ), net, timeout=timeout)


def fails(audience: str, environ: dict[str, str], **kwargs: float) -> ci.AmbientTokenError:
    with pytest.raises(ci.AmbientTokenError) as caught:
        token(audience, environ, **kwargs)
    return caught.value


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _event(tmp_path: Path, head: str, fork: bool) -> str:
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "pull_request": {
                    "head": {"repo": {"full_name": head, "fork": fork}},
                    "base": {"repo": {"full_name": "octo-org/sampleproject", "fork": False}},
                }
            }
        )
    )
    return str(event)


def test_github_token_from_its_request_endpoint(github: OidcIssuer) -> None:
    before = len(github.requests)
    found = token("pypi", github.github_environ())
    assert found.ci is ci.GITHUB
    assert (found.claims["aud"], found.claims["repository"]) == ("pypi", "octo-org/sampleproject")
    assert found.jwt == github.issued[-1]
    assert found.source.startswith("ACTIONS_ID_TOKEN_REQUEST_URL (http://127.0.0.1:")
    request = github.requests[before]
    assert request.query == {"api-version": "2.0", "audience": "pypi"}
    assert request.authorized
    assert "jwt=***" in repr(found) and found.jwt not in repr(found)


def test_every_call_gets_a_fresh_token(github: OidcIssuer) -> None:
    environ = github.github_environ()
    first, second = token("pypi", environ), token("pypi", environ)
    assert first.jti and second.jti and first.jti != second.jti


def test_missing_permission(github: OidcIssuer) -> None:
    environ = github.github_environ()
    del environ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"], environ["ACTIONS_ID_TOKEN_REQUEST_URL"]
    error = fails("pypi", environ)
    assert (error.problem, error.ci) == (Problem.PERMISSION, ci.GITHUB)
    assert error.message == (
        "GitHub Actions (GITHUB_ACTIONS=true): this job may not request an OIDC token "
        "(ACTIONS_ID_TOKEN_REQUEST_TOKEN and ACTIONS_ID_TOKEN_REQUEST_URL are not set)"
    )
    assert "id-token: write" in ci.advice_for(error, "pypi")


def test_pull_request_from_a_fork(github: OidcIssuer, tmp_path: Path) -> None:
    environ = github.github_environ(
        GITHUB_EVENT_NAME="pull_request",
        GITHUB_EVENT_PATH=_event(tmp_path, "mallory/sampleproject", True),
    )
    del environ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]
    error = fails("pypi", environ)
    assert error.problem is Problem.FORK_PULL_REQUEST
    assert (
        "pull request from a fork (mallory/sampleproject → octo-org/sampleproject)" in error.message
    )
    assert "workflow_dispatch" in ci.advice_for(error, "pypi")


def test_same_repository_pull_request_is_a_permission_problem(
    github: OidcIssuer,
    tmp_path: Path,
) -> None:
    environ = github.github_environ(
        GITHUB_EVENT_NAME="pull_request",
        GITHUB_EVENT_PATH=_event(tmp_path, "octo-org/sampleproject", False),
    )
    del environ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]
    assert fails("pypi", environ).problem is Problem.PERMISSION


def test_refused_connection_is_not_called_a_timeout(github: OidcIssuer) -> None:
    url = f"http://127.0.0.1:{closed_port()}/idtoken?api-version=2.0"
    started = time.monotonic()
    error = fails("pypi", github.github_environ(ACTIONS_ID_TOKEN_REQUEST_URL=url))
    assert error.problem is Problem.UNREACHABLE
    assert "ACTIONS_ID_TOKEN_REQUEST_URL (http://127.0.0.1:" in error.message
    assert error.message.endswith(": connection refused")
    assert "timed out" not in error.message
    assert time.monotonic() - started < 10


def test_slow_token_service_is_bounded(fresh_github: OidcIssuer) -> None:
    fresh_github.delay = 3.0
    started = time.monotonic()
    error = fails("pypi", fresh_github.github_environ(), timeout=1.0)
    assert time.monotonic() - started < 2.5
    assert error.problem is Problem.TIMEOUT
    assert "ACTIONS_ID_TOKEN_REQUEST_URL" in error.message


@pytest.mark.parametrize(
    ("status", "body"), [(500, '{"message": "internal error"}'), (401, '{"message": "bad token"}')]
)
def test_token_service_refuses(fresh_github: OidcIssuer, status: int, body: str) -> None:
    fresh_github.fail_with = (status, body)
    error = fails("pypi", fresh_github.github_environ())
    assert error.problem is Problem.REFUSED and f"HTTP {status}" in error.message


def test_malformed_answer(fresh_github: OidcIssuer) -> None:
    fresh_github.answer_body = '{"count": 1}'
    assert fails("pypi", fresh_github.github_environ()).problem is Problem.MALFORMED


def test_gitlab_token_from_its_variable(gitlab: OidcIssuer, _no_cloud: list[str]) -> None:
    environ = gitlab.gitlab_environ()
    found = token("pypi", environ)
    assert (found.ci, found.source, found.jwt) == (
        ci.GITLAB,
        "PYPI_ID_TOKEN",
        environ["PYPI_ID_TOKEN"],
    )
    assert found.claims["project_path"] == "octo-group/sampleproject"
    assert _no_cloud == []  # a GitLab.com runner is a GCE VM: its metadata is not asked


def test_gitlab_variable_missing(gitlab: OidcIssuer) -> None:
    error = fails("testpypi", gitlab.gitlab_environ(audiences=("sigstore",)))
    assert error.problem is Problem.MISSING_TOKEN
    assert error.message == (
        "GitLab CI/CD (GITLAB_CI=true): no ID token for audience "
        "'testpypi': the variable TESTPYPI_ID_TOKEN is not set"
    )
    assert "`id_tokens:` → `TESTPYPI_ID_TOKEN:`" in ci.advice_for(error, "testpypi")


def test_gitlab_token_for_another_audience_or_not_a_jwt(gitlab: OidcIssuer) -> None:
    wrong = fails("pypi", gitlab.gitlab_environ(PYPI_ID_TOKEN=gitlab.issue("sigstore")))
    assert wrong.problem is Problem.WRONG_AUDIENCE and "'sigstore', not 'pypi'" in wrong.message
    junk = fails("pypi", gitlab.gitlab_environ(PYPI_ID_TOKEN="definitely-not-a-jwt"))
    assert junk.problem is Problem.MALFORMED and "definitely-not-a-jwt" not in junk.message


def test_no_ci_at_all_asks_id_then_says_what_each_ci_needs(_no_cloud: list[str]) -> None:
    error = fails("pypi", {})
    assert error.problem is Problem.NO_IDENTITY and _no_cloud == ["pypi"]
    for known in ci.SUPPORTED:
        assert known.variable in error.message
    text = "\n".join(ci.what_each_ci_needs("testpypi"))
    assert all(known.name in text for known in ci.SUPPORTED)
    assert "`TESTPYPI_ID_TOKEN: {aud: testpypi}`" in text


def test_google_cloud_through_id(gitlab: OidcIssuer, monkeypatch: pytest.MonkeyPatch) -> None:
    google = gitlab.issue(
        "pypi", claims={"iss": "https://accounts.google.com", "email": "ci@p.iam"}
    )
    monkeypatch.setattr(id_lib, "detect_credential", lambda audience: google)
    assert token("pypi", {}).ci is ci.GOOGLE


def test_buildkite_without_its_agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    error = fails("pypi", {"BUILDKITE": "true"})
    assert (error.problem, error.ci) == (Problem.TOOL, ci.BUILDKITE)
    assert "`buildkite-agent` is not on PATH" in error.message


@pytest.mark.parametrize(
    ("variable", "tool", "expected"),
    [("CIRCLECI", "circleci", "circleci"), ("BUILDKITE", "buildkite-agent", "buildkite")],
)
def test_the_ci_tool_gives_the_token(
    tmp_path: Path,
    gitlab: OidcIssuer,
    variable: str,
    tool: str,
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    issued = gitlab.issue("pypi", claims={"iss": "https://oidc.circleci.com"})
    script = tmp_path / tool
    script.write_text(f'#!/bin/sh\necho "$@" > {tmp_path}/args\necho {issued}\n')
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    found = token("pypi", {variable: "true"})
    assert found.ci.key == expected and found.jwt == issued
    assert "pypi" in (tmp_path / "args").read_text()


def test_a_failing_tool_says_what_it_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "circleci"
    script.write_text("#!/bin/sh\necho 'not in a job' >&2\nexit 3\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    error = fails("pypi", {"CIRCLECI": "true"})
    assert error.problem is Problem.TOOL and "not in a job" in error.message
