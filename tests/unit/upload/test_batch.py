"""upload/batch.py: uploading a plan's files, stopping after a failure, reporting each once."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from publish_action.distributions import inspect
from publish_action.plan import Action, Step
from publish_action.reporting import SilentReporter, Status
from publish_action.upload import UploadResult, schedule, upload_all
from tests.support import samples, servers
from tests.support.fault_proxy import Delay, FaultProxy, Respond, Rule
from tests.unit.upload.harness import creds, make


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


def test_first_alone_is_off_where_the_index_takes_concurrent_first_uploads() -> None:
    """pypiserver keeps files in a folder with no project record (targets/facts.py)."""
    from publish_action.targets import IndexKind, facts_of

    assert facts_of(IndexKind.PYPISERVER).concurrent_first_uploads
    assert not facts_of(IndexKind.PYPI).concurrent_first_uploads
    assert not facts_of(IndexKind.DEVPI).concurrent_first_uploads


def test_the_next_large_file_goes_out_while_the_index_stores_the_one_before(
    proxy: FaultProxy,
    pypiserver_index: servers.RunningIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every file counts as large here; the index takes 0.4 s to answer each upload. The
    second body goes out while the first waits for its answer; the third waits for an answer
    (never more than one large body on the wire, nor more than two large files in flight)."""
    monkeypatch.setattr(schedule, "LARGE_FILE", 1)
    files = [
        p for v in ("1.0", "1.1", "1.2") for p in samples.build_project(tmp_path / v, "big-ones", v)
    ][::2]
    dists = list(inspect(files, verify=True))
    proxy.add(Rule(Delay(0.4), method="POST"))
    steps = [Step(d, Action.UPLOAD, project_is_new=False) for d in dists]
    results = upload_all(
        make(proxy, pypiserver_index, creds(pypiserver_index)),
        steps,
        slots=4,
        reporter=SilentReporter(),
        on_result=lambda step, result: None,
        first_alone=False,
    )
    assert {r.outcome.status for r in results} == {Status.UPLOADED}
    posts = sorted(proxy.requests(method="POST"), key=lambda r: r.started)
    assert len(posts) == 3
    first, second, third = posts
    assert first.finished is not None and second.finished is not None
    assert second.started < first.finished  # out while the first was being stored
    assert third.started >= min(first.finished, second.finished) - 0.05
