"""Issue 12, item 6: every hosted index, six scenarios, through the real CLI at real URLs.

For each stand-in set-up (``SETUPS``) the product runs as a user would configure it: the
index's real upload URL as ``repository-url``, only the credentials that index's docs tell users
to use, and **no** ``index-url`` (the product must derive the check URL itself). The scenarios:

* ``fresh``: exit 0, both files uploaded, the index holds exactly those bytes, and the
  project's page was read before the first upload (the derived check) and after the last one
  (the confirmation);
* ``rerun``: the same files again: exit 0, both skipped as identical, no upload POST;
* ``rebuilt``: a rebuilt sdist (same name, other bytes): exit 4 before anything is uploaded;
* ``wrong-user``: the user-name mistake common on that index: exit 5 with a hint naming the
  index, its user-name convention and the name that was sent (exit 0 where the index ignores
  the user name); the secret never appears in any output;
* ``race-same``: another job uploads the identical sdist between the check and our upload:
  exit 0, nothing broken;
* ``race-different``: another job uploads different bytes under the sdist's name between the
  check and our upload: exit 4 (a mismatch), never 6.

Each set-up cites, per scenario, the source of the index behaviour that makes the expected
result right (``Setup.sources``; shown in every failure). Cases the product gets wrong today are
``xfail(strict=True)`` with what it does instead (``XFAIL``): remove the entry when fixed.
The stand-ins live in ``tests/support/indexes`` (facts: notes/index-behaviour.md).
"""

from __future__ import annotations

import base64
import io
import json
import shutil
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from publish_action.cli import main
from tests.scenarios.conftest import Result, assert_no_secret
from tests.support import samples
from tests.support.indexes import (
    Artifactory,
    AzureArtifacts,
    Cloudsmith,
    CodeArtifact,
    FakeInternet,
    Gemfury,
    Gitea,
    GitLab,
    GoogleArtifactRegistry,
    Nexus,
    StandIn,
    Warehouse,
)

PROJECT, VERSION = "matrix-demo", "1.0"
SCENARIOS = ("fresh", "rerun", "rebuilt", "wrong-user", "race-same", "race-different")


# -- the set-ups ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    """One index as a user would configure the product for it."""

    id: str
    standin: str
    """Key of the stand-in in the module's FakeInternet (set-ups may share one)."""
    upload_url: Callable[[Any], str]
    credentials: Callable[[Any], tuple[str, str]]
    """(user, password) as the index's docs say; an empty password puts the user name (a
    token) into the URL, ``https://TOKEN@host/…``, as Gemfury documents."""
    wrong: Callable[[Any], tuple[str, str]]
    """The common user-name mistake on this index, with the right secret."""
    wrong_refused: bool
    """The index refuses ``wrong`` (exit 5), or ignores the user name (exit 0)."""
    names: tuple[str, ...]
    """How a hint may name the index (any one)."""
    convention: str
    """What a hint must say about the index's user-name convention."""
    race_same: str
    """Our outcome when the identical file was raced in: "uploaded" where the index answers an
    identical duplicate with success, "skipped-identical" where it refuses it and the re-read
    finds it identical."""
    sources: Mapping[str, str]
    options: tuple[tuple[str, object], ...] = ()


def _auth(standin: Any) -> tuple[str, str]:
    user, password = standin.auth
    return str(user), str(password)


def _wrong(name: str) -> Callable[[Any], tuple[str, str]]:
    return lambda standin: (name, _auth(standin)[1])


_WAREHOUSE = {
    "fresh": "Warehouse forklift/legacy.py file_upload: 200 and the file stored (warehouse.py)",
    "rerun": "Warehouse api/simple.py: anonymous PEP 691/HTML pages with #sha256= (notes §1)",
    "rebuilt": "Warehouse would refuse it (400 'File already exists', notes §2), but the check "
    "must stop the run first: nothing is sent",
    "wrong-user": "Warehouse accounts/security_policy.py: a user other than __token__ gets 403 "
    "'Username/Password authentication is no longer supported' (notes §5)",
    "race-same": "Warehouse _is_duplicate_file: an identical re-upload is a 200 no-op "
    "(notes §2), so the file counts as uploaded",
    "race-different": "Warehouse: 400 'File already exists (…blake2_256…)' (notes §2); the "
    "re-read finds other bytes",
}
_NEXUS = {
    "fresh": "Nexus PyPiHostedFacet: 200, stored under packages/<n>/<v>/ (nexus.py)",
    "rerun": "Nexus hosted simple/ page: ../../packages/… links with #sha256= (3.41+) or "
    "#md5= (older, and cached pages; notes §2: only a download proves md5 content)",
    "rebuilt": "Nexus refuses any re-upload (400 '<path> cannot be updated', nexus-public "
    "#696) but the check must stop the run first",
    "wrong-user": "Nexus: bad Basic credentials get 401 BASIC realm='Sonatype Nexus Repository "
    "Manager' on reads and uploads; __token__ (the action's default user) is no Nexus user",
    "race-same": "Nexus: 400 '… cannot be updated' for an identical file too (notes §1); the "
    "re-read finds it identical",
    "race-different": "Nexus: 400 '… cannot be updated' (twine #1044); the re-read finds other "
    "bytes",
}
_AZURE = {
    "fresh": "Azure Artifacts feed upload: 200 (azure.py; notes §2 …/pypi/upload/ ↔ …/simple/)",
    "rerun": "Azure …/pypi/simple/<name>/ with the PAT (reads need auth unless public, notes §2)",
    "rebuilt": "feed versions are immutable (notes §2); the check must stop the run first",
    "wrong-user": "notes §1 'any username + a PAT'; uv's Azure guide uses user 'dummy': the "
    "user name is ignored, so __token__ works",
    "race-same": "409 'The feed … already contains file …' for identical content too (uv #7860, "
    "Azure/azure-sdk-for-python #9286); the re-read finds it identical",
    "race-different": "409 'already contains file' (uv #7860); the re-read finds other bytes",
}
# hatchling writes Metadata-Version 2.5. Azure stopped at 2.1 in Mar 2024 (ruff #10378); today's
# set is unconfirmed (notes §2), and this matrix is about re-runs: the feed takes 2.2-2.5 here.
_AZURE_OPTIONS = (
    (
        "supported_metadata_versions",
        ("1.0", "1.1", "1.2", "2.0", "2.1", "2.2", "2.3", "2.4", "2.5"),
    ),
)
_GITEA = {
    "fresh": "routers/api/packages/pypi/pypi.go UploadPackageFile: 201 (gitea.py)",
    "rerun": "templates/api/packages/pypi/simple.tmpl: …/files/<n>/<v>/<f>#sha256=<hex>",
    "rebuilt": "pypi.go: ErrDuplicatePackageFile for any content; the check must stop first",
    "wrong-user": "services/auth/basic.go Basic.Verify: a token in the password authenticates "
    "as its owner whatever the user name (go-gitea@00705da1, Forgejo fork@475a2702), so "
    "__token__ + a PAT works",
    "race-same": "pypi.go: 400 'package file already exists' for identical content too "
    "(notes §5); the re-read finds it identical",
    "race-different": "pypi.go: 400 'package file already exists' (notes §5); the re-read "
    "finds other bytes",
}


def _forgejo(sources: Mapping[str, str]) -> dict[str, str]:
    return {
        **sources,
        "race-same": "Forgejo pypi.go (fork@0248dd9f): 409 Conflict 'package file already "
        "exists' for identical content too; the re-read finds it identical",
        "race-different": "Forgejo pypi.go: 409 Conflict; the re-read finds other bytes",
    }


def _old_gitea(sources: Mapping[str, str]) -> dict[str, str]:
    return {
        **sources,
        "rerun": "old simple.tmpl (go-gitea@1965d033) wrote the malformed '#sha256-<hex>': "
        "the hash is still there to read, or the file to download",
        "race-same": "old Gitea: 400 'Package file does exist already'; the re-read finds it "
        "identical",
        "race-different": "old Gitea: 400 'Package file does exist already'; the re-read finds "
        "other bytes",
    }


SETUPS: tuple[Setup, ...] = (
    Setup(
        "pypi",
        "pypi",
        lambda s: s.upload_url,
        _auth,
        _wrong("alice"),
        wrong_refused=True,
        names=("PyPI", "pypi.org"),
        convention="__token__",
        race_same="uploaded",
        sources=_WAREHOUSE,
    ),
    Setup(
        "testpypi",
        "testpypi",
        lambda s: s.upload_url,
        _auth,
        _wrong("alice"),
        wrong_refused=True,
        names=("TestPyPI", "test.pypi.org"),
        convention="__token__",
        race_same="uploaded",
        sources=_WAREHOUSE,
    ),
    Setup(
        "gitlab",
        "gitlab",
        lambda s: s.upload_url,
        _auth,
        _wrong("__token__"),
        wrong_refused=True,
        names=("GitLab",),
        convention="gitlab-ci-token",
        race_same="skipped-identical",
        sources={
            "fresh": "lib/api/pypi_packages.rb: 201; an unknown package's simple page is "
            "forwarded to pypi.org (302, notes §2), which must not count as 'not there'",
            "rerun": "GitLab simple page of a private project, read with the job token, "
            "#sha256= as declared by the client (notes §2)",
            "rebuilt": "Packages::PackageFile file_name uniqueness: any re-upload is refused; "
            "the check must stop the run first",
            "wrong-user": "basic_auth_helpers.rb: the job token must come with user "
            "'gitlab-ci-token' (GitLab docs), else 401 realm 'GitLab Packages Registry' (§5)",
            "race-same": "400 'File name has already been taken' for identical content too "
            "(notes §5); the re-read finds it identical",
            "race-different": "400 'File name has already been taken' (notes §5); the "
            "re-read finds other bytes",
        },
    ),
    Setup(
        "nexus-sha256",
        "nexus",
        lambda s: s.upload_url,
        _auth,
        _wrong("__token__"),
        wrong_refused=True,
        names=("Nexus",),
        convention="Nexus user",
        race_same="skipped-identical",
        sources=_NEXUS,
    ),
    Setup(
        "nexus-md5",
        "nexus",
        lambda s: s.upload_url,
        _auth,
        _wrong("__token__"),
        wrong_refused=True,
        names=("Nexus",),
        convention="Nexus user",
        race_same="skipped-identical",
        sources=_NEXUS,
        options=(("hash_fragment", "md5"),),
    ),
    Setup(
        "nexus-context-path",
        "nexus-context",
        lambda s: s.upload_url,
        _auth,
        _wrong("__token__"),
        wrong_refused=True,
        names=("Nexus",),
        convention="Nexus user",
        race_same="skipped-identical",
        sources={
            **_NEXUS,
            "fresh": "Nexus under a context path (nexus-context-path=/nexus): "
            "https://host/nexus/repository/<repo>/ and …/<repo>/simple/ (nexus.py)",
        },
    ),
    Setup(
        "artifactory",
        "artifactory",
        lambda s: s.upload_url,
        _auth,
        _wrong("__token__"),
        wrong_refused=True,
        names=("Artifactory",),
        convention="user name",
        race_same="skipped-identical",
        sources={
            "fresh": "Artifactory …/api/pypi/<repo> upload: 200 (artifactory.py)",
            "rerun": "…/api/pypi/<repo>/simple/<name>/ with credentials (anonymous access off "
            "by default), #sha256= (pipenv #4516)",
            "rebuilt": "without DELETE permission a re-upload is a 403; with it, a silent "
            "overwrite (notes §2): only the check protects the release",
            "wrong-user": "uv's JFrog guide and notes §5: user name + access token (or an "
            "empty user name); __token__ gets 401",
            "race-same": "403 'Not enough permissions to delete/overwrite all artifacts …' "
            "for identical content too (twine #1251); the re-read finds it identical",
            "race-different": "403 'Not enough permissions to delete/overwrite …' (uv #7917, "
            "twine #1251): a refusal, not an auth failure; the re-read finds other bytes",
        },
    ),
    Setup(
        "google",
        "google",
        lambda s: s.upload_url,
        _auth,
        _wrong("__token__"),
        wrong_refused=True,
        names=("Google Artifact Registry",),
        convention="oauth2accesstoken",
        race_same="skipped-identical",
        sources={
            "fresh": "GAR upload: 200; simple index = upload URL + simple/ (uv PR #14251)",
            "rerun": "GAR reads need auth (notes §2): the upload credentials, same host",
            "rebuilt": "400 'Requested entity already exists.' for any re-upload (twine "
            "#816); the check must stop the run first",
            "wrong-user": "uv #9778: __token__ gets 401, GAR expects 'oauth2accesstoken' "
            "(or '_json_key_base64')",
            "race-same": "400 'Requested entity already exists.' for identical content too "
            "(notes §5); the re-read finds it identical",
            "race-different": "400 'Requested entity already exists.' (twine #816); the "
            "re-read finds other bytes",
        },
    ),
    Setup(
        "codeartifact",
        "codeartifact",
        lambda s: s.upload_url,
        _auth,
        _wrong("__token__"),
        wrong_refused=True,
        names=("CodeArtifact",),
        convention="'aws'",
        race_same="uploaded",
        sources={
            "fresh": "CodeArtifact …/pypi/<repo>/ upload: 200 (codeartifact.py)",
            "rerun": "…/pypi/<repo>/simple/<name>/ with user 'aws' + token, #sha256= (pex #3224)",
            "rebuilt": "'Overwriting package assets': different content is a 409; the check "
            "must stop the run first",
            "wrong-user": "user 'aws' + get-authorization-token (notes §1); any other user "
            "name is refused (401)",
            "race-same": "'Overwriting package assets': an identical checksum succeeds "
            "(documented), so the file counts as uploaded",
            "race-different": "'Overwriting package assets': different content is a 409 "
            "Conflict; the re-read finds other bytes",
        },
    ),
    Setup(
        "azure",
        "azure",
        lambda s: s.upload_url,
        _auth,
        _wrong("__token__"),
        wrong_refused=False,
        names=("Azure Artifacts",),
        convention="personal access token",
        race_same="skipped-identical",
        sources=_AZURE,
        options=_AZURE_OPTIONS,
    ),
    Setup(
        "azure-visualstudio-host",
        "azure",
        lambda s: s.legacy_upload_url,
        _auth,
        _wrong("__token__"),
        wrong_refused=False,
        names=("Azure Artifacts",),
        convention="personal access token",
        race_same="skipped-identical",
        sources={
            **_AZURE,
            "fresh": "legacy host https://<org>.pkgs.visualstudio.com/_packaging/<feed>/pypi/"
            "upload/ (notes §5), same feed API",
        },
        options=_AZURE_OPTIONS,
    ),
    Setup(
        "cloudsmith",
        "cloudsmith",
        lambda s: s.upload_url,
        lambda s: (s.user, s.api_key),
        lambda s: (s.owner, s.api_key),
        wrong_refused=True,
        names=("Cloudsmith",),
        convention="API key",
        race_same="uploaded",
        sources={
            "fresh": "python.cloudsmith.io/<owner>/<repo>/ accepts (200) and processes "
            "asynchronously (notes §2): the file shows on dl.cloudsmith.io a moment later",
            "rerun": "private reads at https://dl.cloudsmith.io/basic/<owner>/<repo>/python/"
            "simple/ with the API key (notes §5): another host, a known mapping",
            "rebuilt": "a re-push without 'Replace packages' fails only at sync (notes §2), "
            "with it the file is replaced: only the check protects the release",
            "wrong-user": "Cloudsmith: your user name (or 'token') with an API key (uv's "
            "publish test uses __token__); the organisation's name is not a user: 401 "
            "(cloudsmith.py, unconfirmed choice)",
            "race-same": "the push is accepted (200) and the sync fails later on the "
            "existing name (notes §2): the listed file is identical, the file counts as "
            "uploaded",
            "race-different": "the push is accepted, the sync fails, the listed file is the "
            "other job's (notes §2): the confirmation read must call it a mismatch",
        },
        options=(("sync_delay", 0.5),),
    ),
    Setup(
        "gitea",
        "gitea",
        lambda s: s.upload_url,
        _auth,
        _wrong("__token__"),
        wrong_refused=False,
        names=("Gitea",),
        convention="token",
        race_same="skipped-identical",
        sources=_GITEA,
    ),
    Setup(
        "forgejo-codeberg",
        "forgejo",
        lambda s: s.upload_url,
        _auth,
        _wrong("__token__"),
        wrong_refused=False,
        names=("Forgejo", "Codeberg"),
        convention="token",
        race_same="skipped-identical",
        sources=_forgejo(_GITEA),
    ),
    Setup(
        "gitea-old-sha256-dash",
        "gitea",
        lambda s: s.upload_url,
        _auth,
        _wrong("__token__"),
        wrong_refused=False,
        names=("Gitea",),
        convention="token",
        race_same="skipped-identical",
        sources=_old_gitea(_GITEA),
        options=(("flavour", "old"),),
    ),
    Setup(
        "gemfury",
        "gemfury",
        lambda s: s.upload_url,
        lambda s: (s.push_token, ""),
        lambda s: ("__token__", s.push_token),
        wrong_refused=False,
        names=("Gemfury",),
        convention="push token",
        race_same="skipped-identical",
        sources={
            "fresh": "push to https://TOKEN@push.fury.io/<account>/ (notes §5: the push token "
            "as the user name); 200 'ok' (gemfury.py, unconfirmed)",
            "rerun": "reads at https://pypi.fury.io/<account>/<name>/ with a token; #md5= only "
            "(uv #4887): only a download proves the content",
            "rebuilt": "a pushed file name is refused again (409, gemfury.py, unconfirmed); "
            "the check must stop the run first",
            "wrong-user": "the stand-in takes the token from the password when one is given "
            "(gemfury.py, unconfirmed): __token__ + the push token works",
            "race-same": "409 'This version already exists' (gemfury.py, unconfirmed); the "
            "re-read finds it identical",
            "race-different": "409 (gemfury.py, unconfirmed); the re-read finds other bytes",
        },
    ),
)


# -- what the product gets wrong today (remove an entry when its case passes) --------------------

_ROOT_404 = (
    "a new project's 404 is not believed: the index has no root page to prove the derived check "
    "URL works (exit 6 'does not look like a working simple index, so that answer proves nothing')"
)
_FORWARDED = (
    "a new project's page is forwarded to pypi.org (302) and GitLab's root page is empty: exit 6 "
    "'says matrix-demo is not there (redirected to https://pypi.org/simple/matrix-demo/), but "
    "…/simple/ does not look like a working simple index'"
)
_CHECK_401 = (
    "the check's 401 (upload credentials, same host) gives the generic 'give read credentials "
    "with check-user and check-password' hint: no index, no user-name convention, no user sent"
)
_SENT_USER = "the hint names the index and '__token__' but not the user name that was sent"


def _unrecognised(what: str) -> dict[str, str]:
    """Every scenario, for an upload URL the product does not recognise (so: no check)."""
    return {
        "fresh": f"{what} not recognised: no check URL derived, nothing checked or confirmed "
        "('no simple index is known for an unrecognised index at …')",
        "rerun": f"{what} not recognised: no check, both files re-sent, the duplicate refusal "
        "fails the run (exit 6)",
        "rebuilt": f"{what} not recognised: no check, the rebuilt sdist is sent, the refusal "
        "fails the run (exit 6, not 4)",
        "wrong-user": f"{what} not recognised: no check; a refused upload's hint is 'an "
        "unrecognised index: check the user name…', an ignored user name publishes unchecked",
        "race-same": f"{what} not recognised: no check, the raced duplicate's refusal fails the "
        "run (exit 6)",
        "race-different": f"{what} not recognised: no re-read after the refusal: exit 6, not 4",
    }


_NO_CLOUDSMITH_CHECK = "no check URL derived for Cloudsmith (dl.cloudsmith.io/basic/…): "
XFAIL: dict[str, dict[str, str]] = {}


def _cases() -> list[Any]:
    cases = []
    for setup in SETUPS:
        for scenario in SCENARIOS:
            reason = XFAIL.get(setup.id, {}).get(scenario)
            marks = [pytest.mark.xfail(strict=True, reason=f"product: {reason}")] if reason else []
            cases.append(pytest.param(setup, scenario, id=f"{setup.id}-{scenario}", marks=marks))
    return cases


# -- the stand-ins, the distributions -----------------------------------------------------------


@pytest.fixture(scope="module")
def internet() -> Iterator[tuple[FakeInternet, dict[str, StandIn]]]:
    standins: dict[str, StandIn] = {
        "pypi": Warehouse(),
        "testpypi": Warehouse(test=True),
        "gitlab": GitLab(),
        "nexus": Nexus(),
        "nexus-context": Nexus("repo.example.org", context="nexus"),
        "artifactory": Artifactory(),
        "google": GoogleArtifactRegistry(),
        "codeartifact": CodeArtifact(),
        "azure": AzureArtifacts(),
        "cloudsmith": Cloudsmith(),
        "gitea": Gitea(),
        "forgejo": Gitea("codeberg.org", flavour="forgejo"),
        "gemfury": Gemfury(),
    }
    with FakeInternet(*standins.values()) as net:
        yield net, standins


@dataclass(frozen=True)
class Dists:
    sdist: Path
    wheel: Path
    rebuilt_sdist: Path
    """The sdist built again from changed sources: the same name, other bytes."""


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    tmp = tmp_path_factory.mktemp("matrix-builds")
    sdist, wheel = samples.build_project(tmp, PROJECT, VERSION, payload="first build")
    rebuilt = samples.build_project(tmp, PROJECT, VERSION, payload="rebuilt", wheel=False)[0]
    assert rebuilt.name == sdist.name and rebuilt.read_bytes() != sdist.read_bytes()
    return Dists(sdist, wheel, rebuilt)


@dataclass
class World:
    net: FakeInternet
    standin: Any
    setup: Setup
    tmp: Path
    runs: int = 0

    def folder(self, *files: Path) -> Path:
        self.runs += 1
        folder = self.tmp / f"packages-{self.runs}"
        folder.mkdir()
        for path in files:
            shutil.copy2(path, folder / path.name)
        return folder

    def run(self, *files: Path, credentials: tuple[str, str] | None = None) -> Result:
        """The CLI as a workflow step would run it: inputs in INPUT_* variables, the proxy and
        the test CA in the environment, nothing else."""
        user, password = credentials or self.setup.credentials(self.standin)
        url = self.setup.upload_url(self.standin)
        environ = dict(self.net.env())
        if password:
            environ |= {"INPUT_USER": user, "INPUT_PASSWORD": password}
            secrets: tuple[str, ...] = (password,)
        else:  # the token as the URL's user name (Gemfury's documented form)
            scheme, rest = url.split("://", 1)
            url = f"{scheme}://{user}@{rest}"
            secrets = (user,)
        environ["INPUT_REPOSITORY_URL"] = url
        secrets += (base64.b64encode(f"{user}:{password}".encode()).decode(),)
        report = self.tmp / f"report-{self.runs}.json"
        argv = ["--packages-dir", str(self.folder(*files)), "--report-path", str(report)]
        argv += ["--confirm-timeout", "5"]
        out, err = io.StringIO(), io.StringIO()
        code = main(argv, environ=environ, stdout=out, stderr=err)
        raw = report.read_text(encoding="utf-8") if report.is_file() else ""
        result = Result(code, out.getvalue(), err.getvalue(), json.loads(raw or "{}"), secrets)
        assert_no_secret(secrets, {"stdout": result.out, "stderr": result.err, "report": raw})
        return result

    def seed(self, *files: Path) -> None:
        """Files already there, put by an earlier run (without product code)."""
        for path in files:
            self.standin.seed(path.name, path.read_bytes())

    def held(self) -> dict[str, bytes]:
        """What the index holds for the project, by file name."""
        return {name: self.standin.content(name) for name in self.standin.files(PROJECT)}

    def posts(self) -> list[str]:
        return [r.path for r in self.standin.requests if r.method == "POST"]

    def _reads(self) -> list[str]:
        """Reads of the project's page and uploads, in order (other questions, such as a
        repository API or a root page, are neither)."""
        return [
            "post" if r.method == "POST" else "read"
            for r in self.standin.requests
            if r.method == "POST"
            or (r.method == "GET" and r.path.rstrip("/").endswith("/" + PROJECT))
        ]

    def checked(self) -> bool:
        """The project's page was read before the first upload: the check the product must
        derive (the races happen after it)."""
        log = self._reads()
        return "post" in log and "read" in log[: log.index("post")]

    def checked_and_confirmed(self) -> bool:
        """... and read again after the last upload (the confirmation)."""
        return self.checked() and self._reads()[-1] == "read"

    def why(self, scenario: str, result: Result) -> str:
        return f"[{self.setup.id}] {self.setup.sources[scenario]}\n{result.describe()}"


@pytest.fixture
def world(
    request: pytest.FixtureRequest,
    internet: tuple[FakeInternet, dict[str, StandIn]],
    tmp_path: Path,
) -> Iterator[World]:
    net, standins = internet
    setup: Setup = request.node.callspec.params["setup"]
    for standin in standins.values():
        standin.reset()
    net.clear_log()
    standin = standins[setup.standin]
    for name, value in setup.options:
        standin.set_option(name, value)
    yield World(net, standin, setup, tmp_path)
    assert not net.errors, net.errors[0]
    assert not net.unexpected, net.unexpected


def _content(files: Mapping[str, Path]) -> dict[str, bytes]:
    return {name: path.read_bytes() for name, path in files.items()}


# -- the matrix ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("setup", "scenario"), _cases())
def test_index_matrix(setup: Setup, scenario: str, world: World, dists: Dists) -> None:
    SCENARIO_TESTS[scenario](world, dists)


def fresh(world: World, dists: Dists, *, credentials: tuple[str, str] | None = None) -> None:
    result = world.run(dists.sdist, dists.wheel, credentials=credentials)
    scenario = "fresh" if credentials is None else "wrong-user"
    assert result.code == 0, world.why(scenario, result)
    result.assert_outcomes({dists.sdist.name: "uploaded", dists.wheel.name: "uploaded"})
    expected = _content({p.name: p for p in (dists.sdist, dists.wheel)})
    assert world.held() == expected, world.why(scenario, result)
    assert world.checked_and_confirmed(), world.why(scenario, result)


def rerun(world: World, dists: Dists) -> None:
    world.seed(dists.sdist, dists.wheel)
    result = world.run(dists.sdist, dists.wheel)
    assert result.code == 0, world.why("rerun", result)
    outcomes = {dists.sdist.name: "skipped-identical", dists.wheel.name: "skipped-identical"}
    result.assert_outcomes(outcomes)
    assert world.posts() == [], world.why("rerun", result)


def rebuilt(world: World, dists: Dists) -> None:
    world.seed(dists.sdist, dists.wheel)
    before = world.held()
    result = world.run(dists.rebuilt_sdist, dists.wheel)
    assert result.code == 4, world.why("rebuilt", result)
    assert result.console_outcomes.get(dists.sdist.name) == "mismatch", result.describe()
    assert world.posts() == [], world.why("rebuilt", result)
    assert world.held() == before


def wrong_user(world: World, dists: Dists) -> None:
    credentials = world.setup.wrong(world.standin)
    if not world.setup.wrong_refused:  # the index ignores the user name: a normal publish
        fresh(world, dists, credentials=credentials)
        return
    result = world.run(dists.sdist, dists.wheel, credentials=credentials)
    assert result.code == 5, world.why("wrong-user", result)
    assert world.standin.files(PROJECT) == {}
    hints = "\n".join(ln for ln in result.text.splitlines() if ln.startswith("hint:"))
    sent = credentials[0]
    assert any(name in hints for name in world.setup.names), world.why("wrong-user", result)
    assert world.setup.convention in hints, world.why("wrong-user", result)
    assert sent in hints, world.why("wrong-user", result)


def _race(world: World, path: Path, content: bytes) -> list[str]:
    """Another job stores ``content`` as ``path.name`` just before our first upload of the
    project reaches the index (after our check read the page): the stand-in's hook."""
    fired: list[str] = []

    def other_job() -> None:
        fired.append(path.name)
        world.standin.seed(path.name, content)

    world.standin.add_hook("before_upload", other_job, project=PROJECT)
    return fired


def race_same(world: World, dists: Dists) -> None:
    fired = _race(world, dists.sdist, dists.sdist.read_bytes())
    result = world.run(dists.sdist, dists.wheel)
    assert fired == [dists.sdist.name], result.describe()
    assert result.code == 0, world.why("race-same", result)
    expected = {dists.sdist.name: world.setup.race_same, dists.wheel.name: "uploaded"}
    assert result.console_outcomes == expected, world.why("race-same", result)
    assert world.checked_and_confirmed(), world.why("race-same", result)
    assert world.held() == _content({p.name: p for p in (dists.sdist, dists.wheel)})


def race_different(world: World, dists: Dists) -> None:
    theirs = dists.rebuilt_sdist.read_bytes()
    fired = _race(world, dists.sdist, theirs)
    result = world.run(dists.sdist, dists.wheel)
    assert fired == [dists.sdist.name], result.describe()
    assert world.checked(), world.why("race-different", result)
    assert result.code == 4, world.why("race-different", result)
    assert result.console_outcomes.get(dists.sdist.name) == "mismatch", world.why(
        "race-different", result
    )
    assert world.held().get(dists.sdist.name) == theirs


SCENARIO_TESTS: dict[str, Callable[[World, Dists], None]] = {
    "fresh": fresh,
    "rerun": rerun,
    "rebuilt": rebuilt,
    "wrong-user": wrong_user,
    "race-same": race_same,
    "race-different": race_different,
}
