"""pipeline/stages.py: the stages a run goes through, one at a time, against a real index:
finding the files, which credentials the check reads with, and the plan the check records."""

from __future__ import annotations

import re
from pathlib import Path

from publish_action.cancellation import Cancellation
from publish_action.ci import CiEnvironment
from publish_action.distributions import inspect
from publish_action.ledger import Ledger
from publish_action.net import Net, NetSettings
from publish_action.pipeline import stages
from publish_action.pipeline.state import RunState
from publish_action.plan import Action, Plan, Step
from publish_action.reporting import FileOutcome, SilentReporter, Status
from publish_action.settings import Settings
from publish_action.simple_index import Comparison
from tests.scenarios.conftest import seed
from tests.support import servers
from tests.support.dists import write_sdist, write_wheel
from tests.support.fault_proxy import FaultProxy
from tests.unit.pipeline.harness import settings_for, unique_project


class Recorder(SilentReporter):
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.done: list[FileOutcome] = []

    def info(self, message: str) -> None:
        self.lines.append(message)

    def debug(self, message: str) -> None:
        self.lines.append(f"debug: {message}")

    def warning(self, message: str, *, filename: str | None = None) -> None:
        self.lines.append(f"warning: {filename}: {message}")

    def file_done(self, outcome: FileOutcome) -> None:
        self.done.append(outcome)


def run_state(settings: Settings, reporter: Recorder) -> RunState:
    return RunState(
        settings,
        reporter,
        Ledger(reporter, hold_uploads=False),
        Cancellation(),
        CiEnvironment.read({}),
    )


def net() -> Net:
    return Net(NetSettings(timeout=5.0, retries=0), environ={})


def test_distributions_are_listed_and_other_files_ignored(
    pypiserver_index: servers.RunningIndex, tmp_path: Path
) -> None:
    write_wheel(tmp_path, "demo", "1.0")
    (tmp_path / "notes.txt").write_text("not a distribution")
    seen = Recorder()
    dists = stages.distributions(settings_for(pypiserver_index, tmp_path), seen)
    assert [d.filename for d in dists] == ["demo-1.0-py3-none-any.whl"]
    assert seen.lines[0] == "debug: ignoring notes.txt (not a wheel or sdist)"
    assert seen.lines[1] == f"found 1 distribution(s) in {tmp_path}"
    assert seen.lines[2].startswith("  demo-1.0-py3-none-any.whl (")


def test_upload_credentials_are_sent_to_the_check_url_only_on_the_same_origin(
    pypiserver_index: servers.RunningIndex, tmp_path: Path
) -> None:
    write_sdist(tmp_path, unique_project("stages"), "1.0")
    with (
        FaultProxy(pypiserver_index.root_url) as same,
        FaultProxy(pypiserver_index.root_url) as other,
    ):
        via = same.index(pypiserver_index)
        for check_url, proxy, sent in (
            (via.index_url, same, True),
            (other.index(pypiserver_index).index_url, other, False),
        ):
            settings = settings_for(via, tmp_path, f"--index-url={check_url}")
            seen = Recorder()
            run = run_state(settings, seen)
            run.dists = stages.distributions(settings, seen)
            with net() as client:
                index = stages.index_client(settings, seen, client)
                assert index is not None
                stages.check(run, index)
            reads = proxy.requests(method="GET")
            assert reads and {r.has_authorization for r in reads} == {sent}


def test_the_check_records_what_it_decided_and_warns_of_a_skip_by_name(
    pypiserver_index: servers.RunningIndex, tmp_path: Path
) -> None:
    name = unique_project("stages")
    (tmp_path / "theirs").mkdir()
    (tmp_path / "ours").mkdir()
    other = f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\nSummary: another build\n"
    seed(pypiserver_index, [write_sdist(tmp_path / "theirs", name, "1.0", other)])
    write_sdist(tmp_path / "ours", name, "1.0")
    write_wheel(tmp_path / "ours", name, "1.0")
    settings = settings_for(pypiserver_index, tmp_path / "ours", "--on-existing=skip")
    seen = Recorder()
    run = run_state(settings, seen)
    run.dists = stages.distributions(settings, seen)
    with net() as client:
        stages.target(run, client)  # pypiserver's root URL: the server says what it is
        plan = stages.check(run, stages.index_client(run.settings, seen, client))
    assert sorted(s.action.name for s in plan.steps) == ["SKIP_EXISTING", "UPLOAD"]
    assert [s.dist.kind for s in plan.uploads] == ["wheel"]
    [skipped] = seen.done
    assert skipped.status is Status.SKIPPED_EXISTING
    assert skipped.message == "different content on the index, skipped by name"
    assert skipped.remote_hash.startswith("sha256=")
    assert any(
        line.startswith(f"warning: {skipped.filename}: same name but different content")
        and "skipped because on-existing is 'skip'" in line
        for line in seen.lines
    )
    assert (
        "checked 1 project(s): 1 file(s) to upload, 0 already on the index, 1 different on "
        "the index, skipped by name" in seen.lines
    )
    assert Action.UPLOAD in {s.action for s in plan.uploads}


def test_the_checked_line_counts_every_file_once_by_what_the_run_does_with_it(
    tmp_path: Path,
) -> None:
    files = [write_wheel(tmp_path, f"count{i}", "1.0") for i in range(7)]
    dists = inspect(files, verify=False)
    same = Comparison(True, "sha256", "a" * 64, "a" * 64)
    other = Comparison(False, "sha256", "a" * 64, "b" * 64)
    actions = [
        (Action.UPLOAD, None),
        (Action.UPLOAD, None),
        (Action.OVERWRITE, other),
        (Action.SKIP_IDENTICAL, same),
        (Action.MISMATCH, other),
        (Action.SKIP_EXISTING, other),
        (Action.PRESENT, same),
    ]
    plan = Plan(tuple(Step(d, a, c) for d, (a, c) in zip(dists, actions, strict=True)))
    line = stages._checked_line(7, plan)
    assert line == (
        "checked 7 project(s): 3 file(s) to upload (1 overwriting a different file), "
        "1 already on the index, 1 different on the index, 1 different on the index, skipped "
        "by name, 1 identical on the index but refused by on-existing 'error'"
    )
    counted = [int(n) for n in re.findall(r"(?:: |, )(\d+) ", line)]
    assert sum(counted) == len(dists)
    # The common lines keep their words.
    only = Plan((Step(dists[0], Action.UPLOAD), Step(dists[1], Action.SKIP_IDENTICAL, same)))
    assert stages._checked_line(1, only) == (
        "checked 1 project(s): 1 file(s) to upload, 1 already on the index"
    )
    refused = Plan((Step(dists[0], Action.MISMATCH, other), Step(dists[1], Action.PRESENT, same)))
    assert stages._checked_line(1, refused) == (
        "checked 1 project(s): 0 file(s) to upload, 0 already on the index, 1 different on the "
        "index, 1 identical on the index but refused by on-existing 'error'"
    )


def test_files_given_as_arguments_are_published_instead_of_packages_dir(
    pypiserver_index: servers.RunningIndex, tmp_path: Path
) -> None:
    (tmp_path / "packages").mkdir()
    write_wheel(tmp_path / "packages", "unwanted", "1.0")
    chosen = write_sdist(tmp_path, "chosen", "1.0")
    settings = settings_for(pypiserver_index, tmp_path / "packages", str(chosen))
    assert settings.files == (chosen,)
    seen = Recorder()
    dists = stages.distributions(settings, seen)
    assert [d.filename for d in dists] == ["chosen-1.0.tar.gz"]
    assert seen.lines[0] == "found 1 distribution(s) among the files given"
