"""The reporter interface: the core never prints, it tells a reporter.

`FanOut` sends every event to the console, GitHub and the JSON report; it writes the report
first at the end, so that the outputs can say where it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from publish_action.errors import PublishError
from publish_action.reporting.results import FileOutcome, RunResult, Transfer

if TYPE_CHECKING:
    from publish_action.reporting.json_report import JsonReport


class Reporter(Protocol):
    def info(self, message: str) -> None: ...
    def warning(self, message: str, *, filename: str | None = None) -> None: ...
    def debug(self, message: str) -> None: ...
    def file_done(self, outcome: FileOutcome) -> None: ...
    def in_flight(self, filename: str, sent: int, total: int, seconds: float) -> None: ...
    def progress(self, transfer: Transfer) -> None: ...
    def failed(self, error: PublishError, *, traceback: str = "") -> None: ...
    def finish(self, result: RunResult) -> None: ...


class FanOut:
    """Sends every event to several reporters (console, GitHub, JSON report)."""

    def __init__(self, reporters: Sequence[Reporter], *, report: JsonReport | None = None) -> None:
        self.reporters = tuple(reporters)
        self.report = report

    def info(self, message: str) -> None:
        for r in self.reporters:
            r.info(message)

    def warning(self, message: str, *, filename: str | None = None) -> None:
        for r in self.reporters:
            r.warning(message, filename=filename)

    def debug(self, message: str) -> None:
        for r in self.reporters:
            r.debug(message)

    def file_done(self, outcome: FileOutcome) -> None:
        for r in self.reporters:
            r.file_done(outcome)

    def in_flight(self, filename: str, sent: int, total: int, seconds: float) -> None:
        for r in self.reporters:
            r.in_flight(filename, sent, total, seconds)

    def progress(self, transfer: Transfer) -> None:
        for r in self.reporters:
            r.progress(transfer)

    def failed(self, error: PublishError, *, traceback: str = "") -> None:
        for r in self.reporters:
            r.failed(error, traceback=traceback)

    def finish(self, result: RunResult) -> None:
        """The JSON report first, so that the outputs can say where it is; a report that
        cannot be written is a warning: it never changes the run's exit code."""
        if self.report is not None:
            try:
                self.report.write(result)
                result = replace(result, report_path=self.report.path)
            except OSError as exc:
                self.warning(
                    f"could not write the JSON report {self.report.path}: {exc.strerror or exc}"
                )
        for r in self.reporters:
            r.finish(result)


class SilentReporter:
    """Base for reporters that only care about a few events."""

    def info(self, message: str) -> None:
        pass

    def warning(self, message: str, *, filename: str | None = None) -> None:
        pass

    def debug(self, message: str) -> None:
        pass

    def file_done(self, outcome: FileOutcome) -> None:
        pass

    def in_flight(self, filename: str, sent: int, total: int, seconds: float) -> None:
        pass

    def progress(self, transfer: Transfer) -> None:
        pass

    def failed(self, error: PublishError, *, traceback: str = "") -> None:
        pass

    def finish(self, result: RunResult) -> None:
        pass
