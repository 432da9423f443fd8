"""Trusted publishing against the local issuer and PyPI stand-ins: the flow, every failure's own
message, re-minting, and no token in any output."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import pytest

from publish_action import trusted_publishing as tp
from publish_action.ci import CiEnvironment
from publish_action.errors import TrustedPublishingError
from publish_action.net import Net, NetSettings
from publish_action.settings import TrustedPublishing
from publish_action.targets import classify
from tests.unit.trusted_publishing.harness import (
    GITHUB_PUBLISHER,
    PROJECT,
    Run,
    render,
)


def test_github_run_mints_an_upload_token(run: Run) -> None:
    publisher = run.obtain(run.github.github_environ())
    assert publisher is not None
    credentials = publisher.current()
    assert credentials.username == "__token__"
    assert credentials.password == run.index.minted_tokens[-1]
    assert credentials.password.startswith("pypi-")
    identity = publisher.identity
    assert (identity.ci, identity.ci_key, publisher.audience) == (
        "GitHub Actions",
        "github",
        "pypi",
    )
    assert publisher.origin == run.index.url.rstrip("/")
    assert identity.repository == "octo-org/sampleproject"
    assert identity.workflow == "release.yml"
    assert identity.environment == "pypi"
    assert identity.claims["aud"] == "pypi"
    assert publisher.expires is not None and publisher.expires > time.time() + 800
    assert run.index.paths() == ["/_/oidc/audience", "/_/oidc/mint-token"]
    assert any(
        "minted an upload token for the GitHub Actions identity octo-org/sampleproject "
        "(workflow release.yml, environment pypi, ref refs/tags/v1.0.0)" in line
        for line in run.recorder.lines
    )
    # Both tokens were registered (so masked on GitHub) before any line could show them.
    jwt = run.github.issued[-1]
    assert run.masked[:2] == [jwt, credentials.password]
    assert run.output().index(f"::add-mask::{credentials.password}") < run.output().index(
        "minted an upload token"
    )
    run.assert_no_token_anywhere()


def test_gitlab_run_mints_an_upload_token(run: Run) -> None:
    environ = run.gitlab.gitlab_environ()
    publisher = run.obtain(environ)
    assert publisher is not None
    assert publisher.ci == "GitLab CI/CD"
    assert publisher.identity.repository == "octo-group/sampleproject"
    assert publisher.identity.workflow == ".gitlab-ci.yml"
    assert publisher.current().password == run.index.minted_tokens[-1]
    assert environ["PYPI_ID_TOKEN"] in run.masked
    run.assert_no_token_anywhere()


def test_the_minted_token_uploads(run: Run, tmp_path: Path) -> None:
    publisher = run.obtain(run.github.github_environ())
    assert publisher is not None
    credentials = publisher.current()
    content = b"not really a wheel"
    response = run.http.post(
        run.index.upload_url,
        data={
            ":action": "file_upload",
            "protocol_version": "1",
            "name": PROJECT,
            "version": "1.0.0",
        },
        files={"content": ("sampleproject-1.0.0-py3-none-any.whl", content)},
        auth=(credentials.username, credentials.password),
    )
    assert response.status_code == 200
    assert "sampleproject-1.0.0-py3-none-any.whl" in run.index.files
    forged = run.http.post(
        run.index.upload_url,
        data={":action": "file_upload", "name": PROJECT, "version": "1.0.0"},
        files={"content": ("sampleproject-1.0.0.tar.gz", content)},
        auth=("__token__", "pypi-not-minted-here"),
    )
    assert forged.status_code == 403


def test_auto_with_a_password_uses_the_password(run: Run) -> None:
    assert run.obtain(run.github.github_environ(), password="pypi-configured") is None
    assert run.index.requests == []


def test_never(run: Run) -> None:
    assert run.obtain(run.github.github_environ(), mode=TrustedPublishing.NEVER) is None
    assert run.index.requests == []


def test_auto_on_an_index_without_it_says_so_once(run: Run) -> None:
    run.index.audience_status = 404
    asked = len(run.github.requests)
    assert run.obtain(run.github.github_environ()) is None
    infos = [line for line in run.recorder.lines if line.startswith("info:")]
    assert infos == [
        f"info: trusted publishing: not used, {run.index.url[7:-1]} does not offer it "
        "(GET /_/oidc/audience answered 404); uploading without credentials"
    ]
    assert len(run.github.requests) == asked  # no OIDC token was requested


def test_always_with_a_password_ignores_it(run: Run) -> None:
    publisher = run.obtain(
        run.github.github_environ(), mode=TrustedPublishing.ALWAYS, password="pypi-configured"
    )
    assert publisher is not None
    assert publisher.current().password != "pypi-configured"
    assert "info: trusted publishing: 'always', so the configured password is not used" in (
        run.recorder.lines
    )


def test_always_on_an_index_without_it(run: Run) -> None:
    run.index.audience_status = 404
    error = run.fail(run.github.github_environ(), mode=TrustedPublishing.ALWAYS)
    assert error.message.endswith(
        "does not offer trusted publishing (GET /_/oidc/audience answered 404)"
    )


def test_switched_off(run: Run) -> None:
    run.index.audience_status = 403
    error = run.fail(run.github.github_environ())
    assert (
        "has trusted publishing switched off (GET /_/oidc/audience answered 403: "
        "Forbidden: Trusted publishing functionality not enabled)" in error.message
    )


def test_no_ci_identity(run: Run) -> None:
    error = run.fail({})
    text = render(error)
    assert error.message.startswith("trusted publishing: no OIDC identity: ")
    for needed in (
        "GitHub Actions: `permissions: id-token: write`",
        "GitLab CI/CD: in the job, `id_tokens:` with `PYPI_ID_TOKEN: {aud: pypi}`",
        "Google Cloud:",
        "Buildkite:",
        "CircleCI:",
        "docker run",
    ):
        assert needed in text
    assert "'password'" in error.advice


def test_missing_permission(run: Run) -> None:
    environ = run.github.github_environ()
    del environ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]
    error = run.fail(environ)
    assert error.message == (
        "trusted publishing: GitHub Actions (GITHUB_ACTIONS=true): this job may not request "
        "an OIDC token (ACTIONS_ID_TOKEN_REQUEST_TOKEN is not set)"
    )
    assert "`permissions: id-token: write`" in error.advice


def test_fork_pull_request(run: Run, tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "pull_request": {
                    "head": {"repo": {"full_name": "mallory/sampleproject", "fork": True}},
                    "base": {"repo": {"full_name": "octo-org/sampleproject"}},
                }
            }
        )
    )
    environ = run.github.github_environ(
        GITHUB_EVENT_NAME="pull_request", GITHUB_EVENT_PATH=str(event)
    )
    del environ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]
    del environ["ACTIONS_ID_TOKEN_REQUEST_URL"]
    error = run.fail(environ)
    assert "pull request from a fork (mallory/sampleproject → octo-org/sampleproject)" in (
        error.message
    )
    assert "`push` of a tag, `release`, or `workflow_dispatch`" in error.advice


def test_gitlab_without_id_tokens(run: Run) -> None:
    environ = run.gitlab.gitlab_environ(audiences=())
    error = run.fail(environ)
    assert error.message == (
        "trusted publishing: GitLab CI/CD (GITLAB_CI=true): no ID token "
        "for audience 'pypi': the variable PYPI_ID_TOKEN is not set"
    )
    assert "`id_tokens:` → `PYPI_ID_TOKEN:` → `aud: pypi`" in error.advice


def test_gitlab_id_token_for_the_wrong_audience(run: Run) -> None:
    run.index.audience = "testpypi"
    error = run.fail(
        run.gitlab.gitlab_environ(audiences=("pypi",), TESTPYPI_ID_TOKEN=run.gitlab.issue("pypi"))
    )
    assert "the OIDC token is for audience 'pypi', not 'testpypi'" in error.message
    assert "set `aud: testpypi` for TESTPYPI_ID_TOKEN" in error.advice


def test_token_service_unreachable(run: Run) -> None:
    environ = run.github.github_environ(
        ACTIONS_ID_TOKEN_REQUEST_URL="http://127.0.0.1:9/idtoken?api-version=2.0"
    )
    error = run.fail(environ)
    assert error.message.endswith(
        "could not reach ACTIONS_ID_TOKEN_REQUEST_URL (http://127.0.0.1:9): connection refused"
    )


def test_wrong_environment_does_not_match(run: Run) -> None:
    run.index.publishers[:] = [dataclasses.replace(GITHUB_PUBLISHER, environment="release")]
    error = run.fail(run.github.github_environ())
    assert "invalid-publisher" in error.details[0]
    assert "pypi.org/manage" not in render(error)  # not PyPI: no link


def test_token_already_used(run: Run) -> None:
    environ = run.gitlab.gitlab_environ()
    assert run.obtain(environ) is not None
    error = run.fail(environ)  # a second run (another process) with the same GitLab token
    assert error.details[0] == "invalid-reuse-token: invalid token: already used"
    assert "already used" in error.advice


def test_expired_oidc_token(run: Run) -> None:
    stale = run.gitlab.issue("pypi", now=time.time() - 7200, lifetime=600)
    error = run.fail(run.gitlab.gitlab_environ(audiences=(), PYPI_ID_TOKEN=stale))
    assert error.details[0] == "invalid-token: malformed or invalid token"
    assert "runner's clock" in error.advice


def test_forged_signature(run: Run) -> None:
    forged = run.gitlab.issue("pypi", sign_with="someone else")
    error = run.fail(run.gitlab.gitlab_environ(audiences=(), PYPI_ID_TOKEN=forged))
    assert error.details[0] == "invalid-token: malformed or invalid token"


def test_issuer_switched_off(run: Run) -> None:
    run.index.disabled_issuers.add("https://token.actions.githubusercontent.com")
    error = run.fail(run.github.github_environ())
    assert error.details[0] == "not-enabled: github trusted publishing functionality not enabled"
    assert "API token" in error.advice


def test_unknown_issuer(run: Run) -> None:
    del run.index.issuers["https://gitlab.com"]
    error = run.fail(run.gitlab.gitlab_environ())
    assert error.details[0] == "invalid-payload: unknown trusted publishing issuer"
    assert "issuer https://gitlab.com" in error.advice


def test_pending_publisher_for_an_existing_project(run: Run) -> None:
    run.index.publishers[:] = [
        dataclasses.replace(GITHUB_PUBLISHER, projects=(), pending_project=PROJECT)
    ]
    run.index.existing_projects.add(PROJECT)
    error = run.fail(run.github.github_environ())
    assert error.details[0] == (
        "invalid-pending-publisher: valid token, but project already exists"
    )
    assert "add the publisher to the project itself" in error.advice


def test_pending_publisher_creates_the_project(run: Run) -> None:
    run.index.publishers[:] = [
        dataclasses.replace(GITHUB_PUBLISHER, projects=(), pending_project=PROJECT)
    ]
    assert run.obtain(run.github.github_environ()) is not None
    assert PROJECT in run.index.existing_projects


def test_current_re_mints_before_expiry(run: Run) -> None:
    run.index.token_lifetime = 30  # within RENEW_MARGIN: every current() mints afresh
    publisher = run.obtain(run.github.github_environ())
    assert publisher is not None
    first = publisher.current()
    second = publisher.current()
    assert first != second
    assert second.password == run.index.minted_tokens[-1]
    assert publisher.mints == 3
    jtis = [m.claims["jti"] for m in run.index.minted]
    assert len(set(jtis)) == 3  # each mint used a fresh OIDC token
    run.assert_no_token_anywhere()


def test_current_keeps_a_valid_token(run: Run) -> None:
    publisher = run.obtain(run.github.github_environ())
    assert publisher is not None
    assert publisher.current() == publisher.current()
    assert publisher.mints == 1


def test_renew_after_refusal(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    publisher = run.obtain(run.github.github_environ())
    assert publisher is not None
    old = publisher.current()
    monkeypatch.setattr(publisher, "_minted_at", time.monotonic() - 10)
    fresh = publisher.renew()
    assert fresh != old and publisher.mints == 2
    assert fresh.password in run.masked


def test_gitlab_cannot_re_mint_with_its_single_token(run: Run) -> None:
    run.index.token_lifetime = 30
    publisher = run.obtain(run.gitlab.gitlab_environ())
    assert publisher is not None
    with pytest.raises(TrustedPublishingError) as caught:
        publisher.current()
    error = caught.value
    assert error.message == (
        "trusted publishing: the upload token expired and GitLab CI/CD gave the same OIDC "
        "token again (PYPI_ID_TOKEN), which the index accepts only once"
    )
    assert "keep each publishing job under the upload token's lifetime" in error.advice
    assert len(run.index.minted) == 1  # not even sent


def test_identity_before_minting_is_an_error(run: Run) -> None:
    exchange = tp.IndexExchange(
        Net(NetSettings(retries=0), environ={}), run.index.upload_url, reporter=run.reporter
    )
    publisher = tp.TrustedPublisher(
        exchange,
        audience="pypi",
        ci_env=CiEnvironment.read({}),
        redactor=run.redactor,
        reporter=run.reporter,
        projects=[PROJECT],
        index=classify(run.index.upload_url),
    )
    with pytest.raises(RuntimeError):
        _ = publisher.identity
