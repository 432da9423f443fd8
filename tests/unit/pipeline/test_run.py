"""pipeline/run.py: `publish` runs every stage against a real index and returns every failure
as the result's error, with each file's outcome recorded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish_action.cancellation import Cancellation, Reason
from publish_action.ci import CiEnvironment
from publish_action.errors import ExitCode, InternalError
from publish_action.pipeline import stages
from publish_action.pipeline.run import publish
from publish_action.redaction import Redactor
from publish_action.reporting import FileOutcome, Reporter, RunResult, SilentReporter, Status
from tests.support import servers
from tests.support.dists import write_sdist, write_wheel
from tests.support.fault_proxy import Delay, FaultProxy, Respond, Rule
from tests.unit.pipeline.harness import settings_for, unique_project


class Recorder(SilentReporter):
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.done: list[FileOutcome] = []

    def info(self, message: str) -> None:
        self.lines.append(message)

    def file_done(self, outcome: FileOutcome) -> None:
        self.done.append(outcome)


def run(
    index: servers.RunningIndex,
    packages: Path,
    *extra: str,
    reporter: Reporter | None = None,
    cancellation: Cancellation | None = None,
) -> RunResult:
    redactor = Redactor()
    return publish(
        settings_for(index, packages, *extra, redactor=redactor),
        reporter or SilentReporter(),
        ci_env=CiEnvironment.read({}),
        environ={},
        redactor=redactor,
        cancellation=cancellation,
    )


@pytest.fixture
def packages(tmp_path: Path) -> Path:
    folder = tmp_path / "dist"
    folder.mkdir()
    name = unique_project("run")
    write_wheel(folder, name, "1.0")
    write_sdist(folder, name, "1.0")
    return folder


def test_a_run_uploads_confirms_and_a_rerun_skips(
    pypiserver_index: servers.RunningIndex, packages: Path
) -> None:
    seen = Recorder()
    result = run(pypiserver_index, packages, reporter=seen)
    assert result.exit_code == 0 and result.error is None, result.error
    assert [o.status for o in result.outcomes] == [Status.UPLOADED, Status.UPLOADED]
    assert sorted(o.filename for o in seen.done) == sorted(p.name for p in packages.iterdir())
    assert {"inspect", "check", "credentials", "upload", "confirm"} <= set(result.timings)
    assert any(line.startswith("found 2 distribution(s)") for line in seen.lines)
    rerun = run(pypiserver_index, packages)
    assert rerun.exit_code == 0
    assert {o.status for o in rerun.outcomes} == {Status.SKIPPED_IDENTICAL}


def test_a_dry_run_sends_nothing(pypiserver_index: servers.RunningIndex, packages: Path) -> None:
    result = run(pypiserver_index, packages, "--dry-run=true")
    assert result.exit_code == 0 and result.dry_run
    assert {o.status for o in result.outcomes} == {Status.WOULD_UPLOAD}
    project = result.outcomes[0].project
    assert servers.list_files(pypiserver_index, project) == {}


def test_a_stop_before_the_run_records_every_file_as_not_attempted(
    pypiserver_index: servers.RunningIndex, packages: Path
) -> None:
    cancellation = Cancellation()
    cancellation.request(Reason.SIGTERM)
    result = run(pypiserver_index, packages, cancellation=cancellation)
    assert result.exit_code == ExitCode.TERMINATED
    assert {o.status for o in result.outcomes} == {Status.NOT_ATTEMPTED}
    assert result.error is not None
    assert result.error.details == (
        "not uploaded: " + ", ".join(o.filename for o in result.outcomes),
    )
    assert result.error.advice.startswith("re-run the job")


def test_the_deadline_stops_the_run_and_says_so(
    pypiserver_index: servers.RunningIndex, packages: Path
) -> None:
    with FaultProxy(pypiserver_index.root_url) as proxy:
        proxy.add(Rule(Delay(3.0), method="GET"))  # the check's read outlasts the deadline
        result = run(proxy.index(pypiserver_index), packages, "--deadline=1")
    assert result.exit_code == ExitCode.INDEX
    assert result.error is not None
    assert result.error.message == (
        "the run passed its deadline (1 s, input 'deadline') and was stopped"
    )
    assert {o.status for o in result.outcomes} == {Status.NOT_ATTEMPTED}
    assert result.seconds < 3.0


def test_an_unexpected_exception_is_an_internal_error_that_keeps_the_record(
    pypiserver_index: servers.RunningIndex, packages: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> object:
        raise ZeroDivisionError("a bug")  # no real input reaches a bug: one is put in

    monkeypatch.setattr(stages, "check", broken)
    result = run(pypiserver_index, packages)
    assert result.exit_code == ExitCode.INTERNAL
    assert isinstance(result.error, InternalError)
    assert result.error.message == "unexpected internal error: ZeroDivisionError: a bug"
    assert "ZeroDivisionError" in result.error.traceback


def test_an_input_problem_is_the_results_error(
    pypiserver_index: servers.RunningIndex, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run(pypiserver_index, empty)
    assert result.exit_code == ExitCode.INPUT and result.outcomes == ()


def test_a_broken_file_is_reported_as_such_whatever_the_index_answered(
    pypiserver_index: servers.RunningIndex, tmp_path: Path
) -> None:
    folder = tmp_path / "dist"
    folder.mkdir()
    (folder / "broken-1.0-py3-none-any.whl").write_bytes(b"not a zip at all")
    with FaultProxy(pypiserver_index.root_url) as proxy:
        proxy.add(Rule(Respond(503, body=b"down for maintenance"), method="GET"))
        result = run(proxy.index(pypiserver_index), folder)
    assert result.exit_code == ExitCode.DISTRIBUTION
    assert result.error is not None
    assert "broken-1.0-py3-none-any.whl" in " ".join(result.error.details)
