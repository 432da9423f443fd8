"""PEP 740 attestations with the real `sigstore` signer and verifier, offline.

Signing goes through the local Sigstore stand-in (`tests/support/sigstore_standin.py`); every
attestation is also checked by the independent PyPI oracle (`tests/support/attestation_check.py`,
the real `Attestation.verify`). Real attestations from the public instance are verified against
the production trust root shipped in the `sigstore` wheel. Nothing leaves loopback: the suite's
connect guard plus `_loopback_names` below, which refuses every name lookup but loopback's.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from publish_action import attestations
from publish_action.attestations import TrustedPublisherIdentity, prepare, verify_attestation
from publish_action.ci import CiEnvironment
from publish_action.distributions import Distribution
from publish_action.distributions.hashing import hash_file
from publish_action.errors import AttestationError, ExitCode, InputError
from publish_action.net import Net, NetSettings
from publish_action.reporting import SilentReporter
from publish_action.settings import Attestations, Settings
from publish_action.targets import classify
from tests.support import attestation_check, oidc_issuer
from tests.support.oidc_issuer import OidcIssuer
from tests.support.sigstore_standin import FULCIO_OIDS, SigstoreStandIn, sigstore_standin

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "fixtures" / "real-attestations"
GITHUB = "https://token.actions.githubusercontent.com"
GITLAB = "https://gitlab.com"
GOOGLE = "https://accounts.google.com"
PYPI = "https://upload.pypi.org/legacy/"


# -- offline guard -----------------------------------------------------------------------------

_LOOPBACK_NAMES = {"127.0.0.1", "::1", "localhost"}


@pytest.fixture(autouse=True)
def _loopback_names(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Refuse name lookups other than loopback's: a DNS query would leave the machine even
    though the connect that follows it is refused by the suite's guard."""
    real = socket.getaddrinfo
    refused: list[str] = []

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in _LOOPBACK_NAMES:
            refused.append(name)
            raise socket.gaierror(socket.EAI_NONAME, f"offline test: no lookup of {name}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    yield refused


# -- identities ------------------------------------------------------------------------------


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


# -- fixtures ----------------------------------------------------------------------------------


class Recorder(SilentReporter):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, message: str) -> None:
        self.lines.append(message)

    def warning(self, message: str, *, filename: str | None = None) -> None:
        self.lines.append(f"warning: {message}")


@pytest.fixture
def issuer() -> Iterator[OidcIssuer]:
    """GitHub Actions' token service; `issuer.claims` is what its next token says."""
    with OidcIssuer(GITHUB, github_claims(), lifetime=300) as running:
        yield running


@pytest.fixture
def standin(issuer: OidcIssuer) -> Iterator[SigstoreStandIn]:
    with sigstore_standin() as running:
        running.trust_issuer(GITHUB, issuer.jwks)
        running.trust_issuer(GITLAB, OidcIssuer.gitlab().jwks)
        running.trust_issuer(GOOGLE, OidcIssuer(GOOGLE, google_claims(), lifetime=3600).jwks)
        yield running


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


@pytest.fixture
def packages(tmp_path: Path) -> Path:
    folder = tmp_path / "dist"
    folder.mkdir()
    return folder


@pytest.fixture
def dists(packages: Path) -> list[Distribution]:
    return [make_dist(packages, "pkg-1.0.tar.gz"), make_dist(packages, "pkg-1.0-py3-none-any.whl")]


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


_NET = Net(NetSettings(timeout=10.0, retries=0), environ={})


def ci_of(environ: Mapping[str, str]) -> dict[str, Any]:
    """What prepare() takes of the CI: its variables, read once, and the run's HTTP layer."""
    return {"ci_env": CiEnvironment.read(environ), "net": _NET}


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


@pytest.fixture
def run(tmp_path: Path, packages: Path, issuer: OidcIssuer, standin: SigstoreStandIn) -> Run:
    return Run(tmp_path, packages, issuer, standin)


def oracle(standin: SigstoreStandIn, identity: Any, dist: Distribution, text: str) -> str | None:
    return attestation_check.verify_upload_attestations(
        identity, dist.filename, dist.path.read_bytes(), text, trusted_root=standin.trusted_root()
    )


# -- the happy path ----------------------------------------------------------------------------


def test_signs_writes_and_self_verifies_every_file(
    run: Run,
    dists: list[Distribution],
    standin: SigstoreStandIn,
    packages: Path,
    tmp_path: Path,
) -> None:
    before = sorted(p.name for p in packages.iterdir())
    arrays = run(dists)

    assert sorted(arrays) == sorted(d.filename for d in dists)
    for dist in dists:
        [attestation] = json.loads(arrays[dist.filename])
        assert attestation["version"] == 1
        written = tmp_path / "work" / f"{dist.filename}.publish.attestation"
        assert json.loads(written.read_text()) == attestation
        statement = json.loads(base64.b64decode(attestation["envelope"]["statement"]))
        assert statement["predicateType"] == "https://docs.pypi.org/attestations/publish/v1"
        assert statement["subject"] == [
            {"name": dist.filename, "digest": {"sha256": dist.hashes.sha256}}
        ]
        # What PyPI does with the form field: the real Attestation.verify, the minting identity.
        assert oracle(standin, github_claims(), dist, arrays[dist.filename]) is None
    assert sorted(p.name for p in packages.iterdir()) == before  # packages-dir untouched
    # One signing certificate for the run, one log entry per file; no timestamp authority.
    assert standin.requests.count("fulcio POST /api/v2/signingCert") == 1
    assert standin.requests.count("rekor POST /api/v1/log/entries") == len(dists)
    assert [r.query.get("audience") for r in run.issuer.requests] == ["sigstore"]
    assert run.reporter.lines == [
        "attestations: signing 2 file(s) as GitHub repository octo/pkg, workflow release.yml",
        "attestations: 2 verified for 2 file(s) against the trusted publisher pypi.org checks "
        "them with (GitHub repository octo/pkg, workflow release.yml)",
    ]


def test_the_real_verifier_accepts_the_stand_in_attestation(
    run: Run,
    dists: list[Distribution],
    standin: SigstoreStandIn,
) -> None:
    """sigstore's Verifier, straight: chain, SCT, policy, inclusion proof, checkpoint, SET."""
    from pypi_attestations import Attestation, GitHubPublisher
    from sigstore.verify import Verifier

    from publish_action.attestations.identity import policy_for

    arrays = run(dists[:1])
    model = Attestation.model_validate(json.loads(arrays[dists[0].filename])[0])
    policy = policy_for(GitHubPublisher(repository="octo/pkg", workflow="release.yml"))
    verifier = Verifier(trusted_root=standin.trusted_root())
    payload_type, _ = verifier.verify_dsse(model.to_bundle(), policy)
    assert payload_type == "application/vnd.in-toto+json"


def test_running_twice_in_one_job_works(run: Run, dists: list[Distribution]) -> None:
    """TestPyPI then PyPI in one job: our folder is overwritten, packages-dir never written."""
    first = run(dists, url="https://test.pypi.org/legacy/")
    second = run(dists)
    assert first.keys() == second.keys()
    assert first != second  # two signatures, two log entries


@pytest.mark.parametrize(
    ("claims", "ci"), [(gitlab_claims(), "GitLab CI/CD"), (google_claims(), "Google Cloud")]
)
def test_gitlab_and_google_identities(
    run: Run,
    dists: list[Distribution],
    standin: SigstoreStandIn,
    issuer: OidcIssuer,
    claims: dict[str, Any],
    ci: str,
) -> None:
    environ = {"GITLAB_CI": "true", "SIGSTORE_ID_TOKEN": token(claims)}
    arrays = run(dists, publisher(claims, ci), environ=environ)
    for dist in dists:
        assert oracle(standin, claims, dist, arrays[dist.filename]) is None
    expected = (
        "GitLab project group/pkg, CI file .gitlab-ci.yml"
        if ci.startswith("GitLab")
        else "Google service account publisher@proj.iam.gserviceaccount.com"
    )
    assert expected in run.reporter.lines[-1]


def test_attestations_already_in_packages_dir_go_with_their_file(
    run: Run,
    dists: list[Distribution],
    standin: SigstoreStandIn,
    issuer: OidcIssuer,
    packages: Path,
) -> None:
    """A build provenance made earlier in the same workflow is uploaded next to ours."""
    dist = dists[0]
    provenance = sign_statement(
        standin, issuer, dist.filename, dist.hashes.sha256, "https://slsa.dev/provenance/v1"
    )
    (packages / f"{dist.filename}.build.attestation").write_text(provenance)
    (packages / "unrelated-2.0.tar.gz.build.attestation").write_text("ignored: no such file")

    arrays = run(dists)
    objects = json.loads(arrays[dist.filename])
    assert len(objects) == 2
    assert objects[1] == json.loads(provenance)
    assert len(json.loads(arrays[dists[1].filename])) == 1
    assert oracle(standin, github_claims(), dist, arrays[dist.filename]) is None


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


# -- when attestations are off, or cannot be on ------------------------------------------------


def test_off_when_asked(run: Run, dists: list[Distribution], standin: SigstoreStandIn) -> None:
    assert run(dists, mode=Attestations.FALSE) == {}
    assert standin.requests == [] and run.reporter.lines == []


def test_auto_is_off_without_trusted_publishing(
    tmp_path: Path,
    packages: Path,
    dists: list[Distribution],
) -> None:
    reporter = Recorder()
    settings = settings_for(tmp_path, packages)
    assert prepare(settings, reporter, dists, None, **ci_of({})) == {}
    assert reporter.lines == [
        "attestations: off (they need trusted publishing, and this run uses configured credentials)"
    ]


def test_true_without_trusted_publishing_is_an_input_error(
    tmp_path: Path,
    packages: Path,
    dists: list[Distribution],
) -> None:
    settings = settings_for(tmp_path, packages, mode=Attestations.TRUE)
    with pytest.raises(InputError, match="'attestations: true' needs trusted publishing"):
        prepare(settings, Recorder(), dists, None, **ci_of({}))


def test_auto_is_off_for_other_indexes_true_forces_them(
    run: Run,
    dists: list[Distribution],
    standin: SigstoreStandIn,
) -> None:
    private = "https://pkgs.example.com/repository/pypi-internal/"
    assert run(dists, url=private) == {}
    assert run.reporter.lines == [
        "attestations: off (Nexus is not known to accept PEP 740 "
        "attestations; set 'attestations: true' to send them)"
    ]
    assert standin.requests == []
    assert len(run(dists, url=private, mode=Attestations.TRUE)) == 2


def test_unsupported_publisher_kind(run: Run, dists: list[Distribution]) -> None:
    circleci = publisher({"iss": "https://oidc.circleci.com/org/x", "sub": "x"}, "CircleCI")
    assert run(dists, circleci) == {}
    assert run.reporter.lines == [
        "attestations: off (pypi.org does not accept attestations "
        "from CircleCI trusted publishers, OIDC issuer "
        "https://oidc.circleci.com/org/x)"
    ]
    error = run.fails(dists, circleci, mode=Attestations.TRUE)
    assert "cannot attest as a CircleCI trusted publisher" in error.message


def test_no_sigstore_import_when_off() -> None:
    """Start-up: a run without attestations never loads sigstore or pypi_attestations."""
    probe = f"""
import sys
sys.path.insert(0, {str(ROOT / "src")!r})
from pathlib import Path
from publish_action.attestations import prepare
from publish_action.targets import classify
from publish_action.reporting import SilentReporter
from publish_action.settings import Settings
url = "https://upload.pypi.org/legacy/"
settings = Settings(repository_url=url, index=classify(url), index_url=None, index_url_note="",
                    upload_credentials=None, check_credentials=None,
                    check_credentials_explicit=False, packages_dir=Path("."))
from publish_action.ci import CiEnvironment
assert prepare(settings, SilentReporter(), [object()], None, ci_env=CiEnvironment.read({{}}),
               net=None) == {{}}
print(",".join(m for m in ("sigstore", "pypi_attestations", "requests") if m in sys.modules))
"""
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == ""


# -- identity problems: each stops the run before any upload -----------------------------------


def test_reusable_workflow_is_refused_before_signing(
    run: Run,
    dists: list[Distribution],
    standin: SigstoreStandIn,
) -> None:
    claims = github_claims(workflow="publish.yml", caller="release.yml")
    run.issuer.claims = claims
    error = run.fails(dists, publisher(claims))
    assert error.message == (
        "attestations would be rejected by pypi.org: this job runs in the reusable workflow "
        "octo/pkg/.github/workflows/publish.yml, called from "
        "octo/pkg/.github/workflows/release.yml"
    )
    assert error.details == (
        "pypi.org checks attestations against its trusted publisher: workflow publish.yml in "
        "octo/pkg (the token's job_workflow_ref)",
        "but Sigstore certifies the calling workflow release.yml (the token's workflow_ref)",
    )
    assert "set 'attestations: false'" in error.advice
    assert standin.requests == []  # nothing went to Sigstore's public log


def test_reusable_workflow_found_by_verification(
    standin: SigstoreStandIn,
    issuer: OidcIssuer,
) -> None:
    """Self-verification names the cause too: the certificate's build config is the caller."""
    from pypi_attestations import GitHubPublisher

    content = b"the distribution"
    sha256 = hashlib.sha256(content).hexdigest()
    claims = github_claims(workflow="publish.yml", caller="release.yml")
    text = sign_statement(
        standin, issuer, "pkg-1.0.tar.gz", sha256, attestations.PUBLISH_PREDICATE, claims
    )
    identity = GitHubPublisher(repository="octo/pkg", workflow="publish.yml")
    with pytest.raises(AttestationError) as caught:
        verify_attestation(
            text,
            identity=identity,
            filename="pkg-1.0.tar.gz",
            sha256=sha256,
            trusted_root=standin.trusted_root(),
            index="pypi.org",
        )
    error = caught.value
    assert error.message == (
        "the attestation for pkg-1.0.tar.gz would be rejected by pypi.org: "
        "it was signed in a reusable workflow"
    )
    assert error.details == (
        "the certificate names the calling workflow octo/pkg/.github/workflows/release.yml "
        "(workflow_ref)",
        "the reusable workflow that ran is octo/pkg/.github/workflows/publish.yml "
        "(job_workflow_ref)",
        "pypi.org checks it against its trusted publisher: GitHub repository octo/pkg, "
        "workflow publish.yml",
    )
    assert "Build Config URI" in error.render()  # the library's own words, as the cause
    refused = attestation_check.verify_upload_attestations(
        identity, "pkg-1.0.tar.gz", content, f"[{text}]", trusted_root=standin.trusted_root()
    )
    assert refused is not None and "does not match expected Trusted Publisher" in refused


def test_wrong_repository(run: Run, dists: list[Distribution], standin: SigstoreStandIn) -> None:
    """The Sigstore token names another repository than the publisher the index matched."""
    run.issuer.claims = github_claims(repository="octo/other")
    error = run.fails(dists)
    assert error.message == (
        "the attestation signed for pkg-1.0.tar.gz would be rejected by pypi.org: it was signed "
        "in repository octo/other, but the trusted publisher is repository octo/pkg (GitHub "
        "repository octo/pkg, workflow release.yml)"
    )
    assert error.details == ("the same for pkg-1.0-py3-none-any.whl",)
    assert error.advice.startswith(
        "the 'sigstore' OIDC token and the upload token must come from the same job"
    )
    assert "OIDCSourceRepositoryURI" in error.render()


def test_wrong_workflow(run: Run, dists: list[Distribution]) -> None:
    run.issuer.claims = github_claims(workflow="ci.yml")
    error = run.fails(dists)
    assert error.message.startswith(
        "the attestation signed for pkg-1.0.tar.gz would be rejected by pypi.org: it was signed "
        "by workflow ci.yml (octo/pkg/.github/workflows/ci.yml), but the trusted publisher is "
        "GitHub repository octo/pkg, workflow release.yml"
    )


def test_wrong_google_account(run: Run, dists: list[Distribution], issuer: OidcIssuer) -> None:
    other = token(google_claims("someone-else@proj.iam.gserviceaccount.com"))
    error = run.fails(
        dists,
        publisher(google_claims(), "Google Cloud"),
        environ={"GITLAB_CI": "true", "SIGSTORE_ID_TOKEN": other},
    )
    assert "its certificate is not for Google service account publisher@" in error.message
    assert "someone-else@proj" in error.message


def test_packages_dir_attestation_from_another_workflow(
    run: Run,
    dists: list[Distribution],
    standin: SigstoreStandIn,
    issuer: OidcIssuer,
    packages: Path,
) -> None:
    dist = dists[0]
    text = sign_statement(
        standin,
        issuer,
        dist.filename,
        dist.hashes.sha256,
        "https://slsa.dev/provenance/v1",
        github_claims(workflow="build.yml"),
    )
    (packages / f"{dist.filename}.build.attestation").write_text(text)
    error = run.fails(dists)
    assert error.message.startswith(
        "pkg-1.0.tar.gz.build.attestation (from packages-dir) would be rejected by pypi.org: it "
        "was signed by workflow build.yml"
    )
    assert error.advice.startswith(
        "attestations in packages-dir must be signed by the publishing workflow itself"
    )


def test_second_publish_attestation_in_packages_dir(
    run: Run,
    dists: list[Distribution],
    packages: Path,
    standin: SigstoreStandIn,
) -> None:
    (packages / f"{dists[1].filename}.publish.attestation").write_text("{}")
    error = run.fails(dists)
    assert error.message == (
        "pkg-1.0-py3-none-any.whl.publish.attestation in packages-dir "
        "would be a second publish attestation for "
        "pkg-1.0-py3-none-any.whl"
    )
    assert standin.requests == []


def test_unusable_attestation_files_in_packages_dir(
    run: Run,
    dists: list[Distribution],
    packages: Path,
    standin: SigstoreStandIn,
) -> None:
    broken = packages / f"{dists[0].filename}.build.attestation"
    broken.write_text("not json")
    error = run.fails(dists)
    assert error.message == (
        "pkg-1.0.tar.gz.build.attestation (from packages-dir) is not a valid PEP 740 attestation"
    )

    (packages / f"{dists[0].filename}.slsa.attestation").write_text("{}")
    error = run.fails(dists)
    assert error.message.startswith("too many attestations for pkg-1.0.tar.gz: ")
    assert "at most 2 per file" in error.advice


# -- tampering ---------------------------------------------------------------------------------


def test_attestations_are_of_the_inspected_bytes(run: Run, dists: list[Distribution]) -> None:
    """The file changes by one byte after it was inspected: the attestation is still of the
    bytes inspected (hashed once), and those are the only bytes the upload will send (it cuts
    off a changed file before its end: tests/scenarios/test_run_integrity.py)."""
    data = bytearray(dists[1].path.read_bytes())
    data[100] ^= 1
    dists[1].path.write_bytes(bytes(data))
    arrays = run(dists)
    [attestation] = json.loads(arrays[dists[1].filename])
    statement = json.loads(base64.b64decode(attestation["envelope"]["statement"]))
    assert statement["subject"][0]["digest"]["sha256"] == dists[1].hashes.sha256


@pytest.mark.parametrize("tamper", ["set", "inclusion-proof", "checkpoint"])
def test_tampered_log_entry(
    run: Run, dists: list[Distribution], standin: SigstoreStandIn, tamper: str
) -> None:
    standin.rekor_tamper = tamper
    error = run.fails(dists)
    assert error.message == (
        "the attestation signed for pkg-1.0.tar.gz has a transparency log "
        "entry that does not verify"
    )
    cause = {
        "set": "SET: invalid inclusion promise",
        "inclusion-proof": "inclusion proof",
        "checkpoint": "checkpoint: invalid signature",
    }[tamper]
    assert cause in error.render()


def test_attestation_from_another_sigstore_instance(
    standin: SigstoreStandIn,
    issuer: OidcIssuer,
) -> None:
    from pypi_attestations import GitHubPublisher

    text = sign_statement(
        standin, issuer, "pkg-1.0.tar.gz", "c" * 64, attestations.PUBLISH_PREDICATE
    )
    identity = GitHubPublisher(repository="octo/pkg", workflow="release.yml")
    with (
        sigstore_standin() as other,
        pytest.raises(
            AttestationError,
            match="not signed with a certificate from the Sigstore instance the index trusts",
        ),
    ):
        verify_attestation(
            text,
            identity=identity,
            filename="pkg-1.0.tar.gz",
            sha256="c" * 64,
            trusted_root=other.trusted_root(),
        )


# -- Sigstore and token failures ---------------------------------------------------------------


def test_fulcio_down(run: Run, dists: list[Distribution], standin: SigstoreStandIn) -> None:
    standin.stop("fulcio")
    error = run.fails(dists)
    assert error.message == (
        f"Sigstore's certificate authority (Fulcio at {standin.fulcio_url})"
        " did not issue a signing certificate"
    )
    assert "Connection refused" in error.render()
    assert "Sigstore may be down or unreachable" in error.advice


def test_fulcio_error_shows_the_servers_message(
    run: Run,
    dists: list[Distribution],
    standin: SigstoreStandIn,
) -> None:
    standin.fulcio_status = 503
    error = run.fails(dists)
    assert error.details == (
        f"HTTP 503 from {standin.fulcio_url}/api/v2/signingCert: injected Fulcio failure",
    )
    assert "FulcioClientError" in error.render()  # its own message is empty


def test_fulcio_refuses_the_token(run: Run, dists: list[Distribution], issuer: OidcIssuer) -> None:
    run.standin.trust_issuer(GITHUB, {"keys": []})
    error = run.fails(dists)
    assert error.details[0].startswith("HTTP 401 from ")
    assert error.advice.startswith("Fulcio refused the 'sigstore' OIDC token")


def test_rekor_down(run: Run, dists: list[Distribution], standin: SigstoreStandIn) -> None:
    standin.stop("rekor")
    error = run.fails(dists)
    assert error.message == (
        "signing pkg-1.0.tar.gz failed: Sigstore's transparency log (Rekor "
        f"at {standin.rekor_url}) did not record the signature"
    )
    assert "Connection refused" in error.render()


def test_rekor_error(run: Run, dists: list[Distribution], standin: SigstoreStandIn) -> None:
    standin.rekor_status = 500
    error = run.fails(dists)
    assert "did not record the signature" in error.message
    assert "500: injected Rekor failure" in error.render()


def test_sigstore_too_slow(run: Run, dists: list[Distribution], standin: SigstoreStandIn) -> None:
    standin.delay["rekor"] = 3.0
    started = time.monotonic()
    error = run.fails(dists, timeout=0.5)
    assert time.monotonic() - started < 2.5
    assert error.message.endswith("did not record the signature: no answer in time")


def test_no_sigstore_token_on_gitlab(run: Run, dists: list[Distribution]) -> None:
    error = run.fails(
        dists, publisher(gitlab_claims(), "GitLab CI/CD"), environ={"GITLAB_CI": "true"}
    )
    assert error.message.startswith(
        "could not get an OIDC token for Sigstore (audience 'sigstore'): GitLab CI/CD"
    )
    assert "SIGSTORE_ID_TOKEN is not set" in error.message
    assert "`id_tokens:` → `SIGSTORE_ID_TOKEN:` → `aud: sigstore`" in error.advice


def test_only_rekor_v2_configured(
    run: Run, dists: list[Distribution], standin: SigstoreStandIn, tmp_path: Path, packages: Path
) -> None:
    from sigstore.models import ClientTrustConfig

    data = json.loads(standin.trust_config_json())
    data["signingConfig"]["rekorTlogUrls"][0]["majorApiVersion"] = 2
    with pytest.raises(AttestationError, match="no usable certificate authority or Rekor v1"):
        prepare(
            settings_for(tmp_path, packages),
            Recorder(),
            dists,
            publisher(),
            **ci_of(run.issuer.github_environ()),
            trust_config=ClientTrustConfig.from_json(json.dumps(data)),
        )


def test_public_sigstore_is_never_reached_from_tests(
    tmp_path: Path,
    packages: Path,
    dists: list[Distribution],
    issuer: OidcIssuer,
    monkeypatch: pytest.MonkeyPatch,
    _loopback_names: list[str],
) -> None:
    """Without an injected trust config the real TUF refresh runs and is stopped by the guard."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(AttestationError, match="could not load Sigstore's trust root"):
        prepare(
            settings_for(tmp_path, packages),
            Recorder(),
            dists,
            publisher(),
            **ci_of(issuer.github_environ()),
        )
    assert "tuf-repo-cdn.sigstore.dev" in _loopback_names
    _loopback_names.clear()


# -- the stand-in looks like the real thing ----------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "claims"),
    [
        ("pypi_attestations-0.0.19.tar.gz.publish.attestation", github_claims()),
        ("gitlab_oidc_project-0.0.3.tar.gz.publish.attestation", gitlab_claims()),
    ],
)
def test_stand_in_certificates_have_the_shape_of_real_ones(
    fixture: str,
    claims: dict[str, Any],
    standin: SigstoreStandIn,
    issuer: OidcIssuer,
) -> None:
    """Golden comparison: the same extensions, criticality and value encodings as Fulcio's."""
    from cryptography import x509
    from pypi_attestations import Attestation

    if not REAL.is_dir():
        pytest.skip(f"real attestation fixtures not found at {REAL}")
    real = Attestation.model_validate_json((REAL / fixture).read_text())
    ours = Attestation.model_validate_json(
        sign_statement(
            standin, issuer, "pkg-1.0.tar.gz", "c" * 64, attestations.PUBLISH_PREDICATE, claims
        )
    )

    def shape(model: Any) -> list[tuple[str, bool, str]]:
        cert = x509.load_der_x509_certificate(model.verification_material.certificate)
        assert cert.subject == x509.Name([])
        found = []
        for ext in cert.extensions:
            raw = ext.value.value if isinstance(ext.value, x509.UnrecognizedExtension) else b""
            encoding = "utf8" if raw[:1] == b"\x0c" else "raw" if raw else type(ext.value).__name__
            found.append((ext.oid.dotted_string, ext.critical, encoding))
        return sorted(found)

    assert shape(ours) == shape(real)
    assert sorted(ours.certificate_claims) == sorted(real.certificate_claims)
    entry_keys = sorted(real.verification_material.transparency_entries[0])
    assert sorted(ours.verification_material.transparency_entries[0]) == entry_keys


def test_stand_in_maps_claims_like_fulcio(standin: SigstoreStandIn, issuer: OidcIssuer) -> None:
    from pypi_attestations import Attestation

    claims = github_claims(workflow="publish.yml", caller="release.yml")
    model = Attestation.model_validate_json(
        sign_statement(
            standin, issuer, "pkg-1.0.tar.gz", "c" * 64, attestations.PUBLISH_PREDICATE, claims
        )
    )
    got = model.certificate_claims
    assert got[FULCIO_OIDS["build signer uri"]] == (
        "https://github.com/octo/pkg/.github/workflows/publish.yml@refs/tags/v1.0.0"
    )
    assert got[FULCIO_OIDS["build config uri"]] == (
        "https://github.com/octo/pkg/.github/workflows/release.yml@refs/tags/v1.0.0"
    )
    assert got[FULCIO_OIDS["source repository uri"]] == "https://github.com/octo/pkg"
    assert got[FULCIO_OIDS["run invocation uri"]] == (
        "https://github.com/octo/pkg/actions/runs/9876543210/attempts/1"
    )


# -- real attestations from the public Sigstore instance ---------------------------------------

REAL_CASES = {
    "pypi_attestations-0.0.19.tar.gz": ("GitHub", "trailofbits/pypi-attestations", "release.yml"),
    "gitlab_oidc_project-0.0.3.tar.gz": (
        "GitLab",
        "facutuesca/gitlab-oidc-project",
        ".gitlab-ci.yml",
    ),
}


def real_identity(kind: str, repository: str, workflow: str) -> Any:
    from pypi_attestations import GitHubPublisher, GitLabPublisher

    if kind == "GitHub":
        return GitHubPublisher(repository=repository, workflow=workflow)
    return GitLabPublisher(repository=repository, workflow_filepath=workflow)


@pytest.fixture(scope="module")
def production_root() -> Any:
    if not REAL.is_dir():
        pytest.skip(
            f"real attestation fixtures not found at {REAL} (the shared folder "
            "beside the repository)"
        )
    return attestation_check.production_trusted_root()


@pytest.mark.parametrize("filename", sorted(REAL_CASES))
def test_real_attestations_verify_with_their_identity_only(
    filename: str,
    production_root: Any,
) -> None:
    kind, repository, workflow = REAL_CASES[filename]
    data = (REAL / filename).read_bytes()
    text = (REAL / f"{filename}.publish.attestation").read_text()
    sha256 = hashlib.sha256(data).hexdigest()

    def check(identity: Any, digest: str = sha256) -> str:
        return verify_attestation(
            text,
            identity=identity,
            filename=filename,
            sha256=digest,
            trusted_root=production_root,
            index="pypi.org",
        )

    assert check(real_identity(kind, repository, workflow)) == attestations.PUBLISH_PREDICATE

    with pytest.raises(
        AttestationError,
        match=f"signed in repository {repository}, but the "
        "trusted publisher is repository someone/else",
    ):
        check(real_identity(kind, "someone/else", workflow))
    with pytest.raises(AttestationError, match="it was signed by workflow "):
        check(real_identity(kind, repository, "other.yml"))

    changed = bytearray(data)
    changed[len(changed) // 2] ^= 1
    with pytest.raises(AttestationError, match=r"does not match .*: it attests sha256 "):
        check(real_identity(kind, repository, workflow), hashlib.sha256(changed).hexdigest())

    # The PyPI oracle agrees, offline, on the same root.
    identity = real_identity(kind, repository, workflow)
    assert (
        attestation_check.verify_upload_attestations(
            identity, filename, data, f"[{text}]", trusted_root=production_root
        )
        is None
    )
    refused = attestation_check.verify_upload_attestations(
        identity, filename, bytes(changed), f"[{text}]", trusted_root=production_root
    )
    assert refused is not None and "subject does not match distribution digest" in refused


def test_real_provenance_object(production_root: Any) -> None:
    """PyPI's provenance object (what its integrity API serves) names the identity itself."""
    from pypi_attestations import Provenance

    filename = "pypi_attestations-0.0.19.tar.gz"
    provenance = Provenance.model_validate_json((REAL / f"{filename}.provenance").read_text())
    [bundle] = provenance.attestation_bundles
    sha256 = hashlib.sha256((REAL / filename).read_bytes()).hexdigest()
    for attestation in bundle.attestations:
        assert verify_attestation(
            attestation,
            identity=bundle.publisher,
            filename=filename,
            sha256=sha256,
            trusted_root=production_root,
        )


def test_stand_in_material_never_passes_as_production(
    standin: SigstoreStandIn,
    issuer: OidcIssuer,
    production_root: Any,
) -> None:
    from pypi_attestations import GitHubPublisher

    text = sign_statement(
        standin, issuer, "pkg-1.0.tar.gz", "c" * 64, attestations.PUBLISH_PREDICATE
    )
    with pytest.raises(AttestationError, match="not signed with a certificate from the Sigstore"):
        verify_attestation(
            text,
            identity=GitHubPublisher(repository="octo/pkg", workflow="release.yml"),
            filename="pkg-1.0.tar.gz",
            sha256="c" * 64,
            trusted_root=production_root,
        )
