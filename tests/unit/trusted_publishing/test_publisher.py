"""Trusted publishing against the local issuer and PyPI stand-ins: the flow, every failure's own
message, re-minting, and no token in any output."""

from __future__ import annotations

import dataclasses
import io
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import id as id_lib
import pytest

from publish_action import trusted_publishing as tp
from publish_action.ci import CiEnvironment
from publish_action.errors import ExitCode, PublishError, TrustedPublishingError
from publish_action.net import Net, NetSettings
from publish_action.redaction import Redactor
from publish_action.reporting import ConsoleReporter, FanOut, SilentReporter
from publish_action.settings import Credentials, Settings, TrustedPublishing
from publish_action.targets import IndexKind, classify
from tests.support.oidc_issuer import OidcIssuer
from tests.support.pypi_standin import PyPIStandIn, TrustedPublisherConfig

if TYPE_CHECKING:
    from collections.abc import Iterator

PROJECT = "sampleproject"
GITHUB_PUBLISHER = TrustedPublisherConfig(
    "github", "octo-org/sampleproject", "release.yml", projects=(PROJECT,)
)
GITLAB_PUBLISHER = TrustedPublisherConfig(
    "gitlab", "octo-group/sampleproject", ".gitlab-ci.yml", projects=(PROJECT,)
)


@pytest.fixture(autouse=True)
def _not_on_google_cloud(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_file(filename: str) -> object:
        raise OSError(filename)

    monkeypatch.setattr(id_lib, "detect_credential", lambda audience: None)


class Recorder(SilentReporter):
    """Keeps every message as given (before redaction): nothing may even try to print a token."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, message: str) -> None:
        self.lines.append(f"info: {message}")

    def warning(self, message: str, *, filename: str | None = None) -> None:
        self.lines.append(f"warning: {message}")

    def debug(self, message: str) -> None:
        self.lines.append(f"debug: {message}")

    def failed(self, error: PublishError, *, traceback: str = "") -> None:
        self.lines.append(error.render())


@dataclasses.dataclass
class Run:
    index: PyPIStandIn
    github: OidcIssuer
    gitlab: OidcIssuer
    http: httpx.Client
    net: Net
    redactor: Redactor = dataclasses.field(default_factory=Redactor)
    recorder: Recorder = dataclasses.field(default_factory=Recorder)
    out: io.StringIO = dataclasses.field(default_factory=io.StringIO)
    masked: list[str] = dataclasses.field(default_factory=list)

    def __post_init__(self) -> None:
        # What github.py does: `::add-mask::` each secret the moment it is registered.
        def mask(secret: str) -> None:
            self.masked.append(secret)
            self.out.write(f"::add-mask::{secret}\n")

        self.redactor.on_new_secret(mask)
        console = ConsoleReporter(self.redactor, verbose=True, out=self.out, err=self.out)
        self.reporter = FanOut([console, self.recorder])

    def settings(
        self,
        *,
        mode: TrustedPublishing = TrustedPublishing.AUTO,
        password: str | None = None,
        kind: IndexKind | None = None,
    ) -> Settings:
        profile = classify(self.index.upload_url)
        if kind is not None:
            profile = dataclasses.replace(profile, kind=kind)
        return Settings(
            repository_url=self.index.upload_url,
            index=profile,
            index_url=None,
            index_url_note="",
            upload_credentials=Credentials("__token__", password) if password else None,
            check_credentials=None,
            check_credentials_explicit=False,
            packages_dir=Path("dist"),
            trusted_publishing=mode,
            retries=1,
            timeout=10.0,
        )

    def obtain(self, environ: dict[str, str], **settings: Any) -> tp.TrustedPublisher | None:
        return tp.obtain(
            self.settings(**settings),
            self.reporter,
            projects=[PROJECT],
            ci_env=CiEnvironment.read(environ),
            net=self.net,
            redactor=self.redactor,
        )

    def fail(self, environ: dict[str, str], **settings: Any) -> TrustedPublishingError:
        with pytest.raises(TrustedPublishingError) as caught:
            self.obtain(environ, **settings)
        error = caught.value
        assert error.exit_code is ExitCode.TRUSTED_PUBLISHING
        self.reporter.failed(error)
        return error

    def output(self) -> str:
        return self.out.getvalue()

    def assert_no_token_anywhere(self) -> None:
        secrets = [*self.index.minted_tokens, *self.github.issued, *self.gitlab.issued]
        raw = "\n".join(self.recorder.lines)
        printed = "\n".join(
            line for line in self.output().splitlines() if not line.startswith("::add-mask::")
        )
        for secret in secrets:
            assert secret not in raw
            assert secret not in printed


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


def render(error: PublishError) -> str:
    return error.render()


# -- the flow -------------------------------------------------------------------------------


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


# -- when it does not apply -------------------------------------------------------------------


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


# -- the index's audience endpoint ------------------------------------------------------------


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


def test_unexpected_audience_status(run: Run) -> None:
    run.index.audience_status = 500
    error = run.fail(run.github.github_environ())
    assert "answered the audience request with unexpected HTTP 500" in error.message
    warnings = [line for line in run.recorder.lines if line.startswith("warning:")]
    assert len(warnings) == 1 and "retrying" in warnings[0]  # retries=1


def test_unreachable_index(run: Run) -> None:
    run.index.__exit__()
    error = run.fail(run.github.github_environ())
    assert error.message.startswith("trusted publishing: could not reach 127.0.0.1:")
    assert "caused by:" in render(error)


# -- the CI's identity -----------------------------------------------------------------------


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


# -- the index refuses the token -------------------------------------------------------------


def test_no_matching_publisher_shows_codes_claims_and_a_prefilled_link(run: Run) -> None:
    run.index.publishers.clear()
    environ = OidcIssuer.github(environment=None).github_environ()
    environ.update(
        ACTIONS_ID_TOKEN_REQUEST_URL=run.github.token_request_url,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN=run.github.request_token,
    )
    error = run.fail(environ, kind=IndexKind.PYPI)
    assert error.message == (
        f"trusted publishing: {run.index.url[7:-1]} refused to mint an upload token for this "
        "GitHub Actions identity (POST /_/oidc/mint-token → HTTP 422)"
    )
    assert error.details[0] == (
        "invalid-publisher: valid token, but no corresponding publisher "
        "(Publisher with matching claims was not found)"
    )
    text = render(error)
    assert "  repository: octo-org/sampleproject" in text
    assert (
        "  workflow_ref: octo-org/sampleproject/.github/workflows/release.yml@refs/tags/"
        "v1.0.0" in text
    )
    assert "  job_workflow_ref: octo-org/sampleproject/.github/workflows/release.yml@" in text
    assert "  ref: refs/tags/v1.0.0" in text
    assert "  event_name: push" in text
    assert "  environment: pypi" in text  # the module-scoped issuer's claims
    assert (
        "https://pypi.org/manage/project/sampleproject/settings/publishing/?provider=github"
        "&owner=octo-org&repository=sampleproject&workflow_filename=release.yml"
        "&environment=pypi"
    ) in text
    assert "https://pypi.org/manage/account/publishing/" in text
    assert error.advice.startswith("add a trusted publisher on ")
    run.assert_no_token_anywhere()


def test_missing_claims_are_shown_as_missing(run: Run) -> None:
    run.index.publishers.clear()
    with OidcIssuer.github(environment=None) as issuer:
        run.index.trust(issuer)
        error = run.fail(issuer.github_environ(), kind=IndexKind.TESTPYPI)
    text = render(error)
    assert "  environment: MISSING" in text
    assert (
        "https://test.pypi.org/manage/project/sampleproject/settings/publishing/"
        "?provider=github&owner=octo-org&repository=sampleproject"
        "&workflow_filename=release.yml\n"
    ) in text + "\n"


def test_wrong_environment_does_not_match(run: Run) -> None:
    run.index.publishers[:] = [dataclasses.replace(GITHUB_PUBLISHER, environment="release")]
    error = run.fail(run.github.github_environ())
    assert "invalid-publisher" in error.details[0]
    assert "pypi.org/manage" not in render(error)  # not PyPI: no link


def test_gitlab_refusal_shows_gitlab_claims_and_link(run: Run) -> None:
    run.index.publishers.clear()
    error = run.fail(run.gitlab.gitlab_environ(), kind=IndexKind.PYPI)
    text = render(error)
    assert "  project_path: octo-group/sampleproject" in text
    assert (
        "  ci_config_ref_uri: gitlab.com/octo-group/sampleproject//.gitlab-ci.yml@"
        "refs/tags/v1.0.0" in text
    )
    assert (
        "?provider=gitlab&namespace=octo-group&project=sampleproject"
        "&workflow_filepath=.gitlab-ci.yml&environment=pypi"
    ) in text


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


# -- malformed or unexpected answers ------------------------------------------------------------


def test_malformed_mint_answer_never_echoes_the_token(run: Run) -> None:
    run.index.mint_answer = (
        200,
        "application/json",
        '{"success": true, "token": "pypi-LEAKED-0123456789", "expires": "soon"}',
    )
    error = run.fail(run.github.github_environ())
    assert "gave a malformed answer to the token exchange" in error.message
    assert "pypi-LEAKED-0123456789" not in render(error)
    assert "pypi-LEAKED-0123456789" in run.masked


def test_mint_answer_without_token(run: Run) -> None:
    run.index.mint_answer = (200, "application/json", '{"success": false}')
    error = run.fail(run.github.github_environ())
    assert "malformed answer" in error.message


def test_mint_server_error_retries_with_a_fresh_oidc_token(run: Run) -> None:
    run.index.mint_answer = (502, "text/html", "<html><title>502 Bad Gateway</title></html>")
    issued = len(run.github.issued)
    error = run.fail(run.github.github_environ())
    assert (
        "gave an unexpected answer to the token exchange (POST /_/oidc/mint-token → HTTP "
        "502: Bad Gateway" in error.message
    )
    assert len(run.github.issued) - issued == 2  # one attempt + one retry, each its own JWT


def test_malformed_audience_answer(run: Run) -> None:
    run.index.audience_status = None
    run.index.audience = ""
    error = run.fail(run.github.github_environ())
    assert "gave a malformed answer to the audience request" in error.message


# -- reusable workflows -------------------------------------------------------------------------


def test_reusable_workflow_warns(run: Run) -> None:
    with OidcIssuer.github(
        called_workflow="octo-org/sampleproject/.github/workflows/publish.yml@refs/tags/v1.0.0"
    ) as issuer:
        run.index.trust(issuer)
        run.index.add_publisher(dataclasses.replace(GITHUB_PUBLISHER, workflow="publish.yml"))
        publisher = run.obtain(issuer.github_environ())
    assert publisher is not None
    assert publisher.identity.reusable_workflow
    assert publisher.identity.workflow == "publish.yml"
    warnings = [line for line in run.recorder.lines if line.startswith("warning:")]
    assert len(warnings) == 1
    assert (
        "reusable workflow (octo-org/sampleproject/.github/workflows/publish.yml@" in (warnings[0])
    )
    assert (
        "PyPI matches trusted publishers against the called workflow ('publish.yml'"
        in (warnings[0])
    )


# -- tokens expire ----------------------------------------------------------------------------


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


@pytest.mark.parametrize("status", [401, 403, 302])
def test_other_indexes_refusing_the_audience_path_are_not_trusted_publishing(
    run: Run, status: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A private index that wants credentials (or redirects) everywhere is not Warehouse: its
    403 is a plain page, not `{"message": "Trusted publishing functionality not enabled"}`."""

    def answer() -> tuple[int, str, bytes, str | None]:
        return status, "text/html", b"<html><body>Go away</body></html>", None

    monkeypatch.setattr(run.index, "_audience", answer)
    assert run.obtain(run.github.github_environ()) is None
    assert any(
        f"answered {status}); uploading without credentials" in line for line in run.recorder.lines
    )


# -- the PyPI stand-in itself (what the tests above rely on) ------------------------------------


def _upload(run: Run, token: str, filename: str, content: bytes, **extra: str) -> httpx.Response:
    import hashlib

    data = {
        ":action": "file_upload",
        "protocol_version": "1",
        "name": PROJECT,
        "version": "1.0.0",
        "sha256_digest": hashlib.sha256(content).hexdigest(),
        **extra,
    }
    return run.http.post(
        run.index.upload_url,
        data=data,
        files={"content": (filename, content)},
        auth=("__token__", token),
    )


def test_standin_upload_rules_and_simple_pages(run: Run) -> None:
    publisher = run.obtain(run.github.github_environ())
    assert publisher is not None
    token = publisher.current().password
    wheel = "sampleproject-1.0.0-py3-none-any.whl"
    assert _upload(run, token, wheel, b"one").status_code == 200
    assert _upload(run, token, wheel, b"one").status_code == 200  # identical again: fine
    clash = _upload(run, token, wheel, b"two")
    assert clash.status_code == 400
    assert clash.reason_phrase.startswith(f"File already exists ('{wheel}', with blake2_256")
    lying = _upload(run, token, "sampleproject-1.0.0.tar.gz", b"x", sha256_digest="0" * 64)
    assert lying.status_code == 400 and "digest" in lying.reason_phrase
    other = run.http.post(
        run.index.upload_url,
        auth=("__token__", token),
        data={":action": "file_upload", "name": "otherproject", "version": "1.0"},
        files={"content": ("otherproject-1.0.tar.gz", b"x")},
    )
    assert other.status_code == 403
    assert "not valid for project 'otherproject'" in other.reason_phrase
    upload = next(r for r in run.index.requests if r.path == "/legacy/")
    assert upload.fields[:2] == (":action", "protocol_version") and "content" in upload.fields
    assert upload.user == "__token__"

    page = run.http.get(
        f"{run.index.index_url}{PROJECT}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
    )
    entry = page.json()["files"][0]
    assert entry["filename"] == wheel
    assert entry["hashes"]["sha256"] == run.index.files[wheel].sha256
    assert run.http.get(run.index.url + entry["url"].lstrip("/")).content == b"one"
    html_page = run.http.get(f"{run.index.index_url}{PROJECT}/")
    assert f"#sha256={run.index.files[wheel].sha256}" in html_page.text
    moved = run.http.get(f"{run.index.index_url}SampleProject/")
    assert moved.status_code == 301 and moved.headers["location"] == f"/simple/{PROJECT}/"
    assert run.http.get(f"{run.index.index_url}nothing-here/").status_code == 404


def test_standin_refuses_expired_tokens(run: Run) -> None:
    run.index.token_lifetime = -1
    publisher = run.obtain(run.github.github_environ())
    assert publisher is not None
    response = _upload(run, run.index.minted_tokens[-1], "sampleproject-1.0.0.tar.gz", b"x")
    assert response.status_code == 403
    assert response.reason_phrase == "Invalid API Token: token is expired"


def test_standin_attestation_hook(run: Run) -> None:
    seen: list[tuple[Any, ...]] = []

    def verifier(identity: Any, filename: str, content: bytes, text: str) -> str | None:
        seen.append((identity, filename, content, text))
        return None if filename.endswith(".whl") else "Verification failed: wrong workflow"

    run.index.attestation_verifier = verifier
    publisher = run.obtain(run.github.github_environ())
    assert publisher is not None
    token = publisher.current().password
    wheel = "sampleproject-1.0.0-py3-none-any.whl"
    attestation = json.dumps([{"version": 1}])
    assert _upload(run, token, wheel, b"w", attestations=attestation).status_code == 200
    refused = _upload(run, token, "sampleproject-1.0.0.tar.gz", b"s", attestations=attestation)
    assert refused.status_code == 400
    assert refused.reason_phrase == (
        "Invalid attestations supplied during upload: Verification failed: wrong workflow"
    )
    empty = _upload(run, token, "sampleproject-1.0.0.zip", b"z", attestations="[]")
    assert "an empty attestation set is not permitted" in empty.reason_phrase
    identity, filename, content, text = seen[0]
    assert (identity.kind, identity.repository, identity.workflow) == (
        "GitHub",
        "octo-org/sampleproject",
        "release.yml",
    )
    assert identity.claims["jti"] == run.index.minted[-1].claims["jti"]
    assert (filename, content, text) == (wheel, b"w", attestation)
    provenance = run.http.get(f"{run.index.url}integrity/{PROJECT}/1.0.0/{wheel}/provenance")
    bundle = provenance.json()["attestation_bundles"][0]
    assert bundle["publisher"]["kind"] == "GitHub" and bundle["attestations"] == [{"version": 1}]
