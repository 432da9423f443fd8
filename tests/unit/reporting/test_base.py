"""reporting/base.py: `FanOut` gives every event to every reporter, and writes the JSON report
first at the end so the others can say where it is; a report it cannot write is a warning."""

from __future__ import annotations

from pathlib import Path

from publish_action.errors import InputError, PublishError
from publish_action.redaction import Redactor
from publish_action.reporting import (
    FanOut,
    FileOutcome,
    JsonReport,
    RunResult,
    SilentReporter,
    Status,
)
from tests.support.dists import distribution


class Recorder(SilentReporter):
    def __init__(self) -> None:
        self.events: list[tuple[object, ...]] = []
        self.results: list[RunResult] = []

    def info(self, message: str) -> None:
        self.events.append(("info", message))

    def warning(self, message: str, *, filename: str | None = None) -> None:
        self.events.append(("warning", message, filename))

    def debug(self, message: str) -> None:
        self.events.append(("debug", message))

    def file_done(self, outcome: FileOutcome) -> None:
        self.events.append(("file_done", outcome.filename))

    def in_flight(self, filename: str, sent: int, total: int, seconds: float) -> None:
        self.events.append(("in_flight", filename, sent, total, seconds))

    def failed(self, error: PublishError, *, traceback: str = "") -> None:
        self.events.append(("failed", error.message, traceback))

    def finish(self, result: RunResult) -> None:
        self.results.append(result)


def result() -> RunResult:
    return RunResult(
        outcomes=(FileOutcome.of(distribution(), Status.UPLOADED),), exit_code=0, seconds=0.1
    )


def test_every_event_reaches_every_reporter_in_order() -> None:
    first, second = Recorder(), Recorder()
    fan = FanOut([first, second])
    fan.info("hello")
    fan.warning("careful", filename="demo-1.0.tar.gz")
    fan.debug("detail")
    fan.file_done(FileOutcome.of(distribution(), Status.UPLOADED))
    fan.in_flight("demo-1.0.tar.gz", 5, 10, 1.0)
    fan.failed(InputError("bad"), traceback="tb")
    fan.finish(result())
    expected = [
        ("info", "hello"),
        ("warning", "careful", "demo-1.0.tar.gz"),
        ("debug", "detail"),
        ("file_done", "demo-1.0.tar.gz"),
        ("in_flight", "demo-1.0.tar.gz", 5, 10, 1.0),
        ("failed", "bad", "tb"),
    ]
    assert first.events == expected and second.events == expected
    assert first.results == second.results == [result()]  # no report: no path


def test_the_report_is_written_first_and_its_path_reaches_the_reporters(tmp_path: Path) -> None:
    seen = Recorder()
    path = tmp_path / "report.json"
    FanOut([seen], report=JsonReport(path, Redactor())).finish(result())
    assert path.is_file()
    [finished] = seen.results
    assert finished.report_path == path and finished.exit_code == 0


def test_an_unwritable_report_is_a_warning_and_changes_nothing_else(tmp_path: Path) -> None:
    seen = Recorder()
    (tmp_path / "a-file").write_text("")
    path = tmp_path / "a-file" / "report.json"  # its folder cannot be made
    FanOut([seen], report=JsonReport(path, Redactor())).finish(result())
    [warning] = seen.events
    assert warning[0] == "warning" and str(path) in str(warning[1])
    assert str(warning[1]).startswith("could not write the JSON report")
    [finished] = seen.results
    assert finished.report_path is None and finished.exit_code == 0
