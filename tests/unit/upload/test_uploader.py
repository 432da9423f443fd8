"""`upload`: the form, one file's upload and its recovery paths, credential renewal, and the
whole batch's ordering and bookkeeping — against a real pypiserver behind a FaultProxy."""

from __future__ import annotations

from pathlib import Path

from publish_action.distributions import Distribution
from publish_action.errors import AuthError, MismatchError
from publish_action.plan import Action, Step
from publish_action.reporting import Status
from publish_action.settings import Credentials
from tests.scenarios.conftest import seed
from tests.support import samples, servers
from tests.support.fault_proxy import FaultProxy, Rule, Stall
from tests.unit.upload.harness import Rotating, creds, make


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
