"""Issue 13, item 4: attestations already in packages-dir are verified and uploaded with their
files, through the CLI.

The attestations are real (tests/fixtures/real-attestations: signed by the public Sigstore
instance in GitHub and GitLab CI runs), verified offline against the production trust root the
`sigstore` wheel ships (`attestation_check.production_trust_config`, injected as the product's
`trust_config`; the index stand-ins use the same root). This run signs nothing: every file
already has its publish attestation, so no Sigstore is involved and no `sigstore` token is
asked for.

* the PyPI stand-in (``tests/support/pypi_standin.py``) mints the upload token from the
  trusted publisher the attestation was signed by, and verifies every uploaded attestation
  as Warehouse does, against that publisher;
* PyPI at upload.pypi.org (the Warehouse stand-in through ``FakeInternet``) with an API token:
  PyPI refuses attestations without trusted publishing, so the run stops before uploading;
* a real Pulp, with a user and password: it takes attestations from any user, verifying the
  signature and the file's digest, and serves them as the file's provenance;
* a real pypiserver and devpi-server, which do not take attestations: they are not sent, the
  files go without; 'attestations: true' sends them (verified first), and both servers answer
  200 and drop the field (pypiserver 2.4.2 ``_app.py`` ``file_upload`` reads only the
  ``content`` and ``gpg_signature`` fields; devpi-server 6.20.3 ``views.py`` ``submit`` reads
  ``content`` and the metadata keys of ``model.py``, none of them ``attestations``).

Every broken attestation stops the run with exit 8, naming the file, before anything is sent.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import id as id_lib
import pytest

from publish_action.cli import main
from tests.scenarios.conftest import Publisher, Result, assert_no_secret, devpi_stage, sha256
from tests.support import attestation_check, servers
from tests.support.indexes import FakeInternet, Warehouse
from tests.support.oidc_issuer import OidcIssuer
from tests.support.pypi_standin import PyPIStandIn, TrustedPublisherConfig

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real-attestations"
GITHUB_FILE = "pypi_attestations-0.0.19.tar.gz"
GITLAB_FILE = "gitlab_oidc_project-0.0.3.tar.gz"
# Each real file, the trusted publisher its attestation names, and the project it publishes.
REAL_PUBLISHERS = {
    GITHUB_FILE: TrustedPublisherConfig(
        "github", "trailofbits/pypi-attestations", "release.yml", projects=("pypi-attestations",)
    ),
    GITLAB_FILE: TrustedPublisherConfig(
        "gitlab",
        "facutuesca/gitlab-oidc-project",
        ".gitlab-ci.yml",
        projects=("gitlab-oidc-project",),
    ),
}
# pypi_attestations 0.0.19's PKG-INFO declares License-File under Metadata-Version 2.1, which
# `packaging` refuses (2.4 introduced it); PyPI took it in 2024. Its attestation is the point.
LENIENT = {GITHUB_FILE: ("--verify-metadata", "false"), GITLAB_FILE: ()}


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No name lookups but loopback's, no proxies, and `id` never probes for Google Cloud."""
    real = socket.getaddrinfo
    refused: list[str] = []

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in ("127.0.0.1", "::1", "localhost"):
            refused.append(name)
            raise socket.gaierror(socket.EAI_NONAME, f"offline test: no lookup of {name}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    monkeypatch.setattr(id_lib, "detect_credential", lambda audience: None)
    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    yield
    assert refused == []


def packages(tmp_path: Path, filename: str) -> Path:
    """packages-dir with the real file and its `<file>.publish.attestation`."""
    folder = tmp_path / "dist"
    folder.mkdir()
    for name in (filename, f"{filename}.publish.attestation"):
        shutil.copy2(REAL / name, folder / name)
    return folder


def issuer_for(publisher: TrustedPublisherConfig) -> OidcIssuer:
    if publisher.kind == "github":
        return OidcIssuer.github(
            repository=publisher.repository, workflow=publisher.workflow, environment=None
        )
    return OidcIssuer.gitlab(project_path=publisher.repository, environment=None)


def run_cli(argv: list[str], environ: dict[str, str], secrets: tuple[str, ...]) -> Result:
    report = Path(argv[argv.index("--packages-dir") + 1]).parent / "report.json"
    out, err = io.StringIO(), io.StringIO()
    code = main(
        [*argv, "--report-path", str(report), "--confirm-timeout", "2", "--retries", "0"],
        environ=environ,
        stdout=out,
        stderr=err,
        trust_config=attestation_check.production_trust_config(),
    )
    raw = report.read_text(encoding="utf-8") if report.is_file() else ""
    result = Result(code, out.getvalue(), err.getvalue(), json.loads(raw or "{}"), secrets)
    assert_no_secret(secrets, {"stdout": result.out, "stderr": result.err, "report": raw})
    return result


class TrustedRun:
    """A CI job with trusted publishing to the PyPI stand-in, whose publisher is `publisher`."""

    def __init__(self, publisher: TrustedPublisherConfig) -> None:
        self.publisher = publisher
        self.issuer = issuer_for(publisher)
        verifier = attestation_check.upload_verifier(attestation_check.production_trusted_root())
        self.index = PyPIStandIn(attestation_verifier=verifier)

    def __enter__(self) -> TrustedRun:
        self.issuer.__enter__()
        self.index.__enter__()
        self.index.trust(self.issuer)
        self.index.add_publisher(self.publisher)
        return self

    def __exit__(self, *exc: object) -> None:
        self.index.__exit__(*exc)
        self.issuer.__exit__(*exc)

    def __call__(self, folder: Path, *flags: str) -> Result:
        environ = (
            self.issuer.github_environ()
            if self.publisher.kind == "github"
            else self.issuer.gitlab_environ(audiences=("pypi",))
        )
        argv = [
            "--repository-url",
            self.index.upload_url,
            "--index-url",
            self.index.index_url,
            "--packages-dir",
            str(folder),
            # The stand-in is on loopback, not recognised as PyPI: 'auto' would leave
            # attestations off there (test_attestations_e2e.py).
            "--attestations",
            "true",
            *flags,
        ]
        result = run_cli(argv, environ, ())
        printed = "\n".join(
            line for line in result.text.splitlines() if not line.startswith("::add-mask::")
        ) + json.dumps(result.report)
        for token in [*self.index.minted_tokens, *self.issuer.issued]:
            assert token not in printed, f"a token leaked\n{result.describe()}"
        return result

    def uploads(self) -> list[int]:
        return [
            r.status for r in self.index.requests if r.path == "/legacy/" and r.method == "POST"
        ]

    def audiences(self) -> list[str]:
        return [r.query["audience"] for r in self.issuer.requests if "audience" in r.query]


@pytest.mark.parametrize("filename", [GITHUB_FILE, GITLAB_FILE])
def test_a_real_attestation_goes_with_its_file_and_the_index_accepts_it(
    filename: str, tmp_path: Path
) -> None:
    publisher = REAL_PUBLISHERS[filename]
    with TrustedRun(publisher) as run:
        result = run(packages(tmp_path, filename), *LENIENT[filename])

        assert result.code == 0, result.describe()
        assert run.uploads() == [200]
        stored = run.index.files[filename]
        sent = json.loads((REAL / f"{filename}.publish.attestation").read_text())
        assert stored.attestations is not None and json.loads(stored.attestations) == [sent]
        # The index verified it against the publisher that minted the token, and serves it.
        assert stored.identity is not None and stored.identity.repository == publisher.repository
        # Nothing signed: no 'sigstore' token was asked for (GitLab's job has none at all).
        assert "sigstore" not in run.audiences()
        assert run.audiences() == (["pypi"] if publisher.kind == "github" else [])
        who = (
            f"GitHub repository {publisher.repository}, workflow {publisher.workflow}"
            if publisher.kind == "github"
            else f"GitLab project {publisher.repository}, CI file {publisher.workflow}"
        )
        assert (
            "attestations: 1 verified for 1 file(s) against the trusted publisher the index "
            f"checks them with ({who})"
        ) in result.out, result.describe()
        assert "attestations: signing" not in result.out


def test_an_attestation_signed_by_another_publisher_stops_the_run(tmp_path: Path) -> None:
    """The trusted publisher is another repository's release.yml: the index would refuse it."""
    other = TrustedPublisherConfig(
        "github", "octo-org/pypi-attestations-fork", "release.yml", projects=("pypi-attestations",)
    )
    with TrustedRun(other) as run:
        result = run(packages(tmp_path, GITHUB_FILE), *LENIENT[GITHUB_FILE])
        assert result.code == 8, result.describe()
        assert run.uploads() == []
        assert (
            f"error: {GITHUB_FILE}.publish.attestation (from packages-dir) would be rejected by "
            "the index: it was signed in repository trailofbits/pypi-attestations, but the "
            "trusted publisher is repository octo-org/pypi-attestations-fork"
        ) in result.log, result.describe()
        assert "nothing was uploaded" in result.log


# (An attestation of another file signed by the same publisher: tests/unit/attestations/
# test_prepare.py; the real ones here are each the only file of their publisher.)
@pytest.mark.parametrize("broken", ["changed-file", "not-json"])
@pytest.mark.parametrize("dry_run", [False, True])
def test_a_broken_attestation_is_exit_8_naming_it_before_anything_is_uploaded(
    broken: str, dry_run: bool, tmp_path: Path
) -> None:
    folder = packages(tmp_path, GITLAB_FILE)
    attestation = folder / f"{GITLAB_FILE}.publish.attestation"
    if broken == "changed-file":  # the same content, compressed again after it was attested
        original = (folder / GITLAB_FILE).read_bytes()
        again = gzip.compress(gzip.decompress(original), mtime=0)
        assert again != original
        (folder / GITLAB_FILE).write_bytes(again)
    elif broken == "not-json":
        attestation.write_text("<html>an error page saved by mistake</html>")
    expected = {
        "changed-file": f"{attestation.name} (from packages-dir) does not match {GITLAB_FILE}: "
        "it attests sha256 ",
        "not-json": f"{attestation.name} (from packages-dir) is not a valid PEP 740 attestation",
    }[broken]
    with TrustedRun(REAL_PUBLISHERS[GITLAB_FILE]) as run:
        flags = ["--dry-run", "true"] if dry_run else []
        result = run(folder, *flags)
        assert result.code == 8, result.describe()
        assert f"error: {expected}" in result.err, result.describe()
        assert run.uploads() == []
        assert result.report["exit_code"] == 8


@pytest.fixture(scope="module")
def pypi() -> Iterator[tuple[FakeInternet, Warehouse]]:
    warehouse = Warehouse()
    with FakeInternet(warehouse) as net:
        yield net, warehouse


def test_pypi_with_an_api_token_gets_the_files_without_their_attestations_and_a_warning(
    pypi: tuple[FakeInternet, Warehouse], tmp_path: Path
) -> None:
    """warehouse attestations/services.py: "Attestations are only supported when using Trusted
    Publishing": sent with a token, the first file gets that 400. As twine and
    gh-action-pypi-publish do with a token, the files go without them; the warning says so."""
    net, warehouse = pypi
    warehouse.reset()
    folder = packages(tmp_path, GITLAB_FILE)
    environ = {**net.env(), "INPUT_PASSWORD": warehouse.token}
    argv = ["--repository-url", warehouse.upload_url, "--packages-dir", str(folder)]

    result = run_cli(argv, environ, (warehouse.token,))
    assert result.code == 0, result.describe()
    assert (
        "warning: attestations: not sent: pypi.org accepts attestations only from a trusted "
        "publisher, and this run uploads with configured credentials; "
        f"{GITLAB_FILE}.publish.attestation stay here"
    ) in result.err, result.describe()
    assert warehouse.files("gitlab-oidc-project") == {GITLAB_FILE: sha256(folder / GITLAB_FILE)}
    assert warehouse.attestations == {}
    assert not net.unexpected

    warehouse.reset()
    without = run_cli([*argv, "--attestations", "false"], environ, (warehouse.token,))
    assert without.code == 0, without.describe()
    assert (
        f"attestations: off ('attestations: false'): {GITLAB_FILE}.publish.attestation in "
        "packages-dir not sent"
    ) in without.out
    assert "warning: attestations" not in without.err
    assert warehouse.files("gitlab-oidc-project") == {GITLAB_FILE: sha256(folder / GITLAB_FILE)}


def test_pulp_takes_them_from_a_user_verified_and_serves_them_as_provenance(
    pulp_index: servers.RunningIndex, publish: Publisher, tmp_path: Path
) -> None:
    """pulp-python (app/provenance.py) verifies the signature and the file's digest with a
    permissive identity policy: no trusted publisher, any authenticated user. The product
    verifies the same, and names the signer."""
    folder = packages(tmp_path, GITLAB_FILE)
    result = publish(pulp_index, folder, trust_config=attestation_check.production_trust_config())
    assert result.code == 0, result.describe()
    result.assert_outcomes({GITLAB_FILE: "uploaded"})
    assert (
        "attestations: 1 verified for 1 file(s): the signature, its transparency log entry and "
        "the file name and sha256 they attest; signed by "
        "https://gitlab.com/facutuesca/gitlab-oidc-project//.gitlab-ci.yml@"
    ) in result.out, result.describe()
    with httpx.Client(timeout=30.0, trust_env=False) as client:
        page = client.get(
            pulp_index.simple_url("gitlab-oidc-project"),
            headers={"Accept": "application/vnd.pypi.simple.v1+json"},
            follow_redirects=True,
        ).json()
        [listed] = [f for f in page["files"] if f["filename"] == GITLAB_FILE]
        provenance = client.get(listed["provenance"]).json()
    sent = json.loads((REAL / f"{GITLAB_FILE}.publish.attestation").read_text())
    [bundle] = provenance["attestation_bundles"]
    assert bundle["attestations"] == [sent]


def test_pypiserver_does_not_take_them_so_the_file_goes_without_and_a_rerun_leaves_them_alone(
    pypiserver_index: servers.RunningIndex, publish: Publisher, tmp_path: Path
) -> None:
    folder = packages(tmp_path, GITLAB_FILE)
    config = attestation_check.production_trust_config()
    first = publish(pypiserver_index, folder, trust_config=config)
    assert first.code == 0, first.describe()
    first.assert_outcomes({GITLAB_FILE: "uploaded"})
    assert (
        f"attestations: off (pypiserver is not known to accept PEP 740 attestations): "
        f"{GITLAB_FILE}.publish.attestation in packages-dir not sent, the files are uploaded "
        "without them; set 'attestations: true' to send them anyway"
    ) in first.out, first.describe()
    assert servers.list_files(pypiserver_index, "gitlab-oidc-project") == {
        GITLAB_FILE: sha256(folder / GITLAB_FILE)
    }

    again = publish(pypiserver_index, folder, "--verbose", "true", trust_config=config)
    assert again.code == 0, again.describe()
    again.assert_outcomes({GITLAB_FILE: "skipped-identical"})
    assert (
        f"attestations: {GITLAB_FILE}.publish.attestation in packages-dir left alone: its file "
        "is not uploaded by this run (already on the index, or not in packages-dir)"
    ) in again.text, again.describe()
    assert "not sent, the files are uploaded" not in again.text


@pytest.mark.parametrize("kind", ["pypiserver", "devpi"])
def test_true_sends_them_verified_and_the_servers_that_do_not_keep_them_take_the_file(
    kind: str,
    pypiserver_index: servers.RunningIndex,
    devpi_index: servers.RunningIndex,
    publish: Publisher,
    tmp_path: Path,
) -> None:
    """Measured: both answer 200 to an upload with an `attestations` field, store the file and
    serve no provenance for it."""
    index = (
        pypiserver_index
        if kind == "pypiserver"
        else devpi_stage(devpi_index, "prebuilt-attestations-true", volatile=False)
    )
    filename = GITHUB_FILE if kind == "pypiserver" else GITLAB_FILE
    folder = packages(tmp_path, filename)
    result = publish(
        index,
        folder,
        "--attestations",
        "true",
        *LENIENT[filename],
        trust_config=attestation_check.production_trust_config(),
    )
    assert result.code == 0, result.describe()
    result.assert_outcomes({filename: "uploaded"})
    assert (
        f"attestations: sent as 'attestations: true' asks, although {kind} is not known to "
        "keep them"
    ) in result.out, result.describe()
    assert "attestations: 1 verified for 1 file(s): the signature" in result.out
    project = servers.dist_name_version(filename)[0]
    assert servers.list_files(index, project) == {filename: sha256(folder / filename)}
    with httpx.Client(timeout=30.0, trust_env=False) as client:
        page = client.get(
            index.simple_url(project),
            headers={"Accept": "application/vnd.pypi.simple.v1+json, text/html;q=0.1"},
            follow_redirects=True,
        )
    assert page.status_code == 200
    # PEP 740 serves attestations as the file's `provenance` (JSON) / `data-provenance` (HTML).
    assert filename in page.text and "provenance" not in page.text


@pytest.mark.parametrize("broken", ["another-file", "bad-signature"])
def test_on_an_index_without_a_publisher_a_broken_one_still_stops_the_run(
    broken: str, pulp_index: servers.RunningIndex, publish: Publisher, tmp_path: Path
) -> None:
    """Pulp takes them from any user: the signature and the statement are what is checked.
    (The GitHub file: the GitLab one is on this Pulp already, from the test above.)"""
    folder = packages(tmp_path, GITHUB_FILE)
    attestation = folder / f"{GITHUB_FILE}.publish.attestation"
    if broken == "another-file":  # a genuine attestation, of the other real file
        shutil.copy2(REAL / f"{GITLAB_FILE}.publish.attestation", attestation)
        expected = f"attests file '{GITLAB_FILE}', not {GITHUB_FILE}"
    else:
        model = json.loads(attestation.read_text())
        signature = bytearray(base64.b64decode(model["envelope"]["signature"]))
        signature[-1] ^= 1
        model["envelope"]["signature"] = base64.b64encode(bytes(signature)).decode()
        attestation.write_text(json.dumps(model))
        expected = "signature"
    result = publish(
        pulp_index,
        folder,
        *LENIENT[GITHUB_FILE],
        trust_config=attestation_check.production_trust_config(),
    )
    assert result.code == 8, result.describe()
    [first] = [ln for ln in result.err.splitlines() if ln.startswith("error: ")]
    assert first.startswith(f"error: {attestation.name} (from packages-dir) "), result.describe()
    assert expected in first
    assert "nothing was uploaded" in result.err
    assert result.report["exit_code"] == 8
    assert GITHUB_FILE not in servers.list_files(pulp_index, "pypi-attestations")


def test_a_file_given_as_an_argument_takes_the_attestation_beside_it(
    devpi_index: servers.RunningIndex, publish: Publisher, tmp_path: Path
) -> None:
    """As `twine upload --attestations dist/<file>` is typed: the attestation beside the file
    goes, verified, though packages-dir (not used) is elsewhere; with credentials, since the
    attestation is there already. devpi drops it (as above)."""
    index = devpi_stage(devpi_index, "prebuilt-attestations-file-argument", volatile=False)
    folder = packages(tmp_path, GITLAB_FILE)
    unused = tmp_path / "unused"
    unused.mkdir()
    result = publish(
        None,
        unused,
        "--repository-url",
        index.upload_url,
        "-u",
        index.username,
        "--attestations",
        "true",
        str(folder / GITLAB_FILE),
        environ={"INPUT_PASSWORD": index.password},
        secrets=(index.password,),
        trust_config=attestation_check.production_trust_config(),
    )
    assert result.code == 0, result.describe()
    result.assert_outcomes({GITLAB_FILE: "uploaded"})
    assert (
        "attestations: 1 verified for 1 file(s): the signature, its transparency log entry and "
        "the file name and sha256 they attest; signed by https://gitlab.com/facutuesca/"
    ) in result.out, result.describe()
