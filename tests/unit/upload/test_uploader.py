"""`upload`: the form, one file's upload and its recovery paths, credential renewal, and the
whole batch's ordering and bookkeeping — against a real pypiserver behind a FaultProxy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from publish_action.distributions import Distribution, inspect
from publish_action.errors import AuthError, MismatchError
from publish_action.net import Net, NetSettings
from publish_action.plan import Action, Step
from publish_action.reporting import SilentReporter, Status
from publish_action.settings import Credentials
from publish_action.simple_index import IndexClient
from publish_action.targets import classify
from publish_action.upload import Uploader, UploadResult, form_fields, upload_all
from tests.scenarios.conftest import seed
from tests.support import samples, servers
from tests.support.dists import write_sdist
from tests.support.fault_proxy import FaultProxy, Respond, Rule, Stall


def test_list_valued_metadata_become_repeated_fields(tmp_path: Path) -> None:
    metadata = (
        "Metadata-Version: 2.1\nName: forms\nVersion: 1.0\n"
        "Classifier: Programming Language :: Python :: 3\n"
        "Classifier: License :: OSI Approved :: MIT License\n"
        "Requires-Dist: httpx>=0.27\nRequires-Dist: packaging\n"
        "Project-URL: Homepage, https://example.org\n"
        "Project-URL: Source, https://example.org/src\n"
        "Keywords: publish,pypi\nPlatform: linux\nPlatform: macos\n"
    )
    [dist] = inspect([write_sdist(tmp_path, "forms", "1.0", metadata)], verify=True)
    fields = form_fields(dist, attestations='[{"x": 1}]')
    assert fields[:4] == [
        (":action", "file_upload"),
        ("protocol_version", "1"),
        ("filetype", "sdist"),
        ("pyversion", "source"),
    ]
    assert ("sha256_digest", dist.hashes.sha256) in fields
    assert [v for k, v in fields if k == "classifiers"] == [
        "Programming Language :: Python :: 3",
        "License :: OSI Approved :: MIT License",
    ]
    assert [v for k, v in fields if k == "requires_dist"] == ["httpx>=0.27", "packaging"]
    assert [v for k, v in fields if k == "project_urls"] == [
        "Homepage, https://example.org",
        "Source, https://example.org/src",
    ]
    assert [v for k, v in fields if k == "keywords"] == ["publish, pypi"]
    assert [v for k, v in fields if k == "platform"] == ["linux", "macos"]
    assert fields[-1] == ("attestations", '[{"x": 1}]')


class Rotating:
    """A credential source whose first token the index refuses (an expired one)."""

    def __init__(self, stale: Credentials, fresh: Credentials) -> None:
        self.stale, self.fresh = stale, fresh
        self.renewals = 0
        self._held = stale

    def current(self) -> Credentials:
        return self._held

    def renew(self) -> Credentials:
        self.renewals += 1
        self._held = self.fresh
        return self.fresh


@pytest.fixture
def dists(tmp_path: Path, request: pytest.FixtureRequest) -> list[Distribution]:
    name = "up-" + request.node.name.removeprefix("test_").replace("_", "-")[:40]
    return list(inspect(samples.build_project(tmp_path, name, "1.0"), verify=True))


@pytest.fixture
def proxy(pypiserver_index: servers.RunningIndex) -> Iterator[FaultProxy]:
    with FaultProxy(pypiserver_index.root_url) as fault:
        yield fault


def make(proxy: FaultProxy, index: servers.RunningIndex, credentials: object) -> Uploader:
    via = proxy.index(index)
    net = Net(NetSettings(timeout=1.0, retries=1), environ={})
    reader = IndexClient(net, via.index_url, SilentReporter(), credentials=None)
    return Uploader(
        net,
        repository_url=via.upload_url,
        profile=classify(via.upload_url),
        credentials=credentials,
        index=reader,
        reporter=SilentReporter(),
    )  # type: ignore[arg-type]


def creds(index: servers.RunningIndex) -> Rotating:
    good = Credentials(index.username, index.password)
    return Rotating(good, good)


def test_credentials_are_renewed_once_mid_upload(
    proxy: FaultProxy,
    pypiserver_index: servers.RunningIndex,
    dists: list[Distribution],
) -> None:
    fresh = Credentials(pypiserver_index.username, pypiserver_index.password)
    source = Rotating(Credentials(pypiserver_index.username, "expired-token"), fresh)
    result = make(proxy, pypiserver_index, source).upload(Step(dists[0], Action.UPLOAD))
    assert result.outcome.status is Status.UPLOADED and result.error is None
    assert source.renewals == 1
    assert [r.status for r in proxy.requests(method="POST")] == [403, 200]


def test_retries_spent_then_the_index_decides_the_file_was_ours(
    proxy: FaultProxy,
    pypiserver_index: servers.RunningIndex,
    dists: list[Distribution],
) -> None:
    proxy.add(Rule(Stall(after_forward=True), method="POST"))  # stored, never answered
    result = make(proxy, pypiserver_index, creds(pypiserver_index)).upload(
        Step(dists[0], Action.UPLOAD)
    )
    assert result.outcome.status is Status.UPLOADED
    assert "stored by an earlier attempt whose answer was lost" in result.outcome.message
    assert servers.list_files(pypiserver_index, dists[0].project) == {
        dists[0].filename: dists[0].hashes.sha256
    }


def test_refused_as_existing_is_decided_by_reading_the_index(
    proxy: FaultProxy,
    pypiserver_index: servers.RunningIndex,
    dists: list[Distribution],
    tmp_path: Path,
) -> None:
    same, other = dists[0], dists[1]
    seed(pypiserver_index, [same.path])  # another job won the race with the same bytes
    theirs = samples.build_project(
        tmp_path / "theirs", str(other.project), "1.0", payload="another build"
    )
    seed(pypiserver_index, [p for p in theirs if p.name == other.filename])
    uploader = make(proxy, pypiserver_index, creds(pypiserver_index))
    raced = uploader.upload(Step(same, Action.UPLOAD))
    assert raced.outcome.status is Status.SKIPPED_IDENTICAL and raced.error is None
    assert "another job won the race" in raced.outcome.message
    clash = uploader.upload(Step(other, Action.UPLOAD))
    assert clash.outcome.status is Status.MISMATCH
    assert isinstance(clash.error, MismatchError)
    assert "appeared on the index during the run with different content" in clash.error.message


def test_a_refusal_without_the_file_there_is_an_auth_error_naming_the_convention(
    proxy: FaultProxy,
    pypiserver_index: servers.RunningIndex,
    dists: list[Distribution],
) -> None:
    bad = Credentials(pypiserver_index.username, "wrong")
    result = make(proxy, pypiserver_index, Rotating(bad, bad)).upload(Step(dists[0], Action.UPLOAD))
    assert result.outcome.status is Status.FAILED
    assert isinstance(result.error, AuthError)
    assert "HTTP 403" in result.error.message and "htpasswd" in result.error.advice


def test_a_batch_stops_after_a_failure_and_reports_every_file_once(
    proxy: FaultProxy,
    pypiserver_index: servers.RunningIndex,
    tmp_path: Path,
) -> None:
    files = [
        p for v in ("1.0", "1.1", "1.2") for p in samples.build_project(tmp_path / v, "up-batch", v)
    ]
    dists = list(inspect(files, verify=True))
    proxy.add(
        Rule(Respond(400, {"Content-Type": "text/plain"}, "bad metadata"), method="POST", times=1)
    )
    seen: list[tuple[str, Status]] = []

    def on_result(step: Step, result: UploadResult) -> None:
        seen.append((step.dist.filename, result.outcome.status))

    steps = [Step(d, Action.UPLOAD, project_is_new=True) for d in dists]
    results = upload_all(
        make(proxy, pypiserver_index, creds(pypiserver_index)),
        steps,
        slots=4,
        reporter=SilentReporter(),
        on_result=on_result,
    )
    assert [r.outcome.filename for r in results] == [d.filename for d in dists]  # plan order
    assert sorted(name for name, _ in seen) == sorted(d.filename for d in dists)  # each once
    statuses = [status for _, status in seen]
    assert statuses[0] is Status.FAILED  # the project's first file goes alone, and fails
    assert statuses.count(Status.NOT_ATTEMPTED) == len(dists) - 1
    assert len(proxy.requests(method="POST")) == 1
    first = min(dists, key=lambda d: d.size)
    assert seen[0][0] == first.filename
    assert canonicalize_name(first.project) == "up-batch"
