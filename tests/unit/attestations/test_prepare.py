"""PEP 740 attestations with the real `sigstore` signer and verifier, offline.

Signing goes through the local Sigstore stand-in (`tests/support/sigstore_standin.py`); every
attestation is also checked by the independent PyPI oracle (`tests/support/attestation_check.py`,
the real `Attestation.verify`). Real attestations from the public instance are verified against
the production trust root shipped in the `sigstore` wheel. Nothing leaves loopback: the suite's
connect guard plus `_loopback_names` below, which refuses every name lookup but loopback's.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

from publish_action.attestations import prepare
from publish_action.distributions import Distribution
from publish_action.errors import AttestationError, InputError
from publish_action.settings import Attestations
from tests.support.oidc_issuer import OidcIssuer
from tests.support.sigstore_standin import SigstoreStandIn
from tests.unit.attestations.harness import (
    ROOT,
    Recorder,
    Run,
    ci_of,
    github_claims,
    gitlab_claims,
    make_dist,
    oracle,
    publisher,
    settings_for,
    sign_statement,
)


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


def test_files_given_as_arguments_take_the_attestations_beside_each_of_them(
    run: Run,
    standin: SigstoreStandIn,
    issuer: OidcIssuer,
    tmp_path: Path,
    packages: Path,
) -> None:
    """Distributions from two folders (files given as arguments): each takes the attestation
    beside it, and one of the same name in the other folder is not its own."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    here, there = (
        make_dist(packages, "pkg-1.0.tar.gz"),
        make_dist(elsewhere, "pkg-1.0-py3-none-any.whl"),
    )
    provenance = sign_statement(
        standin, issuer, there.filename, there.hashes.sha256, "https://slsa.dev/provenance/v1"
    )
    (elsewhere / f"{there.filename}.build.attestation").write_text(provenance)
    (packages / f"{there.filename}.build.attestation").write_text("not beside its file")

    arrays = run([here, there])
    assert len(json.loads(arrays[here.filename])) == 1
    assert json.loads(arrays[there.filename])[1] == json.loads(provenance)
