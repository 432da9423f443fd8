"""confirm.py: after the uploads, which files the index does not list with the expected content,
read again until they show or the time is up."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from publish_action.cancellation import Cancellation, Reason, Stopped
from publish_action.confirm import Missing, check_listed, confirm, missing_error
from publish_action.distributions import Distribution, inspect
from publish_action.errors import ExitCode
from publish_action.net import Net, NetSettings
from publish_action.reporting import SilentReporter
from publish_action.simple_index import IndexClient
from tests.scenarios.conftest import seed
from tests.support import servers
from tests.support.dists import write_sdist
from tests.unit.pipeline.harness import unique_project


@pytest.fixture
def index(pypiserver_index: servers.RunningIndex) -> IndexClient:
    net = Net(NetSettings(timeout=5.0, retries=0), environ={})
    return IndexClient(net, pypiserver_index.index_url, SilentReporter(), credentials=None)


def sdist(folder: Path, name: str, summary: str = "s") -> Distribution:
    folder.mkdir(exist_ok=True)
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\nSummary: {summary}\n"
    [dist] = inspect([write_sdist(folder, name, "1.0", meta)], verify=True)
    return dist


def test_a_file_the_index_lists_with_our_content_is_not_missing(
    pypiserver_index: servers.RunningIndex, index: IndexClient, tmp_path: Path
) -> None:
    dist = sdist(tmp_path / "ours", unique_project("confirm"))
    seed(pypiserver_index, [dist.path])
    assert check_listed(index, [dist]) == []
    assert confirm(index, [dist], SilentReporter(), timeout=0) == []


def test_a_file_not_listed_or_listed_with_other_content_is_missing(
    pypiserver_index: servers.RunningIndex, index: IndexClient, tmp_path: Path
) -> None:
    name = unique_project("confirm")
    theirs = sdist(tmp_path / "theirs", name, summary="another build")
    seed(pypiserver_index, [theirs.path])
    ours = sdist(tmp_path / "ours", name)
    absent = sdist(tmp_path / "absent", unique_project("confirm"))
    found = check_listed(index, [ours, absent])
    assert [(m.dist, m.why) for m in found] == [
        (ours, f"listed with sha256={theirs.hashes.sha256}, expected sha256={ours.hashes.sha256}"),
        (absent, "not listed"),
    ]
    assert found[1].url == pypiserver_index.simple_url(absent.project)


def test_confirm_reads_again_until_the_time_is_up(index: IndexClient, tmp_path: Path) -> None:
    absent = sdist(tmp_path / "absent", unique_project("confirm"))
    started = time.monotonic()
    missing = confirm(index, [absent], SilentReporter(), timeout=1.0)
    assert [m.why for m in missing] == ["not listed"]
    assert 0.7 <= time.monotonic() - started < 5  # 0.25 + 0.5 s of waiting, then given up


def test_a_first_round_already_read_is_used_and_a_file_that_appears_is_found(
    pypiserver_index: servers.RunningIndex, index: IndexClient, tmp_path: Path
) -> None:
    dist = sdist(tmp_path / "late", unique_project("confirm"))
    seed(pypiserver_index, [dist.path])  # listed by now, though the first read said not
    first = [Missing(dist, pypiserver_index.simple_url(dist.project), "not listed")]
    assert confirm(index, [dist], SilentReporter(), timeout=5.0, first_round=first) == []


def test_a_stop_while_waiting_ends_the_confirmation_at_once(
    index: IndexClient, tmp_path: Path
) -> None:
    absent = sdist(tmp_path / "absent", unique_project("confirm"))
    cancellation = Cancellation()
    cancellation.request(Reason.SIGINT)
    started = time.monotonic()
    with pytest.raises(Stopped) as caught:
        confirm(index, [absent], SilentReporter(), timeout=30.0, cancellation=cancellation)
    assert caught.value.reason is Reason.SIGINT and time.monotonic() - started < 5


def test_the_missing_error_names_each_file_and_hides_the_password(tmp_path: Path) -> None:
    dist = sdist(tmp_path / "x", "demo")
    error = missing_error(
        [Missing(dist, "http://u:pw-secret@127.0.0.1:1/simple/demo/", "not listed")],
        "http://u:pw-secret@127.0.0.1:1/legacy/",
    )
    assert error.exit_code == ExitCode.INDEX
    assert "pw-secret" not in error.render()
    assert error.message.startswith("1 uploaded file(s) do not appear on the index although ")
    assert error.details[0].startswith("demo-1.0.tar.gz: not listed at ")
    assert "'confirm: false'" in error.advice
