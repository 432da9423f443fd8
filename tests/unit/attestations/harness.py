"""The harness of the attestation tests: claims, tokens, distributions and a run of `prepare`
against local OIDC and Sigstore stand-ins."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from publish_action.attestations import TrustedPublisherIdentity, prepare
from publish_action.ci import CiEnvironment
from publish_action.distributions import Distribution
from publish_action.distributions.hashing import hash_file
from publish_action.errors import AttestationError, ExitCode
from publish_action.net import Net, NetSettings
from publish_action.reporting import SilentReporter
from publish_action.settings import Attestations, Settings
from publish_action.targets import classify
from tests.support import attestation_check, oidc_issuer
from tests.support.oidc_issuer import OidcIssuer
from tests.support.sigstore_standin import SigstoreStandIn

ROOT = Path(__file__).resolve().parents[3]  # the repository
GITHUB = "https://token.actions.githubusercontent.com"
GITLAB = "https://gitlab.com"
GOOGLE = "https://accounts.google.com"
PYPI = "https://upload.pypi.org/legacy/"
LOOPBACK_NAMES = {"127.0.0.1", "::1", "localhost"}


def github_claims(
    repository: str = "octo/pkg",
    workflow: str = "release.yml",
    *,
    caller: str | None = None,
    environment: str | None = None,
) -> dict[str, Any]:
    """GitHub Actions' claims; `caller` makes the job run in the reusable workflow `workflow`,
    called from `caller` (job_workflow_ref names the first, workflow_ref the second)."""
    ref = "refs/tags/v1.0.0"
    if caller is None:
        return oidc_issuer.github_claims(
            repository=repository, workflow=workflow, ref=ref, environment=environment
        )
    return oidc_issuer.github_claims(
        repository=repository,
        workflow=caller,
        ref=ref,
        environment=environment,
        called_workflow=f"{repository}/.github/workflows/{workflow}@{ref}",
    )


def gitlab_claims(project: str = "group/pkg") -> dict[str, Any]:
    return oidc_issuer.gitlab_claims(project_path=project, environment=None)


def google_claims(email: str = "publisher@proj.iam.gserviceaccount.com") -> dict[str, Any]:
    return {
        "iss": GOOGLE,
        "sub": "1234567890",
        "email": email,
        "email_verified": True,
        "azp": "1234567890",
    }


class Recorder(SilentReporter):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, message: str) -> None:
        self.lines.append(message)

    def warning(self, message: str, *, filename: str | None = None) -> None:
        self.lines.append(f"warning: {message}")


class Debugging(Recorder):
    """Also records the verbose lines."""

    def debug(self, message: str) -> None:
        self.lines.append(f"debug: {message}")


def token(claims: Mapping[str, Any], audience: str = "sigstore") -> str:
    """A token from the issuer named by the claims' `iss` (GitLab's and Google's are variables)."""
    return OidcIssuer(str(claims["iss"]), dict(claims), lifetime=300).issue(audience)


def make_dist(folder: Path, filename: str, content: bytes | None = None) -> Distribution:
    path = folder / filename
    path.write_bytes(
        content if content is not None else hashlib.sha256(filename.encode()).digest() * 64
    )
    return Distribution(
        path=path,
        project=canonicalize_name("pkg"),
        version=Version("1.0"),
        kind="wheel" if filename.endswith(".whl") else "sdist",
        size=path.stat().st_size,
        hashes=hash_file(path),
        metadata={"name": "pkg", "version": "1.0"},
        pyversion="py3" if filename.endswith(".whl") else "source",
    )


def settings_for(
    tmp_path: Path,
    packages: Path,
    *,
    url: str = PYPI,
    mode: Attestations = Attestations.AUTO,
    timeout: float = 10.0,
) -> Settings:
    return Settings(
        repository_url=url,
        index=classify(url),
        index_url=None,
        index_url_note="",
        upload_credentials=None,
        check_credentials=None,
        check_credentials_explicit=False,
        packages_dir=packages,
        attestations=mode,
        timeout=timeout,
        work_dir=tmp_path / "work",
    )


def publisher(
    claims: Mapping[str, Any] | None = None, ci: str = "GitHub Actions"
) -> TrustedPublisherIdentity:
    return TrustedPublisherIdentity(ci=ci, claims=dict(claims or github_claims()))


NET = Net(NetSettings(timeout=10.0, retries=0), environ={})


def ci_of(environ: Mapping[str, str]) -> dict[str, Any]:
    """What prepare() takes of the CI: its variables, read once, and the run's HTTP layer."""
    return {"ci_env": CiEnvironment.read(environ), "net": NET}


class Run:
    """prepare() with the stand-in's trust config and the issuer's ambient GitHub token."""

    def __init__(
        self, tmp_path: Path, packages: Path, issuer: OidcIssuer, standin: SigstoreStandIn
    ) -> None:
        self.tmp_path, self.packages, self.issuer, self.standin = (
            tmp_path,
            packages,
            issuer,
            standin,
        )
        self.reporter = Recorder()

    def __call__(
        self,
        dists: list[Distribution],
        who: TrustedPublisherIdentity | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        **settings: Any,
    ) -> dict[str, str]:
        return prepare(
            settings_for(self.tmp_path, self.packages, **settings),
            self.reporter,
            dists,
            who if who is not None else publisher(),
            **ci_of(self.issuer.github_environ() if environ is None else environ),
            trust_config=self.standin.trust_config(),
        )

    def fails(
        self, dists: list[Distribution], who: TrustedPublisherIdentity | None = None, **kwargs: Any
    ) -> AttestationError:
        with pytest.raises(AttestationError) as caught:
            self(dists, who, **kwargs)
        assert caught.value.exit_code is ExitCode.ATTESTATION
        return caught.value


def oracle(standin: SigstoreStandIn, identity: Any, dist: Distribution, text: str) -> str | None:
    return attestation_check.verify_upload_attestations(
        identity, dist.filename, dist.path.read_bytes(), text, trusted_root=standin.trusted_root()
    )


def sign_statement(
    standin: SigstoreStandIn,
    issuer: OidcIssuer,
    name: str,
    sha256: str,
    predicate_type: str,
    claims: Mapping[str, Any] | None = None,
) -> str:
    """An attestation of any predicate type, signed through the stand-in with sigstore."""
    from pypi_attestations import Attestation
    from sigstore.dsse import DigestSet, StatementBuilder, Subject
    from sigstore.oidc import IdentityToken
    from sigstore.sign import SigningContext

    config = standin.trust_config()
    config.force_tlog_version = 1
    statement = (
        StatementBuilder()
        .subjects([Subject(name=name, digest=DigestSet(root={"sha256": sha256}))])
        .predicate_type(predicate_type)
        .predicate({"buildType": "test"})
        .build()
    )
    context = SigningContext.from_trust_config(config)
    with context.signer(IdentityToken(token(claims or issuer.claims))) as signer:
        bundle = signer.sign_dsse(statement)
    return Attestation.from_bundle(bundle).model_dump_json()
