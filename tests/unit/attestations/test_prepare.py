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
from publish_action.errors import AttestationError
from publish_action.settings import Attestations
from tests.support.oidc_issuer import OidcIssuer
from tests.support.sigstore_standin import SigstoreStandIn
from tests.unit.attestations.harness import (
    ROOT,
    Debugging,
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


def test_true_without_trusted_publishing_goes_on_with_a_note(
    tmp_path: Path,
    packages: Path,
    dists: list[Distribution],
) -> None:
    """As gh-action-pypi-publish, whose `attestations: true` "only works via Trusted
    Publishing": a token run uploads unsigned, and says why."""
    reporter = Recorder()
    settings = settings_for(tmp_path, packages, mode=Attestations.TRUE)
    assert prepare(settings, reporter, dists, None, **ci_of({})) == {}
    assert reporter.lines == [
        "attestations: off (they need trusted publishing, and this run uses configured "
        "credentials); 'attestations: true' takes effect when it publishes that way"
    ]


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


def test_no_sigstore_import_when_off(tmp_path: Path) -> None:
    """Start-up: a run without attestations never loads sigstore or pypi_attestations (looking
    for attestation files beside the distributions does not either)."""
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
from types import SimpleNamespace
dist = SimpleNamespace(filename="pkg-1.0.tar.gz", path=Path({str(tmp_path / "pkg-1.0.tar.gz")!r}))
assert prepare(settings, SilentReporter(), [dist], None, ci_env=CiEnvironment.read({{}}),
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


def test_a_broken_publish_attestation_in_packages_dir_stops_the_run_before_signing(
    run: Run,
    dists: list[Distribution],
    packages: Path,
    standin: SigstoreStandIn,
) -> None:
    """It stands for this run's own publish attestation of that file, so it is verified first:
    nothing is signed (a signature is logged for good) when it is broken."""
    (packages / f"{dists[1].filename}.publish.attestation").write_text("{}")
    error = run.fails(dists)
    assert error.message == (
        "pkg-1.0-py3-none-any.whl.publish.attestation (from packages-dir) is not a valid "
        "PEP 740 attestation"
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


# -- attestations already in packages-dir (issue 13, item 4) ------------------------------------

PUBLISH = "https://docs.pypi.org/attestations/publish/v1"
PULP = "https://pulp.example.com/pypi/team/legacy/"
REAL = ROOT / "tests" / "fixtures" / "real-attestations"


def prebuilt_publish(
    standin: SigstoreStandIn, issuer: OidcIssuer, packages: Path, dist: Distribution
) -> str:
    """What `pypi-attestations sign` (or an earlier step) leaves beside the file."""
    text = sign_statement(standin, issuer, dist.filename, dist.hashes.sha256, PUBLISH)
    (packages / f"{dist.filename}.publish.attestation").write_text(text)
    return text


def test_a_publish_attestation_in_packages_dir_goes_instead_of_signing_that_file(
    run: Run,
    dists: list[Distribution],
    standin: SigstoreStandIn,
    issuer: OidcIssuer,
    packages: Path,
) -> None:
    text = prebuilt_publish(standin, issuer, packages, dists[0])
    before = len(standin.requests)
    arrays = run(dists)
    assert json.loads(arrays[dists[0].filename]) == [json.loads(text)]
    [ours] = json.loads(arrays[dists[1].filename])
    statement = json.loads(base64.b64decode(ours["envelope"]["statement"]))
    assert statement["subject"][0]["name"] == dists[1].filename
    # Only the wheel was signed now: one certificate, one log entry.
    assert standin.requests[before:].count("rekor POST /api/v1/log/entries") == 1
    for dist in dists:
        assert oracle(standin, github_claims(), dist, arrays[dist.filename]) is None
    assert run.reporter.lines == [
        "attestations: signing 1 file(s) as GitHub repository octo/pkg, workflow release.yml",
        "attestations: 2 verified for 2 file(s) against the trusted publisher pypi.org checks "
        "them with (GitHub repository octo/pkg, workflow release.yml)",
    ]


def test_when_every_file_has_one_nothing_is_signed_and_no_sigstore_token_is_needed(
    run: Run,
    dists: list[Distribution],
    standin: SigstoreStandIn,
    issuer: OidcIssuer,
    packages: Path,
) -> None:
    for dist in dists:
        prebuilt_publish(standin, issuer, packages, dist)
    before = len(standin.requests)
    arrays = run(dists, environ={})  # no ambient OIDC token at all
    assert standin.requests[before:] == []
    assert sorted(arrays) == sorted(d.filename for d in dists)
    assert run.reporter.lines == [
        "attestations: 2 verified for 2 file(s) against the trusted publisher pypi.org checks "
        "them with (GitHub repository octo/pkg, workflow release.yml)"
    ]


@pytest.mark.parametrize("who", ["credentials", "circleci"])
def test_pypi_takes_them_only_with_trusted_publishing_so_the_files_go_without_them(
    who: str,
    tmp_path: Path,
    dists: list[Distribution],
    standin: SigstoreStandIn,
    issuer: OidcIssuer,
    packages: Path,
) -> None:
    """warehouse attestations/services.py: "Attestations are only supported when using Trusted
    Publishing" (and not with publishers without an attestation identity): a 400 for the
    first file. So, as twine and gh-action-pypi-publish do with a token, the files go
    without them, and a warning says what is lost (no index attests a file afterwards)."""
    prebuilt_publish(standin, issuer, packages, dists[0])
    identity = (
        None
        if who == "credentials"
        else publisher({"iss": "https://oidc.circleci.com/org/x", "sub": "x"}, "CircleCI")
    )
    before = len(standin.requests)
    reporter = Recorder()
    arrays = prepare(
        settings_for(tmp_path, packages),
        reporter,
        dists,
        identity,
        **ci_of({}),
        trust_config=standin.trust_config(),
    )
    assert arrays == {}
    why = (
        "this run uploads with configured credentials"
        if who == "credentials"
        else "its CircleCI trusted publisher (OIDC issuer https://oidc.circleci.com/org/x) is "
        "not one whose attestations it accepts"
    )
    assert reporter.lines == [
        "warning: attestations: not sent: pypi.org accepts attestations only from a trusted "
        f"publisher, and {why}; pkg-1.0.tar.gz.publish.attestation stay here and the files "
        "are uploaded without them (an index never takes an attestation for a file already "
        "uploaded). To keep them, publish with trusted publishing from the workflow that "
        "signed them"
    ]
    assert standin.requests[before:] == []


def test_an_index_that_takes_them_without_a_publisher_gets_them_verified_and_the_signer_named(
    tmp_path: Path,
    dists: list[Distribution],
    standin: SigstoreStandIn,
    issuer: OidcIssuer,
    packages: Path,
) -> None:
    """Pulp takes attestations (measured here) with a user and password: no trusted publisher
    is known, so the signature, log entry and statement are verified and the signer reported."""
    text = prebuilt_publish(standin, issuer, packages, dists[0])
    reporter = Recorder()
    arrays = prepare(
        settings_for(tmp_path, packages, url=PULP),
        reporter,
        dists,
        None,
        **ci_of({}),
        trust_config=standin.trust_config(),
    )
    assert arrays == {dists[0].filename: json.dumps([json.loads(text)])}
    assert reporter.lines[0] == (
        "attestations: 1 file(s) without an attestation in packages-dir go without (this run "
        "signs only with trusted publishing, and it uses configured credentials): "
        "pkg-1.0-py3-none-any.whl"
    )
    assert reporter.lines[1].startswith(
        "attestations: 1 verified for 1 file(s): the signature, its transparency log entry and "
        "the file name and sha256 they attest; signed by "
        "https://github.com/octo/pkg/.github/workflows/release.yml@"
    )
    assert reporter.lines[1].endswith(
        "No trusted publisher vouches for this upload, so Pulp decides itself whether it "
        "trusts that signer"
    )


def test_still_verified_without_a_publisher_a_changed_file_stops_the_run(
    tmp_path: Path,
    dists: list[Distribution],
    standin: SigstoreStandIn,
    issuer: OidcIssuer,
    packages: Path,
) -> None:
    text = sign_statement(standin, issuer, dists[0].filename, "0" * 64, PUBLISH)
    (packages / f"{dists[0].filename}.publish.attestation").write_text(text)
    with pytest.raises(AttestationError) as info:
        prepare(
            settings_for(tmp_path, packages, url=PULP),
            Recorder(),
            dists,
            None,
            **ci_of({}),
            trust_config=standin.trust_config(),
        )
    assert info.value.message == (
        "pkg-1.0.tar.gz.publish.attestation (from packages-dir) does not match pkg-1.0.tar.gz: "
        f"it attests sha256 {'0' * 64}, the file has {dists[0].hashes.sha256}"
    )


def test_an_attestation_of_another_file_is_never_sent_with_this_one(
    run: Run,
    dists: list[Distribution],
    standin: SigstoreStandIn,
    issuer: OidcIssuer,
    packages: Path,
) -> None:
    wheel = dists[1]
    text = sign_statement(standin, issuer, wheel.filename, wheel.hashes.sha256, PUBLISH)
    (packages / f"{dists[0].filename}.publish.attestation").write_text(text)
    error = run.fails(dists)
    assert error.message == (
        "pkg-1.0.tar.gz.publish.attestation (from packages-dir) attests file "
        "'pkg-1.0-py3-none-any.whl', not pkg-1.0.tar.gz"
    )


def test_attestation_files_of_files_not_uploaded_are_left_alone(
    run: Run, dists: list[Distribution], packages: Path
) -> None:
    (packages / "pkg-0.9.tar.gz.publish.attestation").write_text("not even json")
    run.reporter = Debugging()
    arrays = run(dists)
    assert sorted(arrays) == sorted(d.filename for d in dists)
    assert (
        "debug: attestations: pkg-0.9.tar.gz.publish.attestation in packages-dir left alone: "
        "its file is not uploaded by this run (already on the index, or not in packages-dir)"
        in run.reporter.lines
    )


def test_off_or_not_taken_they_are_named_as_not_sent(
    run: Run,
    dists: list[Distribution],
    standin: SigstoreStandIn,
    issuer: OidcIssuer,
    packages: Path,
) -> None:
    prebuilt_publish(standin, issuer, packages, dists[0])
    before = len(standin.requests)
    assert run(dists, mode=Attestations.FALSE) == {}
    assert run(dists, url="https://pkgs.example.com/repository/pypi-internal/") == {}
    assert run.reporter.lines == [
        "attestations: off ('attestations: false'): pkg-1.0.tar.gz.publish.attestation in "
        "packages-dir not sent",
        "attestations: off (Nexus is not known to accept PEP 740 attestations): "
        "pkg-1.0.tar.gz.publish.attestation in packages-dir not sent, the files are uploaded "
        "without them; set 'attestations: true' to send them anyway",
    ]
    assert standin.requests[before:] == []


def test_a_dry_run_verifies_them_and_signs_nothing(
    run: Run,
    dists: list[Distribution],
    standin: SigstoreStandIn,
    issuer: OidcIssuer,
    packages: Path,
    tmp_path: Path,
) -> None:
    prebuilt_publish(standin, issuer, packages, dists[0])
    before = len(standin.requests)
    settings = settings_for(tmp_path, packages)
    arrays = prepare(
        settings,
        run.reporter,
        dists,
        publisher(),
        **ci_of({}),
        trust_config=standin.trust_config(),
        sign=False,
    )
    assert list(arrays) == [dists[0].filename]
    assert standin.requests[before:] == []
    assert run.reporter.lines[-1] == "attestations: dry run: 1 file(s) would be signed"
    (packages / f"{dists[0].filename}.publish.attestation").write_text("{}")
    with pytest.raises(AttestationError, match="is not a valid PEP 740 attestation"):
        prepare(
            settings,
            run.reporter,
            dists,
            publisher(),
            **ci_of({}),
            trust_config=standin.trust_config(),
            sign=False,
        )
    # Nothing in packages-dir: a dry run does not even load the trust root.
    (packages / f"{dists[0].filename}.publish.attestation").unlink()
    assert prepare(settings, run.reporter, dists, publisher(), **ci_of({}), sign=False) == {}


def test_a_real_attestation_in_packages_dir_verifies_against_its_trusted_publisher(
    tmp_path: Path, packages: Path
) -> None:
    """Signed by the public Sigstore instance in a GitLab CI job (tests/fixtures/real-attestations),
    verified offline against the production trust root the `sigstore` wheel ships."""
    from publish_action.distributions import inspect
    from tests.support import attestation_check

    name = "gitlab_oidc_project-0.0.3.tar.gz"
    for suffix in ("", ".publish.attestation"):
        (packages / f"{name}{suffix}").write_bytes((REAL / f"{name}{suffix}").read_bytes())
    [dist] = inspect([packages / name], verify=True)
    settings = settings_for(tmp_path, packages)
    config = attestation_check.production_trust_config
    claims = gitlab_claims("facutuesca/gitlab-oidc-project")

    arrays = prepare(
        settings,
        Recorder(),
        [dist],
        publisher(claims, "GitLab CI/CD"),
        **ci_of({}),
        trust_config=config(),
    )
    sent = (REAL / f"{name}.publish.attestation").read_text()
    assert json.loads(arrays[name]) == [json.loads(sent)]
    assert (
        attestation_check.verify_upload_attestations(
            claims, name, (packages / name).read_bytes(), arrays[name]
        )
        is None
    )

    other = publisher(gitlab_claims("facutuesca/another-project"), "GitLab CI/CD")
    with pytest.raises(AttestationError) as info:
        prepare(settings, Recorder(), [dist], other, **ci_of({}), trust_config=config())
    assert info.value.message == (
        f"{name}.publish.attestation (from packages-dir) would be rejected by pypi.org: it was "
        "signed in repository facutuesca/gitlab-oidc-project, but the trusted publisher is "
        "repository facutuesca/another-project (GitLab project facutuesca/another-project, CI "
        "file .gitlab-ci.yml)"
    )


def test_auto_on_an_index_that_takes_them_signs_nothing_else_and_says_why(
    run: Run,
    dists: list[Distribution],
    standin: SigstoreStandIn,
    issuer: OidcIssuer,
    packages: Path,
) -> None:
    """Pulp with a GitHub publisher: the one in packages-dir goes, verified against that
    publisher; 'auto' signs only for PyPI, so the wheel goes without, and the line says so."""
    text = prebuilt_publish(standin, issuer, packages, dists[0])
    before = len(standin.requests)
    arrays = run(dists, url=PULP)
    assert arrays == {dists[0].filename: json.dumps([json.loads(text)])}
    assert standin.requests[before:] == []
    assert run.reporter.lines[0] == (
        "attestations: 1 file(s) without an attestation in packages-dir go without "
        "('attestations: auto' signs only for PyPI and TestPyPI, not Pulp): "
        "pkg-1.0-py3-none-any.whl"
    )


def test_true_sends_them_to_an_index_not_known_to_keep_them_and_says_so(
    tmp_path: Path,
    dists: list[Distribution],
    standin: SigstoreStandIn,
    issuer: OidcIssuer,
    packages: Path,
) -> None:
    """pypiserver and devpi take the upload and drop the field (measured in
    tests/scenarios/test_prebuilt_attestations.py): sent only when asked, verified first, and
    'true' means every file goes with one."""
    texts = [prebuilt_publish(standin, issuer, packages, dists[0])]
    settings = settings_for(
        tmp_path, packages, url="http://127.0.0.1:8080/", mode=Attestations.TRUE
    )

    def run(reporter: Recorder) -> dict[str, str]:
        return prepare(
            settings, reporter, dists, None, **ci_of({}), trust_config=standin.trust_config()
        )

    with pytest.raises(AttestationError) as info:
        run(Recorder())
    assert info.value.message == (
        "'attestations: true', but 1 file(s) would go without one: pkg-1.0-py3-none-any.whl"
    )
    assert info.value.advice.startswith(
        "this run signs only with trusted publishing, and it uses configured credentials: put "
        "each file's attestation beside it, or set 'attestations: auto'"
    )
    texts.append(prebuilt_publish(standin, issuer, packages, dists[1]))
    reporter = Recorder()
    arrays = run(reporter)
    assert arrays == {
        d.filename: json.dumps([json.loads(t)]) for d, t in zip(dists, texts, strict=True)
    }
    assert reporter.lines[0] == (
        "attestations: sent as 'attestations: true' asks, although the index is not known "
        "to keep them"
    )
    assert reporter.lines[-1].startswith("attestations: 2 verified for 2 file(s): the signature")
    # A broken one stops that run too.
    (packages / f"{dists[0].filename}.publish.attestation").write_text("[]")
    with pytest.raises(AttestationError, match="is not a valid PEP 740 attestation"):
        run(Recorder())


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
