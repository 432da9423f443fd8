"""Issue 4 end to end: trusted publishing from GitHub- and GitLab-style jobs through the CLI.

Each run is ``publish_action.cli.main`` with the environment a CI job would have, against the
local OIDC issuer (``tests/support/oidc_issuer.py``) and the local PyPI stand-in
(``tests/support/pypi_standin.py``), which accepts uploads only with tokens it minted. Checked
every time: the exit code, the index's own record of requests and files, and that no OIDC token
or upload token appears in stdout, stderr or the JSON report (except GitHub's ``::add-mask::``
lines, which must come before anything else could print the token).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import id as id_lib
import pytest

from publish_action.cli import main
from tests.support import runner_log, samples, snapshots
from tests.support.oidc_issuer import OidcIssuer
from tests.support.pypi_standin import PyPIStandIn, TrustedPublisherConfig

if TYPE_CHECKING:
    from collections.abc import Iterator

PROJECT = "sampleproject"
GITHUB_PUBLISHER = TrustedPublisherConfig(
    "github", "octo-org/sampleproject", "release.yml", environment="pypi", projects=(PROJECT,)
)
GITLAB_PUBLISHER = TrustedPublisherConfig(
    "gitlab", "octo-group/sampleproject", ".gitlab-ci.yml", projects=(PROJECT,)
)


@pytest.fixture(autouse=True)
def _not_on_google_cloud(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_on_google_cloud(audience: str) -> None:
        return None

    monkeypatch.setattr(id_lib, "detect_credential", not_on_google_cloud)


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return samples.build_project(tmp_path_factory.mktemp("tp-dists"), PROJECT, "1.0.0")


@pytest.fixture(scope="module")
def issuers() -> Iterator[tuple[OidcIssuer, OidcIssuer]]:
    with OidcIssuer.github() as github, OidcIssuer.gitlab() as gitlab:
        yield github, gitlab


@pytest.fixture
def index(issuers: tuple[OidcIssuer, OidcIssuer]) -> Iterator[PyPIStandIn]:
    with PyPIStandIn() as standin:
        for issuer in issuers:
            standin.trust(issuer)
        standin.add_publisher(GITHUB_PUBLISHER)
        standin.add_publisher(GITLAB_PUBLISHER)
        yield standin


@dataclasses.dataclass
class Outcome:
    code: int
    out: str
    err: str
    report: dict[str, Any]
    report_text: str

    @property
    def text(self) -> str:
        return self.out + self.err

    def describe(self) -> str:
        return f"exit {self.code}\n--- stdout ---\n{self.out}--- stderr ---\n{self.err}"


def publish(
    index: PyPIStandIn,
    packages: list[Path],
    environ: dict[str, str],
    tmp_path: Path,
    *flags: str,
    secrets: tuple[OidcIssuer, ...] = (),
) -> Outcome:
    packages_dir = tmp_path / f"dist-{len(list(tmp_path.glob('dist-*')))}"
    packages_dir.mkdir()
    for path in packages:
        (packages_dir / path.name).write_bytes(path.read_bytes())
    report_path = tmp_path / f"{packages_dir.name}-report.json"
    argv = [
        "--repository-url",
        index.upload_url,
        "--index-url",
        index.index_url,
        "--packages-dir",
        str(packages_dir),
        "--confirm-timeout",
        "2",
        "--report-path",
        str(report_path),
        "--attestations",
        "false",
        "--retries",
        "1",
        *flags,
    ]
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, environ=environ, stdout=out, stderr=err)
    report_text = report_path.read_text(encoding="utf-8") if report_path.exists() else ""
    outcome = Outcome(
        code,
        out.getvalue(),
        err.getvalue(),
        json.loads(report_text) if report_text else {},
        report_text,
    )
    # No token, ever: neither the index's upload tokens nor the CI's OIDC tokens.
    tokens = [*index.minted_tokens, *(jwt for issuer in secrets for jwt in issuer.issued)]
    printed = "\n".join(
        line for line in outcome.text.splitlines() if not line.startswith("::add-mask::")
    )
    for token in tokens:
        assert token not in printed, f"a token leaked into the output\n{outcome.describe()}"
        assert token not in report_text, "a token leaked into the JSON report"
    return outcome


def stored(index: PyPIStandIn) -> dict[str, str]:
    return {name: f.sha256 for name, f in index.files.items()}


def local(paths: list[Path]) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


# -- publishing ---------------------------------------------------------------------------------


def test_github_job_publishes_with_a_minted_token(
    index: PyPIStandIn,
    dists: list[Path],
    issuers: tuple[OidcIssuer, OidcIssuer],
    tmp_path: Path,
) -> None:
    github, _ = issuers
    result = publish(index, dists, github.github_environ(), tmp_path, secrets=issuers)

    assert result.code == 0, result.describe()
    assert stored(index) == local(dists)
    assert len(index.minted) == 1
    uploads = [r for r in index.requests if r.path == "/legacy/" and r.method == "POST"]
    assert [r.status for r in uploads] == [200, 200]
    assert {r.user for r in uploads} == {"__token__"}
    calls = [(r.method, r.path) for r in index.requests]
    assert (
        calls.index(("GET", "/_/oidc/audience"))
        < calls.index(("POST", "/_/oidc/mint-token"))
        < calls.index(("POST", "/legacy/"))
    )
    assert (
        "trusted publishing: " in result.out
        and "minted an upload token for the GitHub Actions identity octo-org/sampleproject"
        in result.out
    ), result.describe()
    # GitHub masks the token (and the OIDC token) before any other line could carry it.
    token = index.minted_tokens[0]
    lines = result.out.splitlines()
    mask = lines.index(f"::add-mask::{token}")
    assert mask < next(i for i, line in enumerate(lines) if "minted an upload token" in line)
    assert f"::add-mask::{github.issued[-1]}" in lines
    assert result.report["counts"]["uploaded"] == 2


def test_gitlab_job_publishes_with_a_minted_token(
    index: PyPIStandIn,
    dists: list[Path],
    issuers: tuple[OidcIssuer, OidcIssuer],
    tmp_path: Path,
) -> None:
    _, gitlab = issuers
    environ = gitlab.gitlab_environ()
    result = publish(index, dists, environ, tmp_path, secrets=issuers)

    assert result.code == 0, result.describe()
    assert stored(index) == local(dists)
    assert len(index.minted) == 1
    assert index.minted[0].claims["project_path"] == "octo-group/sampleproject"
    assert "::add-mask::" not in result.out  # not GitHub: nothing to mask with
    assert "GitLab CI/CD identity octo-group/sampleproject" in result.out, result.describe()


def test_a_long_run_re_mints_with_fresh_oidc_tokens(
    index: PyPIStandIn,
    dists: list[Path],
    issuers: tuple[OidcIssuer, OidcIssuer],
    tmp_path: Path,
) -> None:
    """Tokens living 30 s are always within the renewal margin: every upload gets a new one."""
    github, _ = issuers
    index.token_lifetime = 30
    result = publish(
        index, dists, github.github_environ(), tmp_path, "--max-parallel", "1", secrets=issuers
    )

    assert result.code == 0, result.describe()
    assert stored(index) == local(dists)
    assert len(index.minted) == 3  # the first mint, then one per upload
    assert len({m.claims["jti"] for m in index.minted}) == 3
    assert result.out.count("minting a fresh one") == 2
    for token in index.minted_tokens:
        assert f"::add-mask::{token}" in result.out


def test_rerun_needs_no_token(
    index: PyPIStandIn,
    dists: list[Path],
    issuers: tuple[OidcIssuer, OidcIssuer],
    tmp_path: Path,
) -> None:
    github, _ = issuers
    assert publish(index, dists, github.github_environ(), tmp_path).code == 0
    minted = len(index.minted)
    again = publish(index, dists, github.github_environ(), tmp_path, secrets=issuers)
    assert again.code == 0, again.describe()
    assert len(index.minted) == minted  # nothing to upload: no token minted


def test_a_dry_run_mints_a_token_and_says_the_credentials_are_verified(
    index: PyPIStandIn,
    dists: list[Path],
    issuers: tuple[OidcIssuer, OidcIssuer],
    tmp_path: Path,
) -> None:
    _, gitlab = issuers
    dry = publish(
        index, dists, gitlab.gitlab_environ(), tmp_path, "--dry-run", "true", secrets=issuers
    )
    assert dry.code == 0, dry.describe()
    assert len(index.minted) == 1 and stored(index) == {}
    assert (
        f"dry run: credentials verified: {urlsplit(index.upload_url).netloc} minted a "
        "trusted-publishing upload token for this workflow" in dry.out
    ), dry.describe()
    index.publishers.clear()  # the index no longer trusts this workflow: both runs exit 7
    dry_refused = publish(index, dists, gitlab.gitlab_environ(), tmp_path, "--dry-run", "true")
    real_refused = publish(index, dists, gitlab.gitlab_environ(), tmp_path)
    assert dry_refused.code == real_refused.code == 7, dry_refused.describe()
    assert stored(index) == {}


def test_auto_on_an_index_without_it_uses_the_password(
    index: PyPIStandIn,
    dists: list[Path],
    issuers: tuple[OidcIssuer, OidcIssuer],
    tmp_path: Path,
) -> None:
    github, _ = issuers
    index.audience_status = 404
    result = publish(index, dists, github.github_environ(), tmp_path, secrets=issuers)
    # No password either, so the stand-in (PyPI-like) refuses the anonymous upload.
    assert (
        "does not offer it (GET /_/oidc/audience answered 404); uploading without "
        "credentials" in result.out
    ), result.describe()
    assert index.minted == []
    assert result.code == 5, result.describe()


# -- failures: exit code 7 and their own messages -------------------------------------------


def _fork_event(tmp_path: Path) -> str:
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "pull_request": {
                    "head": {"repo": {"full_name": "mallory/sampleproject", "fork": True}},
                    "base": {"repo": {"full_name": "octo-org/sampleproject", "fork": False}},
                }
            }
        )
    )
    return str(event)


@pytest.mark.parametrize(
    "case",
    [
        "no-ci",
        "missing-permission",
        "fork",
        "gitlab-no-id-token",
        "no-publisher",
        "switched-off",
        "always-not-offered",
    ],
)
def test_failures_exit_7_with_their_own_message(
    case: str,
    index: PyPIStandIn,
    dists: list[Path],
    issuers: tuple[OidcIssuer, OidcIssuer],
    tmp_path: Path,
) -> None:
    github, gitlab = issuers
    environ = github.github_environ()
    flags: tuple[str, ...] = ()
    expected: tuple[str, ...]
    if case == "no-ci":
        environ = {}
        expected = (
            "error: trusted publishing: no OIDC identity:",
            "GitHub Actions: `permissions: id-token: write` on the publishing job",
            "GitLab CI/CD: in the job, `id_tokens:` with `PYPI_ID_TOKEN: {aud: pypi}`",
        )
    elif case == "missing-permission":
        del environ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]
        expected = (
            "error: trusted publishing: GitHub Actions (GITHUB_ACTIONS=true): this job "
            "may not request an OIDC token (ACTIONS_ID_TOKEN_REQUEST_TOKEN is not set)",
            "hint: add `permissions: id-token: write` to the publishing job",
        )
    elif case == "fork":
        environ.update(GITHUB_EVENT_NAME="pull_request", GITHUB_EVENT_PATH=_fork_event(tmp_path))
        del environ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]
        del environ["ACTIONS_ID_TOKEN_REQUEST_URL"]
        expected = (
            "no OIDC token for a pull request from a fork (mallory/sampleproject → "
            "octo-org/sampleproject)",
            "hint: publish from an event a fork cannot trigger: `push` of a tag, "
            "`release`, or `workflow_dispatch`",
        )
    elif case == "gitlab-no-id-token":
        environ = gitlab.gitlab_environ(audiences=())
        expected = (
            "error: trusted publishing: GitLab CI/CD (GITLAB_CI=true): no ID token for "
            "audience 'pypi': the variable PYPI_ID_TOKEN is not set",
            "`id_tokens:` → `PYPI_ID_TOKEN:` → `aud: pypi`",
        )
    elif case == "no-publisher":
        index.publishers.clear()
        expected = (
            "refused to mint an upload token for this GitHub Actions identity "
            "(POST /_/oidc/mint-token → HTTP 422)",
            "  invalid-publisher: valid token, but no corresponding publisher "
            "(Publisher with matching claims was not found)",
            "    job_workflow_ref: octo-org/sampleproject/.github/workflows/release.yml@",
            "    environment: pypi",
            "hint: add a trusted publisher on ",
        )
    elif case == "switched-off":
        index.audience_status = 403
        expected = ("has trusted publishing switched off (GET /_/oidc/audience answered 403",)
    else:
        index.audience_status = 404
        flags = ("--trusted-publishing", "always")
        expected = ("does not offer trusted publishing (GET /_/oidc/audience answered 404)",)

    result = publish(index, dists, environ, tmp_path, *flags, secrets=issuers)

    assert result.code == 7, result.describe()
    # Under GitHub the error is its annotation, which the runner shows as "Error: ..." in the log.
    shown = runner_log.shown(result.out, result.err)
    for text in expected:
        assert text in shown, f"{text!r} missing\n{result.describe()}"
    assert index.files == {}
    assert [r for r in index.requests if r.path == "/legacy/" and r.method == "POST"] == []
    assert result.report.get("exit_code") == 7
    if case in ("missing-permission", "no-publisher"):  # the whole output, pinned (issue 11)
        snapshots.check(
            f"exit-7-{case}",
            f"exit {result.code}\n--- stdout ---\n{result.out}--- stderr ---\n{result.err}",
        )
