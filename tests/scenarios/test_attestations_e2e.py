"""Issue 5 end to end: trusted publishing with PEP 740 attestations, through the CLI.

Each run is ``publish_action.cli.main`` with the environment of a GitHub or GitLab job, against
the local OIDC issuer, the local Sigstore (Fulcio + CT + Rekor v1,
``tests/support/sigstore_standin.py``, injected as ``trust_config``) and the local PyPI, which
verifies every uploaded attestation as PyPI does: the real ``Attestation.verify`` against the
trusted publisher that minted the token (``tests/support/attestation_check.py``). Every failure
must stop the run before the first upload, with exit code 8 and its own message.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

import id as id_lib
import pytest

from publish_action.cli import main
from tests.support import attestation_check, runner_log, samples, snapshots
from tests.support.oidc_issuer import OidcIssuer, github_claims
from tests.support.pypi_standin import PyPIStandIn, TrustedPublisherConfig
from tests.support.sigstore_standin import SigstoreStandIn, sigstore_standin

if TYPE_CHECKING:
    from collections.abc import Iterator

PROJECT = "attestedproject"
PUBLISH_V1 = "https://docs.pypi.org/attestations/publish/v1"
GITHUB_PUBLISHER = TrustedPublisherConfig(
    "github", "octo-org/attestedproject", "release.yml", projects=(PROJECT,)
)
GITLAB_PUBLISHER = TrustedPublisherConfig(
    "gitlab", "octo-group/attestedproject", ".gitlab-ci.yml", projects=(PROJECT,)
)


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """No name lookups but loopback's (the suite's guard already refuses other connects), no
    proxies, and `id` never probes for Google Cloud."""
    real = socket.getaddrinfo
    refused: list[str] = []

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in ("127.0.0.1", "::1", "localhost"):
            refused.append(name)
            raise socket.gaierror(socket.EAI_NONAME, f"offline test: no lookup of {name}")
        return real(host, *args, **kwargs)

    def not_on_google_cloud(audience: str) -> None:
        return None

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    monkeypatch.setattr(id_lib, "detect_credential", not_on_google_cloud)
    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    yield refused
    assert refused == []


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return samples.build_project(tmp_path_factory.mktemp("att-dists"), PROJECT, "1.0.0")


@pytest.fixture
def github() -> Iterator[OidcIssuer]:
    with OidcIssuer.github(repository="octo-org/attestedproject", environment=None) as issuer:
        yield issuer


@pytest.fixture
def gitlab() -> Iterator[OidcIssuer]:
    with OidcIssuer.gitlab(project_path="octo-group/attestedproject", environment=None) as issuer:
        yield issuer


@pytest.fixture
def sigstore(github: OidcIssuer, gitlab: OidcIssuer) -> Iterator[SigstoreStandIn]:
    with sigstore_standin() as standin:
        standin.trust_issuer(github.issuer, github.jwks)
        standin.trust_issuer(gitlab.issuer, gitlab.jwks)
        yield standin


@pytest.fixture
def index(
    github: OidcIssuer, gitlab: OidcIssuer, sigstore: SigstoreStandIn
) -> Iterator[PyPIStandIn]:
    verifier = attestation_check.upload_verifier(sigstore.trusted_root())
    with PyPIStandIn(attestation_verifier=verifier) as standin:
        standin.trust(github)
        standin.trust(gitlab)
        standin.add_publisher(GITHUB_PUBLISHER)
        standin.add_publisher(GITLAB_PUBLISHER)
        yield standin


@dataclasses.dataclass
class Outcome:
    code: int
    out: str
    err: str
    report: dict[str, Any]
    work_dir: Path

    @property
    def text(self) -> str:
        return self.out + self.err

    @property
    def log(self) -> str:
        """What the job's log shows: under GitHub the error is an annotation on stdout."""
        return runner_log.shown(self.out, self.err)

    def describe(self) -> str:
        return f"exit {self.code}\n--- stdout ---\n{self.out}--- stderr ---\n{self.err}"


class Runner:
    def __init__(
        self,
        index: PyPIStandIn,
        sigstore: SigstoreStandIn,
        tmp_path: Path,
        issuers: tuple[OidcIssuer, ...],
    ) -> None:
        self.index, self.sigstore, self.tmp_path, self.issuers = index, sigstore, tmp_path, issuers
        self.runs = 0

    def packages(self, files: list[Path]) -> Path:
        self.runs += 1
        folder = self.tmp_path / f"dist-{self.runs}"
        folder.mkdir()
        for path in files:
            (folder / path.name).write_bytes(path.read_bytes())
        return folder

    def __call__(self, packages_dir: Path, environ: dict[str, str], *flags: str) -> Outcome:
        report = self.tmp_path / f"report-{self.runs}.json"
        temp = self.tmp_path / f"runner-temp-{self.runs}"
        temp.mkdir()
        argv = [
            "--repository-url",
            self.index.upload_url,
            "--index-url",
            self.index.index_url,
            "--packages-dir",
            str(packages_dir),
            "--confirm-timeout",
            "2",
            "--report-path",
            str(report),
            "--retries",
            "0",
            "--attestations",
            "true",
            *flags,
        ]
        out, err = io.StringIO(), io.StringIO()
        code = main(
            argv,
            environ={**environ, "RUNNER_TEMP": str(temp)},
            stdout=out,
            stderr=err,
            trust_config=self.sigstore.trust_config(),
        )
        report_text = report.read_text(encoding="utf-8") if report.exists() else ""
        [work_dir] = list(temp.iterdir()) or [temp / "none"]
        outcome = Outcome(
            code,
            out.getvalue(),
            err.getvalue(),
            json.loads(report_text) if report_text else {},
            work_dir,
        )
        printed = "\n".join(
            line for line in outcome.text.splitlines() if not line.startswith("::add-mask::")
        )
        for token in [
            *self.index.minted_tokens,
            *(jwt for issuer in self.issuers for jwt in issuer.issued),
        ]:
            assert token not in printed, f"a token leaked into the output\n{outcome.describe()}"
            assert token not in report_text, "a token leaked into the JSON report"
        return outcome


@pytest.fixture
def run(
    index: PyPIStandIn,
    sigstore: SigstoreStandIn,
    tmp_path: Path,
    github: OidcIssuer,
    gitlab: OidcIssuer,
) -> Runner:
    return Runner(index, sigstore, tmp_path, (github, gitlab))


def uploads(index: PyPIStandIn) -> list[int]:
    return [r.status for r in index.requests if r.path == "/legacy/" and r.method == "POST"]


# -- the whole pipeline ------------------------------------------------------------------------


def test_github_job_attests_every_file_and_the_index_accepts_them(
    run: Runner,
    index: PyPIStandIn,
    sigstore: SigstoreStandIn,
    github: OidcIssuer,
    dists: list[Path],
) -> None:
    packages = run.packages(dists)
    result = run(packages, github.github_environ())

    assert result.code == 0, result.describe()
    assert uploads(index) == [200, 200]
    assert sorted(index.files) == sorted(p.name for p in dists)
    for path in dists:
        stored = index.files[path.name]
        assert stored.attestations is not None, f"{path.name} was uploaded without attestation"
        [attestation] = json.loads(stored.attestations)
        statement = json.loads(base64.b64decode(attestation["envelope"]["statement"]))
        assert statement["predicateType"] == PUBLISH_V1
        assert statement["subject"][0]["name"] == path.name
        written = result.work_dir / f"{path.name}.publish.attestation"
        assert json.loads(written.read_text()) == attestation
    # Our own folder, not the user's: packages-dir holds only what it held.
    assert sorted(p.name for p in packages.iterdir()) == sorted(p.name for p in dists)
    assert sigstore.requests.count("fulcio POST /api/v2/signingCert") == 1
    assert sigstore.requests.count("rekor POST /api/v1/log/entries") == len(dists)
    # Two OIDC tokens: one for the index, one for Sigstore.
    audiences = [r.query["audience"] for r in github.requests if "audience" in r.query]
    assert sorted(audiences) == ["pypi", "sigstore"]
    assert (
        "attestations: 2 verified for 2 file(s) against the trusted publisher the index "
        "checks them with"
        in result.out
        and "(GitHub repository octo-org/attestedproject, workflow release.yml)" in result.out
    ), result.describe()
    # The provenance the index now serves names the publisher and carries the attestation.
    provenance = index.files[dists[0].name].identity
    assert provenance is not None and provenance.repository == "octo-org/attestedproject"


def test_gitlab_job_with_two_id_tokens(
    run: Runner,
    index: PyPIStandIn,
    gitlab: OidcIssuer,
    dists: list[Path],
) -> None:
    environ = gitlab.gitlab_environ(audiences=("pypi", "sigstore"))
    result = run(run.packages(dists), environ)

    assert result.code == 0, result.describe()
    assert uploads(index) == [200, 200]
    assert all(f.attestations for f in index.files.values())
    assert "GitLab project octo-group/attestedproject, CI file .gitlab-ci.yml" in result.out


def test_gitlab_job_without_the_sigstore_id_token(
    run: Runner,
    index: PyPIStandIn,
    gitlab: OidcIssuer,
    dists: list[Path],
) -> None:
    result = run(run.packages(dists), gitlab.gitlab_environ(audiences=("pypi",)))

    assert result.code == 8, result.describe()
    assert uploads(index) == []
    assert (
        "error: could not get an OIDC token for Sigstore (audience 'sigstore'): GitLab "
        "CI/CD (GITLAB_CI=true): no ID token for audience 'sigstore': the variable "
        "SIGSTORE_ID_TOKEN is not set"
    ) in result.log, result.describe()
    assert "`id_tokens:` → `SIGSTORE_ID_TOKEN:` → `aud: sigstore`" in result.log


def test_auto_leaves_attestations_off_for_an_index_not_known_to_take_them(
    run: Runner,
    index: PyPIStandIn,
    sigstore: SigstoreStandIn,
    github: OidcIssuer,
    dists: list[Path],
) -> None:
    result = run(run.packages(dists), github.github_environ(), "--attestations", "auto")

    assert result.code == 0, result.describe()
    assert "attestations: off (" in result.out and "is not known to accept PEP 740" in result.out
    assert sigstore.requests == []
    assert all(f.attestations is None for f in index.files.values())


# -- every failure stops the run before the first upload ---------------------------------------


def test_reusable_workflow(
    run: Runner,
    index: PyPIStandIn,
    sigstore: SigstoreStandIn,
    github: OidcIssuer,
    dists: list[Path],
) -> None:
    """The trusted publisher is the reusable workflow; the certificate would name the caller."""
    github.claims = github_claims(
        repository="octo-org/attestedproject",
        workflow="ci.yml",
        environment=None,
        called_workflow="octo-org/attestedproject/.github/workflows/release.yml@refs/tags/v1.0.0",
    )
    result = run(run.packages(dists), github.github_environ())

    assert result.code == 8, result.describe()
    assert len(index.minted) == 1  # trusted publishing itself works
    assert uploads(index) == []
    assert sigstore.requests == []
    assert (
        "error: attestations would be rejected by the index: this job runs in "
        "the reusable workflow octo-org/attestedproject/.github/workflows/release.yml, "
        "called from octo-org/attestedproject/.github/workflows/ci.yml"
    ) in result.log, result.describe()
    assert "hint: PyPI does not accept attestations made in a reusable workflow" in result.log
    assert result.report["exit_code"] == 8
    snapshots.check(
        "exit-8-reusable-workflow",
        f"exit {result.code}\n--- stdout ---\n{result.out}--- stderr ---\n{result.err}",
    )


def test_sigstore_token_from_another_repository(
    run: Runner,
    index: PyPIStandIn,
    github: OidcIssuer,
    dists: list[Path],
) -> None:
    """The index token and the Sigstore token name different identities (a misconfigured
    runner): self-verification sees it, the index would have refused every file."""
    original = github.issue

    def issue(audience: Any, **kwargs: Any) -> str:
        if audience == "sigstore":
            kwargs.setdefault(
                "claims", github_claims(repository="octo-org/other", environment=None)
            )
        return original(audience, **kwargs)

    github.issue = issue  # type: ignore[method-assign]
    result = run(run.packages(dists), github.github_environ())

    assert result.code == 8, result.describe()
    assert uploads(index) == []
    assert (
        "would be rejected by the index: it was signed in repository "
        "octo-org/other, but the trusted publisher is repository octo-org/attestedproject"
    ) in result.log, result.describe()


def test_attestation_in_packages_dir_from_another_workflow(
    run: Runner,
    index: PyPIStandIn,
    sigstore: SigstoreStandIn,
    github: OidcIssuer,
    dists: list[Path],
) -> None:
    from pypi_attestations import Attestation, Distribution
    from sigstore.oidc import IdentityToken
    from sigstore.sign import SigningContext

    packages = run.packages(dists)
    config = sigstore.trust_config()
    config.force_tlog_version = 1
    other = github_claims(
        repository="octo-org/attestedproject", workflow="nightly.yml", environment=None
    )
    with SigningContext.from_trust_config(config).signer(
        IdentityToken(github.issue("sigstore", claims=other))
    ) as signer:
        stale = Attestation.sign(signer, Distribution.from_file(packages / dists[0].name))
    # A second *publish* attestation is refused outright; a build one is checked like ours.
    (packages / f"{dists[0].name}.build.attestation").write_text(stale.model_dump_json())
    result = run(packages, github.github_environ())

    assert result.code == 8, result.describe()
    assert uploads(index) == []
    assert (
        f"error: {dists[0].name}.build.attestation (from packages-dir) would be rejected by "
        "the index: it was signed by workflow nightly.yml"
    ) in result.log, result.describe()


@pytest.mark.parametrize("fault", ["fulcio-down", "rekor-down", "rekor-500", "tampered-entry"])
def test_sigstore_faults(
    fault: str,
    run: Runner,
    index: PyPIStandIn,
    sigstore: SigstoreStandIn,
    github: OidcIssuer,
    dists: list[Path],
) -> None:
    if fault == "fulcio-down":
        sigstore.stop("fulcio")
        expected = f"error: Sigstore's certificate authority (Fulcio at {sigstore.fulcio_url})"
    elif fault == "rekor-down":
        sigstore.stop("rekor")
        expected = "did not record the signature"
    elif fault == "rekor-500":
        sigstore.rekor_status = 500
        expected = "caused by: 500: injected Rekor failure"
    else:
        sigstore.rekor_tamper = "set"
        expected = "has a transparency log entry that does not verify"
    result = run(run.packages(dists), github.github_environ())

    assert result.code == 8, result.describe()
    assert uploads(index) == []
    assert expected in result.log, result.describe()
    assert result.report["counts"]["uploaded"] == 0


def test_the_index_refuses_what_self_verification_would_have_caught(
    index: PyPIStandIn,
    sigstore: SigstoreStandIn,
    github: OidcIssuer,
    dists: list[Path],
) -> None:
    """The oracle is not a rubber stamp: an attestation for another workflow gets PyPI's 400."""
    from pypi_attestations import Attestation, Distribution
    from sigstore.oidc import IdentityToken
    from sigstore.sign import SigningContext

    config = sigstore.trust_config()
    config.force_tlog_version = 1
    other = github_claims(
        repository="octo-org/attestedproject", workflow="nightly.yml", environment=None
    )
    with SigningContext.from_trust_config(config).signer(
        IdentityToken(github.issue("sigstore", claims=other))
    ) as signer:
        attestation = Attestation.sign(signer, Distribution.from_file(dists[0]))
    problem = index.attestation_verifier(  # type: ignore[misc]
        _identity(), dists[0].name, dists[0].read_bytes(), f"[{attestation.model_dump_json()}]"
    )
    assert problem is not None
    assert problem.startswith(
        "Could not verify the uploaded artifact using the included "
        "attestation: Verification failed: Certificate's Build Config URI"
    )


def _identity() -> Any:
    from tests.support.pypi_standin import PublisherIdentity

    return PublisherIdentity(
        "GitHub", GITHUB_PUBLISHER.repository, GITHUB_PUBLISHER.workflow, None, {}
    )
